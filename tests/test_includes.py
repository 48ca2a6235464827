"""[scenario] include: hardware and shared assumptions as includable files."""

from __future__ import annotations

import json

import pytest

import simulate
from simulate.core.errors import PriorsError
from tests.conftest import PRIORS

HARDWARE = """
[scenario]
title = "a chip"
[assumptions]
peak_flops_per_s = { fixed = 100, unit = "TFLOP/s", source = "datasheet" }
accelerator_hour_usd = { fixed = 2.0, unit = "USD/hour", source = "price list" }
accelerator_watts = { fixed = 300, unit = "W", source = "datasheet" }
"""

TRAINING = """
[scenario]
name = "t"
models = ["training"]
include = ["chip.toml"]
[assumptions]
params = 1e9
training_tokens = 1e10
training_mfu = 0.5
"""


def test_included_assumptions_feed_the_models(priors_file):
    priors_file(HARDWARE, "chip.toml")
    scenario = simulate.load(priors_file(TRAINING))
    assert scenario.assumptions["peak_flops_per_s"].distribution.point == 100  # TFLOP/s
    assert scenario.unit("peak_flops_per_s") == "TFLOP/s"
    assert scenario.assumptions["peak_flops_per_s"].file.endswith("chip.toml")
    # nobody reads the chip's power: left out of the scenario
    assert "accelerator_watts" not in scenario.assumptions
    cost = float(simulate.run_point(scenario).outputs["training_cost_usd"])
    assert cost == pytest.approx(6e19 / (100e12 * 0.5) / 3600 * 2.0)


def test_the_including_files_assumptions_win(priors_file):
    priors_file(HARDWARE, "chip.toml")
    text = TRAINING + 'accelerator_hour_usd = { fixed = 5.0, unit = "USD/hour", source = "x" }\n'
    scenario = simulate.load(priors_file(text))
    assert scenario.assumptions["accelerator_hour_usd"].distribution.point == 5.0
    assert scenario.assumptions["accelerator_hour_usd"].file == str(priors_file(text))


def test_a_model_output_wins_over_an_included_assumption():
    scenario = simulate.load(PRIORS / "gpt3-training-owned-h100.toml")
    # hardware/h100.toml declares a rental price, but the inhouse model provides this one
    assert "accelerator_hour_usd" not in scenario.assumptions
    assert "accelerator_hour_usd" in scenario.outputs


def test_check_shows_which_file_each_quantity_came_from(invoke):
    result = invoke("check", PRIORS / "gpt3-training-owned-h100.toml")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    peak = next(line for line in lines if line.startswith("peak_flops_per_s"))
    assert "hardware/h100.toml" in peak
    pue = next(line for line in lines if line.startswith("pue "))
    assert "datacenter/owned-us.toml" in pue
    params = next(line for line in lines if line.startswith("params "))
    assert "(this file)" in params
    data = json.loads(
        invoke("check", PRIORS / "gpt3-training-owned-h100.toml", "--format", "json").stdout
    )
    assert data["assumptions"]["peak_flops_per_s"]["file"].endswith("hardware/h100.toml")


def test_included_files_change_the_hash(priors_file):
    chip = priors_file(HARDWARE, "chip.toml")
    first = simulate.load(priors_file(TRAINING)).sha256
    chip.write_text(HARDWARE.replace("fixed = 2.0", "fixed = 3.0"))
    assert simulate.load(priors_file(TRAINING)).sha256 != first


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        ({}, "included file 'chip.toml' not found"),
        ({"chip.toml": '[scenario]\ninclude = ["scenario.toml"]\n'}, "include cycle"),
        ({"chip.toml": '[scenario]\ninclude = ["chip.toml"]\n'}, "include cycle"),
        ({"chip.toml": '[scenario]\nmodels = ["training"]\n'}, "an included file may set only"),
        (
            {"chip.toml": '[assumptions]\nparams = { fixed = 1, unit = "USD" }\n'},
            "assumptions.params.unit",
        ),
        ({"chip.toml": "[other]\nx = 1\n"}, "holds [assumptions] and [derived]"),
    ],
)
def test_bad_includes_are_clear_errors(files, fragment, priors_file, invoke):
    for name, text in files.items():
        priors_file(text, name)
    result = invoke("check", priors_file(TRAINING))
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr


def test_two_includes_declaring_one_name_must_be_resolved(priors_file):
    priors_file(HARDWARE, "chip.toml")
    priors_file(HARDWARE, "other.toml")
    with pytest.raises(PriorsError, match="declared by both"):
        simulate.load(priors_file(TRAINING.replace('["chip.toml"]', '["chip.toml", "other.toml"]')))


def test_included_derived_quantities_are_used_when_read(priors_file):
    priors_file(
        '[derived]\ntraining_mfu = "mfu_percent / 100"\n'
        '[assumptions]\nmfu_percent = { fixed = 40, source = "x" }\n',
        "mfu.toml",
    )
    text = TRAINING.replace('include = ["chip.toml"]', 'include = ["chip.toml", "mfu.toml"]')
    text = text.replace("training_mfu = 0.5\n", "")
    priors_file(HARDWARE, "chip.toml")
    scenario = simulate.load(priors_file(text))
    assert "training_mfu" in scenario.derived and "mfu_percent" in scenario.assumptions
    assert float(simulate.run_point(scenario).outputs["training_mfu"]) == pytest.approx(0.4)
