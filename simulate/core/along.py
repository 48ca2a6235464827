"""Runs along a second dimension: the years of a scenario, or the values of a swept assumption.

The assumptions are drawn once (:class:`~simulate.core.sampling.Sampler`, exactly as a plain
run draws them) and every draw is evaluated at each coordinate:

- in year y, an assumption with a trajectory is its drawn value × (1 + g)^(y − base_year),
  with g its drawn growth: the same g in every year of a draw, so a draw is one coherent
  future;
- at a swept value v, the swept assumption is v (as ``--set NAME=v`` would fix it) and the
  other assumptions keep their draws: common random numbers. Draws are keyed by name, so a
  Monte Carlo or Latin hypercube sweep equals separate runs with ``--set``, bit for bit.

A kept run gives one :class:`~simulate.core.engine.Draws` per coordinate (sharing the arrays of
the assumptions that do not move); a streamed one gives one
:class:`~simulate.core.engine.Streamed` per coordinate, so memory stays that of a few chunks
whatever the draws and coordinates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from simulate.core import execution
from simulate.core.choices import Choice, Tally, tally
from simulate.core.engine import (
    BLOCK_SIZE,
    DEFAULT_CHUNK_SIZE,
    Draws,
    Sampler,
    Streamed,
    _chunks,
    chunk_quantities,
    constant_sketches,
    evaluate,
    fixed_values,
    make_sampler,
    point_values,
    sketch_chunk,
)
from simulate.core.scenario import Scenario
from simulate.core.statistics import Sketch
from simulate.core.thresholds import Threshold, threshold_factor

# a chunk's draws: its sampled assumptions, and at each coordinate what moves and the outputs
Kept = tuple[dict[str, np.ndarray], list[dict[str, np.ndarray]]]


def values_at(
    scenario: Scenario, assumptions: Mapping[str, np.ndarray], index: int
) -> dict[str, np.ndarray]:
    """The assumptions' values at coordinate ``index`` of the scenario's axis."""
    axis = scenario.axis
    assert axis is not None
    values = dict(assumptions)
    coordinate = axis.values[index]
    if axis.swept:
        values[axis.dimension] = np.asarray(coordinate, dtype=float)  # as --set fixes it
        return values
    for name in scenario.along:
        trajectory = scenario.assumptions[name].trajectory
        assert trajectory is not None
        if trajectory.growth is None:  # beliefs listed by year
            values[name] = trajectory.at(index, np.asarray(assumptions[name], dtype=float))
            continue
        growth = 1.0 + np.asarray(assumptions[trajectory.growth], dtype=float)
        values[name] = assumptions[name] * growth ** (coordinate - trajectory.base_year)
    return values


def run_point(scenario: Scenario) -> list[Draws]:
    """The base case at each coordinate (every assumption at its point value; one listed by
    year at the point of the year's belief)."""
    assert scenario.axis is not None
    base = point_values(scenario)
    found = []
    for index in range(len(scenario.axis.values)):
        inputs = values_at(scenario, base, index)
        for name in scenario.along:
            trajectory = scenario.assumptions[name].trajectory
            if trajectory is not None and trajectory.by_year:
                inputs[name] = np.asarray(trajectory.by_year[index].point, dtype=float)
        outputs = evaluate(scenario, inputs)
        found.append(Draws(inputs, outputs, 1, None, "point", scenario))
    return found


def _sample(sampler: Sampler, blocks: range) -> dict[str, np.ndarray]:
    parts = [sampler.block(index) for index in blocks]
    return {name: np.concatenate([p[name] for p in parts]) for name in sampler.distributions}


def _at(scenario: Scenario, sampled: dict[str, np.ndarray], index: int) -> dict[str, np.ndarray]:
    """At coordinate ``index``: what moves along the axis, and every output."""
    at = values_at(scenario, {**fixed_values(scenario), **sampled}, index)
    return {**{n: at[n] for n in scenario.along}, **evaluate(scenario, at)}


def _evaluate_along(
    scenario: Scenario, sampler: Sampler, blocks: range
) -> tuple[dict[str, np.ndarray], list[dict[str, np.ndarray]]]:
    """A chunk's sampled assumptions, and at each coordinate what moves and the outputs."""
    sampled = _sample(sampler, blocks)
    coordinates = range(len(scenario.axis.values))  # type: ignore[union-attr]
    return sampled, [_at(scenario, sampled, index) for index in coordinates]


def run(
    scenario: Scenario,
    draws: int,
    seed: int,
    method: str = "mc",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    scheduler: str | None = None,
) -> list[Draws]:
    """Sample ``draws`` scenarios once and keep every draw at every coordinate: one
    :class:`Draws` per coordinate. Numbers depend only on ``(scenario, draws, seed, method)``."""
    axis = scenario.axis
    assert axis is not None
    sampler = make_sampler(scenario, draws, seed, method)
    inputs: dict[str, np.ndarray] = fixed_values(scenario)
    inputs.update({name: np.empty(draws) for name in scenario.sampled})
    moving = [] if axis.swept else scenario.along
    per = [{name: np.empty(draws) for name in [*moving, *scenario.outputs]} for _ in axis.values]
    for blocks, (chunk_inputs, chunk_per) in execution.map_in_order(
        _evaluate_along, scenario, sampler, _chunks(draws, chunk_size), workers, scheduler
    ):
        start = blocks[0] * BLOCK_SIZE
        stop = min((blocks[-1] + 1) * BLOCK_SIZE, draws)
        for name, values in chunk_inputs.items():
            inputs[name][start:stop] = values
        for target, produced in zip(per, chunk_per, strict=True):
            for name in target:
                target[name][start:stop] = produced[name]
        if progress:
            progress(stop - start)
    found = []
    for index, arrays in enumerate(per):
        at = dict(inputs)
        if axis.swept:
            at[axis.dimension] = np.asarray(axis.values[index], dtype=float)
        at.update({name: arrays[name] for name in moving})
        outputs = {name: arrays[name] for name in scenario.outputs}
        found.append(Draws(at, outputs, draws, seed, method, scenario))
    return found


def _reduce_along(
    scenario: Scenario,
    sampler: Sampler,
    blocks: range,
    names: list[str],
    factors: tuple[tuple[Threshold, float], ...],
    wanted: tuple[Choice, ...] = (),
    keep: tuple[str, ...] = (),
) -> tuple[list[dict[str, Sketch]], list[np.ndarray], Kept | None]:
    sampled = _sample(sampler, blocks)
    sketches = []
    tallies: list[Tally] = []
    kept: list[dict[str, np.ndarray]] = []
    for index in range(len(scenario.axis.values)):  # type: ignore[union-attr]
        # one coordinate at a time: a chunk's memory does not grow with the coordinates.
        # What moves (the swept value, a year's trajectories) replaces its draws.
        produced = _at(scenario, sampled, index)
        quantities = chunk_quantities(scenario, sampler, blocks, sampled, produced)
        sketches.append(sketch_chunk(quantities, blocks, names, factors))
        if not tallies:
            size = len(next(iter(quantities.values())))
            tallies = [Tally(choice, size, choice_factors(scenario, choice)) for choice in wanted]
        for each in tallies:
            each.add(index, quantities)
        if keep:
            kept.append({name: quantities[name] for name in keep})
    coordinates = len(scenario.axis.values)  # type: ignore[union-attr]
    arrays = (sampled, kept) if keep else None
    return sketches, [each.counts(coordinates) for each in tallies], arrays


def choice_factors(scenario: Scenario, choice: Choice) -> dict[Threshold, float]:
    """Each condition's factor from its reference quantity's unit to its quantity's."""
    conditions = [*choice.subject_to, *([choice.target] if choice.kind == "first" else [])]
    return {t: threshold_factor(t, scenario.unit) for t in conditions}  # type: ignore[misc]


def choose(scenario: Scenario, per: Sequence[Draws], wanted: Sequence[Choice]) -> list[np.ndarray]:
    """Each choice's counts over a kept run along the axis (one :class:`Draws` per coordinate)."""
    results = []
    for choice in wanted:
        quantities = [{**d.inputs, **d.outputs} for d in per]
        results.append(
            tally([choice], quantities, per[0].draws, choice_factors(scenario, choice))[0]
        )
    return results


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
    choices: Sequence[Choice] = (),
    chosen: Callable[[list[np.ndarray]], None] | None = None,
    sink: Callable[[int, Kept], None] | None = None,
) -> list[Streamed]:
    """Sample and evaluate ``draws`` scenarios at every coordinate chunk by chunk, keeping
    only statistics: one :class:`Streamed` per coordinate (the same sketches a plain
    :func:`~simulate.core.engine.stream` keeps, so the same bound and the same determinism).
    ``chosen`` receives, when the run ends, each of ``choices``' counts
    (:mod:`simulate.core.choices`), summed chunk by chunk. ``sink(start, (sampled, moving))``
    receives every chunk's draws in order (to stream them to a file): the sampled
    assumptions, and at each coordinate what moves and every output."""
    axis = scenario.axis
    assert axis is not None
    sampler = make_sampler(scenario, draws, seed, method)
    names = [*scenario.outputs, *scenario.assumptions]
    factors = tuple((t, threshold_factor(t, scenario.unit)) for t in thresholds)
    moving = set(scenario.along)
    still = {n: float(v) for n, v in fixed_values(scenario).items() if n not in moving}
    constant = constant_sketches(scenario, draws, thresholds, still)
    # the swept assumption is one value at each coordinate: its sketches are made below,
    # unless a threshold compares it with another quantity draw by draw
    referenced = {t.name for t in thresholds if isinstance(t.value, str)}
    swept = {axis.dimension} - referenced if axis.swept else set()
    streamed_names = [n for n in names if n not in constant and n not in swept]
    coordinate = {axis.dimension} if axis.swept else set()  # the file's coordinate variable
    kept_names = tuple(n for n in [*scenario.along, *scenario.outputs] if n not in coordinate)
    kept_names = kept_names if sink is not None else ()
    found: list[dict[str, Sketch]] = [{} for _ in axis.values]
    counts: list[np.ndarray] = []
    for blocks, reduced in execution.map_in_order(
        _reduce_along, scenario, sampler, _chunks(draws, chunk_size), workers, scheduler,
        extra=(streamed_names, factors, tuple(choices), kept_names),
    ):  # fmt: skip
        per, chunk_counts, arrays = reduced
        if sink is not None:
            sink(blocks[0] * BLOCK_SIZE, arrays)
        counts = (
            [a + b for a, b in zip(counts, chunk_counts, strict=True)] if counts else chunk_counts
        )
        for sketches, chunk in zip(found, per, strict=True):
            for name, sketch in chunk.items():
                if name in sketches:
                    sketches[name].merge(sketch)
                else:
                    sketches[name] = sketch
        if progress:
            progress(min((blocks[-1] + 1) * BLOCK_SIZE, draws) - blocks[0] * BLOCK_SIZE)
    result = []
    for index, sketches in enumerate(found):
        everything = {**constant, **sketches}
        if swept:
            value = {axis.dimension: axis.values[index]}
            everything.update(constant_sketches(scenario, draws, thresholds, value))
        ordered = {name: everything[name] for name in names}
        result.append(Streamed(ordered, tuple(thresholds), draws, seed, method))
    if chosen is not None:
        chosen(counts)
    return result
