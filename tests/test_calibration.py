"""Observations turn priors into posteriors (PSIS over the prior draws): checked against
closed-form conjugate posteriors, for an impossible observation, across chunkings, and
through the command line."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import simulate
from simulate.analysis import calibration
from simulate.core.observations import Z90
from tests.conftest import ROOT

DRAWS = 200_000


def _scenario(observations: dict, prior: dict | None = None) -> simulate.Scenario:
    return simulate.load({
        "scenario": {"name": "conjugate"},
        "assumptions": {"x": prior or {"normal": {"mean": 10.0, "sd": 2.0}}},
        "derived": {"y": "2 * x"},
        "observations": observations,
    })  # fmt: skip


def _posterior(scenario: simulate.Scenario, draws: int = DRAWS, seed: int = 1, **run):
    kept = simulate.run(scenario, draws, seed=seed, **run)
    fit = calibration.calibrate(scenario, kept)
    return calibration.resample(kept, fit), fit


def test_a_normal_prior_and_a_normal_measurement_give_the_closed_form_posterior():
    """x ~ N(10, 2²), measured 13 with error sd 1: x | y ~ N(12.4, 0.894²)."""
    posterior, fit = _posterior(_scenario({"x": {"value": 13.0, "error": 1.0}}))
    precision = 1 / 2.0**2 + 1 / 1.0**2
    mean, sd = (10 / 2.0**2 + 13 / 1.0**2) / precision, math.sqrt(1 / precision)
    x = posterior.inputs["x"]
    # Monte Carlo error of the mean with ESS draws, four of them
    assert abs(x.mean() - mean) < 4 * sd / math.sqrt(fit.ess)
    assert x.std() == pytest.approx(sd, rel=0.02)
    assert fit.reliable and fit.pareto_k < 0.7 and 0.2 * DRAWS < fit.ess < 0.4 * DRAWS
    # a derived quantity follows its inputs' posterior: y = 2x
    np.testing.assert_array_equal(posterior.outputs["y"], 2 * x)


def test_an_observation_of_an_output_moves_the_assumption_behind_it():
    """y = 2x measured as 26 ± 2 is the same information as x = 13 ± 1."""
    posterior, _ = _posterior(_scenario({"y": {"normal": [26 - 2 * Z90, 26 + 2 * Z90]}}))
    assert posterior.inputs["x"].mean() == pytest.approx(12.4, abs=0.02)


def test_a_lognormal_prior_and_measurement_give_the_closed_form_posterior_in_logs():
    """log x ~ N(0, 0.5²), a lognormal measurement with median 2 and sigma 0.3."""
    sigma = 0.3
    lo, hi = 2 * math.exp(-Z90 * sigma), 2 * math.exp(Z90 * sigma)
    scenario = _scenario({"x": {"lognormal": [lo, hi]}}, {"lognormal": {"mu": 0.0, "sigma": 0.5}})
    posterior, fit = _posterior(scenario)
    precision = 1 / 0.5**2 + 1 / sigma**2
    mu, sd = (math.log(2) / sigma**2) / precision, math.sqrt(1 / precision)
    logs = np.log(posterior.inputs["x"])
    assert abs(logs.mean() - mu) < 4 * sd / math.sqrt(fit.ess)
    assert logs.std() == pytest.approx(sd, rel=0.02)
    assert np.median(posterior.inputs["x"]) == pytest.approx(math.exp(mu), rel=0.01)


def test_observations_combine_like_independent_measurements():
    """Two measurements 12 ± 1 and 14 ± 1 are one of 13 ± 1/√2."""
    two = _scenario({"x": [{"value": 12.0, "error": 1.0}, {"value": 14.0, "error": 1.0}]})
    posterior, fit = _posterior(two)
    precision = 1 / 4 + 2
    assert posterior.inputs["x"].mean() == pytest.approx((10 / 4 + 26) / precision, abs=0.02)
    assert posterior.inputs["x"].std() == pytest.approx(math.sqrt(1 / precision), rel=0.03)
    assert len(fit.fits) == 2


def test_an_impossible_observation_is_flagged_not_printed_as_a_posterior():
    """Measured 40 ± 0.4 where the prior puts x at 10 ± 2: k̂ is far above 0.7 and the ESS
    is a handful of draws; the posterior is marked unreliable."""
    scenario = _scenario({"x": {"value": 40.0, "relative_error": 0.01}})
    _, fit = _posterior(scenario, draws=20_000)
    assert fit.pareto_k > 0.7 and fit.ess < 10 and not fit.reliable
    assert fit.fits[0].surprising


def test_same_seed_same_posterior_whatever_the_chunking():
    scenario = _scenario({"x": {"value": 13.0, "error": 1.0}})
    one, _ = _posterior(scenario, 300_000, seed=5)
    other, _ = _posterior(scenario, 300_000, seed=5, chunk_size=2**16, workers=1)
    np.testing.assert_array_equal(one.inputs["x"], other.inputs["x"])
    third, _ = _posterior(scenario, 300_000, seed=6)
    assert not np.array_equal(one.inputs["x"], third.inputs["x"])


def test_run_prints_the_posterior_beside_the_prior(invoke, priors_file):
    path = priors_file(
        "[scenario]\nname = 'c'\n[assumptions]\nx = { normal = { mean = 10, sd = 2 } }\n"
        "[observations]\nx = { value = 13, error = 1, source = 'a pilot' }\n"
    )
    result = invoke("run", path, "--draws", "100000", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["inputs"]["x"]["mean"] == pytest.approx(10, abs=0.05)  # the prior, unchanged
    assert data["posterior"]["inputs"]["x"]["mean"] == pytest.approx(12.4, abs=0.03)
    cal = data["calibration"]
    assert cal["reliable"] is True and cal["observations"][0]["source"] == "a pilot"
    assert 20_000 < cal["ess"] < 40_000 and cal["pareto_k"] < 0.7
    # the posterior's Monte Carlo errors use the effective sample, not the resample's size
    prior_error = data["inputs"]["x"]["mcse"]["p50"] / 2.0  # per unit of sd
    posterior_error = data["posterior"]["inputs"]["x"]["mcse"]["p50"] / 0.894
    assert posterior_error / prior_error == pytest.approx(math.sqrt(100_000 / cal["ess"]), rel=0.3)
    table = invoke("run", path, "--draws", "100000")
    assert "posterior given 1 observation" in table.stdout
    assert "what the observations moved" in table.stdout and "UNRELIABLE" not in table.stdout
    shrink = [line for line in table.stdout.splitlines() if line.startswith("x ")][-1]
    assert float(shrink.split()[-1]) == pytest.approx(0.447, abs=0.03)  # 0.894 / 2


def test_observe_on_the_command_line_and_an_unreliable_posterior(invoke, priors_file):
    path = priors_file(
        "[scenario]\nname = 'c'\n[assumptions]\nx = { normal = { mean = 10, sd = 2 } }\n"
    )
    result = invoke("run", path, "--draws", "20000", "--observe", "x=40±1%", "--format", "csv")
    assert result.exit_code == 0
    assert "too surprising under these priors" in result.stderr and "x 40 ± 1 %" in result.stderr
    assert "unreliable posterior inputs,x" in result.stdout
    table = invoke("run", path, "--draws", "20000", "--observe", "x=40+-0.4")
    assert "UNRELIABLE" in table.stdout


@pytest.mark.parametrize(
    ("args", "option", "words"),
    [
        (("--observe", "x=13"), "--observe", "NAME=VALUE±REL%"),
        (("--observe", "z=13±1%"), "--observe", "'z' is not a quantity"),
        (("--observe", "k=13±1%"), "--observe", "'k' is fixed"),
        (("--observe", "x=13±0%"), "--observe", "above 0"),
    ],
)
def test_bad_observations_exit_2_naming_the_option(invoke, priors_file, args, option, words):
    path = priors_file(
        "[scenario]\nname = 'c'\n[assumptions]\nx = { normal = { mean = 10, sd = 2 } }\nk = 3\n"
    )
    result = invoke("run", path, "--draws", "1000", *args)
    assert result.exit_code == 2
    assert option in result.stderr and words in result.stderr


@pytest.mark.parametrize(
    ("observation", "key", "words"),
    [
        ("x = { normal = [5, 4] }", "observations.x.normal", "lo < hi"),
        ("x = { lognormal = [0, 4] }", "observations.x.lognormal", "0 < lo"),
        ("x = { value = 3 }", "observations.x", "relative_error"),
        ("x = { value = 3, error = 1, unit = 'USD' }", "observations.x.unit", "hour"),
        ("w = { value = 3, error = 1 }", "observations.w", "not a quantity"),
        ("x = { normal = [1, 2], value = 3 }", "observations.x", "exactly one of"),
    ],
)
def test_bad_observations_in_a_file_exit_2_naming_the_key(
    invoke, priors_file, observation, key, words
):
    path = priors_file(
        "[scenario]\nname = 'c'\n[assumptions]\n"
        "x = { lognormal = [1, 4], unit = 'hour' }\n[observations]\n" + observation + "\n"
    )
    result = invoke("check", path)
    assert result.exit_code == 2
    assert f"{path}: {key}" in result.stderr and words in result.stderr


def test_an_observation_in_another_unit_is_converted(priors_file):
    """Minutes observed of a quantity kept in hours: 120 ± 6 minutes is 2 ± 0.1 hours."""
    path = priors_file(
        "[scenario]\nname = 'c'\n[assumptions]\nx = { lognormal = [1, 4], unit = 'hour' }\n"
        "[observations]\nx = { value = 120, error = 6, unit = 'minute' }\n"
    )
    (observation,) = simulate.load(path).observations
    assert observation.center == pytest.approx(2.0) and observation.spread == pytest.approx(0.1)


def _hdi_and_mean(entry: dict) -> tuple[float, float, float]:
    return entry["mean"], *entry["hdi_90"]


def test_a_saved_run_is_inference_data_that_arviz_reads_and_agrees_with(invoke, tmp_path):
    """arviz's own entry points on a saved file: from_netcdf finds the draws as the prior
    (and fixed inputs as constant_data), az.summary(hdi_prob=0.9) gives the tool's mean and
    HDI, plot_posterior draws it; xarray still reads the draws at the root."""
    import arviz as az
    import matplotlib
    import xarray as xr

    matplotlib.use("Agg")
    out = tmp_path / "gpt3.nc"
    result = invoke(
        "run", ROOT / "priors" / "gpt3-training.toml", "--draws", "20000", "--out", out,
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    reported = json.loads(result.stdout)["outputs"]["training_cost_usd"]
    idata = az.from_netcdf(out)
    assert {"prior", "constant_data"} <= set(idata.groups())
    assert float(idata.constant_data["params"]) == 175e9
    stats = az.summary(idata, group="prior", kind="stats", hdi_prob=0.9, round_to="none")
    row = stats.loc["training_cost_usd"]
    mean, low, high = _hdi_and_mean(reported)
    assert row["mean"] == pytest.approx(mean, rel=1e-12)
    assert (row["hdi_5%"], row["hdi_95%"]) == (low, high)
    axes = az.plot_posterior(idata, group="prior", var_names=["training_cost_usd"], hdi_prob=0.9)
    assert np.ravel(axes)[0].lines  # the density was drawn
    with xr.open_dataset(out) as root:
        assert root["training_cost_usd"].shape == (1, 20000)


def test_a_saved_run_with_observations_holds_the_posterior_groups(invoke, priors_file, tmp_path):
    import arviz as az

    path = priors_file(
        "[scenario]\nname = 'c'\n[assumptions]\nx = { normal = { mean = 10, sd = 2 } }\n"
        "[derived]\ny = '2 * x'\n[observations]\nx = { value = 13, error = 1 }\n"
    )
    out = tmp_path / "c.nc"
    result = invoke("run", path, "--draws", "50000", "--out", out, "--format", "json")
    assert result.exit_code == 0, result.stderr
    reported = json.loads(result.stdout)
    idata = az.from_netcdf(out)
    assert {"prior", "posterior", "log_likelihood", "observed_data", "sample_stats_prior"} <= set(
        idata.groups()
    )
    assert float(idata.observed_data["x"][0]) == 13.0
    weights = idata.sample_stats_prior["log_weight"]
    assert weights.shape == (1, 50000)
    assert weights.attrs["ess"] == pytest.approx(reported["calibration"]["ess"])
    stats = az.summary(idata, group="posterior", kind="stats", hdi_prob=0.9, round_to="none")
    for name, section in (("x", "inputs"), ("y", "outputs")):
        mean, low, high = _hdi_and_mean(reported["posterior"][section][name])
        assert stats.loc[name, "mean"] == pytest.approx(mean, rel=1e-12)
        assert (stats.loc[name, "hdi_5%"], stats.loc[name, "hdi_95%"]) == (low, high)
    assert stats.loc["x", "mean"] == pytest.approx(12.4, abs=0.03)


def _shipped(path: str, draws: int = 200_000):
    scenario = simulate.load(ROOT / "priors" / path)
    kept = simulate.run(scenario, draws, seed=42)
    fit = calibration.calibrate(scenario, kept)
    return kept, calibration.resample(kept, fit), fit


def _width(values: np.ndarray) -> float:
    low, high = np.percentile(values, [5, 95])
    return high - low


def test_shipped_case_a_market_price_implies_a_margin():
    """Together's $0.88 per 1M tokens for Llama 3.1 70B: the posterior prices the tokens at
    the list price, and narrows the margin the wide prior allowed."""
    prior, posterior, fit = _shipped("serving/together-llama31-70b-price.toml")
    assert fit.reliable
    price = posterior.outputs["price_per_1m_tokens_usd"]
    assert np.median(price) == pytest.approx(0.88, rel=0.02)
    margin = posterior.inputs["gross_margin"]
    assert _width(margin) < 0.95 * _width(prior.inputs["gross_margin"])
    cost = posterior.outputs["cost_per_1m_tokens_usd"]
    np.testing.assert_allclose(price, cost / (1 - margin), rtol=1e-12)  # coherent draws


def test_shipped_case_b_gpt3_api_price_implies_a_lower_inference_mfu():
    """$0.02 per 1k tokens is above what the seed's 21 % MFU and a 50 % margin give ($0.007):
    the price points to lower serving utilization (or a higher margin)."""
    prior, posterior, fit = _shipped("gpt3-api-implied-mfu.toml")
    assert fit.reliable
    assert np.median(posterior.outputs["api_price_per_1k_tokens_usd"]) == pytest.approx(
        0.02, rel=0.02
    )
    assert np.median(posterior.inputs["inference_mfu"]) < 0.8 * np.median(
        prior.inputs["inference_mfu"]
    )
    assert np.median(posterior.inputs["gross_margin"]) > np.median(prior.inputs["gross_margin"])


def test_shipped_case_c_reported_hours_pin_the_mfu_to_its_closed_form():
    """1,720,320 A100-hours for 6·N·D FLOPs at 312 TFLOP/s: the posterior MFU is that ratio,
    and the cost narrows only as far as the still-uncertain hourly price allows."""
    prior, posterior, fit = _shipped("llama2-70b-reported-hours.toml")
    assert fit.reliable
    implied = 6 * 68976653312 * 2.0e12 / (1720320 * 312e12 * 3600)
    assert np.median(posterior.inputs["training_mfu"]) == pytest.approx(implied, rel=0.005)
    assert _width(posterior.inputs["training_mfu"]) < 0.1 * _width(prior.inputs["training_mfu"])
    price_width = _width(posterior.inputs["accelerator_hour_usd"])
    assert price_width == pytest.approx(_width(prior.inputs["accelerator_hour_usd"]), rel=0.05)
    cost = posterior.outputs["training_cost_usd"]
    assert 0.4 < _width(cost) / _width(prior.outputs["training_cost_usd"]) < 0.8


@pytest.mark.slow
def test_the_readme_quotes_the_worked_example(invoke):
    """README's numbers for priors/gpt3-api-implied-mfu.toml are what the run prints."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    result = invoke("run", ROOT / "priors" / "gpt3-api-implied-mfu.toml", "--format", "json")
    data = json.loads(result.stdout)
    posterior = data["posterior"]["inputs"]
    assert f"effective sample size {data['calibration']['ess']:,.0f} of 1,000,000" in readme
    assert f"posterior median {100 * posterior['inference_mfu']['p50']:.1f} %" in readme
    assert f"higher margin ({100 * posterior['gross_margin']['p50']:.1f} %)" in readme
    assert f"Pareto k̂ {data['calibration']['pareto_k']:.2f})" in readme


