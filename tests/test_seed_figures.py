"""The shipped GPT-3 scenarios reproduce the seed analysis in point mode (DESIGN §6) and give
honest intervals around it in Monte Carlo mode."""

from __future__ import annotations

import json

import pytest

import simulate
from simulate.models.inference import inference
from simulate.models.training import training
from tests.conftest import PRIORS


def _point(invoke, name):
    result = invoke("run", PRIORS / name, "--point", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_gpt3_training_on_tpu_v4_costs_1_4_million(invoke):
    # Seed 000: 6·175e9·300e9 FLOPs / (275 TFLOP/s × 46.2 %) × $2.03 per chip-hour ≈ $1.4M.
    summary = _point(invoke, "gpt3-training.toml")
    cost = summary["outputs"]["training_cost_usd"]
    assert cost["unit"] == "USD"
    assert cost["value"] == pytest.approx(1.4e6, rel=0.01)
    # the exact arithmetic: 3.15e23 / 1.2705e14 / 3600 × 2.03
    assert cost["value"] == pytest.approx(3.15e23 / (275e12 * 0.462) / 3600 * 2.03, rel=1e-12)
    assert summary["outputs"]["training_flops"]["value"] == pytest.approx(3.15e23)


def test_gpt3_inference_on_a100_costs_0_0035_per_1k_tokens(invoke):
    # Seed 000: 2·175e9 FLOPs/token, 312 TFLOP/s, 21.3 % MFU, $19.22/h for 8 GPUs ≈ $0.0035.
    summary = _point(invoke, "gpt3-inference.toml")
    cost = summary["outputs"]["inference_cost_per_1k_tokens_usd"]["value"]
    assert cost == pytest.approx(0.0035, rel=0.01)
    assert cost == pytest.approx(1000 * 3.5e11 / (312e12 * 0.213) / 3600 * 19.22 / 8, rel=1e-12)


def test_gpt3_pretraining_at_full_utilization_costs_1_06_million(invoke):
    # Seed 003/004: 6·175e9·500e9 FLOPs at 312 TFLOP/s, 100 %, $2.2659 per A100-hour ≈ $1.06M.
    summary = _point(invoke, "gpt3-training-a100-full-utilization.toml")
    assert summary["outputs"]["training_cost_usd"]["value"] == pytest.approx(1.06e6, rel=0.03)
    assert training(175e9, 500e9, 312e12, 1.0, 2.2659)["training_cost_usd"] == pytest.approx(
        1.06e6, rel=0.01
    )


def test_gpt4_turbo_inference_costs_0_00717_per_1k_tokens(invoke):
    # Seed 004: 2·1776e9 FLOPs per token, 312 TFLOP/s, 100 %, $2.2659/h ≈ $0.00717.
    summary = _point(invoke, "gpt4-turbo-inference.toml")
    cost = summary["outputs"]["inference_cost_per_1k_tokens_usd"]["value"]
    assert cost == pytest.approx(0.00717, rel=0.03)
    assert inference(1776e9, 312e12, 1.0, 2.2659)[
        "inference_cost_per_1k_tokens_usd"
    ] == pytest.approx(0.00717, rel=0.01)


def test_chatgpt_equivalent_query_via_api_costs_0_0096(invoke):
    # Seed 000: 50-word prompt, five 400-word answers, 750 words = 1000 tokens, $0.02 / 1k,
    # 30 % cache hits, 75 % gross margin ≈ $0.0096 (the seed rounds to $0.010).
    outputs = _point(invoke, "search-chatgpt-equivalent.toml")["outputs"]
    assert outputs["query_cost_usd"]["value"] == pytest.approx(0.0096, rel=0.03)
    tokens = (50 + 5 * 400) / 0.75
    assert outputs["query_cost_usd"]["value"] == pytest.approx(
        tokens / 1000 * 0.02 * 0.25 * 0.7, rel=1e-3
    )


def test_two_stage_search_summarizer_query_costs_0_0656(invoke):
    # Seed 000: 10 results × (1000 words of context + one 400-word answer) + a 50-word prompt.
    outputs = _point(invoke, "search-two-stage.toml")["outputs"]
    assert outputs["query_cost_usd"]["value"] == pytest.approx(0.0656, rel=0.03)
    assert outputs["tokens_per_query"]["value"] == pytest.approx((50 + 10 * 1400) / 0.75, rel=1e-3)


def test_revenue_per_search_query_is_0_048(invoke):
    # Seed 000: ≈ $100B of search revenue / 2.1T searches a year ≈ $0.048.
    for name in ("search-two-stage.toml", "search-chatgpt-equivalent.toml"):
        outputs = _point(invoke, name)["outputs"]
        assert outputs["revenue_per_query_usd"]["value"] == pytest.approx(0.048, rel=0.03)


def test_summarising_5000_chinese_characters_costs_0_13(invoke):
    # Seed 004: 2 tokens per character, a 500-character summary, $0.01 in / $0.03 out per 1k.
    outputs = _point(invoke, "api-workload-summarise-chinese.toml")["outputs"]
    assert outputs["request_cost_usd"]["value"] == pytest.approx(0.13, rel=0.03)


def test_training_days_need_the_number_of_accelerators():
    assert "training_days" not in training(1.0, 1.0, 1.0, 1.0, 1.0)
    days = training(175e9, 300e9, 275e12, 0.462, 2.03, n_accelerators=1024)["training_days"]
    assert days == pytest.approx(3.15e23 / (275e12 * 0.462) / 3600 / 1024 / 24)


def test_cost_reduction_scales_inference_cost():
    full = inference(175e9, 312e12, 0.213, 2.4025)["inference_cost_per_1k_tokens_usd"]
    half = inference(175e9, 312e12, 0.213, 2.4025, 0.5)["inference_cost_per_1k_tokens_usd"]
    assert half == pytest.approx(full / 2)


@pytest.mark.parametrize(
    ("name", "output", "seed_value"),
    [
        ("gpt3-training.toml", "training_cost_usd", 1.4e6),
        ("gpt3-inference.toml", "inference_cost_per_1k_tokens_usd", 0.0035),
    ],
)
def test_monte_carlo_interval_is_honest_around_the_seed_figure(name, output, seed_value):
    scenario = simulate.load(PRIORS / name)
    summary = simulate.summarize(scenario, simulate.run(scenario, 200_000, seed=1))
    entry = summary["outputs"][output]
    # the seed's single number lies inside the 90 % interval, which is genuinely wide
    assert entry["p5"] < seed_value < entry["p95"]
    assert entry["p95"] / entry["p5"] > 1.5
    assert entry["p5"] < entry["p50"] < entry["p95"]


def test_every_shipped_assumption_cites_a_source():
    for path in sorted(PRIORS.glob("*.toml")):
        scenario = simulate.load(path)
        for name, assumption in scenario.assumptions.items():
            assert assumption.source.strip(), f"{path.name}: {name} has no source"
