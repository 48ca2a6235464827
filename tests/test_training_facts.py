"""`training` takes a run's facts as published: compute as FLOPs or 6·N·D; hours from an MFU,
as reported accelerator-hours, or as accelerator count × wall-clock days."""

from __future__ import annotations

import json

import pytest

from simulate.models.training import training

HEAD = """
[scenario]
format = 1
name = "run"
models = ["training"]

[assumptions]
peak_flops_per_s = { fixed = 312, unit = "TFLOP/s", source = "A100 datasheet" }
accelerator_hour_usd = { fixed = 3.93, unit = "USD/hour", source = "seed" }
"""


def _point(invoke, path):
    result = invoke("run", path, "--point", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return {k: v["value"] for k, v in json.loads(result.stdout)["outputs"].items()}


def test_llama_65b_from_its_reported_gpu_hours(priors_file, invoke):
    path = priors_file(
        HEAD
        + 'params = { fixed = 65.2e9, unit = "parameter", source = "LLaMA paper" }\n'
        + 'training_tokens = { fixed = 1.4e12, unit = "token", source = "LLaMA paper" }\n'
        + 'accelerator_hours = { fixed = 1022362, unit = "hour", source = "LLaMA §2.4" }\n'
    )
    out = _point(invoke, path)
    flops = 6 * 65.2e9 * 1.4e12  # 5.4768e23
    assert out["training_flops"] == pytest.approx(flops)
    assert out["training_cost_usd"] == pytest.approx(1_022_362 * 3.93)  # $4.018M
    # 5.4768e23 / (1,022,362 h × 3600 s/h × 312e12 FLOP/s) = 0.477
    assert out["implied_mfu"] == pytest.approx(flops / (1_022_362 * 3600 * 312e12))
    assert out["implied_mfu"] == pytest.approx(0.477, abs=0.001)
    assert "training_days" not in out


def test_count_times_wall_clock_days_is_the_seed_4_05_million(priors_file, invoke):
    path = priors_file(
        HEAD
        + 'training_flops = { fixed = 5.4768e23, unit = "FLOP", source = "6·N·D" }\n'
        + 'n_accelerators = { fixed = 2048, source = "LLaMA §2.4" }\n'
        + 'training_days = { fixed = 21, unit = "day", source = "LLaMA §2.4" }\n'
    )
    out = _point(invoke, path)
    assert out["accelerator_hours"] == 2048 * 21 * 24  # 1,032,192
    assert out["training_cost_usd"] == pytest.approx(2048 * 21 * 24 * 3.93)  # $4,056,515
    assert out["training_cost_usd"] == pytest.approx(4.05e6, rel=0.002)
    assert out["implied_mfu"] == pytest.approx(5.4768e23 / (2048 * 21 * 24 * 3600 * 312e12))


def test_an_mfu_still_gives_hours_and_days():
    out = training(175e9, 300e9, 275e12, 0.462, 2.03, n_accelerators=1024)
    hours = 6 * 175e9 * 300e9 / (275e12 * 0.462) / 3600  # 688,705
    assert out["accelerator_hours"] == pytest.approx(hours)
    assert out["training_days"] == pytest.approx(hours / 1024 / 24)
    assert "implied_mfu" not in out


@pytest.mark.parametrize(
    ("extra", "key", "message"),
    [
        (
            'training_mfu = { fixed = 0.4, source = "x" }\n'
            'accelerator_hours = { fixed = 1e6, unit = "hour", source = "x" }\n',
            "assumptions.accelerator_hours",
            "the run's hours is given twice (training_mfu and accelerator_hours)",
        ),
        (
            'training_flops = { fixed = 1e23, unit = "FLOP", source = "x" }\n'
            'accelerator_hours = { fixed = 1e6, unit = "hour", source = "x" }\n',
            "assumptions.training_flops",
            "the run's compute is given twice (params × training_tokens and training_flops)",
        ),
        (
            "",
            "assumptions.training_mfu",
            "needs the run's hours: training_mfu; or accelerator_hours; or n_accelerators",
        ),
    ],
)
def test_facts_given_twice_or_not_at_all_are_named(priors_file, invoke, extra, key, message):
    path = priors_file(
        HEAD
        + 'params = { fixed = 65.2e9, unit = "parameter", source = "x" }\n'
        + 'training_tokens = { fixed = 1.4e12, unit = "token", source = "x" }\n'
        + extra
    )
    result = invoke("check", path)
    assert result.exit_code == 2
    assert f"{key}: model 'training' {message}" in result.stderr


def test_an_implied_mfu_above_1_is_an_error_naming_the_inputs(priors_file, invoke):
    path = priors_file(
        HEAD
        + 'training_flops = { fixed = 5e24, unit = "FLOP", source = "x" }\n'
        + 'accelerator_hours = { fixed = 1e6, unit = "hour", source = "x" }\n'
    )
    result = invoke("check", path)
    assert result.exit_code == 2
    # 5e24 / (1e6 × 3600 × 312e12) = 4.45
    assert "training_flops over accelerator_hours at peak_flops_per_s implies an MFU of 4.45" in (
        result.stderr
    )


def test_owned_cluster_cost_by_hand():
    from simulate.models.owned import owned_cluster

    out = owned_cluster(
        accelerator_capex_usd=30_000.0,
        server_overhead=1.64,
        interconnect_share=0.19,
        value_decline_per_year=0.14,
        years_owned_before_run=0.5,
        amortization_years=4.0,
        accelerator_watts=700.0,
        server_power_ratio=1.82,
        power_drawn_fraction=0.75,
        pue=1.1,
        electricity_usd_per_kwh=0.08,
        accelerator_hours=1e6,
    )
    cluster = 30_000 * 1.64 / 0.81  # $60,741 per accelerator, network included
    value = cluster * 10 ** (-0.07)  # half a year of 0.14 orders of magnitude: $51,699
    capital = value / (4 * 8766)  # $1.4744 per hour
    energy = 0.700 * 1.82 * 0.75 * 1.1 * 0.08  # 0.9555 kW at the wall × PUE × price: $0.0841
    assert out["owned_capital_hour_usd"] == pytest.approx(capital)
    assert out["owned_capital_hour_usd"] == pytest.approx(1.4744, abs=1e-4)
    assert out["owned_energy_hour_usd"] == pytest.approx(energy)
    assert out["owned_accelerator_hour_usd"] == pytest.approx(1.5585, abs=1e-4)
    assert out["owned_training_cost_usd"] == pytest.approx(1e6 * (capital + energy))