def test_the_prior_posterior_figure_shows_both_and_the_measurement(tmp_path):
    from simulate.present import figures

    rng = np.random.default_rng(0)
    prior, posterior = rng.normal(10, 2, 5000), rng.normal(12.4, 0.9, 5000)
    figure = figures.prior_posterior(
        prior, posterior, "x", "USD", [(11.4, 14.6)], tmp_path / "p.png", plain="a price"
    )
    (axes,) = figure.axes
    labels = [t.get_text().replace("\\$", "$") for t in axes.get_legend().get_texts()]
    assert labels == [
        "observed (90 %)",
        "prior",
        "prior median $9.94",
        "posterior",
        "posterior median $12.4",
    ]
    band = [p for p in axes.patches if p.get_label() == "observed (90 %)"]
    assert len(band) == 1 and band[0].get_x() == pytest.approx(11.4)
    assert (tmp_path / "p.png").stat().st_size > 10_000


def test_a_report_says_what_the_observations_tell_us(invoke, tmp_path):
    out = tmp_path / "gpt3.md"
    result = invoke(
        "report", ROOT / "priors" / "gpt3-api-implied-mfu.toml", "--draws", "40000",
        "--sobol-samples", "256", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    section = text.split("### What the observations tell us")[1].split("### What drives it")[0]
    assert "`api_price_per_1k_tokens_usd` observed at 0.02 ± 5 %" in section
    assert "too surprising" not in section
    row = next(line for line in section.splitlines() if line.startswith("| `inference_mfu`"))
    assert 0.4 < float(row.split("|")[-2]) < 0.8  # the price narrows the MFU
    figure = tmp_path / "gpt3-api_price_per_1k_tokens_usd-posterior.png"
    assert f"]({figure.name})" in section and figure.stat().st_size > 10_000
    # an impossible observation makes the section say so first
    impossible = invoke(
        "report", ROOT / "priors" / "gpt3-api-implied-mfu.toml", "--draws", "20000",
        "--sobol-samples", "256", "--out", tmp_path / "bad.md",
        "--set", "gross_margin=0.5", "--set", "accelerator_hour_usd=2",
    )  # fmt: skip
    assert impossible.exit_code == 0, impossible.stderr
    assert (
        "**The observations are too surprising under these priors**"
        in (tmp_path / "bad.md").read_text()
    )


@pytest.mark.slow
def test_same_posterior_on_a_dask_cluster():
    distributed = pytest.importorskip("distributed")
    scenario = _scenario({"y": {"value": 26.0, "error": 2.0}})
    local, _ = _posterior(scenario, 3 * 65_536 + 5, seed=9, workers=1)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        remote, _ = _posterior(
            scenario, 3 * 65_536 + 5, seed=9, chunk_size=65_536, scheduler=cluster.scheduler_address
        )
    np.testing.assert_array_equal(remote.inputs["x"], local.inputs["x"])
    np.testing.assert_array_equal(remote.outputs["y"], local.outputs["y"])


def test_a_measurement_interval_reads_back_and_converts_units(priors_file):
    from simulate.core.observations import from_interval

    for kind in ("normal", "lognormal"):
        assert from_interval("x", kind, 2.0, 5.0, "").interval() == pytest.approx((2.0, 5.0))
    path = priors_file(
        "[scenario]\nname = 'c'\n[assumptions]\nx = { lognormal = [1, 4], unit = 'hour' }\n"
        "[observations]\nx = { lognormal = [60, 240], unit = 'minute' }\n"
    )
    (observation,) = simulate.load(path).observations
    assert observation.interval() == pytest.approx((1.0, 4.0))


def test_observe_reads_signs_exponents_and_a_relative_error_as_a_share(priors_file):
    path = priors_file(
        "[scenario]\nname = 'c'\n[assumptions]\nx = { normal = { mean = 10, sd = 2 } }\n"
    )
    observed = simulate.load(path, observe=["x=1.3e+1±10%", "x = +13 +- 1.3"]).observations
    assert [(o.center, o.spread) for o in observed] == [(13.0, pytest.approx(1.3)), (13.0, 1.3)]


def test_each_observation_is_judged_alone_and_the_surprising_one_is_named(invoke, priors_file):
    scenario = _scenario({"x": [{"value": 12.0, "error": 1.0}, {"value": 40.0, "error": 0.4}]})
    _, fit = _posterior(scenario, draws=20_000)
    assert [f.surprising for f in fit.fits] == [False, True] and not fit.reliable
    path = priors_file(
        "[scenario]\nname = 'c'\n[assumptions]\nx = { normal = { mean = 10, sd = 2 } }\n"
        "[observations]\nx = [{ value = 12, error = 1 }, { value = 40, error = 0.4 }]\n"
    )
    said = invoke("run", path, "--draws", "20000").stderr
    assert "observation x 40 ± 0.4 is too surprising" in said and "x 12 ± 1 is" not in said


def test_draws_that_cannot_have_produced_the_measurement_get_no_weight(invoke, priors_file):
    """y = log(x − 9) is NaN where x < 9: those draws leave the posterior, and run says so."""
    path = priors_file(
        "[scenario]\nname = 'c'\n[assumptions]\nx = { normal = { mean = 10, sd = 2 } }\n"
        "[derived]\ny = 'log(x - 9)'\n[observations]\ny = { value = 1.0, error = 0.2 }\n"
    )
    scenario = simulate.load(path)
    prior, posterior, fit = (lambda k: (k, *_resampled(scenario, k)))(
        simulate.run(scenario, 50_000, seed=3)
    )
    assert np.isnan(prior.outputs["y"]).any() and not np.isnan(posterior.outputs["y"]).any()
    assert fit.fits[0].compatible == np.count_nonzero(np.isfinite(prior.outputs["y"]))
    result = invoke("run", path, "--draws", "50000")
    assert "cannot have produced the measurement" in result.stderr


def _resampled(scenario, kept):
    fit = calibration.calibrate(scenario, kept)
    return calibration.resample(kept, fit), fit


def test_the_log_likelihood_group_is_each_observations_at_the_posterior_draws():
    scenario = _scenario({"x": [{"value": 12.0, "error": 1.0}, {"value": 13.0, "error": 2.0}]})
    kept = simulate.run(scenario, 20_000, seed=2)
    posterior, fit = _resampled(scenario, kept)
    groups = calibration.inference_groups(scenario, posterior, fit)
    x = posterior.inputs["x"]
    from scipy import stats

    expected = np.stack([stats.norm.logpdf(12.0, x, 1.0), stats.norm.logpdf(13.0, x, 2.0)], 1)
    np.testing.assert_allclose(groups["log_likelihood"]["x"][0], expected)
    lognormal = calibration.Observation("x", "lognormal", 2.0, 0.3, "")
    np.testing.assert_allclose(
        lognormal.log_density(x), stats.lognorm.logpdf(2.0, 0.3, scale=x), rtol=1e-12
    )
    np.testing.assert_array_equal(groups["observed_data"]["x"][0], [12.0, 13.0])
    np.testing.assert_array_equal(groups["sample_stats_prior"]["log_weight"][0], fit.log_weights)


def test_a_discrete_quantity_has_no_tail_to_fit_and_is_judged_by_its_ess(priors_file):
    path = priors_file(
        "[scenario]\nname = 'c'\n[assumptions]\n"
        "x = { choice = { values = [1, 2, 3], weights = [1, 2, 1] } }\n"
    )
    scenario = simulate.load(path, observe=["x=2±25%"])
    _, fit = _resampled(scenario, simulate.run(scenario, 20_000, seed=1))
    assert math.isnan(fit.pareto_k) and not fit.fits[0].surprising
    assert fit.reliable and fit.ess > 5_000


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("k2 = { value = 6, error = 1 }", "observations.k2", "in every draw"),
        ("x = { value = nan, error = 1 }", "observations.x.value", "finite number"),
        ("x = { value = 3, error = inf }", "observations.x.error", "finite number"),
        ("x = { normal = [1, 2], relative_error = 0.1 }", "observations.x.relative_error",
         "carries its own error"),
        ("x = { value = 3, error = 1, relative_error = 0.1 }", "observations.x.error",
         "not both"),
    ],
)  # fmt: skip
def test_observations_that_cannot_mean_anything_exit_2(invoke, priors_file, text, key, words):
    path = priors_file(
        "[scenario]\nname = 'c'\n[assumptions]\nx = { lognormal = [1, 4] }\nk = 3\n"
        "[derived]\nk2 = 'k * 2'\n[observations]\n" + text + "\n"
    )
    result = invoke("run", path, "--draws", "2000")
    assert result.exit_code == 2, result.stdout
    assert f"{path}: {key}" in result.stderr and words in result.stderr


