"""A posterior for streamed runs (two passes, weighted sketches): PSIS from the largest log
weights only is arviz's over every draw; weighted statistics match exact weighted ones; the
streamed posterior is the kept one (same k̂ and ESS, percentiles within Monte Carlo error);
same seed, same numbers whatever the chunking; saved log weights are the kept run's."""

from __future__ import annotations

import json
import math

import arviz
import numpy as np
import pytest

import simulate
from simulate.analysis import calibration, results
from simulate.analysis import streamed_calibration as streamed
from simulate.core.statistics import RELATIVE_ERROR
from simulate.core.thresholds import Threshold
from simulate.core.weighted_sketch import WeightedSketch
from tests.test_calibration import _posterior, _scenario


def _largest(log_likelihood: np.ndarray) -> streamed.Largest:
    """The tracker fed in uneven pieces, as chunks would."""
    size = streamed.tail_size(len(log_likelihood)) + 1
    found = None
    for start, stop in ((0, 1000), (1000, 1001), (1001, len(log_likelihood))):
        part = streamed.Largest.of(size, log_likelihood[start:stop], start)
        found = part if found is None else (found.merge(part) or found)
    return found


@pytest.mark.parametrize(
    ("n", "incompatible", "scale"), [(5_000, 0, 1.0), (40_000, 0.3, 3.0), (2_000, 0.99, 1.0)]
)
def test_the_tail_from_the_largest_weights_is_arviz_psislw_over_every_draw(n, incompatible, scale):
    rng = np.random.default_rng(n)
    log_likelihood = -0.5 * np.square(rng.normal(0.0, scale, n))
    log_likelihood[rng.random(n) < incompatible] = -np.inf
    tail = streamed.smooth(_largest(log_likelihood), n)
    ours = tail.log_weights_of(log_likelihood.copy(), 0)
    ours = ours - np.logaddexp.reduce(ours)
    theirs, k_hat = _arviz_psislw(log_likelihood)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)
    assert tail.pareto_k == pytest.approx(k_hat, rel=1e-12) or math.isnan(k_hat)
    assert len(tail.draws) > 4  # a tail was smoothed, not left raw


def _arviz_psislw(log_weights: np.ndarray) -> tuple[np.ndarray, float]:
    """arviz's own PSIS, with draws of no weight (-inf) far below the others, normalised."""
    finite = np.isfinite(log_weights)
    floor = np.min(log_weights[finite]) - 1000.0
    with np.errstate(all="ignore"):
        smoothed, k_hat = arviz.psislw(np.where(finite, log_weights, floor), reff=1.0)
    smoothed = np.where(finite, smoothed, -np.inf)
    return smoothed - np.logaddexp.reduce(smoothed), float(k_hat)


def test_the_kept_path_is_arviz_psislw_without_importing_arviz():
    rng = np.random.default_rng(11)
    log_weights = -0.5 * np.square(rng.standard_t(3, 50_000))
    ours, k_hat, ess = calibration._smoothed(log_weights)
    theirs, arviz_k = _arviz_psislw(log_weights)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    assert k_hat == pytest.approx(arviz_k, rel=1e-12)
    assert ess == pytest.approx(1 / np.sum(np.exp(2 * theirs)), rel=1e-9)
    import subprocess
    import sys

    probe = (
        "import sys, simulate; from simulate.core import engine; from simulate.analysis import "
        "calibration; s = simulate.load('priors/llama2-70b-reported-hours.toml'); "
        "calibration.calibrate(s, engine.run(s, 70000, 1)); print('arviz' in sys.modules)"
    )
    from tests.conftest import ROOT

    ran = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert ran.stdout.strip() == "False"


