"""Results: the xarray Dataset of a run, its summary, and NetCDF on disk.

A run that keeps its draws is summarised exactly (:func:`summarize`); one too large to keep
is summarised from the sketches it streamed (:func:`summarize_stream`). Either way the result
is a typed :class:`~simulate.summary.Summary` that presentation only renders. Percentiles
interpolate linearly (as ``numpy.percentile``) and the 90 % highest-density interval follows
``arviz.hdi``. Non-finite draws are never summarised silently: they are counted, reported,
and left out.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from simulate import interrupts, temporaries
from simulate.engine import Draws, Streamed, default_workers
from simulate.humanize import humanize, percent
from simulate.scenario import Scenario
from simulate.statistics import Sketch, exact_statistics
from simulate.summary import (
    HISTOGRAM,
    PointValue,
    QuantitySummary,
    Summary,
    ThresholdResult,
    UnknownQuantity,
)
from simulate.thresholds import Threshold, count_hits, threshold_factor

DEFAULT_PERCENTILES = (5.0, 25.0, 50.0, 75.0, 95.0)
HDI_PROBABILITY = 0.9
# Up to this many draws (and 1 GiB of them) a run keeps every draw and its statistics are
# exact; larger runs are summarised as they stream, within 0.05 % of exact and faster (no
# full-length arrays, no sorts). A rule of draws and scenario, never of the machine, so the
# same command gives the same numbers everywhere; ``--statistics`` overrides it.
EXACT_LIMIT_DRAWS = 2**22
EXACT_LIMIT_BYTES = 2**30
STATISTICS = ("auto", "exact", "streamed")


def keeps_every_draw(scenario: Scenario, draws: int, statistics: str = "auto") -> bool:
    """Whether a run of ``draws`` keeps its draws for exact statistics (else it streams)."""
    if statistics != "auto":
        return statistics == "exact"
    kept = len(scenario.sampled) + len(scenario.outputs)
    return draws <= EXACT_LIMIT_DRAWS and 8 * draws * kept <= EXACT_LIMIT_BYTES


def _mean_sd(values: np.ndarray, constant: bool) -> tuple[float | None, float | None, tuple]:
    with np.errstate(over="ignore", invalid="ignore"):  # values near 1e308 overflow
        mean = float(values[0]) if constant else float(np.mean(values))
        sd = 0.0 if constant else float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
        if not (math.isfinite(mean) and math.isfinite(sd)):
            # a sum can overflow where the mean does not: sum the values scaled down
            scale = float(np.max(np.abs(values)))
            scaled = values / scale
            mean = float(np.mean(scaled)) * scale
            sd = float(np.std(scaled, ddof=1)) * scale if len(values) > 1 else 0.0
    return _overflow(mean, sd)


def _overflow(mean: float, sd: float) -> tuple[float | None, float | None, tuple]:
    overflow = tuple(k for k, v in (("mean", mean), ("sd", sd)) if not math.isfinite(v))
    return (
        None if "mean" in overflow else mean,
        None if "sd" in overflow else sd,
        overflow,
    )


def quantity_summary(
    name: str,
    unit: str,
    values: np.ndarray,
    percentiles: Sequence[float],
    thresholds: Iterable[Threshold] = (),
    references: dict[str, np.ndarray] | None = None,
) -> QuantitySummary:
    """Exact statistics of one quantity's draws, over the finite ones.

    ``references`` holds the arrays (in this quantity's unit) that thresholds compare against.
    """
    values = np.asarray(values, dtype=float).ravel()
    results = tuple(
        _threshold_result(t, values, (references or {}).get(t.value)) for t in thresholds
    )
    finite = np.isfinite(values)
    nonfinite = int(values.size - np.count_nonzero(finite))
    if nonfinite:
        values = values[finite]
    if values.size == 0:
        return QuantitySummary(
            name, unit, None, None, tuple((q, None) for q in percentiles), (None, None),
            results, nonfinite,
        )  # fmt: skip
    levels = error_levels(percentiles, values.size)
    quantiles, hdi = exact_statistics(values, [*percentiles, *levels])
    constant = bool(hdi[0] == hdi[1] and values.min() == values.max())
    mean, sd, overflow = _mean_sd(values, constant)
    return QuantitySummary(
        name, unit, mean, sd, tuple(zip(percentiles, quantiles, strict=False)), hdi,
        results, nonfinite, overflow, _standard_errors(percentiles, quantiles),
    )  # fmt: skip


def error_levels(percentiles: Sequence[float], n: int) -> list[float]:
    """The percentiles one binomial standard deviation of rank either side of each asked one:
    the sample q-quantile's rank has sd √(n·q·(1 − q)), so half the distance between the
    values at q ∓ √(q·(1 − q)/n) is its Monte Carlo standard error (order-statistic method;
    e.g. Gelman et al., BDA3 §10.5)."""
    levels = []
    for q in percentiles:
        p = q / 100.0
        step = math.sqrt(p * (1.0 - p) / max(n, 1))
        levels += [100.0 * max(p - step, 0.0), 100.0 * min(p + step, 1.0)]
    return levels


def _standard_errors(
    percentiles: Sequence[float], quantiles: Sequence[float]
) -> tuple[tuple[float, float], ...]:
    """(percentile, standard error) from the values at the levels of :func:`error_levels`,
    which follow the asked percentiles in ``quantiles``."""
    k = len(percentiles)
    return tuple(
        (q, abs(quantiles[k + 2 * i + 1] - quantiles[k + 2 * i]) / 2.0)
        for i, q in enumerate(percentiles)
    )


def _threshold_result(
    threshold: Threshold, values: np.ndarray, reference: np.ndarray | None
) -> ThresholdResult:
    """P(value op limit) over the draws where both sides are numbers: an infinite draw (a
    break-even never reached) counts, on its side of the limit; NaN draws do not."""
    limit = np.broadcast_to(reference, values.shape) if isinstance(threshold.value, str) else None
    hits, seen = count_hits(threshold.op, values, threshold.value if limit is None else limit)
    probability = hits / seen if seen else None
    return ThresholdResult(threshold.name, threshold.op, threshold.value, probability)


def sketch_summary(
    name: str,
    unit: str,
    sketch: Sketch,
    percentiles: Sequence[float],
    thresholds: Sequence[Threshold] = (),
) -> QuantitySummary:
    """Statistics of one quantity from its streamed sketch (:mod:`simulate.statistics`)."""
    results = tuple(
        ThresholdResult(t.name, t.op, t.value, hits / seen if seen else None)
        for t, hits, seen in zip(thresholds, sketch.hits, sketch.seen, strict=True)
    )
    if not sketch.count:
        return QuantitySummary(
            name, unit, None, None, tuple((q, None) for q in percentiles), (None, None),
            results, sketch.nonfinite,
        )  # fmt: skip
    levels = error_levels(percentiles, sketch.count)
    quantiles, hdi = sketch.statistics([*percentiles, *levels])
    mean, sd, overflow = _overflow(*sketch.mean_sd())
    return QuantitySummary(
        name, unit, mean, sd, tuple(zip(percentiles, quantiles, strict=False)), hdi,
        results, sketch.nonfinite, overflow, _standard_errors(percentiles, quantiles),
    )  # fmt: skip


def summarize_values(
    values: np.ndarray,
    percentiles: Sequence[float],
    thresholds: Iterable[Threshold] = (),
    references: dict[str, np.ndarray] | None = None,
) -> dict[str, Any]:
    """mean, sd, percentiles, 90 % HDI and threshold probabilities of one quantity, as the
    JSON entry of DESIGN §5 without its unit."""
    entry = quantity_summary("", "", values, percentiles, thresholds, references).to_dict()
    del entry["unit"]
    return entry


def check_thresholds(scenario: Scenario, thresholds: Sequence[Threshold]) -> None:
    """Refuse, before anything is sampled, a threshold on an unknown quantity
    (:class:`UnknownQuantity`) or one comparing quantities of different dimensions."""
    known = [*scenario.outputs, *scenario.assumptions]
    for threshold in thresholds:
        for name in (threshold.name, threshold.value):
            if isinstance(name, str) and name not in known:
                raise UnknownQuantity(name, known, scenario.name)
        threshold_factor(threshold, scenario.unit)


def summarize(
    scenario: Scenario,
    draws: Draws,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    thresholds: Sequence[Threshold] = (),
    workers: int | None = None,
) -> Summary:
    """The summary of a run that kept its draws (exact), or of point values (``--point``)."""
    check_thresholds(scenario, thresholds)
    if draws.method == "point":
        sections = {
            section: {
                name: PointValue(name, scenario.unit(name), _json_float(v))
                for name, v in arrays.items()
            }
            for section, arrays in (("outputs", draws.outputs), ("inputs", draws.inputs))
        }
        return Summary(scenario.name, "point", sections["outputs"], sections["inputs"])
    known = {**draws.inputs, **draws.outputs}

    def one(item: tuple[str, np.ndarray]) -> QuantitySummary:
        name, values = item
        mine = [t for t in thresholds if t.name == name]
        # a quantity compared with another is compared in its own unit
        references = {
            t.value: known[t.value] * threshold_factor(t, scenario.unit)
            for t in mine
            if isinstance(t.value, str)
        }
        return quantity_summary(name, scenario.unit(name), values, percentiles, mine, references)

    workers = default_workers() if workers is None else workers
    sections = {}
    for section, arrays in (("outputs", draws.outputs), ("inputs", draws.inputs)):
        items = list(arrays.items())
        if workers > 1 and len(items) > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:  # np.sort releases the GIL
                entries = list(pool.map(one, items))
        else:
            entries = [one(item) for item in items]
        sections[section] = dict(zip((name for name, _ in items), entries, strict=True))
    return Summary(
        scenario.name, "draws", sections["outputs"], sections["inputs"],
        draws.draws, draws.seed, draws.method,
    )  # fmt: skip


def summarize_stream(
    scenario: Scenario, streamed: Streamed, percentiles: Sequence[float] = DEFAULT_PERCENTILES
) -> Summary:
    """The summary of a run that streamed (statistics from sketches; see
    :mod:`simulate.statistics` for the error bound of its percentiles and HDI)."""
    sections: dict[str, dict[str, QuantitySummary]] = {"outputs": {}, "inputs": {}}
    for name, sketch in streamed.sketches.items():
        mine = [t for t in streamed.thresholds if t.name == name]
        section = "inputs" if name in scenario.assumptions else "outputs"
        sections[section][name] = sketch_summary(
            name, scenario.unit(name), sketch, percentiles, mine
        )
    return Summary(
        scenario.name, "draws", sections["outputs"], sections["inputs"],
        streamed.draws, streamed.seed, streamed.method, HISTOGRAM,
    )  # fmt: skip


def nonfinite_report(summary: Summary, scenario: Scenario | None = None) -> list[str]:
    """One warning line per quantity with non-finite draws or statistics that overflow.

    With the ``scenario``, draws a model marks infeasible (a batch that does not fit, say) are
    said once, in words, and the NaN they leave in that model's outputs is not said again.
    """
    lines, explained = _infeasible_report(summary, scenario)
    downstream = {
        name: max(explained.values())
        for name in summary.outputs
        if explained and name not in explained
    }
    for entries in (summary.outputs, summary.inputs):
        for name, entry in entries.items():
            count = getattr(entry, "nonfinite", 0)
            if name in explained and 0 < count <= explained[name]:
                continue
            if name in downstream and count == downstream[name]:
                continue  # a quantity computed from the infeasible draws' NaN
            if getattr(entry, "overflow", ()):
                lines.append(
                    f"warning: the {' and '.join(entry.overflow)} of {name} overflow a float "
                    "(its values reach about 1e308); they are left out (null in JSON)"
                )
            count = getattr(entry, "nonfinite", 0)
            if count:
                lines.append(
                    f"warning: {name} is not finite (inf or NaN) in {count} of "
                    f"{summary.draws} draws; its summary uses the other draws"
                )
    return lines


def domain_report(scenario: Scenario, run: Draws | Streamed) -> list[str]:
    """Warnings where sampled draws of a computed model input (a [derived] quantity or another
    model's output) fall outside the input's domain: counted exactly when the draws are kept,
    by the extremes when they streamed. The base case was checked when the file was loaded."""
    from simulate.models.base import DOMAINS

    lines = []
    for model in scenario.models:
        for port in (*model.inputs, *model.optional):
            name = port.name
            if not port.domain or name in scenario.assumptions or name not in scenario.outputs:
                continue
            domain = DOMAINS[port.domain]
            factor = scenario.input_factors.get(name, 1.0)
            if isinstance(run, Draws):
                values = np.asarray(run.outputs[name], dtype=float) * factor
                values = values[~np.isnan(values)]
                low = values >= domain.low if not domain.low_open else values > domain.low
                outside = int(values.size - np.count_nonzero(low & (values <= domain.high)))
                said = f"{outside:,} of {run.draws:,} draws ({100 * outside / run.draws:.3g} %)"
            else:
                sketch = run.sketches[name]
                ends = [sketch.minimum * factor, sketch.maximum * factor] if sketch.count else []
                outside = sum(not domain.holds(v) for v in ends)
                said = "some draws (the extremes of a streamed run; counts need kept draws)"
            if outside:
                lines.append(
                    f"warning: model '{model.name}' reads {name} ({port.description}), which "
                    f"must be {domain.words}, but {said} are outside: what is computed from "
                    "them means nothing; check what it is computed from"
                )
    return lines


FEW_DRAWS = 1000
RELATIVE_ERROR = 0.01


def precision_report(summary: Summary, limit: int = 6) -> list[str]:
    """Warnings where the draws cannot support the printed digits: fewer than ~1,000 draws,
    or an output's percentile whose Monte Carlo standard error exceeds 1 % of it."""
    if summary.mode != "draws":
        return []
    lines = []
    if summary.draws < FEW_DRAWS:
        lines.append(
            f"warning: only {summary.draws:,} draws: percentiles and intervals this few draws "
            "give are rough (standard errors in --format json, key mcse); use --draws 1e5 or more"
        )
    loose = []
    for name, entry in summary.outputs.items():
        worst = None
        for (q, value), (_, error) in zip(entry.percentiles, entry.mcse, strict=False):
            if value is None or error is None or not math.isfinite(value) or value == 0:
                continue
            share = error / abs(value)
            if share > RELATIVE_ERROR and (worst is None or share > worst[2]):
                worst = (q, error, share)
        if worst is not None:
            loose.append((name, *worst))
    for name, q, error, share in loose[:limit]:
        shown = humanize(error, summary.outputs[name].unit, name)
        lines.append(
            f"warning: {name} P{q:g} is known to ±{shown} only ({percent(share)} of it, "
            "one Monte Carlo standard error): more draws would pin it"
        )
    if len(loose) > limit:
        lines.append(f"warning: and {len(loose) - limit} more outputs like it")
    return lines


def _infeasible_report(
    summary: Summary, scenario: Scenario | None
) -> tuple[list[str], dict[str, int]]:
    """Lines about draws a model could not evaluate as stated, and the NaN counts they explain
    (output name → count)."""
    lines: list[str] = []
    explained: dict[str, int] = {}
    if scenario is None:
        return lines, explained
    for model in scenario.models:
        flag = model.infeasible
        entry = summary.outputs.get(flag) if flag else None
        if entry is None:
            continue
        why = next(p.description for p in model.outputs if p.name == flag)
        if isinstance(entry, PointValue):
            if entry.value == 1:
                lines.append(
                    f"warning: model '{model.name}' cannot evaluate the base case as stated: "
                    f"{why[len('1 where ') :] if why.startswith('1 where ') else why} "
                    f"({flag} = 1); its other outputs are not a number"
                )
            continue
        share = entry.mean or 0.0
        count = round(share * summary.draws)
        if count == 0:
            continue
        lines.append(
            f"warning: model '{model.name}' cannot evaluate {count:,} of {summary.draws:,} draws "
            f"({100 * share:.3g} %) as stated: "
            f"{why[len('1 where ') :] if why.startswith('1 where ') else why} ({flag} = 1); "
            "they are not priced, and are left out of the summaries and threshold chances of "
            "its other outputs and of what is computed from them"
        )
        for port in model.outputs:
            if port.name != flag:
                explained[port.name] = count
    return lines, explained


def _json_float(value: Any) -> float | None:
    x = float(np.asarray(value).reshape(-1)[0])
    return x if math.isfinite(x) else None


def unwritable_reason(path: str | Path) -> str | None:
    """Why ``path`` cannot be written as a regular file (``None`` if it can), found before a
    run spends minutes: an empty name, a name too long, a parent that is a file or cannot be
    created or written, or something that is not a regular file already at ``path``."""
    if not str(path).strip():
        return "expected a file name, got an empty one"
    path = Path(path)
    try:
        limit = os.pathconf(path.parent if path.parent.exists() else ".", "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if len(path.name.encode()) > limit:
        return f"the file name is longer than {limit} bytes"
    try:
        if path.exists() and not path.is_file():
            return f"{path} exists and is not a regular file; it will not be replaced"
        ancestor = path.parent
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            return f"{ancestor} is a file, so it cannot hold {path}"
    except OSError as exc:
        return f"cannot use {path}: {exc.strerror}"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"cannot write in {ancestor} (permission denied)"
    return None


def _write_atomically(path: str | Path, write: Callable[[str], None]) -> Path:
    """Call ``write(temporary)`` on a file beside ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = ""
    try:
        with interrupts.deferred():  # a signal now is raised once the name is known
            temporary = temporaries.make_file(path)
        write(temporary)
        interrupts.place([(temporary, path)])
    except BaseException:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_netcdf(dataset: Any, path: str | Path) -> Path:
    """Write ``dataset`` to ``path`` as NetCDF 4, atomically."""
    # Constant variables (fixed assumptions) compress to almost nothing.
    encoding = {
        name: {"zlib": True, "complevel": 1}
        for name, variable in dataset.items()
        if variable.attrs.get("distribution", "").startswith("fixed")
    }
    return _write_atomically(
        path, lambda temporary: dataset.to_netcdf(temporary, engine="h5netcdf", encoding=encoding)
    )


def write_text(text: str, path: str | Path) -> Path:
    """Write ``text`` to ``path`` atomically."""
    return _write_atomically(
        path, lambda temporary: Path(temporary).write_text(text, encoding="utf-8")
    )


def write_together(writers: Sequence[tuple[Path, Callable[[Path], None]]]) -> None:
    """Write several files that belong together (a table and its chart): each writer fills a
    temporary path in a staging folder beside its target, and the files move into place only
    once all are written. An interruption before the moves leaves the old set untouched; a
    move that fails removes the new files already moved, so a new file never stands beside
    an old one (the targets are then missing, never mismatched). The staging folder is named
    after the last target, the document the others belong to."""
    if not writers:
        return
    folder = writers[0][0].parent
    made = [parent for parent in (folder, *folder.parents) if not parent.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    staging: Path | None = None
    complete = False
    try:
        with interrupts.deferred():  # a signal now is raised once the folder's name is known
            staging = temporaries.make_folder(writers[-1][0])
        for target, write in writers:
            write(staging / target.name)
        interrupts.place([(staging / target.name, target) for target, _ in writers])
        complete = True
    finally:
        if staging is not None:
            with interrupts.deferred():  # a signal now must not leave half a folder behind
                shutil.rmtree(staging, ignore_errors=True)
        if not complete:
            for parent in made:  # folders made for a set that never arrived: no empty shells
                try:
                    parent.rmdir()
                except OSError:
                    break
