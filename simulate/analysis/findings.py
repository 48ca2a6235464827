"""What a risk report says, computed: the run, its summary, the base case, tornado swings and
the drivers of each key output (by Sobol total index, or by tornado swing when Sobol cannot
run). :mod:`simulate.present.report` renders these findings as Markdown and figures."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from simulate.analysis import calibration, sensitivity
from simulate.analysis.calibration import Calibration
from simulate.analysis.results import summarize, summarize_along
from simulate.analysis.summary import AlongSummary, QuantityError, Summary, TornadoRow
from simulate.core import along
from simulate.core.engine import Draws, base_case, run
from simulate.core.scenario import Scenario
from simulate.core.thresholds import Threshold

DEFAULT_DRAWS = 100_000
DEFAULT_SOBOL_SAMPLES = 2**12
FAN_PERCENTILES = (5, 25, 50, 75, 95)  # a fan chart's bands and median


@dataclass(frozen=True)
class Findings:
    """Everything a report shows about a scenario's key outputs."""

    scenario: Scenario
    keys: list[str]
    result: Draws
    summary: Summary
    base: dict[str, np.ndarray]
    swings: dict[str, list[TornadoRow]]
    drivers: dict[str, list[tuple[str, float]]]
    method_note: str
    kinds: dict[str, str]
    draws: int
    seed: int
    # with observations: their weights, the posterior draws and their summary
    calibration: Calibration | None = None
    posterior: Draws | None = None
    posterior_summary: Summary | None = None
    # along years or a sweep: the summary at each coordinate, and the base case at each
    along: AlongSummary | None = None
    along_base: list[dict[str, np.ndarray]] | None = None


def findings(
    scenario: Scenario,
    draws: int = DEFAULT_DRAWS,
    seed: int = 42,
    thresholds: Sequence[Threshold] = (),
    sobol_samples: int = DEFAULT_SOBOL_SAMPLES,
    progress: Callable[[str], None] | None = None,
) -> Findings:
    """Run ``scenario`` and analyse its key outputs. ``progress`` is called with the name of
    each stage as it starts (for a progress bar)."""
    stage = progress or (lambda _: None)
    keys = key_outputs(scenario)
    stage("sampling")
    result = run(scenario, draws, seed)
    summary = summarize(scenario, result, (5, 50, 95), thresholds)
    base = base_case(scenario)
    stage("sensitivity")
    swings = sensitivity.tornado(scenario, keys)
    drivers, method_note = _drivers(scenario, keys, sobol_samples, seed, swings)
    kinds = {name: kind_of(result.outputs[name], scenario.unit(name)) for name in keys}
    fit = posterior = posterior_summary = None
    if scenario.observations:
        stage("observations")
        fit = calibration.calibrate(scenario, result)
        posterior = calibration.resample(result, fit)
        posterior_summary = summarize(
            scenario, posterior, (5, 50, 95), thresholds, effective_draws=fit.ess
        )
    along_summary = along_base = None
    if scenario.axis is not None:
        stage(f"along {scenario.axis.dimension}")
        per = along.run(scenario, draws, seed)
        along_summary = summarize_along(scenario, per, FAN_PERCENTILES, thresholds)
        along_base = [{**d.inputs, **d.outputs} for d in along.run_point(scenario)]
    return Findings(
        scenario, keys, result, summary, base, swings, drivers, method_note, kinds, draws, seed,
        fit, posterior, posterior_summary, along_summary, along_base,
    )  # fmt: skip


def key_outputs(scenario: Scenario) -> list[str]:
    """The outputs the report is about: [scenario] report, else every model output."""
    if scenario.report:
        return list(scenario.report)
    model_outputs = [n for s in scenario.steps if s.kind == "model" for n in s.provides]
    return model_outputs or list(scenario.outputs)


CONSTANT, INDICATOR, CONTINUOUS = "constant", "indicator", "continuous"


def kind_of(values: np.ndarray, unit: str) -> str:
    """A constant (no spread beyond rounding), a 0/1 indicator, or a continuous output."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return CONSTANT
    low, high = float(finite.min()), float(finite.max())
    if high - low <= 1e-9 * max(abs(low), abs(high)) and np.all(np.isfinite(values)):
        return CONSTANT
    if unit == "1" and np.all(np.isin(finite, (0.0, 1.0))):
        return INDICATOR
    return CONTINUOUS


def _drivers(
    scenario: Scenario,
    keys: list[str],
    samples: int,
    seed: int,
    swings: dict[str, list[TornadoRow]],
) -> tuple[dict[str, list[tuple[str, float]]], str]:
    """Top assumptions per output: by Sobol ST, or by tornado swing when Sobol cannot run."""
    if not scenario.sampled:
        return {k: [] for k in keys}, "nothing is uncertain"
    try:
        indices = sensitivity.sobol(scenario, keys, samples, seed)
    except QuantityError:  # an output with non-finite draws: the tornado still ranks inputs
        total = {k: sum(r.swing for r in swings[k] if math.isfinite(r.swing)) or 1.0 for k in keys}
        return (
            {k: [(r.input, r.swing / total[k]) for r in swings[k]] for k in keys},
            "by their share of the tornado swing (one input at its P10 and P90, the rest at "
            "their point values): Sobol indices need every draw to be a number, and some are not",
        )
    ranked = {}
    for k in keys:
        # an index outside [0, 1] beyond its interval is noise, not a finding
        noisy = {flag.split(" of ")[1].split(" = ")[0] for flag in indices[k].out_of_range()}
        ranked[k] = sorted(
            ((i, v) for i, v in indices[k].ST.items() if i not in noisy and v <= 1.0),
            key=lambda item: -item[1],
        )
    return ranked, (
        f"by Sobol total indices ({samples:,} base samples): the share of an output's variance "
        "each input explains, alone and through its interactions with others, so the shares "
        "can add to more than 100 %"
    )
