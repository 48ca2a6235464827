"""Units carried through [derived] expressions: inferred, checked, converted, and kept in output."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
import xarray as xr

import simulate
from simulate.core import dimensions, expressions, units
from tests.conftest import PRIORS

# The self-hosting vs API comparison that printed -0.001305 "USD/hour" before units were
# inferred (the inputs were converted to USD/hour, then USD/month was applied once more).
SAVINGS = """
[scenario]
name = "savings"
[assumptions]
api_monthly_cost_usd = { fixed = 5000, unit = "USD/month" }
selfhost_monthly_cost_usd = { fixed = 4047, unit = "USD/month" }
[derived]
savings_monthly_usd = { expr = "api_monthly_cost_usd - selfhost_monthly_cost_usd", \
unit = "USD/month" }
savings_yearly_usd = { expr = "savings_monthly_usd", unit = "kUSD/year" }
"""


def test_usd_per_month_difference_prints_the_right_number_in_usd_per_month(priors_file, invoke):
    result = invoke("run", priors_file(SAVINGS), "--point", "--format", "json")
    assert result.exit_code == 0, result.stderr
    outputs = json.loads(result.stdout)["outputs"]
    assert outputs["savings_monthly_usd"] == {"unit": "USD/month", "value": pytest.approx(953)}
    # converted, not relabelled: 953 USD a month is 11.436 kUSD a year
    assert outputs["savings_yearly_usd"] == {"unit": "kUSD/year", "value": pytest.approx(11.436)}


def test_a_derived_unit_survives_into_every_output_format(priors_file, invoke, tmp_path):
    path = priors_file(SAVINGS.replace("fixed = 4047", "uniform = [3500, 4500]"))
    args = ("run", path, "--draws", "2000", "--seed", "3")
    data = json.loads(invoke(*args, "--format", "json").stdout)
    entry = data["outputs"]["savings_monthly_usd"]
    assert entry["unit"] == "USD/month"
    assert 500 < entry["p5"] < entry["p95"] < 1500  # USD a month, not per hour
    table = invoke(*args).stdout
    assert "savings_monthly_usd" in table
    row = next(line for line in table.splitlines() if line.startswith("savings_monthly_usd"))
    assert "USD/month" in row
    rows = list(csv.DictReader(io.StringIO(invoke(*args, "--format", "csv").stdout)))
    by_name = {r["name"]: r for r in rows}
    assert by_name["savings_monthly_usd"]["unit"] == "USD/month"
    assert float(by_name["savings_monthly_usd"]["mean"]) == pytest.approx(entry["mean"])
    out = tmp_path / "savings.nc"
    assert invoke(*args, "--out", out).exit_code == 0
    with xr.open_dataset(out) as dataset:
        assert dataset["savings_monthly_usd"].attrs["unit"] == "USD/month"
        assert dataset["savings_yearly_usd"].attrs["unit"] == "kUSD/year"
        assert float(dataset["savings_monthly_usd"].mean()) == pytest.approx(entry["mean"])
    check = invoke("check", path)
    assert "USD/month" in check.stdout


def test_check_shows_the_unit_each_expression_gives(priors_file, invoke):
    text = SAVINGS + 'ratio = "api_monthly_cost_usd / selfhost_monthly_cost_usd"\n'
    text += 'per_year = "api_monthly_cost_usd * 12"\n'
    data = json.loads(invoke("check", priors_file(text), "--format", "json").stdout)
    assert data["derived"]["ratio"]["unit"] == "1"
    assert data["derived"]["savings_yearly_usd"]["inferred_unit"] == "USD/month"
    assert data["derived"]["savings_yearly_usd"]["expr"] == "savings_monthly_usd"
    assert data["derived"]["savings_yearly_usd"]["unit"] == "kUSD/year"
    # no unit declared: the expression's own, kept as it is (a threshold compares in it)
    assert data["derived"]["per_year"]["unit"] == "USD/month"


TRAINING = """
[scenario]
models = ["training"]
[assumptions]
params = { fixed = 65e9, unit = "parameter" }
training_tokens = { fixed = 1.4e12, unit = "token" }
peak_flops_per_s = { fixed = 312, unit = "TFLOP/s" }
gpu_hours = { fixed = 1022362, unit = "hour" }
published_flops = { fixed = 5.46e23, unit = "FLOP" }
accelerator_hour_usd = { fixed = 2, unit = "USD/hour" }
input_tokens = { fixed = 100, unit = "token" }
annual_cost_usd = { fixed = 100, unit = "USD/year" }
[derived]
"""


@pytest.mark.parametrize(
    ("derived", "key", "message"),
    [
        ('bogus = "input_tokens + annual_cost_usd"', "derived.bogus", "adds token to USD/year"),
        (
            'bogus = { expr = "input_tokens - annual_cost_usd", unit = "USD" }',
            "derived.bogus",
            "subtracts USD/year from token",
        ),
        ('bogus = "log(annual_cost_usd)"', "derived.bogus", "argument of log() is in USD/year"),
        ('bogus = "params ** training_mfu"', "derived.bogus", "not a constant"),
        ('bogus = "2 ** params"', "derived.bogus", "exponent must be a pure number"),
        ('bogus = "params ** 1e308"', "derived.bogus", "to the power 1e+308"),
        ('bogus = "params ** (0 / 0)"', "derived.bogus", "to the power nan"),
        ('bogus = "maximum(params, training_tokens)"', "derived.bogus", "of parameter and token"),
        ('bogus = "where(params, 1, 2)"', "derived.bogus", "condition is in parameter"),
        ('bogus = "params > 1"', "derived.bogus", "compares parameter with a pure number"),
        (
            'bogus = { expr = "annual_cost_usd / input_tokens", unit = "USD" }',
            "derived.bogus.unit",
            "the expression gives USD/token/year",
        ),
        # a model input fed by an expression of the wrong dimension
        (
            'n_accelerators = "peak_flops_per_s / 1e12"',
            "derived.n_accelerators",
            "the models read it in '1'",
        ),
    ],
)
def test_dimension_errors_are_refused_by_key(priors_file, invoke, derived, key, message):
    text = TRAINING.replace("[derived]\n", "training_mfu = 0.5\n[derived]\n") + derived
    result = invoke("check", priors_file(text))
    assert result.exit_code == 2, result.stdout
    assert f"scenario.toml: {key}: " in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_mfu_from_published_gpu_hours_needs_no_hand_written_3600(priors_file):
    # LLaMA-65B: 1,022,362 A100-hours for 6·65e9·1.4e12 FLOPs (Touvron et al. 2023)
    text = TRAINING + 'training_mfu = "published_flops / (gpu_hours * peak_flops_per_s)"\n'
    scenario = simulate.load(priors_file(text))
    assert scenario.derived["training_mfu"].unit == "1"
    point = simulate.run_point(scenario)
    mfu = 5.46e23 / (1022362 * 3600 * 312e12)
    assert float(point.outputs["training_mfu"]) == pytest.approx(mfu)  # ≈ 0.476, not 1,713
    assert float(point.outputs["accelerator_hours"]) == pytest.approx(1022362)


def test_a_hand_written_conversion_is_flagged(priors_file, invoke):
    text = TRAINING + ('training_mfu = "published_flops / (gpu_hours * 3600 * peak_flops_per_s)"\n')
    result = invoke("check", priors_file(text))
    assert result.exit_code == 0
    assert "derived.training_mfu" in result.stderr
    assert "written by hand" in result.stderr


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        ('peak_flops_per_s = { fixed = 312, unit = "TFLOP/s/s" }', "[flop] / [time] ** 2"),
        ('accelerator_hour_usd = { fixed = 2, unit = "USD/hour/hour" }', "[time] ** 2"),
        ('accelerator_hour_usd = { fixed = 2, unit = "USD**2" }', "[currency] ** 2"),
        ('n_accelerators = { fixed = 80, unit = "GB" }', "[information]"),
        ('params = { fixed = 80, unit = "GiB" }', "[information]"),
    ],
)
def test_compound_units_of_the_wrong_dimension_are_refused(
    priors_file, invoke, declaration, message
):
    name = declaration.split(" ")[0]
    text = TRAINING.replace("[derived]\n", f"training_mfu = 0.5\n{declaration}\n[derived]\n")
    lines = [
        line
        for line in text.splitlines()
        if not line.startswith(f"{name} = {{ fixed = ") or line == declaration
    ]
    result = invoke("check", priors_file("\n".join(lines)))
    assert result.exit_code == 2
    assert f"assumptions.{name}.unit" in result.stderr
    assert message in result.stderr


def test_per_million_token_prices_convert_to_per_thousand(priors_file):
    # seed 004: 10,000 input tokens at $0.01 / 1k and 1,000 output tokens at $0.03 / 1k
    text = """
    [scenario]
    models = ["api_workload"]
    [assumptions]
    input_tokens = { fixed = 10000, unit = "token" }
    output_tokens = { fixed = 1000, unit = "token" }
    input_price_per_1k_tokens_usd = { fixed = 10, unit = "USD/Mtoken" }
    output_price_per_1k_tokens_usd = { fixed = 0.03, unit = "USD/ktoken" }
    requests_per_year = { fixed = 1, unit = "1/year" }
    """
    scenario = simulate.load(priors_file(text))
    assert scenario.unit("input_price_per_1k_tokens_usd") == "USD/Mtoken"
    assert scenario.input_factors["input_price_per_1k_tokens_usd"] == pytest.approx(1e-3)
    point = simulate.run_point(scenario)
    assert float(point.outputs["request_cost_usd"]) == pytest.approx(0.13)
    assert float(point.inputs["input_price_per_1k_tokens_usd"]) == 10  # kept as declared


def test_a_flat_usd_price_per_token_is_refused_with_a_hint(priors_file, invoke):
    text = """
    [scenario]
    models = ["query"]
    [assumptions]
    cost_per_1k_tokens_usd = { fixed = 0.02, unit = "USD" }
    """
    result = invoke("check", priors_file(text))
    assert result.exit_code == 2
    assert "assumptions.cost_per_1k_tokens_usd.unit" in result.stderr
    assert '"USD/ktoken"' in result.stderr


def test_bytes_have_a_dimension_and_gib_converts_to_gb(priors_file):
    text = """
    [scenario]
    models = ["memory"]
    [assumptions]
    params = { fixed = 175e9, unit = "parameter" }
    training_bytes_per_param = { fixed = 20, unit = "B/parameter" }
    bytes_per_param = { fixed = 2, unit = "B/parameter" }
    accelerator_memory_gb = { fixed = 80, unit = "GiB" }
    """
    point = simulate.run_point(simulate.load(priors_file(text)))
    # 3.5 TB of training state over 85.9 GB per accelerator: 41 (44 with 80 GB)
    assert float(point.outputs["min_accelerators_training"]) == 41
    assert units.dimension("GB") == "[information]"
    with pytest.raises(units.UnitError, match="measures"):
        units.conversion_factor("GB", "1")


def test_threshold_between_quantities_of_one_dimension_converts(priors_file, invoke):
    text = SAVINGS.replace("[derived]", 'budget = { fixed = 11, unit = "kUSD/year" }\n[derived]')
    args = ("run", priors_file(text), "--draws", "100", "--format", "json", "--threshold")
    result = invoke(*args, "savings_monthly_usd>budget")
    assert result.exit_code == 0, result.stderr
    # 953 USD a month is 11.4 kUSD a year: above 11 kUSD a year (compared raw, 953 > 11 too)
    entry = json.loads(result.stdout)["outputs"]["savings_monthly_usd"]
    assert entry["thresholds"] == {">budget": 1.0}
    below = invoke(*args, "savings_monthly_usd<budget")
    assert json.loads(below.stdout)["outputs"]["savings_monthly_usd"]["thresholds"] == {
        "<budget": 0.0
    }
    # 12 kUSD a year is 1,000 USD a month: above the 953 saved, though 953 > 12 raw
    higher = priors_file(text.replace("fixed = 11,", "fixed = 12,"), "higher.toml")
    result = invoke(
        "run",
        higher,
        "--draws",
        "100",
        "--format",
        "json",
        "--threshold",
        "savings_monthly_usd>budget",
    )
    assert json.loads(result.stdout)["outputs"]["savings_monthly_usd"]["thresholds"] == {
        ">budget": 0.0
    }
    wrong = priors_file(text.replace('11, unit = "kUSD/year"', '11, unit = "token"'), "wrong.toml")
    result = invoke("run", wrong, "--draws", "100", "--threshold", "savings_monthly_usd>budget")
    assert result.exit_code == 2
    assert "--threshold" in result.stderr and "measure different things" in result.stderr


def test_an_undeclared_unit_is_the_inferred_one_so_thresholds_compare_in_it(priors_file, invoke):
    text = SAVINGS.replace("fixed = 4047", "uniform = [2000, 4000]")
    text += 'plain = "api_monthly_cost_usd - selfhost_monthly_cost_usd"\n'
    text += 'cube_root_hours = "hours ** (1 / 3)"\nhours_again = "cube_root_hours ** 3"\n'
    text = text.replace("[derived]", 'hours = { uniform = [1, 8], unit = "hour" }\n[derived]')
    result = invoke(
        "run", priors_file(text), "--draws", "2000", "--threshold", "plain>1000", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    outputs = json.loads(result.stdout)["outputs"]
    # USD a month: between 1,000 and 3,000, so always above 1,000 (in USD/hour it never is)
    assert outputs["plain"]["unit"] == "USD/month"
    assert 1000 < outputs["plain"]["p5"] < outputs["plain"]["p95"] < 3000
    assert outputs["plain"]["thresholds"] == {">1000": 1.0}
    # a fractional power keeps its exact unit and comes back whole
    assert outputs["hours_again"]["unit"] == "hour"
    assert outputs["hours_again"]["p50"] == pytest.approx(
        json.loads(result.stdout)["inputs"]["hours"]["p50"]
    )


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[assumptions]\nd = { uniform = [1, 2], unit = "hour**1000" }', "assumptions.d.unit"),
        (
            '[assumptions]\nd = { uniform = [1, 2], unit = "h" }\n[derived]\ne = "d**12 * d**12"',
            "derived.e",
        ),
    ],
)
def test_units_with_absurd_powers_are_refused(priors_file, invoke, text, key):
    result = invoke("check", priors_file("[scenario]\n" + text))
    assert result.exit_code == 2
    assert f"{key}: " in result.stderr and "power above 12" in result.stderr


def test_zero_fits_any_unit_and_other_numbers_are_pure():
    hour, second = units.quantity("hour"), units.quantity("s")
    typed = dimensions.with_units(expressions.parse("maximum(0, x) + y"), {"x": hour, "y": second})
    assert units.text(typed.unit) == "hour"
    assert float(typed({"x": np.array(1.0), "y": np.array(1800.0)})) == pytest.approx(1.5)
    typed = dimensions.with_units(expressions.parse("sqrt(x) ** 2"), {"x": hour})
    assert units.text(typed.unit) == "hour"


def test_every_shipped_scenario_has_consistent_units():
    for path in sorted([*PRIORS.glob("*.toml"), *(PRIORS.parent / "benchmarks").glob("*.toml")]):
        scenario = simulate.load(path)
        assert not scenario.warnings, (path, scenario.warnings)


def test_the_readme_priors_example_loads_and_gives_usd_per_billion_parameters(priors_file):
    import re

    from tests.conftest import ROOT

    text = (ROOT / "README.md").read_text()
    example = re.findall(r"```toml\n(.*?)```", text, flags=re.S)[0]
    point = simulate.run_point(simulate.load(priors_file(example)))
    cost = float(point.outputs["training_cost_usd"])
    assert cost == pytest.approx(1.45e6, rel=0.03)  # at the PERT's median, 2.11 $/h
    # USD per billion parameters: $1.45M over 175 billion parameters
    assert float(point.outputs["cost_per_billion_params_usd"]) == pytest.approx(cost / 175)
