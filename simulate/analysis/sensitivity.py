"""Which assumption drives an output: tornado swings, rank correlation and Sobol indices.

Plain functions over a validated scenario, each evaluating the same vectorized kernels:

- :func:`tornado` — one assumption at a time to its 10th / 90th percentile from the base case
  (every assumption at its point); deterministic.
- :func:`spearman` — Spearman's ρ between each sampled assumption and the output, from one
  Monte Carlo run; with observations, :func:`posterior_spearman` gives it over the posterior
  too (tornado and Sobol indices assume independent assumptions, which a posterior's are
  not, so they describe the prior).
- :func:`sobol` — first-order and total Sobol indices with bootstrap confidence intervals,
  from a Saltelli design (SALib samples and estimates; the design's uniforms go through each
  assumption's inverse CDF).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from simulate.analysis.calibration import Calibration
from simulate.analysis.summary import (
    QuantityError,
    Sensitivity,
    SobolIndices,
    TornadoRow,
    UnknownQuantity,
)
from simulate.core.dependence import UNIFORM_EDGE
from simulate.core.engine import (
    Draws,
    base_case,
    default_workers,
    evaluate,
    point_values,
    run,
)
from simulate.core.errors import PriorsError
from simulate.core.scenario import Scenario

METHODS = ("tornado", "spearman", "sobol")
# Below this the Saltelli estimates and SALib's bootstrap (resamples of the base rows) are
# noise: with 1 base sample S1 comes out at 1.4. 64 is the smallest power of 2 that gives
# intervals worth reading for a handful of inputs.
DEFAULT_SWING = (10.0, 90.0)
_EVALUATION_CHUNK = 2**20


def check_output(scenario: Scenario, output: str) -> None:
    """Raise a clear error unless ``output`` is computed by the scenario."""
    if output not in scenario.outputs:
        raise UnknownQuantity(output, scenario.outputs, scenario.name, "output")


def base_value(scenario: Scenario, output: str) -> float:
    """The output with every assumption at its point value."""
    return float(base_case(scenario)[output])


def tornado(
    scenario: Scenario, outputs: Sequence[str], swing: tuple[float, float] = DEFAULT_SWING
) -> dict[str, list[TornadoRow]]:
    """For each output, one row per sampled assumption, sorted by swing (largest first).

    ``low`` / ``high`` are the output with that assumption at its ``swing[0]`` / ``swing[1]``
    percentile and every other assumption at its point value. A joint set drawn from a table
    moves as one coherent row (its members alone would make sets the data never gave): the
    output is evaluated on every row, and ``low`` / ``high`` are its ``swing`` percentiles over
    the rows; such a row of the result names the set and lists its ``joint`` members.
    """
    tables = scenario.dependence.tables
    in_table = {name for table in tables for name in table.names}
    sampled = [name for name in scenario.sampled if name not in in_table]
    base = point_values(scenario)
    count = 2 * len(sampled)
    inputs = {name: np.full(count, float(value)) for name, value in base.items()}
    for i, name in enumerate(sampled):
        low, high = scenario.assumptions[name].distribution.ppf(np.array(swing) / 100.0)
        inputs[name][2 * i] = low
        inputs[name][2 * i + 1] = high
    values = evaluate(scenario, inputs) if count else {}
    by_table = []
    for table in tables:
        rows = table.rows.shape[0]
        table_inputs = {name: np.full(rows, float(value)) for name, value in base.items()}
        table_inputs.update({name: table.rows[:, j] for j, name in enumerate(table.names)})
        by_table.append((table, evaluate(scenario, table_inputs)))
    result = {}
    for output in outputs:
        column = np.broadcast_to(values[output], (count,)) if count else np.empty(0)
        rows = [
            TornadoRow(
                name,
                float(column[2 * i]),
                float(column[2 * i + 1]),
                float(abs(column[2 * i + 1] - column[2 * i])),
            )
            for i, name in enumerate(sampled)
        ]
        for table, table_values in by_table:
            spread = np.broadcast_to(table_values[output], (table.rows.shape[0],))
            low, high = (float(v) for v in np.percentile(spread, swing))
            rows.append(TornadoRow(table.label, low, high, abs(high - low), tuple(table.names)))
        result[output] = sorted(rows, key=lambda row: -row.swing)
    return result


def spearman(
    scenario: Scenario, outputs: Sequence[str], draws: int, seed: int
) -> dict[str, dict[str, float | None]]:
    """Spearman's ρ between each sampled assumption and each output (one Monte Carlo run)."""
    return rank_correlations(scenario, run(scenario, draws, seed), outputs)