def test_a_tail_of_ties_has_no_pareto_k_like_the_kept_path():
    log_likelihood = np.repeat([-1.0, 0.0], 5_000)
    tail = streamed.smooth(_largest(log_likelihood), len(log_likelihood))
    assert math.isnan(tail.pareto_k)
    assert math.isnan(calibration._smoothed(log_likelihood)[1])
    assert not np.isfinite(_arviz_psislw(log_likelihood)[1])  # arviz: inf, no tail to fit


def _weighted_sketch(values: np.ndarray, weights: np.ndarray) -> WeightedSketch:
    total = WeightedSketch()
    for start in range(0, len(values), 65_536):
        part = slice(start, start + 65_536)
        total.merge(WeightedSketch.of_block(values[part], weights[part]))
    return total


def _exact_weighted(values, weights, shares):
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return values[order][np.searchsorted(cumulative, shares)]


def test_weighted_percentiles_hdi_and_moments_match_the_exact_weighted_ones():
    rng = np.random.default_rng(3)
    values = np.concatenate(
        (-rng.lognormal(0, 1, 100_000), rng.lognormal(1, 1, 200_000), [0.0] * 50)
    )
    weights = np.exp(-0.5 * np.square((values - 2.0) / 1.5))
    sketch = _weighted_sketch(values, weights)
    shares = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    quantiles, (low, high) = sketch.statistics(100 * shares)
    exact = _exact_weighted(values, weights, shares)
    # within a bucket's width of the exact order statistic (plus the draw spacing there)
    np.testing.assert_allclose(quantiles, exact, rtol=2 * RELATIVE_ERROR)
    mean = np.average(values, weights=weights)
    assert sketch.mean_sd() == pytest.approx(
        (mean, math.sqrt(np.average(np.square(values - mean), weights=weights))), rel=1e-12
    )
    inside = weights[(values >= low) & (values <= high)].sum() / weights.sum()
    assert inside == pytest.approx(0.9, abs=1e-3)
    # the narrowest: no window of 90 % of the weight is narrower (checked on the sorted draws)
    order = np.argsort(values)
    cumulative = np.concatenate(([0.0], np.cumsum(weights[order]))) / weights.sum()
    ends = np.searchsorted(cumulative, cumulative[:-1] + 0.9)
    ok = ends < len(cumulative)
    narrowest = np.min(values[order][ends[ok] - 1] - values[order][ok])
    assert high - low == pytest.approx(narrowest, rel=4 * RELATIVE_ERROR)
    carried = values[weights > 0]  # far draws underflow to no weight
    assert sketch.minimum == carried.min() and sketch.maximum == carried.max()


def test_a_draw_of_no_weight_takes_no_part():
    values = np.array([1.0, 2.0, 3.0, 1e6, np.nan])
    sketch = _weighted_sketch(values, np.array([1.0, 1.0, 1.0, 0.0, 0.0]))
    assert sketch.maximum == 3.0 and sketch.nonfinite == 0.0
    assert sketch.mean_sd()[0] == pytest.approx(2.0)


def _both(scenario, draws=200_000, seed=1, **run):
    kept, fit = _posterior(scenario, draws, seed)
    found = streamed.stream(scenario, draws, seed, **run)
    return kept, fit, found


