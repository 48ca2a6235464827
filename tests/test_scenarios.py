"""Every shipped scenario: loads, runs, cites sources, and answers its question sensibly."""

from __future__ import annotations

import json

import numpy as np
import pytest

import simulate
from simulate.models.inhouse import inhouse
from tests.conftest import PRIORS


def _is_scenario(path):
    import tomllib

    return "models" in tomllib.loads(path.read_text()).get("scenario", {})


FRONTIER = sorted(p for p in PRIORS.glob("frontier/*.toml") if _is_scenario(p))
SERVING = sorted(p for p in PRIORS.glob("serving/*.toml") if _is_scenario(p))
SCENARIOS = sorted(p for p in PRIORS.glob("*.toml")) + FRONTIER + SERVING
INCLUDED = sorted(p for p in PRIORS.glob("*/*.toml") if not _is_scenario(p))
HARDWARE = sorted(p.stem for p in PRIORS.glob("hardware/*.toml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenario_runs_in_both_modes(path):
    scenario = simulate.load(path)
    assert scenario.models, "a shipped scenario uses at least one model"
    if scenario.axis is not None:  # along years or a sweep: each coordinate like a plain run
        from simulate.core import along

        points = along.run_point(scenario)
        summaries = simulate.summarize_along(
            scenario, simulate.run_along(scenario, 20_000, seed=0)
        ).summaries
    else:
        points = [simulate.run_point(scenario)]
        summaries = [simulate.summarize(scenario, simulate.run(scenario, 20_000, seed=0))]
    for point, summary in zip(points, summaries, strict=True):
        for name in scenario.report:
            value = float(point.outputs[name])
            entry = summary["outputs"][name]
            if float(point.outputs.get("serving_infeasible", 0)) == 1:
                continue  # a swept batch that does not fit at the base case: said, not priced
            assert np.isfinite(value)
            assert entry["p5"] <= entry["p50"] <= entry["p95"]
    for name, assumption in scenario.assumptions.items():
        assert assumption.source.strip(), f"{name} has no source"


@pytest.mark.parametrize("path", INCLUDED, ids=[f"{p.parent.name}/{p.stem}" for p in INCLUDED])
def test_includable_files_cite_a_source_for_every_assumption(path, priors_file):
    text = f'[scenario]\ninclude = ["{path}"]\n[assumptions]\nprobe = 1\n'
    scenario = simulate.load(priors_file(text))  # nothing reads them, but all are validated
    assert list(scenario.assumptions) == ["probe"]
    import tomllib

    for name, entry in _each_year(tomllib.loads(path.read_text()).get("assumptions", {})):
        assert entry.get("source", "").strip(), f"{path.name}: {name}"


def _each_year(assumptions: dict) -> list[tuple[str, object]]:
    """Assumptions as declared, one per year for those listed by_year (with what the
    assumption says for every year)."""
    entries = []
    for name, entry in assumptions.items():
        if isinstance(entry, dict) and "by_year" in entry:
            common = {k: v for k, v in entry.items() if k != "by_year"}
            for year, point in entry["by_year"].items():
                entries.append((f"{name}.by_year.{year}", {**common, **point}))
        else:
            entries.append((name, entry))
    return entries


@pytest.mark.parametrize("name", HARDWARE)
def test_hardware_files_declare_what_models_need(name):
    import tomllib

    entries = tomllib.loads((PRIORS / "hardware" / f"{name}.toml").read_text())["assumptions"]
    needed = {
        "peak_flops_per_s",
        "hbm_bandwidth_bytes_per_s",
        "accelerator_memory_gb",
        "accelerator_watts",
        "accelerator_capex_usd",
        "accelerator_hour_usd",
    }
    assert needed <= set(entries)
    # what the owned-cluster model reads from the hardware (all but H200 and MI300X)
    if name not in ("h200", "mi300x"):
        assert {"server_power_ratio", "power_drawn_fraction"} <= set(entries)
    assert entries["peak_flops_per_s"]["unit"] == "TFLOP/s"


def test_dense_peak_flops_are_not_the_sparse_headline(priors_file):
    peaks = {}
    for name in ("v100", "a100-80gb", "h100", "h200", "mi300x", "tpu-v4"):
        text = f'[scenario]\nmodels=["training"]\ninclude=["{PRIORS}/hardware/{name}.toml"]\n'
        text += "[assumptions]\nparams=1\ntraining_tokens=1\ntraining_mfu=1\n"
        scenario = simulate.load(priors_file(text, f"probe-{name}.toml"))
        # declared in TFLOP/s; the training model reads FLOP/s
        factor = scenario.input_factors["peak_flops_per_s"]
        peaks[name] = scenario.assumptions["peak_flops_per_s"].distribution.point * factor
    assert peaks == pytest.approx(
        {
            "v100": 125e12,
            "a100-80gb": 312e12,
            "h100": 989.4e12,
            "h200": 989.5e12,
            "mi300x": 1307.4e12,
            "tpu-v4": 275e12,
        }
    )


def test_owned_h100_hour_agrees_with_a_hand_computation(invoke):
    result = invoke("run", PRIORS / "gpt3-training-owned-h100.toml", "--point", "--format", "json")
    data = json.loads(result.stdout)
    hour = data["outputs"]["accelerator_hour_usd"]["value"]
    # By hand from the point values: $27,500 × 1.5 / (4 × 8766 h) + 0.7 kW × 1.2 × $0.08, / 0.8
    assert hour == pytest.approx((27_500 * 1.5 / (4 * 8766) + 0.7 * 1.2 * 0.08) / 0.8)
    assert hour == pytest.approx(
        float(inhouse(27_500, 4, 700, 1.2, 0.08, 0.8, 0.5)["accelerator_hour_usd"])
    )
    hours = 6 * 175e9 * 300e9 / (989.4e12 * 0.40) / 3600
    assert data["outputs"]["training_cost_usd"]["value"] == pytest.approx(hours * hour)


def test_breakeven_scenario_agrees_with_a_hand_computation(invoke):
    data = json.loads(
        invoke(
            "run", PRIORS / "breakeven-frontier-per-token.toml", "--point", "--format", "json"
        ).stdout
    )["outputs"]
    # $100M over 12 months; margin $0.015 − $0.002 per 1k tokens
    assert data["breakeven_tokens_per_month"]["value"] == pytest.approx(
        1000 * (100e6 / 12) / (0.015 - 0.002)
    )
    subscription = json.loads(
        invoke(
            "run", PRIORS / "breakeven-frontier-subscription.toml", "--point", "--format", "json"
        ).stdout
    )["outputs"]
    # each subscriber pays $20 and uses 1e6 tokens costing 1e3 × $0.002 = $2
    assert subscription["breakeven_subscribers"]["value"] == pytest.approx((100e6 / 12) / 18)


def test_serving_batch_64_is_cheaper_per_token_and_memory_bound(invoke):
    one = json.loads(
        invoke("run", PRIORS / "serving-h100-batch1.toml", "--point", "--format", "json").stdout
    )["outputs"]
    many = json.loads(
        invoke("run", PRIORS / "serving-h100-batch64.toml", "--point", "--format", "json").stdout
    )["outputs"]
    assert one["memory_bound"]["value"] == many["memory_bound"]["value"] == 1.0
    assert many["serving_cost_per_1k_tokens_usd"]["value"] == pytest.approx(
        one["serving_cost_per_1k_tokens_usd"]["value"] / 64
    )


def test_chinchilla_scenario_medians_land_near_chinchilla():
    scenario = simulate.load(PRIORS / "chinchilla-compute-optimal.toml")
    point = simulate.run_point(scenario).outputs
    assert float(point["optimal_params"]) == pytest.approx(72e9, rel=0.01)
    summary = simulate.summarize(scenario, simulate.run(scenario, 50_000, seed=0))["outputs"]
    assert 60e9 < summary["optimal_params"]["p50"] < 90e9
    assert 15 < summary["optimal_tokens_per_param"]["p50"] < 21


# The same constants as independent normals from the refit's standard errors: what the
# Chinchilla scenario drew before joint sets existed.
INDEPENDENT_CHINCHILLA = """
[scenario]
name = "chinchilla-independent"
models = ["scaling"]
[assumptions]
loss_e = { normal = { mean = 1.8172, sd = 0.03 } }
loss_a = { normal = { mean = 482.01, sd = 124.58 }, min = 1 }
loss_b = { normal = { mean = 2085.43, sd = 1293.23 }, min = 1 }
loss_alpha = { normal = { mean = 0.3478, sd = 0.02 } }
loss_beta = { normal = { mean = 0.3658, sd = 0.02 } }
training_flops_budget = { fixed = 5.76e23, unit = "FLOP" }
[derived]
optimal_tokens_per_param = { expr = "optimal_training_tokens / optimal_params", \
unit = "token/parameter" }
"""


def test_joint_chinchilla_interval_is_far_narrower_than_the_independent_one(priors_file):
    def interval(scenario):
        draws = simulate.run(scenario, 200_000, seed=1).outputs["optimal_tokens_per_param"]
        return np.percentile(draws, [5, 95])

    joint = interval(simulate.load(PRIORS / "chinchilla-compute-optimal.toml"))
    independent = interval(simulate.load(priors_file(INDEPENDENT_CHINCHILLA)))
    # independent: ≈ 0.09 to 1,100 tokens per parameter; joint: ≈ 9 to 32
    assert independent[1] / independent[0] > 1000
    assert joint[1] / joint[0] < 5
    assert 5 < joint[0] < joint[1] < 40


def test_each_chinchilla_draw_is_one_row_of_the_bootstrap_table():
    scenario = simulate.load(PRIORS / "chinchilla-compute-optimal.toml")
    text = (PRIORS / "data" / "chinchilla-bootstrap-fits.csv").read_text().splitlines()
    lines = [line for line in text if not line.startswith("#")]
    assert lines[0] == "loss_e,loss_a,loss_b,loss_alpha,loss_beta"
    rows = np.array([[float(x) for x in line.split(",")] for line in lines[1:]])
    assert rows.shape == (4000, 5)
    names = ("loss_e", "loss_a", "loss_b", "loss_alpha", "loss_beta")
    for method in ("mc", "lhs", "sobol"):
        inputs = simulate.run(scenario, 4096, seed=3, method=method).inputs
        drawn = np.column_stack([inputs[name] for name in names])
        table = {tuple(row) for row in rows}
        assert all(tuple(row) in table for row in drawn), method
        assert len({tuple(row) for row in drawn}) > 2000  # many different rows, not one


@pytest.mark.parametrize("path", SCENARIOS + INCLUDED, ids=lambda p: p.stem)
def test_every_uncertain_assumption_says_why_it_is_uncertain(path):
    import tomllib

    document = tomllib.loads(path.read_text())
    for name, entry in _each_year(document.get("assumptions", {})):
        if isinstance(entry, dict) and "fixed" not in entry:
            assert entry.get("description", "").strip(), f"{path.name}: {name}"
    for name, entry in document.get("joint", {}).items():
        assert entry.get("description", "").strip(), f"{path.name}: joint {name}"
        assert entry.get("source", "").strip(), f"{path.name}: joint {name}"
    for name, entry in document.get("correlations", {}).items():
        assert isinstance(entry, dict) and entry.get("description", "").strip(), (path.name, name)
