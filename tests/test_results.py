"""Summaries (percentiles, HDI, thresholds, non-finite draws) and results on disk."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import xarray as xr
from scipy import stats

import simulate
from simulate.analysis.results import summarize_values
from simulate.core.statistics import exact_statistics
from tests.conftest import PRIORS

PRODUCT = """
[scenario]
name = "product"

[assumptions]
a = { lognormal = { mu = 0.3, sigma = 0.4 } }
b = { lognormal = { mu = -1.0, sigma = 0.3 } }

[derived]
c = "a * b"
"""


@pytest.mark.slow
def test_product_of_two_lognormals_matches_the_closed_form(priors_file, invoke):
    # a·b is lognormal with mu = 0.3 − 1.0 and sigma = sqrt(0.4² + 0.3²) = 0.5.
    result = invoke(
        "run",
        priors_file(PRODUCT),
        "--draws",
        "1e6",
        "--seed",
        "2024",
        "--percentiles",
        "5,25,50,75,95",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    c = json.loads(result.stdout)["outputs"]["c"]
    exact = stats.lognorm(s=0.5, scale=math.exp(-0.7))
    for q in (5, 25, 50, 75, 95):
        assert c[f"p{q}"] == pytest.approx(exact.ppf(q / 100), rel=0.01), q
    assert c["mean"] == pytest.approx(exact.mean(), rel=0.01)
    assert c["sd"] == pytest.approx(exact.std(), rel=0.02)
    lo, hi = c["hdi_90"]
    assert exact.cdf(hi) - exact.cdf(lo) == pytest.approx(0.9, abs=0.002)


@pytest.mark.parametrize("seed", range(5))
def test_hdi_agrees_with_arviz(seed):
    import arviz as az

    rng = np.random.default_rng(seed)
    values = np.concatenate([rng.lognormal(0, 1, 5001), rng.normal(3, 0.1, 977 + seed)])
    _, ours = exact_statistics(values, [50], 0.9)  # what every run calls
    theirs = az.hdi(values, hdi_prob=0.9)
    assert ours == (theirs[0], theirs[1])


@pytest.mark.parametrize("n", [1, 2, 3, 10, 1001])
def test_percentiles_agree_with_numpy(n):
    values = np.random.default_rng(n).gamma(2.0, size=n)
    qs = [0, 2.5, 5, 25, 50, 75, 95, 100]
    quantiles, _ = exact_statistics(values, qs)  # what every run calls
    assert quantiles == pytest.approx(np.percentile(values, qs), rel=1e-14, abs=0)


def test_percentiles_are_ordered_and_hdi_holds_90_percent():
    values = np.random.default_rng(0).lognormal(0, 1, 100_000)
    summary = summarize_values(values, [5, 25, 50, 75, 95])
    ordered = [summary[f"p{q}"] for q in (5, 25, 50, 75, 95)]
    assert ordered == sorted(ordered)
    lo, hi = summary["hdi_90"]
    assert np.mean((values >= lo) & (values <= hi)) == pytest.approx(0.9, abs=1e-4)
    # a right-skewed distribution's HDI sits left of its central interval
    assert lo < summary["p5"] and hi < summary["p95"]


def test_nonfinite_draws_are_counted_and_reported(priors_file, invoke):
    text = """
    [scenario]
    name = "div"
    [assumptions]
    x = { uniform = [-1, 1] }
    [derived]
    y = "1 / where(x > 0.5, 0, x)"
    """
    result = invoke("run", priors_file(text), "--draws", "10000", "--format", "json")
    assert result.exit_code == 0
    y = json.loads(result.stdout)["outputs"]["y"]
    assert 2300 < y["nonfinite"] < 2700  # P(x > 0.5) = 1/4 of 10,000 draws
    assert "y is not finite" in result.stderr and f"in {y['nonfinite']} of 10000" in result.stderr
    assert math.isfinite(y["mean"])


def test_threshold_gives_the_exceedance_probability(priors_file, invoke):
    text = "[scenario]\nname='u'\n[assumptions]\nx = { uniform = [0, 10] }\n"
    result = invoke(
        "run",
        priors_file(text),
        "--draws",
        "1e5",
        "--threshold",
        "x>7.5",
        "--threshold",
        "x<=1",
        "--format",
        "json",
    )
    thresholds = json.loads(result.stdout)["inputs"]["x"]["thresholds"]
    assert thresholds[">7.5"] == pytest.approx(0.25, abs=0.005)
    assert thresholds["<=1"] == pytest.approx(0.10, abs=0.005)
    table = invoke("run", priors_file(text), "--draws", "1e5", "--threshold", "x>7.5")
    # a probability reads as a percentage in the table, the same number as in the JSON
    assert f"P(x > 7.5) = {100 * thresholds['>7.5']:.3g} %" in table.stdout


def test_netcdf_round_trip_with_metadata_and_arviz(tmp_path, invoke):
    out = tmp_path / "sub" / "gpt3.nc"
    result = invoke(
        "run",
        PRIORS / "gpt3-training.toml",
        "--draws",
        "5000",
        "--seed",
        "9",
        "--out",
        out,
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    with xr.open_dataset(out) as dataset:
        assert dataset.sizes["draw"] == 5000
        cost = dataset["training_cost_usd"]
        assert cost.attrs["unit"] == "USD" and cost.attrs["kind"] == "model output"
        mfu = dataset["training_mfu"]
        assert "PaLM" in mfu.attrs["source"] and mfu.attrs["distribution"].startswith("beta")
        assert dataset.attrs["seed"] == 9 and dataset.attrs["method"] == "mc"
        assert dataset.attrs["draws"] == 5000 and len(dataset.attrs["priors_sha256"]) == 64
        assert "params" not in dataset  # a fixed input is stored once, in the group "fixed"
    with xr.open_dataset(out, group="fixed") as fixed:
        assert fixed["params"].shape == () and float(fixed["params"]) == 175e9
        assert fixed["params"].attrs["unit"] == "parameter"
    with xr.open_dataset(out) as dataset:
        cost = dataset["training_cost_usd"]
        assert float(np.median(cost.values)) == pytest.approx(
            summary["outputs"]["training_cost_usd"]["p50"], rel=1e-12
        )
        import arviz as az

        hdi = az.hdi(dataset, hdi_prob=0.9)["training_cost_usd"].values
        assert list(hdi) == summary["outputs"]["training_cost_usd"]["hdi_90"]
        assert "training_cost_usd" in az.summary(dataset, kind="stats").index
    assert [p.name for p in out.parent.iterdir()] == ["gpt3.nc"]  # no temporary left behind


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    from simulate.io import files

    scenario = simulate.load(PRIORS / "gpt3-training.toml")
    dataset = simulate.to_dataset(scenario, simulate.run(scenario, 100, seed=0))
    target = tmp_path / "x.nc"
    target.write_text("previous results")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(type(dataset), "to_netcdf", broken)
    with pytest.raises(OSError):
        files.write_netcdf(dataset, target)
    assert target.read_text() == "previous results"
    assert [p.name for p in tmp_path.iterdir()] == ["x.nc"]


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_out_writes_the_summary_in_the_format_of_its_suffix(suffix, tmp_path, invoke):
    out = tmp_path / f"s{suffix}"
    result = invoke(
        "run",
        PRIORS / "gpt3-inference.toml",
        "--draws",
        "1000",
        "--out",
        out,
        "--format",
        suffix[1:],
    )
    assert result.exit_code == 0
    assert out.read_text() == result.stdout


def test_csv_has_one_row_per_quantity_and_the_json_numbers(invoke):
    args = ("run", PRIORS / "gpt3-training.toml", "--draws", "2000")
    rows = invoke(*args, "--format", "csv").stdout.strip().splitlines()
    data = json.loads(invoke(*args, "--format", "json").stdout)
    header = rows[0].split(",")
    assert header[:4] == ["section", "name", "unit", "mean"]
    assert len(rows) - 1 == len(data["outputs"]) + len(data["inputs"])
    cost = next(r.split(",") for r in rows if ",training_cost_usd," in r)
    assert float(cost[header.index("p50")]) == data["outputs"]["training_cost_usd"]["p50"]
    assert (
        float(cost[header.index("hdi_90_low")]) == data["outputs"]["training_cost_usd"]["hdi_90"][0]
    )


def test_json_follows_the_design_contract(invoke):
    result = invoke(
        "run",
        PRIORS / "gpt3-training.toml",
        "--draws",
        "1e4",
        "--seed",
        "42",
        "--percentiles",
        "5,50,95",
        "--format",
        "json",
    )
    data = json.loads(result.stdout)
    assert (data["scenario"], data["draws"], data["seed"], data["method"]) == (
        "gpt3-training",
        10000,
        42,
        "mc",
    )
    entry = data["outputs"]["training_cost_usd"]
    assert set(entry) == {"unit", "mean", "sd", "p5", "p50", "p95", "hdi_90", "mcse"}
    assert set(entry["mcse"]) == {"p5", "p50", "p95"}
    assert set(data["inputs"]) == {
        "params",
        "training_tokens",
        "peak_flops_per_s",
        "training_mfu",
        "accelerator_hour_usd",
        "n_accelerators",
    }
    point = json.loads(
        invoke("run", PRIORS / "gpt3-training.toml", "--point", "--format", "json").stdout
    )
    assert point["outputs"]["training_cost_usd"].keys() == {"unit", "value"}


def test_threshold_against_another_quantity_compares_draw_by_draw(priors_file, invoke):
    text = (
        "[scenario]\nname='u'\n[assumptions]\nx = { uniform = [0, 1] }\ny = { uniform = [0, 1] }\n"
    )
    result = invoke(
        "run", priors_file(text), "--draws", "1e5", "--threshold", "x>y", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    # two independent uniforms: P(x > y) = 1/2 (a fixed comparison value would not give that)
    assert json.loads(result.stdout)["inputs"]["x"]["thresholds"][">y"] == pytest.approx(
        0.5, abs=0.005
    )
    table = invoke("run", priors_file(text), "--draws", "1e4", "--threshold", "x<=y").stdout
    assert "P(x <= y) = " in table


def test_thresholds_declared_in_the_scenario_are_reported(invoke):
    result = invoke(
        "run",
        PRIORS / "search-two-stage.toml",
        "--draws",
        "20000",
        "--format",
        "json",
        "--threshold",
        "query_cost_usd>0.1",
    )
    entry = json.loads(result.stdout)["outputs"]["query_cost_usd"]["thresholds"]
    assert set(entry) == {">revenue_per_query_usd", ">0.1"}
    assert 0.5 < entry[">revenue_per_query_usd"] < 0.95


def test_a_summary_is_a_point_summary_or_a_draw_summary():
    """Two result types, not one with a mode string every renderer re-decides."""
    scenario = simulate.load(PRIORS / "gpt3-training.toml")
    point = simulate.summarize(scenario, simulate.run_point(scenario))
    assert isinstance(point, simulate.PointSummary) and not hasattr(point, "draws")
    assert point.to_dict()["mode"] == "point"
    assert point.outputs["training_cost_usd"].value == pytest.approx(1.4e6, rel=0.01)  # seed 000
    drawn = simulate.summarize(scenario, simulate.run(scenario, 1_000, seed=1))
    assert isinstance(drawn, simulate.DrawSummary) and drawn.draws == 1_000
    assert "mode" not in drawn.to_dict() and drawn.to_dict()["seed"] == 1
    assert isinstance(point, simulate.Summary) and isinstance(drawn, simulate.Summary)