def test_the_streamed_posterior_is_the_kept_one():
    scenario = _scenario({"x": [{"value": 13.0, "error": 1.0}, {"value": 12.0, "error": 2.0}]})
    kept, fit, found = _both(scenario)
    # the same importance weights: the same k̂ and ESS, for each observation and together
    assert found.calibration.ess == pytest.approx(fit.ess, rel=1e-9)
    assert found.calibration.pareto_k == pytest.approx(fit.pareto_k, rel=1e-9)
    for ours, theirs in zip(found.calibration.fits, fit.fits, strict=True):
        assert (ours.ess, ours.pareto_k, ours.compatible) == pytest.approx(
            (theirs.ess, theirs.pareto_k, theirs.compatible), rel=1e-9
        )
    # the closed form: x | data ~ N(m, s²), precision 1/4 + 1 + 1/4
    precision = 1 / 4 + 1 + 1 / 4
    mean, sd = (10 / 4 + 13 + 12 / 4) / precision, math.sqrt(1 / precision)
    x = found.posterior.inputs["x"]
    assert abs(x.mean - mean) < 4 * sd / math.sqrt(fit.ess)
    assert x.sd == pytest.approx(sd, rel=0.02)
    median = results.quantity_summary("x", "", kept.inputs["x"], (50,), effective_draws=fit.ess)
    assert abs(x.percentile(50) - median.percentile(50)) < 4 * median.mcse[0][1]
    assert dict(x.mcse)[50.0] == pytest.approx(median.mcse[0][1], rel=0.1)  # both from the ESS
    # y = 2x follows
    assert found.posterior.outputs["y"].percentile(50) == pytest.approx(
        2 * x.percentile(50), rel=1e-3
    )
    # and the prior is the plain streamed run's
    plain = simulate.stream(scenario, 200_000, seed=1)
    assert results.summarize_stream(scenario, found.prior) == results.summarize_stream(
        scenario, plain
    )


def test_same_seed_same_streamed_posterior_whatever_the_chunking_and_workers():
    scenario = _scenario({"y": {"lognormal": [24.0, 28.0]}})
    draws = 5 * 65_536 + 17
    one = streamed.stream(scenario, draws, 4, chunk_size=65_536, workers=1)
    other = streamed.stream(scenario, draws, 4, chunk_size=3 * 65_536, workers=2)
    assert one.posterior == other.posterior
    assert (one.calibration.ess, one.calibration.pareto_k) == (
        other.calibration.ess,
        other.calibration.pareto_k,
    )
    third = streamed.stream(scenario, draws, 5, chunk_size=65_536, workers=1)
    assert third.posterior.inputs["x"].mean != one.posterior.inputs["x"].mean


def test_weighted_thresholds_are_posterior_probabilities():
    scenario = _scenario({"x": {"value": 13.0, "error": 1.0}})
    above = Threshold("x", ">", 12.4)  # the posterior's mean: about half
    found = streamed.stream(scenario, 200_000, 2, thresholds=[above])
    probability = found.posterior.inputs["x"].thresholds[0].probability
    assert probability == pytest.approx(0.5, abs=0.02)
    prior = results.summarize_stream(scenario, found.prior).inputs["x"].thresholds[0].probability
    assert prior == pytest.approx(0.115, abs=0.01)  # P(N(10, 2) > 12.4)


def test_run_streams_the_posterior_and_saves_the_kept_runs_log_weights(invoke, tmp_path):
    path = "priors/llama2-70b-reported-hours.toml"
    kept_file, streamed_file = tmp_path / "kept.nc", tmp_path / "streamed.nc"
    common = ("run", path, "--draws", "131072", "--seed", "3", "-q")
    kept = invoke(*common, "--statistics", "exact", "--out", kept_file, "--format", "json")
    result = invoke(*common, "--statistics", "streamed", "--out", streamed_file, "--format", "json")
    assert result.exit_code == 0, result.output
    theirs, ours = json.loads(kept.stdout), json.loads(result.stdout)
    assert ours["calibration"]["ess"] == pytest.approx(theirs["calibration"]["ess"], rel=1e-9)
    assert ours["calibration"]["reliable"] is True
    mfu = ours["posterior"]["inputs"]["training_mfu"]
    reference = theirs["posterior"]["inputs"]["training_mfu"]
    assert abs(mfu["p50"] - reference["p50"]) < 4 * reference["mcse"]["p50"]
    saved = arviz.from_netcdf(streamed_file)
    assert {"prior", "sample_stats_prior", "observed_data"} <= set(saved.groups())
    log_weight = saved.sample_stats_prior["log_weight"]
    assert np.logaddexp.reduce(log_weight.values.ravel()) == pytest.approx(0.0, abs=1e-9)
    assert log_weight.attrs["ess"] == pytest.approx(ours["calibration"]["ess"])
    reference = arviz.from_netcdf(kept_file).sample_stats_prior["log_weight"].values
    finite = np.isfinite(reference)
    np.testing.assert_allclose(log_weight.values[finite], reference[finite], rtol=1e-9, atol=1e-9)
    assert saved.observed_data["accelerator_hours"].values.tolist() == [1_720_320.0]


