"""Each cost model against a hand computation, and the behaviour its formula promises."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from simulate.models import MODELS, vocabulary
from simulate.models.api_workload import api_workload
from simulate.models.breakeven import breakeven
from simulate.models.development import development
from simulate.models.inhouse import inhouse
from simulate.models.memory import memory
from simulate.models.query import query
from simulate.models.scaling import scaling
from simulate.models.serving import serving

H100 = {
    "peak_flops_per_s": 989.4e12,
    "hbm_bandwidth_bytes_per_s": 3.35e12,
    "accelerator_hour_usd": 2.99,
}


def test_every_model_is_documented_and_units_are_consistent():
    vocabulary()  # raises if a name had two units
    for model in MODELS.values():
        doc = model.kernel.__doc__
        assert "Source" in doc and "=" in doc, model.name
        assert model.source


def test_query_counts_prompt_once_context_per_result_and_every_answer():
    out = query(
        prompt_tokens=50,
        context_tokens_per_result=1000,
        output_tokens=400,
        results_per_query=10,
        responses_per_result=2,
        cost_per_1k_tokens_usd=0.01,
        cache_hit_rate=0.25,
        revenue_per_query_usd=0.05,
    )
    tokens = 50 + 10 * (1000 + 2 * 400)
    assert out["tokens_per_query"] == tokens
    assert out["query_cost_usd"] == pytest.approx(tokens / 1000 * 0.01 * 0.75)
    assert out["query_cost_share_of_revenue"] == pytest.approx(tokens / 1000 * 0.01 * 0.75 / 0.05)
    assert "query_cost_share_of_revenue" not in query(1, 1, 1, 1, 1, 1, 0)


def test_inhouse_hour_is_amortized_capex_plus_energy_over_utilization():
    # By hand: $30,000 × 1.5 over 4 years of 8766 h = $1.2834/h; 0.7 kW × 1.2 × $0.08 =
    # $0.0672/h; at 80 % utilization: (1.2834 + 0.0672) / 0.8 = $1.6883 per useful hour.
    out = inhouse(30_000, 4, 700, 1.2, 0.08, 0.8, overhead_fraction=0.5)
    assert out["accelerator_hour_usd"] == pytest.approx((45_000 / 35_064 + 0.0672) / 0.8)
    assert out["accelerator_hour_usd"] == pytest.approx(1.6883, abs=1e-4)
    without = inhouse(30_000, 4, 700, 1.2, 0.08, 0.8)["accelerator_hour_usd"]
    assert without == pytest.approx((30_000 / 35_064 + 0.0672) / 0.8)


def test_memory_of_gpt3():
    out = memory(175e9, 20, 2, 80)
    assert out["training_memory_gb"] == pytest.approx(3500)
    assert out["min_accelerators_training"] == 44  # 3500 / 80 = 43.75 → 44
    assert out["weights_memory_gb"] == pytest.approx(350)
    assert out["min_accelerators_inference"] == 5


def test_breakeven_by_hand():
    # $120M over 12 months = $10M a month fixed; margin $0.015 − $0.005 = $0.01 per 1k tokens
    # → break-even at 1e9 thousand tokens = 1e12 tokens a month.
    out = breakeven(
        120e6,
        12,
        2e12,
        0.005,
        0.015,
        subscription_usd_per_month=20,
        tokens_per_subscriber_per_month=1e6,
    )
    assert out["breakeven_tokens_per_month"] == pytest.approx(1e12)
    assert out["monthly_cost_usd"] == pytest.approx(10e6 + 2e9 * 0.005)
    assert out["monthly_revenue_usd"] == pytest.approx(2e9 * 0.015)
    assert out["monthly_profit_usd"] == pytest.approx(2e9 * 0.015 - 10e6 - 2e9 * 0.005)
    # each subscriber pays $20 and costs 1e3 × $0.005 = $5 → 10e6 / 15 subscribers
    assert out["breakeven_subscribers"] == pytest.approx(10e6 / 15)


def test_breakeven_that_never_comes_is_infinite():
    out = breakeven(np.array([1e6, 1e6]), 12, 1e9, np.array([0.01, 0.02]), 0.015)
    assert np.isfinite(out["breakeven_tokens_per_month"][0])
    assert np.isinf(out["breakeven_tokens_per_month"][1])


def test_development_adds_compute_and_staff():
    out = development(100e6, 2.0, 300, 400e3, 2)
    assert out["development_compute_usd"] == 200e6
    assert out["staff_cost_usd"] == pytest.approx(240e6)
    assert out["development_cost_usd"] == pytest.approx(440e6)
    assert out["compute_share_of_development"] == pytest.approx(200 / 440)


def test_api_workload_prices_input_and_output_separately():
    out = api_workload(10_000, 1_000, 0.01, 0.03, 1e5)
    assert out["request_cost_usd"] == pytest.approx(0.13)
    assert out["annual_cost_usd"] == pytest.approx(13_000)


def test_serving_is_memory_bound_then_compute_bound():
    batches = np.array([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048], dtype=float)
    out = serving(
        70e9,
        H100["peak_flops_per_s"],
        0.5,
        H100["accelerator_hour_usd"],
        batches,
        H100["hbm_bandwidth_bytes_per_s"],
        2,
        4,
    )
    cost = out["serving_cost_per_1k_tokens_usd"]
    # the crossover: 2·N·B / (peak·MFU) = bytes·N / bandwidth → B* = bytes·peak·MFU / (2·bw)
    crossover = 2 * H100["peak_flops_per_s"] * 0.5 / (2 * H100["hbm_bandwidth_bytes_per_s"])
    memory_bound = batches < crossover
    assert np.array_equal(out["memory_bound"] == 1, memory_bound)
    # memory-bound: doubling the batch halves the cost per token (almost linear in 1/B)
    halving = cost[1:][memory_bound[1:]] / cost[:-1][memory_bound[1:]]
    assert halving == pytest.approx(0.5, rel=1e-12)
    # compute-bound: cost per token is flat
    flat = cost[batches > 2 * crossover]
    assert flat == pytest.approx(flat[0], rel=1e-12)
    assert flat[0] == pytest.approx(
        1000 * 2 * 70e9 / (4 * 989.4e12 * 0.5) * 4 * 2.99 / 3600, rel=1e-12
    )


def test_serving_batch_one_streams_all_weights_per_token():
    out = serving(70e9, 989.4e12, 0.5, 2.99, 1, 3.35e12, 2, 4)
    assert out["time_per_output_token_s"] == pytest.approx(140e9 / (4 * 3.35e12))
    assert out["tokens_per_second_per_replica"] == pytest.approx(4 * 3.35e12 / 140e9)


REFIT = {
    "loss_e": 1.8172,
    "loss_a": 482.01,
    "loss_b": 2085.43,
    "loss_alpha": 0.3478,
    "loss_beta": 0.3658,
}


def test_chinchilla_refit_optimum_at_chinchilla_budget():
    # shared/reference/scaling-laws.md: the refit gives N* ≈ 72B, D* ≈ 1.33T at C = 5.76e23.
    out = scaling(**REFIT, training_flops_budget=5.76e23)
    assert out["optimal_params"] == pytest.approx(72e9, rel=0.01)
    assert out["optimal_training_tokens"] == pytest.approx(1.33e12, rel=0.01)
    assert out["optimal_params"] * out["optimal_training_tokens"] * 6 == pytest.approx(5.76e23)


def test_printed_hoffmann_constants_contradict_chinchilla():
    # The printed 2022 constants put the optimum at ≈ 32B parameters and 3.0T tokens.
    out = scaling(1.69, 406.4, 410.7, 0.34, 0.28, training_flops_budget=5.76e23)
    assert out["optimal_params"] == pytest.approx(32e9, rel=0.02)
    assert out["optimal_training_tokens"] == pytest.approx(3.0e12, rel=0.02)


def test_closed_form_optimum_is_the_numerical_minimum():
    budget = 1e24
    out = scaling(**REFIT, training_flops_budget=budget)

    def loss_at(log_n: float) -> float:
        n = np.exp(log_n)
        return float(scaling(**REFIT, params=n, training_tokens=budget / 6 / n)["loss"])

    best = optimize.minimize_scalar(
        loss_at, bounds=(np.log(1e9), np.log(1e13)), method="bounded", options={"xatol": 1e-10}
    )
    assert np.exp(best.x) == pytest.approx(out["optimal_params"], rel=1e-4)
    assert best.fun == pytest.approx(out["optimal_loss"], rel=1e-10)


def test_scaling_loss_formula():
    out = scaling(**REFIT, params=70e9, training_tokens=1.4e12)
    expected = 1.8172 + 482.01 / 70e9**0.3478 + 2085.43 / 1.4e12**0.3658
    assert out["loss"] == pytest.approx(expected)
    assert "optimal_params" not in out
