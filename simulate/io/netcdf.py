"""Draws on disk as NetCDF 4, written chunk by chunk as a run streams.

Every sampled input and every output is a variable over ``(chain, draw)`` with one chain
(arviz's layout, so ``xarray.open_dataset`` and ``arviz.summary(..., kind="stats")`` read the
file unchanged); fixed inputs are stored once, as 0-d variables in the group ``fixed``
(``xarray.open_dataset(path, group="fixed")``), not as a billion copies of one number. The file
is written beside its destination and renamed into place only when complete, so an
interrupted run leaves nothing behind.

The file is also arviz InferenceData: ``arviz.from_netcdf`` finds the draws in the group
``prior`` (they are prior predictive draws; HDF5 hard links to the root's variables, so no
byte is stored twice) and the fixed inputs in ``constant_data``; a run with observations adds
``posterior``, ``log_likelihood``, ``observed_data`` and ``sample_stats_prior`` (the
Pareto-smoothed importance log weights of the prior draws).
"""

from __future__ import annotations

import errno
import json
import math
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from simulate import __version__
from simulate.core import interrupts
from simulate.core.sampling import BLOCK_SIZE
from simulate.core.scenario import Scenario
from simulate.io import temporaries

FIXED_GROUP = "fixed"
PRIOR_GROUP, CONSTANT_GROUP = "prior", "constant_data"  # arviz's names
# HDF5's own structures beyond the draws (chunk indexes, attributes), with room to spare
METADATA_BYTES = 8 * 2**20


def variable_attrs(scenario: Scenario, name: str) -> dict[str, Any]:
    """Unit, description, source and provenance of one quantity."""
    attrs: dict[str, Any] = {
        "unit": scenario.unit(name),
        "description": scenario.description_of(name),
    }
    if name in scenario.assumptions:
        assumption = scenario.assumptions[name]
        attrs.update(
            kind="assumption",
            source=assumption.source,
            distribution=assumption.distribution.summary,
            declared=f"{assumption.declaration} {assumption.declared_unit}",
            point=assumption.distribution.point,
        )
    elif name in scenario.derived:
        derived = scenario.derived[name]
        attrs.update(kind="derived", source=derived.source, expression=derived.expression.text)
    else:
        model = next(m for m in scenario.models if name in [p.name for p in m.outputs])
        attrs.update(kind="model output", model=model.name, source=model.source)
    return attrs


def dataset_attrs(scenario: Scenario, draws: int, seed: int | None, method: str) -> dict:
    """The global attributes of a run's Dataset or file."""
    return {
        "scenario": scenario.name,
        "title": scenario.title,
        "seed": seed if seed is not None else "none (point values)",
        "draws": draws,
        "method": method,
        "version": __version__,
        "priors_file": scenario.path,
        "priors_sha256": scenario.sha256,
        "block_size": BLOCK_SIZE,
        # how assumptions were drawn together (the tables' bytes are in the sha256)
        "rank_correlations": json.dumps(
            [[a, b, rho] for a, b, rho in scenario.dependence.declared]
        ),
        "joint_sets": json.dumps(
            {j.label: {"names": list(j.names), "from": j.detail} for j in scenario.joint_sets}
        ),
        # assumptions replaced on the command line (the sha256 covers them too)
        "set_on_command_line": json.dumps(dict(scenario.overrides)),
    }


def to_dataset(scenario: Scenario, draws: Any) -> Any:
    """An xarray Dataset over ``draw`` with every input and output and their metadata.

    Dimensions are ``(chain, draw)`` with a single chain: arviz's layout for draws, so
    ``arviz.summary`` and ``arviz.hdi`` accept the Dataset unchanged. A fixed input is a
    broadcast view here, costing no memory (on disk it is stored once: :class:`DrawWriter`).
    """
    import xarray as xr

    variables = {}
    for name, values in {**draws.inputs, **draws.outputs}.items():
        values = np.broadcast_to(np.asarray(values, dtype=float), (draws.draws,))
        variables[name] = xr.Variable(
            ("chain", "draw"), values[np.newaxis, :], attrs=variable_attrs(scenario, name)
        )
    return xr.Dataset(
        variables, attrs=dataset_attrs(scenario, draws.draws, draws.seed, draws.method)
    )