def test_a_streamed_observation_of_a_quantity_that_never_varies_exits_2(invoke, priors_file):
    path = priors_file(
        "[scenario]\nname = 'c'\n[assumptions]\nx = { normal = { mean = 10, sd = 2 } }\n"
        "k = 3\n[derived]\nz = 'k * 2'\n"
    )
    result = invoke(
        "run", path, "--observe", "z=6±1%", "--statistics", "streamed", "--draws", "70000"
    )
    assert result.exit_code == 2
    assert "--observe" in result.stderr and "every draw" in result.stderr


@pytest.mark.slow
def test_same_streamed_posterior_on_a_dask_cluster():
    distributed = pytest.importorskip("distributed")
    scenario = _scenario({"y": {"value": 26.0, "error": 2.0}})
    local = streamed.stream(scenario, 3 * 65_536 + 5, 9, workers=1)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        remote = streamed.stream(
            scenario, 3 * 65_536 + 5, 9, chunk_size=65_536, scheduler=cluster.scheduler_address
        )
    assert remote.posterior == local.posterior


def test_the_python_api_streams_a_posterior_as_the_command_line_does(invoke):
    api = simulate.load("priors/gpt3-api-implied-mfu.toml")
    large = simulate.stream_posterior(api, draws=70_000, seed=42)
    shown = json.loads(
        invoke(
            "run", "priors/gpt3-api-implied-mfu.toml", "--draws", "70000", "--statistics",
            "streamed", "--format", "json", "-q",
        ).stdout
    )  # fmt: skip
    assert large.calibration.ess == shown["calibration"]["ess"]
    assert large.posterior.inputs["inference_mfu"].percentile(50) == pytest.approx(
        shown["posterior"]["inputs"]["inference_mfu"]["p50"], rel=1e-12
    )
    with pytest.raises(simulate.RunRefused, match="draws"):
        simulate.stream_posterior(api, draws=10**11, seed=1, chunk_size=10**11)


def test_sensitivity_gives_the_rank_correlations_of_the_posterior_too(invoke):
    """Reported GPU-hours pin the MFU (6·N·D / hours / peak): after them the cost's spread
    is the hourly price's alone, where before the MFU drove it as much."""
    common = ("sensitivity", "priors/llama2-70b-reported-hours.toml", "--output")
    args = (*common, "training_cost_usd", "--method", "spearman", "--draws", "100000")
    shown = json.loads(invoke(*args, "--format", "json").stdout)
    assert (
        shown["spearman"]["training_mfu"] < -0.4 and shown["spearman"]["accelerator_hour_usd"] > 0.6
    )
    assert shown["posterior_spearman"]["accelerator_hour_usd"] > 0.98
    assert abs(shown["posterior_spearman"]["training_mfu"]) < 0.2
    assert shown["posterior_reliable"] is True and shown["posterior_ess"] > 5_000
    table = invoke(*args)
    assert "prior rho" in table.stdout and "posterior rho" in table.stdout
    assert "spearman" in table.stderr  # the note says which method uses the observations
    rows = invoke(*args, "--format", "csv").stdout.splitlines()
    assert any(r.startswith("training_cost_usd,posterior spearman,training_mfu,rho,") for r in rows)


def test_a_streamed_posterior_needs_something_observed():
    scenario = simulate.load("priors/gpt3-inference.toml")
    with pytest.raises(simulate.PriorsError, match="nothing was observed"):
        streamed.stream(scenario, 70_000, 1)
