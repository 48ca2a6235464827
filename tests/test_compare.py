"""simulate compare: paired runs on common random numbers."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PRIORS


def _compare(invoke, a, b, output, *extra):
    result = invoke(
        "compare",
        PRIORS / a,
        PRIORS / b,
        "--output",
        output,
        "--draws",
        "50000",
        "--format",
        "json",
        *extra,
    )
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_scenario_compared_with_itself_is_identical_draw_for_draw(invoke):
    data = _compare(invoke, "gpt3-training.toml", "gpt3-training.toml", "training_cost_usd")
    assert data["p_a_less_than_b"] == 0.0
    assert data["ratio_b_over_a"]["p5"] == data["ratio_b_over_a"]["p95"] == 1.0
    assert data["shared_assumptions"] == ["accelerator_hour_usd", "training_mfu"]


def test_serving_batch_64_costs_exactly_one_64th_when_both_are_memory_bound(invoke):
    data = _compare(
        invoke,
        "serving-h100-batch1.toml",
        "serving-h100-batch64.toml",
        "serving_cost_per_1k_tokens_usd",
    )
    # shared draws: the ratio is the batch ratio wherever both are memory-bound
    assert data["ratio_b_over_a"]["p50"] == pytest.approx(1 / 64, rel=1e-12)
    assert data["p_a_less_than_b"] == 0.0


def test_owned_h100_is_cheaper_than_owned_v100_for_gpt3(invoke):
    data = _compare(
        invoke,
        "gpt3-training-owned-v100.toml",
        "gpt3-training-owned-h100.toml",
        "training_cost_usd",
    )
    assert data["p_a_less_than_b"] < 0.01
    assert 0.05 < data["ratio_b_over_a"]["p50"] < 0.5
    assert "utilization" in data["shared_assumptions"]
    table = invoke(
        "compare",
        PRIORS / "gpt3-training-owned-v100.toml",
        PRIORS / "gpt3-training-owned-h100.toml",
        "-o",
        "training_cost_usd",
        "--draws",
        "20000",
    ).stdout
    assert (
        "gpt3-training-owned-h100 is higher than gpt3-training-owned-v100 in 0 % of them" in table
    )
    assert "and lower in 100 %; B − A is -$" in table
    # B − A and P(B < A) are in the JSON too, in the output's unit
    difference = data["difference_b_minus_a"]
    assert difference["unit"] == "USD" and difference["p95"] < 0
    assert data["p_b_less_than_a"] == pytest.approx(1 - data["p_a_less_than_b"], abs=1e-9)
    a, b = data["a"]["p50"], data["b"]["p50"]
    assert difference["p50"] == pytest.approx(b - a, rel=0.2)  # paired: near the medians' gap


def test_common_random_numbers_narrow_the_ratio(invoke):
    """With shared draws the ratio of two scenarios differing in one input is that input's."""
    data = _compare(
        invoke, "search-two-stage.toml", "search-chatgpt-equivalent.toml", "revenue_per_query_usd"
    )
    assert data["ratio_b_over_a"]["p5"] == data["ratio_b_over_a"]["p95"] == 1.0


@pytest.mark.parametrize(
    ("output", "fragment"),
    [("nothing_here", "not a quantity"), ("training_days", "not a quantity")],
)
def test_an_output_missing_from_either_scenario_is_an_error(output, fragment, invoke):
    result = invoke(
        "compare",
        PRIORS / "gpt3-training.toml",
        PRIORS / "gpt3-training-a100-full-utilization.toml",
        "--output",
        output,
        "--draws",
        "100",
    )
    assert result.exit_code == 2
    assert fragment in result.stderr and "--output" in result.stderr