def to_dataset_along(scenario: Scenario, per: Any) -> Any:
    """A run along the scenario's axis as one Dataset: what moves along it (outputs, the
    assumptions with a trajectory, the swept one) over ``(chain, draw, <dimension>)``, the
    other assumptions over ``(chain, draw)``; the coordinate values label the dimension.
    ``per`` holds one :class:`~simulate.core.engine.Draws` per coordinate."""
    import xarray as xr

    axis = scenario.axis
    first = per[0]
    dimension = axis.dimension
    moving = set(scenario.along)
    variables = {}
    for name in [*first.inputs, *first.outputs]:
        attrs = variable_attrs(scenario, name)
        if name in moving or name in first.outputs:
            stacked = np.stack(
                [np.broadcast_to(np.asarray({**d.inputs, **d.outputs}[name], float), (d.draws,))
                 for d in per], axis=-1,
            )  # fmt: skip
            if name == dimension:  # the swept assumption is its coordinate
                continue
            variables[name] = xr.Variable(("chain", "draw", dimension), stacked[np.newaxis], attrs)
        else:
            values = np.broadcast_to(np.asarray(first.inputs[name], dtype=float), (first.draws,))
            variables[name] = xr.Variable(("chain", "draw"), values[np.newaxis, :], attrs)
    coordinate_attrs = variable_attrs(scenario, dimension) if axis.swept else {"unit": "year"}
    values = np.asarray(axis.values, dtype=float if axis.swept else np.int64)
    coords = {dimension: xr.Variable((dimension,), values, coordinate_attrs)}
    attrs = dataset_attrs(scenario, first.draws, first.seed, first.method)
    attrs["dimension"] = dimension
    return xr.Dataset(variables, coords=coords, attrs=attrs)


def link_prior(path: str, names: Sequence[str], attrs: dict[str, Any]) -> None:
    """Add arviz's group ``prior`` to the NetCDF file at ``path``: HDF5 hard links to the
    root's variables ``names`` (stored once; ``xarray.open_dataset`` still reads the root)."""
    import h5netcdf
    import h5py

    with interrupts.held():
        with h5netcdf.File(path, "a") as file:
            file.create_group(PRIOR_GROUP).attrs.update(attrs)
        with h5py.File(path, "a") as file:
            for name in names:
                file[PRIOR_GROUP][name] = file[name]


def summary_attrs(entry: Any) -> dict[str, Any]:
    """A quantity's reported statistics as attributes of its variable: the percentiles the
    run printed, each with its Monte Carlo standard error (NaN where there is none), the 90 %
    HDI, mean and sd — so a saved file says how much its draws can tell."""

    def numbers(values: Any) -> list[float]:
        return [math.nan if v is None else float(v) for v in values]

    return {
        "summary_percentiles": [float(q) for q, _ in entry.percentiles],
        "summary_percentile_values": numbers(v for _, v in entry.percentiles),
        "summary_percentile_mcse": numbers(e for _, e in entry.mcse)
        if entry.mcse
        else [math.nan] * len(entry.percentiles),
        "summary_hdi_90": numbers(entry.hdi_90),
        "summary_mean": math.nan if entry.mean is None else float(entry.mean),
        "summary_sd": math.nan if entry.sd is None else float(entry.sd),
        "summary_mcse_method": "order statistics: half the spread of the values at the "
        "ranks one binomial sd either side",
    }


def moving_and_still(scenario: Scenario) -> tuple[list[str], list[str]]:
    """What a file stores once per coordinate of the scenario's axis (what moves along it and
    every output), and once per draw (the other sampled assumptions); without an axis,
    nothing moves. A swept assumption is the coordinate itself, stored as neither."""
    axis = scenario.axis
    if axis is None:
        return [], [*scenario.sampled, *scenario.outputs]
    swept = {axis.dimension} if axis.swept else set()
    moving = [n for n in [*scenario.along, *scenario.outputs] if n not in swept]
    still = [n for n in scenario.sampled if n not in moving and n not in swept]
    return moving, still


def file_bytes(scenario: Scenario, draws: int) -> int:
    """The size of a run's draws on disk (uncompressed float64)."""
    moving, still = moving_and_still(scenario)
    coordinates = len(scenario.axis.values) if scenario.axis is not None else 0
    return 8 * draws * (len(still) + coordinates * len(moving))


