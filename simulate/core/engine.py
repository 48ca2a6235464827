"""Evaluate a scenario: sampled inputs → derived quantities and model outputs.

:func:`evaluate` is a pure function of arrays (any length, scalars included) that walks the
scenario's steps in dependency order, with the models the scenario names. Both :func:`run` and
:func:`stream` sample block by block and evaluate chunk by chunk, on threads or a Dask cluster
(:mod:`simulate.core.execution`). ``run`` keeps every draw (memory grows with the draws; exact
statistics); ``stream`` hands each chunk's blocks to reducers and drops the draws (memory is a
few chunks, whatever the draws; :mod:`simulate.core.statistics`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulate.core import execution
from simulate.core.execution import default_workers
from simulate.core.sampling import BLOCK_SIZE, Sampler, block_count
from simulate.core.scenario import Scenario
from simulate.core.statistics import BUCKET_BITS, Sketch
from simulate.core.thresholds import Threshold, count_hits, threshold_factor

DEFAULT_CHUNK_SIZE = 2**20


@dataclass
class Draws:
    """Every input and output of a run. Fixed assumptions are 0-d arrays."""

    inputs: dict[str, np.ndarray]
    outputs: dict[str, np.ndarray]
    draws: int
    seed: int | None
    method: str
    scenario: Scenario | None = None

    def to_dataframe(self) -> Any:
        """A pandas DataFrame: one row per draw, one column per quantity (units in
        ``DataFrame.attrs["units"]``)."""
        import pandas as pd

        columns = {
            name: np.broadcast_to(np.asarray(values, dtype=float), (self.draws,))
            for name, values in {**self.inputs, **self.outputs}.items()
        }
        frame = pd.DataFrame(columns)
        frame.index.name = "draw"
        scenario = self._scenario()
        frame.attrs["units"] = {name: scenario.unit(name) for name in columns}
        return frame

    def _scenario(self) -> Scenario:
        if self.scenario is None:
            raise ValueError("these draws carry no scenario")
        return self.scenario


def evaluate(scenario: Scenario, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Compute every derived quantity and model output from the assumptions' values."""
    env: dict[str, np.ndarray] = dict(inputs)
    models = {model.name: model for model in scenario.models}
    with np.errstate(all="ignore"):  # non-finite results are counted and reported later
        for step in scenario.steps:
            if step.kind == "derived":
                env[step.name] = scenario.derived[step.name](env)
                continue
            model = models[step.name]
            ports = [p.name for p in model.inputs]
            # an optional input the model itself computes is not one it was given
            ports += [
                p.name for p in model.optional if p.name in env and p.name not in step.provides
            ]
            # each input in the unit the model declares (a price per Mtoken → per ktoken)
            factors = scenario.input_factors
            arguments = {n: env[n] * factors[n] if n in factors else env[n] for n in ports}
            produced = model.kernel(**arguments)
            for name in step.provides:
                env[name] = produced[name]
    return {name: np.asarray(env[name], dtype=float) for name in scenario.outputs}


def point_values(scenario: Scenario) -> dict[str, np.ndarray]:
    """Every assumption at its point value (as 0-d arrays)."""
    return {
        name: np.asarray(a.distribution.point, dtype=float)
        for name, a in scenario.assumptions.items()
    }


def base_case(scenario: Scenario) -> dict[str, np.ndarray]:
    """Every quantity at the base case: the assumptions at their point values and what the
    scenario computes from them (0-d arrays)."""
    values = point_values(scenario)
    return {**values, **evaluate(scenario, values)}


def run_point(scenario: Scenario) -> Draws:
    """The base case: one evaluation with every assumption at its point value."""
    inputs = point_values(scenario)
    return Draws(
        inputs=inputs,
        outputs=evaluate(scenario, inputs),
        draws=1,
        seed=None,
        method="point",
        scenario=scenario,
    )