def test_a_share_observed_as_a_percentage_is_refused(invoke):
    result = invoke(
        "run", ROOT / "priors" / "gpt3-api-implied-mfu.toml", "--draws", "2000",
        "--observe", "inference_mfu=40±5%",
    )  # fmt: skip
    assert result.exit_code == 2 and "did you mean 0.4?" in result.stderr


def test_a_quantity_cannot_take_the_name_of_a_saved_group(invoke, priors_file):
    path = priors_file("[scenario]\nname = 'c'\n[assumptions]\nposterior = 3\n")
    result = invoke("check", path)
    assert result.exit_code == 2 and "assumptions.posterior" in result.stderr


def test_markdown_has_the_observations_and_what_moved_and_other_commands_say_prior(
    invoke, priors_file
):
    path = priors_file(
        "[scenario]\nname = 'c'\n[assumptions]\nx = { normal = { mean = 10, sd = 2 } }\n"
        "[derived]\ny = '2 * x'\n[observations]\nx = { value = 13, error = 1 }\n"
    )
    text = invoke("run", path, "--draws", "20000", "--format", "markdown").stdout
    assert "- x 13 ± 1 (90 % in [11.4, 14.6]" in text
    row = next(line for line in text.splitlines() if line.startswith("| `x` | 6."))
    assert float(row.split("|")[-2]) == pytest.approx(0.447, abs=0.04)
    said = invoke("sensitivity", path, "--output", "y", "--method", "tornado").stderr
    assert "sensitivity describes the prior" in said