def reserved_bytes(data_bytes: int) -> int:
    """The disk space claimed for a file of ``data_bytes`` of draws (see :func:`reserve_space`)."""
    return data_bytes + data_bytes // 50 + METADATA_BYTES


def short_of_space(scenario: Scenario, draws: int, path: str | Path) -> str | None:
    """Why the disk cannot hold the file (``None`` if it can), said before a run starts."""
    folder = Path(path).resolve().parent
    while not folder.exists():
        folder = folder.parent
    needed = reserved_bytes(file_bytes(scenario, draws))
    free = shutil.disk_usage(folder).free
    if needed > free:
        return (
            f"{draws:,} draws need about {needed / 2**30:,.1f} GiB on disk, but "
            f"{folder} has {free / 2**30:,.1f} GiB free; use fewer --draws or another place"
        )
    return None


def reserve_space(path: str | Path, data_bytes: int) -> None:
    """Claim the disk blocks a file will need before HDF5 writes it.

    HDF5 meets a full disk badly: its write errors surface in destructors, the file it then
    closes is truncated but looks whole, and the process can crash at exit. With the blocks
    reserved up front (the file's size grows; HDF5 trims it to what it wrote when it closes),
    a full disk is an ``OSError`` here, before any draw is written, and a disk that fills
    during the run (another program writing) cannot take the space this file is writing into.
    """
    if not hasattr(os, "posix_fallocate"):  # not on this system: HDF5 takes its chances
        return
    reserve = reserved_bytes(data_bytes)
    with open(path, "r+b") as file:
        try:
            os.posix_fallocate(file.fileno(), 0, reserve)
        except OSError as exc:
            if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
                raise