def _chunks(draws: int, chunk_size: int) -> list[range]:
    """Blocks grouped into chunks of about ``chunk_size`` draws (whole blocks)."""
    blocks_per_chunk = max(1, -(-chunk_size // BLOCK_SIZE))
    n_blocks = block_count(draws)
    return [
        range(b, min(b + blocks_per_chunk, n_blocks)) for b in range(0, n_blocks, blocks_per_chunk)
    ]


def evaluate_chunk(
    scenario: Scenario, sampler: Sampler, blocks: range
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Sample blocks ``blocks`` and evaluate them: (sampled inputs, outputs), each an array
    over the chunk's draws (fixed assumptions stay 0-d and are left out of the inputs)."""
    parts = [sampler.block(index) for index in blocks]
    sampled = {name: np.concatenate([p[name] for p in parts]) for name in sampler.distributions}
    env = {**fixed_values(scenario), **sampled}
    return sampled, evaluate(scenario, env)


def fixed_values(scenario: Scenario) -> dict[str, np.ndarray]:
    return {
        name: np.asarray(a.distribution.point, dtype=float)
        for name, a in scenario.assumptions.items()
        if a.distribution.is_fixed
    }


def make_sampler(scenario: Scenario, draws: int, seed: int, method: str) -> Sampler:
    sampled = {n: scenario.assumptions[n].distribution for n in scenario.sampled}
    return Sampler(sampled, draws, seed, method, scenario.dependence)


def run(
    scenario: Scenario,
    draws: int,
    seed: int,
    method: str = "mc",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    scheduler: str | None = None,
) -> Draws:
    """Sample ``draws`` scenarios, evaluate them and keep every draw.

    The numbers depend only on ``(scenario, draws, seed, method)``: ``chunk_size`` (rounded
    up to whole blocks of 65,536 draws), ``workers`` (default: the cores available) and
    ``scheduler`` (a Dask scheduler, see :mod:`simulate.core.execution`) change speed and memory,
    not results. ``progress`` is called with the number of draws finished after each chunk.
    For runs too large to keep, :func:`stream` summarises without keeping the draws.
    """
    sampler = make_sampler(scenario, draws, seed, method)
    inputs: dict[str, np.ndarray] = fixed_values(scenario)
    inputs.update({name: np.empty(draws) for name in scenario.sampled})
    outputs = {name: np.empty(draws) for name in scenario.outputs}
    for blocks, (chunk_inputs, chunk_outputs) in execution.map_in_order(
        _evaluate_task, scenario, sampler, _chunks(draws, chunk_size), workers, scheduler
    ):
        start = blocks[0] * BLOCK_SIZE
        stop = min((blocks[-1] + 1) * BLOCK_SIZE, draws)
        for target, produced in ((inputs, chunk_inputs), (outputs, chunk_outputs)):
            for name, values in produced.items():
                target[name][start:stop] = values
        if progress:
            progress(stop - start)
    return Draws(inputs, outputs, draws, seed, method, scenario)


def _evaluate_task(
    scenario: Scenario, sampler: Sampler, blocks: range
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    return evaluate_chunk(scenario, sampler, blocks)


@dataclass
class Streamed:
    """A run summarised as it went: one :class:`~simulate.core.statistics.Sketch` per quantity."""

    sketches: dict[str, Sketch]
    thresholds: tuple[Threshold, ...]
    draws: int
    seed: int
    method: str


def stream(
    scenario: Scenario,
    draws: int,
    seed: int,
    method: str = "mc",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    scheduler: str | None = None,
    thresholds: Sequence[Threshold] = (),
    sink: Callable[[int, dict[str, np.ndarray]], None] | None = None,
    also: Callable[[range, dict[str, np.ndarray]], Any] | None = None,
    collect: Callable[[range, Any], None] | None = None,
) -> Streamed:
    """Sample and evaluate ``draws`` scenarios chunk by chunk, keeping only statistics.

    Memory is a few chunks of temporaries, whatever ``draws`` is. Each chunk's blocks update
    sketches (counts, per-block moments, a fine histogram; :mod:`simulate.core.statistics`) that
    merge on the caller's side, so numbers never depend on ``chunk_size``, ``workers`` or
    ``scheduler``. ``sink(start, arrays)`` receives every chunk's draws in order (to stream
    them to a file). Thresholds must already be valid (see ``results.check_thresholds``).
    ``also(blocks, quantities)`` (picklable: it may run on a Dask worker) reduces each chunk's
    quantities to something more, which ``collect(blocks, result)`` receives in chunk order.
    """
    sampler = make_sampler(scenario, draws, seed, method)
    names = [*scenario.outputs, *scenario.assumptions]
    factors = {t: threshold_factor(t, scenario.unit) for t in thresholds}
    sketches = constant_sketches(scenario, draws, thresholds)
    streamed = [n for n in names if n not in sketches]
    for blocks, reduced in execution.map_in_order(
        _reduce_task,
        scenario,
        sampler,
        _chunks(draws, chunk_size),
        workers,
        scheduler,
        extra=(streamed, tuple(factors.items()), sink is not None, also),
    ):
        chunk_sketches, arrays, more = reduced
        if collect is not None:
            collect(blocks, more)
        for name, sketch in chunk_sketches.items():
            if name in sketches:
                sketches[name].merge(sketch)
            else:
                sketches[name] = sketch
        start = blocks[0] * BLOCK_SIZE
        if sink is not None:
            sink(start, arrays)
        if progress:
            progress(min((blocks[-1] + 1) * BLOCK_SIZE, draws) - start)
    ordered = {name: sketches[name] for name in names}
    return Streamed(ordered, tuple(thresholds), draws, seed, method)


def constant_sketches(
    scenario: Scenario,
    draws: int,
    thresholds: Sequence[Threshold],
    values: Mapping[str, float] | None = None,
) -> dict[str, Sketch]:
    """The sketches of the quantities that are one value in every draw — the fixed
    assumptions, or ``values`` when given — and need no streaming: all but those compared
    with another quantity draw by draw."""
    if values is None:
        values = {name: float(value) for name, value in fixed_values(scenario).items()}
    sketches = {}
    for name, value in values.items():
        mine = [t for t in thresholds if t.name == name]
        if not any(isinstance(t.value, str) for t in mine):
            hits = [draws * count_hits(t.op, np.array([value]), t.value)[0] for t in mine]
            sketches[name] = Sketch.constant(value, draws, hits)
    return sketches


def _reduce_task(
    scenario: Scenario,
    sampler: Sampler,
    blocks: range,
    names: list[str],
    factors: tuple[tuple[Threshold, float], ...],
    keep: bool,
    also: Callable[[range, dict[str, np.ndarray]], Any] | None = None,
) -> tuple[dict[str, Sketch], dict[str, np.ndarray] | None, Any]:
    sampled, outputs = evaluate_chunk(scenario, sampler, blocks)
    quantities = chunk_quantities(scenario, sampler, blocks, sampled, outputs)
    sketches = sketch_chunk(quantities, blocks, names, factors)
    arrays = {n: quantities[n] for n in [*sampled, *outputs]} if keep else None
    return sketches, arrays, also(blocks, quantities) if also is not None else None


def sketch_chunk(
    quantities: dict[str, np.ndarray],
    blocks: range,
    names: Sequence[str],
    factors: tuple[tuple[Threshold, float], ...],
) -> dict[str, Sketch]:
    """A sketch of each of ``names`` over a chunk's ``quantities``, block by block, with the
    hits of its thresholds (``factors``: each threshold with its reference's unit factor)."""
    sketches = {}
    for name in names:
        values = quantities[name]
        mine = [(t, f) for t, f in factors if t.name == name]
        limits = [quantities[t.value] * f if isinstance(t.value, str) else t.value for t, f in mine]
        sketch = Sketch()
        for i, index in enumerate(blocks):
            part = values[i * BLOCK_SIZE : (i + 1) * BLOCK_SIZE]
            hits, seen = [], []
            for (threshold, _), limit in zip(mine, limits, strict=True):
                if not isinstance(limit, float | int):
                    limit = limit[i * BLOCK_SIZE : (i + 1) * BLOCK_SIZE]
                counted, judged = count_hits(threshold.op, part, limit)
                hits.append(counted)
                seen.append(judged)
            sketch.add(index, part, hits, seen)
        sketches[name] = sketch
    return sketches


def chunk_quantities(
    scenario: Scenario,
    sampler: Sampler,
    blocks: range,
    sampled: dict[str, np.ndarray],
    outputs: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Every quantity of a chunk as an array over its draws (fixed ones broadcast)."""
    size = min(len(blocks) * BLOCK_SIZE, sampler.draws - blocks[0] * BLOCK_SIZE)
    quantities = {**fixed_values(scenario), **sampled, **outputs}
    return {n: np.broadcast_to(v, (size,)) for n, v in quantities.items()}


def achieved_correlations(
    scenario: Scenario, draws: int = 100_000, seed: int = 0
) -> list[tuple[str, str, float, float]]:
    """(name, name, declared ρ, Spearman's ρ of ``draws`` Monte Carlo draws) for every
    declared rank correlation: what ``simulate check`` shows."""
    from scipy import stats

    declared = scenario.dependence.declared
    if not declared:
        return []
    names = [n for n in scenario.sampled if n in scenario.dependence.copula_names]
    sampler = Sampler(
        {n: scenario.assumptions[n].distribution for n in names},
        draws,
        seed,
        "mc",
        scenario.dependence,
    )
    blocks = [sampler.block(i) for i in range(block_count(draws))]
    values = {n: np.concatenate([b[n] for b in blocks]) for n in names}
    return [
        (a, b, rho, float(stats.spearmanr(values[a], values[b]).statistic))
        for a, b, rho in declared
    ]


def bytes_needed(
    scenario: Scenario,
    draws: int,
    method: str = "mc",
    rows: int = 0,
    streamed: bool = False,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int | None = None,
    sink: bool = False,
) -> int:
    """Memory a run of ``draws`` adds to this process, estimated before anything is allocated.

    Each running worker holds one chunk: every block's draws and their concatenation, the
    outputs and the intermediate steps, and the kernels' temporaries. A kept run adds every
    sampled assumption and output as ``draws`` float64 values, and a sorted copy per worker
    for the summary. A streamed run adds, per chunk done and waiting to be merged, its
    sketches — a histogram per quantity, 16 KiB per octave its draws span
    (:func:`sketch_bytes`) — and, when the draws go to a file, the chunk's arrays.
    ``rows`` adds a Sobol design's evaluations (its uniforms and outputs) for sensitivity.
    """
    workers = workers or default_workers()
    keys = len(scenario.dependence.uniform_keys(scenario.sampled))
    # along years or a sweep, what moves and every output exist once per coordinate (a
    # streamed chunk evaluates one coordinate at a time; only its sketches are per coordinate)
    along = len(scenario.axis.values) if scenario.axis is not None else 1
    at_once = 1 if streamed else along
    moving = along * (len(scenario.outputs) + len(scenario.along)) - len(scenario.along)
    kept = len(scenario.sampled) + moving
    chunk_draws = min(draws, max(1, -(-chunk_size // BLOCK_SIZE)) * BLOCK_SIZE)
    arrays = 8 * chunk_draws * kept
    evaluated = at_once * (len(scenario.outputs) + len(scenario.along) + len(scenario.steps))
    running = 8 * chunk_draws * (2 * len(scenario.sampled) + evaluated)
    running += 8 * chunk_draws * at_once * KERNEL_TEMPORARIES
    if streamed and sink and scenario.axis is not None:  # a chunk keeps every coordinate's
        running += arrays
    chunks = -(-block_count(draws) // max(1, -(-chunk_size // BLOCK_SIZE)))
    working = min(workers, chunks) * running
    design = 8 * rows * (keys + len(scenario.outputs) + 2)
    if streamed:
        waiting = min(execution.IN_FLIGHT_PER_WORKER * workers, chunks)
        sketches = (waiting + 1) * sketch_bytes(scenario) * along
        return working + sketches + (waiting * arrays if sink else 0) + design
    return 8 * (kept + min(workers, kept)) * draws + working + design


# arrays the size of a chunk a model's kernel makes on the way (products, masks, wheres)
KERNEL_TEMPORARIES = 2
# the octaves an output's draws are taken to span (its distribution is known only afterwards)
OUTPUT_OCTAVES = 16
_BYTES_PER_OCTAVE = 8 * 2 ** (52 - BUCKET_BITS)


def sketch_bytes(scenario: Scenario) -> int:
    """The histograms of one set of sketches: for an assumption, the octaves between its
    1-in-100,000 quantiles (on each side of zero); for an output, :data:`OUTPUT_OCTAVES`."""
    total = 0
    for name in scenario.sampled:
        lo, hi = scenario.assumptions[name].distribution.interval(1 - 1e-5)
        total += _BYTES_PER_OCTAVE * max(1, min(_octaves(lo, hi), 512))
    total += _BYTES_PER_OCTAVE * OUTPUT_OCTAVES * len(scenario.outputs)
    return total


def _octaves(lo: float, hi: float) -> int:
    """Octaves of |x| a histogram covers for draws in [lo, hi] (both sides of zero)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return 64
    spans = []
    for a, b in ((lo, hi),) if lo > 0 else ((-hi, -lo),) if hi < 0 else ((0.0, -lo), (0.0, hi)):
        a = max(a, b * 2.0**-17) if b > 0 else a  # down to zero: a block's closest is ~b/65536
        spans.append(math.log2(b / a) + 1 if a > 0 and b > 0 else 0)
    return math.ceil(sum(spans))


def bytes_available() -> int | None:
    """Memory the system can give without swapping (Linux ``MemAvailable``), if known."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
