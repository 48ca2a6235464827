"""Results: the xarray Dataset of a run, its summary, and NetCDF on disk.

A run that keeps its draws is summarised exactly (:func:`summarize`); one too large to keep
is summarised from the sketches it streamed (:func:`summarize_stream`). Either way the result
is a typed :class:`~simulate.analysis.summary.Summary` that presentation only renders. Percentiles
interpolate linearly (as ``numpy.percentile``) and the 90 % highest-density interval follows
``arviz.hdi``. Non-finite draws are never summarised silently: they are counted, reported,
and left out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from simulate.analysis.summary import (
    HISTOGRAM,
    AlongSummary,
    ChoiceResult,
    DrawSummary,
    PointSummary,
    PointValue,
    QuantitySummary,
    Summary,
    ThresholdResult,
    UnknownQuantity,
)
from simulate.core import along
from simulate.core.choices import Choice
from simulate.core.engine import Draws, Streamed, default_workers
from simulate.core.scenario import Scenario
from simulate.core.statistics import Sketch, exact_statistics
from simulate.core.thresholds import Threshold, count_hits, threshold_factor
from simulate.core.weighted_sketch import WeightedSketch

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
    if scenario.axis is not None:  # what moves, and every output, at each coordinate
        kept += (len(scenario.axis.values) - 1) * (len(scenario.outputs) + len(scenario.along))
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
    effective_draws: float | None = None,
) -> QuantitySummary:
    """Exact statistics of one quantity's draws, over the finite ones.

    ``references`` holds the arrays (in this quantity's unit) that thresholds compare against.
    ``effective_draws`` is what the draws are worth when they are not independent (a
    posterior resample): the Monte Carlo errors of percentiles use it.
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
    levels = error_levels(percentiles, round(effective_draws or values.size))
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
    if isinstance(threshold.value, str) and values.size == 1:  # one value against every draw
        values = np.broadcast_to(values.reshape(()), np.shape(reference))
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
    """Statistics of one quantity from its streamed sketch (:mod:`simulate.core.statistics`)."""
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


def weighted_summary(
    name: str,
    unit: str,
    sketch: WeightedSketch,
    percentiles: Sequence[float],
    thresholds: Sequence[Threshold],
    effective_draws: float,
    draws: int,
) -> QuantitySummary:
    """Statistics of one quantity's weighted draws (a streamed posterior). Monte Carlo
    errors use ``effective_draws``; the non-finite draws are reported as the share of the
    weight they carry, counted out of ``draws``."""
    results = tuple(  # two float sums of weights can differ by an ulp: at most 1
        ThresholdResult(t.name, t.op, t.value, min(hits / seen, 1.0) if seen else None)
        for t, hits, seen in zip(thresholds, sketch.hits, sketch.seen, strict=True)
    )
    everything = sketch.weight + sketch.nonfinite
    nonfinite = round(draws * sketch.nonfinite / everything) if everything else 0
    if not sketch.weight:
        return QuantitySummary(
            name, unit, None, None, tuple((q, None) for q in percentiles), (None, None),
            results, nonfinite,
        )  # fmt: skip
    levels = error_levels(percentiles, round(effective_draws))
    quantiles, hdi = sketch.statistics([*percentiles, *levels])
    mean, sd, overflow = _overflow(*sketch.mean_sd())
    return QuantitySummary(
        name, unit, mean, sd, tuple(zip(percentiles, quantiles, strict=False)), hdi,
        results, nonfinite, overflow, _standard_errors(percentiles, quantiles),
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
    effective_draws: float | None = None,
) -> Summary:
    """The summary of a run that kept its draws (exact), or of point values (``--point``).
    ``effective_draws``: see :func:`quantity_summary` (a posterior's ESS)."""
    check_thresholds(scenario, thresholds)
    if draws.method == "point":
        sections = {
            section: {
                name: PointValue(name, scenario.unit(name), _json_float(v))
                for name, v in arrays.items()
            }
            for section, arrays in (("outputs", draws.outputs), ("inputs", draws.inputs))
        }
        return PointSummary(scenario.name, sections["outputs"], sections["inputs"])
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
        return quantity_summary(
            name, scenario.unit(name), values, percentiles, mine, references, effective_draws
        )

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
    return DrawSummary(
        scenario.name, sections["outputs"], sections["inputs"],
        draws.draws, draws.seed, draws.method,
    )  # fmt: skip


def summarize_stream(
    scenario: Scenario, streamed: Streamed, percentiles: Sequence[float] = DEFAULT_PERCENTILES
) -> Summary:
    """The summary of a run that streamed (statistics from sketches; see
    :mod:`simulate.core.statistics` for the error bound of its percentiles and HDI)."""
    sections: dict[str, dict[str, QuantitySummary]] = {"outputs": {}, "inputs": {}}
    for name, sketch in streamed.sketches.items():
        mine = [t for t in streamed.thresholds if t.name == name]
        section = "inputs" if name in scenario.assumptions else "outputs"
        sections[section][name] = sketch_summary(
            name, scenario.unit(name), sketch, percentiles, mine
        )
    return DrawSummary(
        scenario.name, sections["outputs"], sections["inputs"],
        streamed.draws, streamed.seed, streamed.method, HISTOGRAM,
    )  # fmt: skip


def _json_float(value: Any) -> float | None:
    x = float(np.asarray(value).reshape(-1)[0])
    return x if math.isfinite(x) else None


def summarize_along(
    scenario: Scenario,
    per: Sequence[Draws] | Sequence[Streamed],
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    thresholds: Sequence[Threshold] = (),
    workers: int | None = None,
    choices: Sequence[Choice] = (),
    counts: Sequence[np.ndarray] | None = None,
) -> AlongSummary:
    """The summary at each coordinate of a run along the scenario's axis (kept draws, point
    values or streamed sketches, one per coordinate), with each of ``choices`` (their
    ``counts`` from a streamed run; from kept draws they are counted here)."""
    axis = scenario.axis
    assert axis is not None
    summaries = tuple(
        summarize_stream(scenario, item, percentiles)
        if isinstance(item, Streamed)
        else summarize(scenario, item, percentiles, thresholds, workers=workers)
        for item in per
    )
    unit = scenario.unit(axis.dimension) if axis.swept else "year"
    if choices and counts is None:
        counts = along.choose(scenario, per, choices)  # type: ignore[arg-type]
    found = tuple(
        ChoiceResult(
            choice.kind,
            choice.target if isinstance(choice.target, str) else str(choice.target),
            tuple(str(t) for t in choice.subject_to),
            axis.values,
            tuple(int(c) for c in counted[:-1]),
            int(counted[-1]),
            per[0].draws,
        )
        for choice, counted in zip(choices, counts or (), strict=True)
    )
    return AlongSummary(
        scenario.name, axis.dimension, unit, axis.values, summaries, tuple(scenario.along), found
    )