def posterior_spearman(
    scenario: Scenario, outputs: Sequence[str], draws: int, seed: int
) -> tuple[dict[str, dict[str, float | None]], dict[str, dict[str, float | None]], Calibration]:
    """Spearman's ρ over the prior draws and over the posterior (the same draws resampled by
    the observations' weights, :mod:`simulate.analysis.calibration`): which assumptions still
    move each output once the observations are taken into account. Also the weights' fit."""
    from simulate.analysis import calibration

    prior = run(scenario, draws, seed)
    fit = calibration.calibrate(scenario, prior)
    posterior = calibration.resample(prior, fit)
    return (
        rank_correlations(scenario, prior, outputs),
        rank_correlations(scenario, posterior, outputs),
        fit,
    )


def rank_correlations(
    scenario: Scenario, result: Draws, outputs: Sequence[str]
) -> dict[str, dict[str, float | None]]:
    """Spearman's ρ between each sampled assumption and each output over ``result``'s draws
    (ties, as in a resample, take average ranks)."""
    from scipy import stats

    correlations = {}
    for output in outputs:
        values = result.outputs[output]
        finite = np.isfinite(values)
        row: dict[str, float | None] = {}
        for name in scenario.sampled:
            x, y = result.inputs[name][finite], values[finite]
            if np.ptp(y) == 0 or np.ptp(x) == 0:
                row[name] = None  # a constant has no rank correlation
                continue
            row[name] = float(stats.spearmanr(x, y).statistic)
        correlations[output] = row
    return correlations


def sobol(
    scenario: Scenario,
    outputs: Sequence[str],
    base_samples: int,
    seed: int,
    resamples: int = 100,
    workers: int | None = None,
) -> dict[str, SobolIndices]:
    """First-order (S1) and total (ST) Sobol indices with 95 % bootstrap half-widths.

    The Saltelli design has ``base_samples · (d + 2)`` rows for ``d`` sampled assumptions
    (second-order indices are not computed). ``base_samples`` should be a power of 2.
    """
    import warnings

    from simulate.analysis import sobol_indices

    names = scenario.sampled
    if not names:
        raise PriorsError(scenario.path, "assumptions", "Sobol indices need sampled assumptions")
    # correlated assumptions and joint sets vary together: each group is one factor, so
    # independence is assumed only between factors, where it holds (group Sobol indices)
    factors = scenario.dependence.factors(names)
    keys = [key for _, group in factors for key in group]
    membership = [next(i for i, (_, g) in enumerate(factors) if key in g) for key in keys]
    design = np.clip(
        saltelli_design(len(keys), base_samples, seed, membership), UNIFORM_EDGE, 1.0 - UNIFORM_EDGE
    )
    values = _evaluate_design(scenario, keys, design, outputs, workers)
    names = [label for label, _ in factors]
    result = {}
    for output in outputs:
        y = values[output]
        bad = int(np.count_nonzero(~np.isfinite(y)))
        if bad:
            raise QuantityError(
                output,
                f"'{output}' is not finite in {bad} of {y.size} evaluations of the Sobol "
                "design; Sobol indices need finite values (restrict the assumptions with "
                "min/max)",
            )
        if np.ptp(y) == 0:
            zeros = dict.fromkeys(names, 0.0)
            result[output] = SobolIndices(zeros, zeros, zeros, zeros)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # SALib's estimates, bit for bit (tests hold them equal), computed without its
            # repeated work; seed 0 is a seed here (SALib itself reads 0 as "no seed")
            indices = sobol_indices.analyze(
                y, len(factors), resamples, seed, workers=workers or default_workers()
            )
        result[output] = SobolIndices(
            *(
                {name: float(v) for name, v in zip(names, indices[key], strict=True)}
                for key in ("S1", "ST", "S1_conf", "ST_conf")
            )
        )
    return result


