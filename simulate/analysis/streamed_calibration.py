"""A posterior for runs too large to keep: the importance weights in two streamed passes.

:mod:`simulate.analysis.calibration` weights kept draws. When the draws are streamed, the
same Pareto-smoothed importance sampling is done in two passes over the same draws (the
sampler regenerates any block from the seed):

1. The prior is streamed as any run is (:func:`simulate.core.engine.stream`), and each chunk
   also gives, per observation and for all of them together, its largest log-likelihoods
   (with their draw numbers), the largest, the smallest and how many are finite. PSIS only
   smooths the largest ``M = ⌈min(n/5, 3√n)⌉`` log weights (Vehtari et al. 2024), so these
   (exact, whatever the chunking) give k̂ and the smoothed tail as ``arviz.psislw`` over
   every draw would. Among tied log weights the smoothed values go in draw order (the lower
   draw number gets the larger), where arviz's unstable sort puts them in any order: the same
   values, the same k̂ and ESS, possibly on other draws of the tie.
2. Each block is regenerated and its draws weighted — ``exp(log-likelihood − max)``, the
   smoothed value for a tail draw — into a :class:`~simulate.core.weighted_sketch.WeightedSketch`
   per quantity, folded in block order; the sums of the weights and of their squares give
   the effective sample size (1 / Σ w² of the normalised weights).

The posterior's statistics are therefore those of the weighted prior draws (not of a
resample) within the histogram's 0.049 % bound, and its k̂ and ESS are the kept path's.
A streamed posterior costs a second pass over the draws.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from simulate.analysis.calibration import (
    Calibration,
    Fit,
    check_observed,
    k_hat_limit,
    no_joint_draw,
)
from simulate.analysis.psis import Largest, Tail, smooth, tail_size
from simulate.analysis.results import (
    DEFAULT_PERCENTILES,
    HISTOGRAM,
    summarize_stream,
    weighted_summary,
)
from simulate.analysis.summary import DrawSummary, QuantitySummary, Summary
from simulate.core import engine, execution
from simulate.core.engine import BLOCK_SIZE, Streamed
from simulate.core.errors import PriorsError
from simulate.core.scenario import Scenario
from simulate.core.thresholds import Threshold, threshold_factor, weigh_hits
from simulate.core.weighted_sketch import WeightedSketch


def log_likelihoods(scenario: Scenario, quantities: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Each observation's log-likelihood over a chunk's draws, then their sum (the joint),
    added in the order :func:`~simulate.analysis.calibration.calibrate` adds them."""
    tracks = [obs.log_likelihood(quantities[obs.name]) for obs in scenario.observations]
    total = np.zeros(len(tracks[0]))
    for values in tracks:
        total = total + values
    return [*tracks, total]


def _largest_task(
    scenario: Scenario, size: int, blocks: range, quantities: dict[str, np.ndarray]
) -> tuple[list[Largest], list[tuple[float, float]]]:
    first = blocks[0] * BLOCK_SIZE
    found = [Largest.of(size, values, first) for values in log_likelihoods(scenario, quantities)]
    spans = []
    for obs in scenario.observations:
        values = np.asarray(quantities[obs.name], dtype=float)
        values = values[np.isfinite(values)]
        spans.append(
            (float(values.min()), float(values.max())) if len(values) else (math.inf, -math.inf)
        )
    return found, spans


def _weigh_task(
    scenario: Scenario,
    sampler: engine.Sampler,
    blocks: range,
    tails: tuple[Tail, ...],
    names: tuple[str, ...],
    thresholds: tuple[tuple[Threshold, float], ...],
    keep: bool,
) -> tuple[list[tuple[list[tuple[float, float]], dict[str, WeightedSketch]]], np.ndarray | None]:
    """Per block: each track's (Σ w, Σ w²) and each quantity's weighted sketch; and, when
    ``keep``, the chunk's joint log weights (relative to the largest)."""
    sampled, outputs = engine.evaluate_chunk(scenario, sampler, blocks)
    quantities = engine.chunk_quantities(scenario, sampler, blocks, sampled, outputs)
    first = blocks[0] * BLOCK_SIZE
    log_weights = [
        tail.log_weights_of(values, first)
        for tail, values in zip(tails, log_likelihoods(scenario, quantities), strict=True)
    ]
    with np.errstate(under="ignore"):
        weights = [np.exp(values) for values in log_weights]
    joint = weights[-1]
    limits = {
        t: quantities[t.value] * factor if isinstance(t.value, str) else t.value
        for t, factor in thresholds
    }
    per_block = []
    for i in range(len(blocks)):
        part = slice(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE)
        sums = [(float(np.sum(w[part])), float(np.sum(np.square(w[part])))) for w in weights]
        sketches = {}
        for name in names:
            values, mine = quantities[name][part], joint[part]
            hits = [
                weigh_hits(t.op, values, limit if np.ndim(limit) == 0 else limit[part], mine)
                for t, limit in limits.items()
                if t.name == name
            ]
            sketches[name] = WeightedSketch.of_block(
                values, mine, [h for h, _ in hits], [s for _, s in hits]
            )
        per_block.append((sums, sketches))
    return per_block, log_weights[-1] if keep else None