class DrawWriter:
    """Write a run's draws chunk by chunk: ``with DrawWriter(...) as w: w.write(start, arrays)``.

    ``fixed`` maps each fixed input to its value; the others arrive through :meth:`write`.
    Along a scenario's axis (years or a sweep), what moves and every output are over
    ``(chain, draw, <dimension>)``, written one coordinate at a time (``write(start, arrays,
    index)``), the other sampled assumptions over ``(chain, draw)``; the dimension's
    coordinate variable holds the years or swept values.
    """

    def __init__(
        self,
        path: str | Path,
        scenario: Scenario,
        draws: int,
        seed: int | None,
        method: str,
        fixed: dict[str, np.ndarray],
        extra_bytes: int = 0,
    ) -> None:
        self.path = Path(path)
        self.extra_bytes = extra_bytes  # groups added after the draws (a posterior)
        self.scenario = scenario
        self.draws = draws
        self.moving, still = moving_and_still(scenario)
        self.names = [*still, *self.moving] if scenario.axis is not None else still
        self._stored = set(self.names)
        self.attrs = dataset_attrs(scenario, draws, seed, method)
        if scenario.axis is not None:
            self.attrs["dimension"] = scenario.axis.dimension
        swept = scenario.axis.dimension if scenario.axis and scenario.axis.swept else None
        self.fixed = {n: v for n, v in fixed.items() if n not in self.moving and n != swept}
        self._file: Any = None
        self._temporary = ""

    def __enter__(self) -> DrawWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with interrupts.deferred():  # a signal now is raised once the name is known
                self._temporary = temporaries.make_file(self.path)
            self._create()
        except BaseException:  # an interrupt while the file is laid out leaves nothing behind
            try:
                if self._file is not None:
                    self._file.close()  # may fail on a half-made file: the unlink still runs
            finally:
                self.discard()
            raise
        return self

    def discard(self) -> None:
        """Remove the temporary file if it is still there (a no-op once it was moved into
        place): registered before entering, so a signal between entering and registering the
        exit cannot leave it behind."""
        if self._temporary:
            Path(self._temporary).unlink(missing_ok=True)

    def _create(self) -> None:
        import h5netcdf

        self._file = h5netcdf.File(self._temporary, "w")
        reserve_space(self._temporary, file_bytes(self.scenario, self.draws) + self.extra_bytes)
        self._file.dimensions = {"chain": 1, "draw": self.draws}
        self._file.attrs.update(self.attrs)
        self._file.attrs["fixed_inputs"] = (
            f"stored once, in the group '{FIXED_GROUP}': {', '.join(self.fixed) or 'none'}"
        )
        chunk = (1, max(1, min(self.draws, 4 * BLOCK_SIZE)))
        along = self._coordinate()
        for name in self.names:
            if name in self.moving:  # a coordinate's draws are one chunk column
                dimensions, chunks = ("chain", "draw", along), (*chunk, 1)
            else:
                dimensions, chunks = ("chain", "draw"), chunk
            variable = self._file.create_variable(name, dimensions, np.float64, chunks=chunks)
            variable.attrs.update(variable_attrs(self.scenario, name))
        prior = self._file.create_group(PRIOR_GROUP)  # filled with links as the file closes
        prior.attrs.update(self.attrs)
        for label in (FIXED_GROUP, CONSTANT_GROUP) if self.fixed else ():
            group = self._file.create_group(label)
            for name, value in self.fixed.items():
                variable = group.create_variable(name, (), np.float64, data=float(value))
                variable.attrs.update(variable_attrs(self.scenario, name))

    def _coordinate(self) -> str:
        """The axis's dimension and its coordinate variable (years as integers)."""
        axis = self.scenario.axis
        if axis is None:
            return ""
        self._file.dimensions[axis.dimension] = len(axis.values)
        values = np.asarray(axis.values, dtype=np.float64 if axis.swept else np.int64)
        variable = self._file.create_variable(
            axis.dimension, (axis.dimension,), values.dtype, data=values
        )
        attrs = variable_attrs(self.scenario, axis.dimension) if axis.swept else {"unit": "year"}
        variable.attrs.update(attrs)
        return axis.dimension

    def add_group(self, label: str, variables: dict[str, tuple[np.ndarray, dict]]) -> None:
        """A group of its own: a variable of one value per draw is over ``(chain, draw)``,
        one of a row per draw over ``(chain, draw, <name>_dim_0)``, any other is
        one-dimensional over ``<name>_dim_0`` (arviz's default names)."""
        with interrupts.held():
            group = self._file.create_group(label)
            group.attrs.update(self.attrs)
            for name, (values, attrs) in variables.items():
                values = np.asarray(values, dtype=float)
                if values.shape == (self.draws,):
                    variable = group.create_variable(
                        name, ("chain", "draw"), np.float64, data=values.reshape(1, -1)
                    )
                elif values.ndim == 2 and values.shape[0] == self.draws:
                    dimension = f"{name}_dim_0"  # the observed_data's dimension
                    if dimension not in group.dimensions:
                        group.dimensions[dimension] = values.shape[1]
                    variable = group.create_variable(
                        name, ("chain", "draw", dimension), np.float64, data=values[None]
                    )
                else:
                    dimension = f"{name}_dim_0"
                    group.dimensions[dimension] = values.size
                    variable = group.create_variable(
                        name, (dimension,), np.float64, data=values.ravel()
                    )
                variable.attrs.update(attrs)

    def add_draw_variable(self, label: str, name: str, attrs: dict[str, Any]) -> None:
        """A variable of one value per draw in group ``label`` (made if new), to be filled
        chunk by chunk with :meth:`write_to`."""
        with interrupts.held():
            group = self._file.groups.get(label) or self._file.create_group(label)
            group.attrs.update(self.attrs)
            chunk = (1, max(1, min(self.draws, 4 * BLOCK_SIZE)))
            variable = group.create_variable(name, ("chain", "draw"), np.float64, chunks=chunk)
            variable.attrs.update(attrs)

    def write_to(self, label: str, name: str, start: int, values: np.ndarray) -> None:
        """Store draws ``start …`` of the variable ``label/name``."""
        with interrupts.held():
            self._file.groups[label].variables[name][0, start : start + len(values)] = values

    def shift(self, label: str, name: str, by: float, attrs: dict[str, Any]) -> None:
        """Add ``by`` to every value of ``label/name`` (a chunk at a time) and set ``attrs``."""
        variable = self._file.groups[label].variables[name]
        step = 16 * BLOCK_SIZE
        for start in range(0, self.draws, step):
            with interrupts.held():
                variable[0, start : start + step] = variable[0, start : start + step] + by
        with interrupts.held():
            variable.attrs.update(attrs)

    def write(self, start: int, arrays: dict[str, np.ndarray], index: int | None = None) -> None:
        """Store draws ``start …`` of every quantity in ``arrays``: along an axis, what moves
        at coordinate ``index`` (given), or what does not (``index`` None: the values of what
        moves, as drawn before it moved, are not stored)."""
        for name, values in arrays.items():
            if name in self.fixed or name not in self._stored:
                continue  # stored once, or not at all (a swept assumption is the coordinate)
            if (index is None) == (name in self.moving):
                continue
            values = np.asarray(values, dtype=float)
            size = len(values) if values.ndim else 1
            with interrupts.held():  # not raised inside HDF5's callbacks, which swallow it
                if index is None:
                    self._file.variables[name][0, start : start + size] = values
                else:
                    self._file.variables[name][0, start : start + size, index] = values

    def annotate(self, summary: Any) -> None:
        """Add the run's summary (percentiles with their standard errors) to each variable."""
        if not hasattr(summary, "draws"):  # a point summary: no statistics over draws
            return
        for name in self.names:
            entry = summary.outputs.get(name) or summary.inputs.get(name)
            if entry is not None and hasattr(entry, "mcse"):
                with interrupts.held():
                    self._file.variables[name].attrs.update(summary_attrs(entry))

    def _link_prior(self) -> None:
        """The draws appear in the group ``prior`` too, as HDF5 hard links: arviz reads them
        there, ``xarray.open_dataset`` at the root, and they are stored once."""
        import h5py

        axis = self.scenario.axis
        with interrupts.held(), h5py.File(self._temporary, "a") as file:
            for name in [*self.names, *([axis.dimension] if axis is not None else [])]:
                file[PRIOR_GROUP][name] = file[name]

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        try:
            if self._file is not None:
                with interrupts.held():
                    self._file.close()
            if kind is None:
                self._link_prior()
                interrupts.place([(self._temporary, self.path)])
        finally:
            Path(self._temporary).unlink(missing_ok=True)