def saltelli_design(
    dimensions: int, base_samples: int, seed: int, groups: Sequence[int] | None = None
) -> np.ndarray:
    """The Saltelli design of ``SALib.sample.sobol.sample`` (first order and total), on [0, 1].

    Row for row the same matrix SALib builds — for each base point: A, then A with the
    columns of group g taken from B for every group g (a group per column unless ``groups``
    gives each column's group, numbered in order of first appearance), then B — but assembled
    with array operations instead of SALib's Python loop over points, which dominated the run
    time at 2^14 × 20 inputs.
    """
    import warnings

    from scipy.stats import qmc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # balance warning for non-powers of 2; the CLI says so
        base = qmc.Sobol(d=2 * dimensions, scramble=True, seed=seed).random(base_samples)
    a, b = base[:, :dimensions], base[:, dimensions:]
    membership = np.arange(dimensions) if groups is None else np.asarray(groups)
    count = int(membership.max()) + 1 if dimensions else 0
    swapped = membership[np.newaxis, :] == np.arange(count)[:, np.newaxis]  # (groups, columns)
    blocks = np.repeat(a[:, np.newaxis, :], count + 2, axis=1)
    blocks[:, 1 : count + 1, :] = np.where(swapped, b[:, np.newaxis, :], a[:, np.newaxis, :])
    blocks[:, -1, :] = b
    return blocks.reshape(-1, dimensions)


def _evaluate_design(
    scenario: Scenario,
    keys: Sequence[str],
    design: np.ndarray,
    outputs: Sequence[str],
    workers: int | None = None,
) -> dict[str, np.ndarray]:
    """Evaluate the outputs on a design of uniforms, one column per uniform stream (an
    assumption, or a joint set drawn from a table); correlated columns are joined first."""
    from concurrent.futures import ThreadPoolExecutor

    rows = design.shape[0]
    sampled = {n: scenario.assumptions[n].distribution for n in scenario.sampled}
    fixed = {n: v for n, v in point_values(scenario).items() if n not in sampled}
    dependence = scenario.dependence
    independent = [n for n in sampled if n not in dependence.drawn_together]
    joined = {n: d for n, d in sampled.items() if n in dependence.copula_names}
    collected = {output: np.empty(rows) for output in outputs}
    with ThreadPoolExecutor(max_workers=workers or default_workers()) as pool:
        for start in range(0, rows, _EVALUATION_CHUNK):
            stop = min(start + _EVALUATION_CHUNK, rows)
            uniforms = {key: design[start:stop, j] for j, key in enumerate(keys)}

            def inverse_cdf(name: str, uniforms: dict = uniforms) -> np.ndarray:
                return sampled[name].ppf(uniforms[name])

            # inverse CDFs (the beta's above all) dominate; scipy's ufuncs release the GIL
            inputs = dict(fixed)
            inputs.update(zip(independent, pool.map(inverse_cdf, independent), strict=True))
            if dependence:  # joined by the copula, or rows of a table
                inputs.update(dependence.values(joined, uniforms))
            values = evaluate(scenario, inputs)
            for output in outputs:
                collected[output][start:stop] = values[output]
    return collected


def analyze(
    scenario: Scenario,
    output: str,
    methods: Sequence[str] = METHODS,
    draws: int = 2**14,
    seed: int = 42,
    swing: tuple[float, float] = DEFAULT_SWING,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> Sensitivity:
    """What ``simulate sensitivity`` reports: only the methods asked for (``progress`` is
    called with each method's name as it starts)."""
    check_output(scenario, output)
    stage = progress or (lambda _: None)
    found: dict[str, Any] = {}
    if "tornado" in methods:
        stage("tornado")
        found["tornado"] = tuple(tornado(scenario, [output], swing)[output])
        found["swing_percentiles"] = tuple(swing)
    if "spearman" in methods and scenario.observations:
        stage("spearman")
        prior, posterior, fit = posterior_spearman(scenario, [output], draws, seed)
        found.update(
            spearman=prior[output],
            posterior_spearman=posterior[output],
            posterior_ess=fit.ess,
            posterior_reliable=fit.reliable,
        )
    elif "spearman" in methods:
        stage("spearman")
        found["spearman"] = spearman(scenario, [output], draws, seed)[output]
    if "sobol" in methods:
        stage("sobol")
        indices = sobol(scenario, [output], draws, seed, workers=workers)[output]
        found.update(sobol=indices, sobol_base_samples=draws)
        flagged = indices.out_of_range()
        if flagged:
            found["sobol_warning"] = (
                f"{'; '.join(flagged)}: outside [0, 1] beyond its interval, so the base "
                "sample is too small for these indices; use more --draws"
            )
    if scenario.dependence:
        found["dependence"] = scenario.dependence.note()
    return Sensitivity(output, scenario.unit(output), base_value(scenario, output), **found)