@dataclass(frozen=True)
class StreamedPosterior:
    """A streamed run with observations: the prior as streamed, the observations' weights
    (their k̂ and ESS; no per-draw weights are kept) and the posterior's summary."""

    prior: Streamed
    calibration: Calibration
    posterior: Summary
    log_total: float  # log Σ of the joint weights relative to the largest (normalises them)


def stream(
    scenario: Scenario,
    draws: int,
    seed: int,
    method: str = "mc",
    chunk_size: int = engine.DEFAULT_CHUNK_SIZE,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    scheduler: str | None = None,
    thresholds: Sequence[Threshold] = (),
    sink: Callable[[int, dict[str, np.ndarray]], None] | None = None,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    weights_sink: Callable[[int, np.ndarray], None] | None = None,
) -> StreamedPosterior:
    """Stream ``draws`` prior draws and their posterior under ``scenario.observations``
    (two passes; ``progress`` counts both). Same seed, same numbers, whatever ``chunk_size``,
    ``workers`` or ``scheduler``. ``sink`` receives the prior draws chunk by chunk (as for
    :func:`simulate.core.engine.stream`), ``weights_sink(start, log_weights)`` their joint
    smoothed log weights, relative to the largest: subtract ``log_total`` to normalise them."""
    if not scenario.observations:
        raise PriorsError(
            scenario.path, "observations",
            "nothing was observed: a posterior needs [observations] or --observe "
            "(simulate.stream summarises the prior)",
        )  # fmt: skip
    size = tail_size(draws) + 1
    found: list[Largest] = []
    spans: list[tuple[float, float]] = []

    def collect(blocks: range, chunk: tuple[list[Largest], list[tuple[float, float]]]) -> None:
        largest, chunk_spans = chunk
        if not found:
            found.extend(largest)
            spans.extend(chunk_spans)
            return
        for total, part in zip(found, largest, strict=True):
            total.merge(part)
        spans[:] = [
            (min(a[0], b[0]), max(a[1], b[1])) for a, b in zip(spans, chunk_spans, strict=True)
        ]

    prior = engine.stream(
        scenario, draws, seed, method, chunk_size, workers, progress, scheduler, thresholds,
        sink, also=functools.partial(_largest_task, scenario, size), collect=collect,
    )  # fmt: skip
    for obs, largest, (lo, hi) in zip(scenario.observations, found, spans, strict=False):
        check_observed(obs, lo, hi, largest.finite)
    if not found[-1].finite:
        raise no_joint_draw(scenario)
    tails = tuple(smooth(largest, draws) for largest in found)
    fixed = engine.fixed_values(scenario)
    names = [*scenario.outputs, *scenario.assumptions]
    referenced = {t.name for t in thresholds if isinstance(t.value, str)}
    weighed = tuple(n for n in names if n not in fixed or n in referenced)
    factors = tuple(
        (t, threshold_factor(t, scenario.unit)) for t in thresholds if t.name in weighed
    )
    sums = [(0.0, 0.0) for _ in tails]
    sketches: dict[str, WeightedSketch] = {name: WeightedSketch() for name in weighed}
    sampler = engine.make_sampler(scenario, draws, seed, method)
    for blocks, weighed_chunk in execution.map_in_order(
        _weigh_task, scenario, sampler, engine._chunks(draws, chunk_size), workers, scheduler,
        extra=(tails, weighed, factors, weights_sink is not None),
    ):  # fmt: skip
        per_block, log_weights = weighed_chunk
        if weights_sink is not None:
            weights_sink(blocks[0] * BLOCK_SIZE, log_weights)
        for block_sums, block_sketches in per_block:
            sums = [(a + c, b + d) for (a, b), (c, d) in zip(sums, block_sums, strict=True)]
            for name, sketch in block_sketches.items():
                sketches[name].merge(sketch)
        if progress:
            progress(min((blocks[-1] + 1) * BLOCK_SIZE, draws) - blocks[0] * BLOCK_SIZE)
    ess = [total * total / square if square > 0 else 0.0 for total, square in sums]
    fits = tuple(
        Fit(obs, tail.pareto_k, e, largest.finite, k_hat_limit(draws))
        for obs, tail, e, largest in zip(scenario.observations, tails, ess, found, strict=False)
    )
    calibration = Calibration(fits, None, tails[-1].pareto_k, ess[-1], draws)
    prior_entries = summarize_stream(scenario, prior, percentiles)
    sections: dict[str, dict[str, QuantitySummary]] = {"outputs": {}, "inputs": {}}
    for name in names:
        section = "inputs" if name in scenario.assumptions else "outputs"
        if name in sketches:
            mine = [t for t in thresholds if t.name == name]
            sections[section][name] = weighted_summary(
                name, scenario.unit(name), sketches[name], percentiles, mine, ess[-1], draws
            )
        else:
            sections[section][name] = getattr(prior_entries, section)[name]
    posterior = DrawSummary(
        scenario.name, sections["outputs"], sections["inputs"], draws, seed, method, HISTOGRAM
    )
    return StreamedPosterior(prior, calibration, posterior, math.log(sums[-1][0]))