def write_draws(
    path: str | Path,
    scenario: Scenario,
    draws: Any,
    summary: Any = None,
    groups: dict[str, dict[str, tuple[np.ndarray, dict]]] | None = None,
) -> Path:
    """Write a kept run (:class:`~simulate.core.engine.Draws`, the base case included) to ``path``
    in the same layout, with ``summary``'s statistics on each variable when given, and
    ``groups`` (label → name → (values, attrs)) beside the draws."""
    fixed = {
        n: v
        for n, v in draws.inputs.items()
        if n in scenario.assumptions and scenario.assumptions[n].distribution.is_fixed
    }
    arrays = {
        name: np.broadcast_to(np.asarray(values, dtype=float), (draws.draws,))
        for name, values in {**draws.inputs, **draws.outputs}.items()
        if name not in fixed
    }
    extra = sum(
        8 * np.size(values)
        for variables in (groups or {}).values()
        for values, _ in variables.values()
    )
    with DrawWriter(
        path, scenario, draws.draws, draws.seed, draws.method, fixed, int(extra)
    ) as writer:
        for start in range(0, draws.draws, 16 * BLOCK_SIZE):
            stop = min(start + 16 * BLOCK_SIZE, draws.draws)
            writer.write(start, {name: values[start:stop] for name, values in arrays.items()})
        if summary is not None:
            writer.annotate(summary)
        for label, variables in (groups or {}).items():
            writer.add_group(label, variables)
    return Path(path)


def write_draws_along(path: str | Path, scenario: Scenario, per: Sequence[Any]) -> Path:
    """Write a kept run along the scenario's axis (one :class:`~simulate.core.engine.Draws`
    per coordinate, the base case included) in :class:`DrawWriter`'s layout."""
    first = per[0]
    fixed = {
        n: v
        for n, v in first.inputs.items()
        if n in scenario.assumptions and scenario.assumptions[n].distribution.is_fixed
    }

    def column(values: Any) -> np.ndarray:
        return np.broadcast_to(np.asarray(values, dtype=float), (first.draws,))

    with DrawWriter(path, scenario, first.draws, first.seed, first.method, fixed) as writer:
        for start in range(0, first.draws, 16 * BLOCK_SIZE):
            stop = min(start + 16 * BLOCK_SIZE, first.draws)
            still = {n: v for n, v in first.inputs.items() if n in writer.names}
            writer.write(start, {n: column(v)[start:stop] for n, v in still.items()})
            for index, draws in enumerate(per):
                every = {**draws.inputs, **draws.outputs}
                moving = {n: column(every[n])[start:stop] for n in writer.moving}
                writer.write(start, moving, index)
    return Path(path)