def test_the_python_api_of_readme_gives_what_the_command_line_gives(invoke):
    """README's notebook lines: load with observe=, run, calibrate, resample, summarize."""
    path = ROOT / "priors" / "gpt3-api-implied-mfu.toml"
    api = simulate.load(path, observe=["gross_margin=0.5±10%"])
    prior = simulate.run(api, draws=50_000, seed=42)
    fit = simulate.calibrate(api, prior)
    summary = simulate.summarize(api, simulate.resample(prior, fit), effective_draws=fit.ess)
    result = invoke(
        "run", path, "--draws", "50000", "--observe", "gross_margin=0.5±10%", "--format", "json"
    )
    data = json.loads(result.stdout)
    assert summary.to_dict()["inputs"] == data["posterior"]["inputs"]
    assert isinstance(fit, simulate.Calibration) and fit.ess == data["calibration"]["ess"]


def test_the_pareto_k_limit_is_lower_for_few_draws():
    """Vehtari et al. 2024: min(1 − 1/log10(S), 0.7) — 0.667 at 1,000 draws, 0.7 from 2,154."""
    assert calibration.k_hat_limit(1_000) == pytest.approx(1 - 1 / 3)
    assert calibration.k_hat_limit(2_154) < 0.7 <= calibration.k_hat_limit(2_155)
    assert calibration.k_hat_limit(10**6) == 0.7
    # a k̂ of 0.68 over 1,000 draws is too surprising; over 100,000 it is not
    observation = calibration.Fit(None, 0.68, 5_000.0, 1_000, calibration.k_hat_limit(1_000))
    assert observation.surprising
    few = calibration.Calibration((observation,), None, 0.68, 5_000.0, 1_000)
    many = calibration.Calibration((observation,), None, 0.68, 5_000.0, 100_000)
    assert not few.reliable and many.reliable


def test_a_quantity_observed_in_the_file_and_by_observe_is_said_to_count_twice(invoke):
    path = "priors/llama2-70b-reported-hours.toml"
    both = invoke("run", path, "--draws", "1e5", "--observe", "accelerator_hours=1.7e6±2%")
    assert both.exit_code == 0
    assert "accelerator_hours is observed in priors/llama2-70b-reported-hours.toml" in both.stderr
    assert "--observe: they count as independent measurements" in both.stderr
    assert "independent measurements" not in invoke("run", path, "--draws", "1e5").stderr
