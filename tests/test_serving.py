"""The serving model: prefill and decode of a continuous batch, checked on hand-computed cases
and on the structural facts measured engines show (shared/reference/serving-benchmarks.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import simulate
from simulate.core.errors import PriorsError
from simulate.models.serving import serving
from tests.conftest import PRIORS

# Llama 3.3 70B (priors/llm/llama33-70b.toml) on H100 SXM (priors/hardware/h100.toml)
LLAMA70 = dict(
    active_params=70e9, n_layers=80, n_kv_heads=8, head_dim=128, attention_dim=8192
)  # fmt: skip
H100 = dict(
    peak_flops_per_s=989.4e12, peak_fp8_flops_per_s=1978.9e12,
    hbm_bandwidth_bytes_per_s=3.35e12, accelerator_memory_gb=80.0,
)  # fmt: skip
H200 = {**H100, "hbm_bandwidth_bytes_per_s": 4.8e12, "accelerator_memory_gb": 141.0}
KV_PER_TOKEN = 80 * 2 * 8 * 128 * 1.0  # bytes, FP8 cache


def serve(**kwargs):
    arguments = dict(
        inference_mfu=0.5, accelerator_hour_usd=3.0, bytes_per_param=1.0,
        accelerators_per_replica=2.0, compute_precision_bits=8.0, kv_bytes_per_value=1.0,
        bandwidth_utilization=0.8,
    )  # fmt: skip
    arguments.update({**LLAMA70, **H100})
    arguments.update(kwargs)
    return {k: np.asarray(v, dtype=float) for k, v in serving(**arguments).items()}


def test_a_dense_decode_step_with_prompts_riding_along_is_the_sum_of_its_rooflines():
    out = serve(batch_size=32.0, input_tokens=1000.0, output_tokens=1000.0)
    rate = 2 * 1978.9e12 * 0.5  # FP8 peak of two GPUs at 50 %
    bandwidth = 2 * 3.35e12 * 0.8
    prompt = 32 * 1000 / 1000  # prompt tokens per step: one request's prompt per output token
    tokens = 32 + prompt
    weights = max(2 * 70e9 * tokens / rate, 70e9 * 1.0 / bandwidth)
    context = 1000 + 1000 / 2  # sequences in flight are spread over their decode
    decode_attention = max(
        32 * 4 * 80 * 8192 * context / rate, 32 * KV_PER_TOKEN * context / bandwidth
    )
    prefill_attention = prompt * 4 * 80 * 8192 * 500 / rate
    step = weights + decode_attention + prefill_attention
    assert out["time_per_output_token_s"] == pytest.approx(step, rel=1e-12)
    assert out["tokens_per_second_per_replica"] == pytest.approx(32 / step, rel=1e-12)
    assert out["output_tokens_per_second_per_gpu"] == pytest.approx(16 / step, rel=1e-12)
    request = 2 * step * 1000 / 32 * 3.0 / 3600  # accelerator-seconds × price
    assert out["cost_per_request_usd"] == pytest.approx(request, rel=1e-12)
    assert out["serving_cost_per_1k_tokens_usd"] == pytest.approx(request, rel=1e-12)
    # prompts are charged their share of the weight pass and their own attention
    prompt_seconds = weights * prompt / tokens + prefill_attention
    assert out["cost_per_1m_input_tokens_usd"] == pytest.approx(
        request * prompt_seconds / step / 1000 * 1e6, rel=1e-12
    )
    assert out["cost_per_1m_output_tokens_usd"] == pytest.approx(
        request * (1 - prompt_seconds / step) / 1000 * 1e6, rel=1e-12
    )
    # input and output together are the whole request
    together = (out["cost_per_1m_input_tokens_usd"] + out["cost_per_1m_output_tokens_usd"]) / 1e3
    assert together == pytest.approx(request, rel=1e-12)
    assert out["kv_cache_gb_per_sequence"] == pytest.approx(KV_PER_TOKEN * 2000 / 1e9)
    assert out["memory_bound"] == 1 and out["serving_infeasible"] == 0


def test_the_first_token_is_a_steady_step_with_a_whole_prompt_on_top():
    out = serve(batch_size=8.0, input_tokens=4000.0, output_tokens=500.0)
    rate, bandwidth = 2 * 1978.9e12 * 0.5, 2 * 3.35e12 * 0.8
    prompts = 8 * 4000 / 500 + 4000  # the steady prompt load and the new request's prompt
    weights = max(2 * 70e9 * (8 + prompts) / rate, 70e9 / bandwidth)
    context = 4000 + 250
    decode = max(8 * 4 * 80 * 8192 * context / rate, 8 * KV_PER_TOKEN * context / bandwidth)
    prefill = prompts * 4 * 80 * 8192 * 2000 / rate
    assert out["time_to_first_token_s"] == pytest.approx(weights + decode + prefill, rel=1e-12)
    # never shorter than a step without the new prompt
    many = serve(batch_size=np.array([8.0, 32.0, 64.0]), input_tokens=4000.0, output_tokens=50.0)
    assert np.all(many["time_to_first_token_s"] > many["time_per_output_token_s"])


def test_a_mixture_of_experts_reads_the_experts_its_tokens_touch():
    # Mixtral 8x7B: 46.7B total, 12.9B active, 8 experts, top-2; compute made free so every
    # step is the time to read what it touches
    mixtral = dict(
        active_params=12.9e9, params=46.7e9, n_experts=8.0, experts_per_token=2.0,
        inference_mfu=1e9, bandwidth_utilization=1.0, accelerators_per_replica=1.0,
        accelerator_memory_gb=1e6,
    )  # fmt: skip
    routed = (46.7e9 - 12.9e9) * 8 / 6
    shared = 46.7e9 - routed
    batches = np.array([1.0, 2.0, 8.0, 256.0])
    out = serve(batch_size=batches, **mixtral)
    read = out["time_per_output_token_s"] * 3.35e12 / 1.0  # bytes read per step (1 B/param)
    touched = 1 - (1 - 2 / 8) ** batches
    assert read == pytest.approx(shared + routed * touched, rel=1e-12)
    assert read[0] == pytest.approx(12.9e9, rel=1e-12)  # one token: exactly the active weights
    assert read[-1] == pytest.approx(46.7e9, rel=1e-12)  # a large batch reads every expert
    assert read[0] < read[1] < read[2] < read[3]


def test_the_memory_cap_is_the_kv_cache_that_fits_beside_the_weights():
    out = serve(input_tokens=3000.0, output_tokens=1000.0, kv_cache_memory_share=0.9)
    free = 0.9 * (2 * 80e9 - 70e9 * 1.0)
    largest = math.floor(free / (KV_PER_TOKEN * 4000))
    assert out["max_batch_size"] == largest
    # without a batch_size it serves the largest that fits
    assert out["tokens_per_second_per_replica"] == pytest.approx(
        largest / out["time_per_output_token_s"], rel=1e-12
    )
    assert serve(batch_size=float(largest), input_tokens=3000.0, output_tokens=1000.0)[
        "time_per_output_token_s"
    ] == pytest.approx(out["time_per_output_token_s"], rel=1e-12)


def test_a_batch_that_does_not_fit_is_infeasible_and_never_priced():
    out = serve(batch_size=np.array([100.0, 5000.0]), input_tokens=3000.0, output_tokens=1000.0)
    assert out["serving_infeasible"].tolist() == [0.0, 1.0]
    priced = ("time_per_output_token_s", "cost_per_request_usd", "serving_cost_per_1k_tokens_usd",
              "cost_per_1m_input_tokens_usd", "cost_per_1m_output_tokens_usd")  # fmt: skip
    for name in priced:
        assert np.isfinite(out[name][0]) and np.isnan(out[name][1]), name
    # weights that do not fit: no batch at all
    alone = serve(accelerators_per_replica=1.0, bytes_per_param=2.0, output_tokens=100.0)
    assert alone["max_batch_size"] == 0 and alone["serving_infeasible"] == 1
    assert np.isnan(alone["cost_per_request_usd"])


def test_the_largest_batch_under_a_latency_limit_is_the_last_one_meeting_it():
    limit = 0.03
    out = serve(input_tokens=1000.0, output_tokens=1000.0, max_time_per_output_token_s=limit)
    batch = float(out["max_batch_size"])
    assert 1 <= batch < serve(input_tokens=1000.0, output_tokens=1000.0)["max_batch_size"]
    step = lambda b: float(  # noqa: E731
        serve(batch_size=b, input_tokens=1000.0, output_tokens=1000.0)["time_per_output_token_s"]
    )
    assert step(batch) <= limit < step(batch + 1)
    assert out["time_per_output_token_s"] <= limit
    # a limit no batch meets is infeasible
    never = serve(input_tokens=1000.0, output_tokens=1000.0, max_time_per_output_token_s=1e-4)
    assert never["serving_infeasible"] == 1 and never["max_batch_size"] == 0
    roomy = dict(input_tokens=8000.0, output_tokens=100.0, accelerator_memory_gb=1000.0)
    first = serve(max_time_to_first_token_s=0.7, **roomy)
    ttft = lambda b: float(serve(batch_size=b, **roomy)["time_to_first_token_s"])  # noqa: E731
    batch = float(first["max_batch_size"])
    assert batch >= 1 and ttft(batch) <= 0.7 < ttft(batch + 1)


def test_each_precision_computes_at_its_own_peak():
    # compute-bound: a large batch, no KV cache, weights read at infinite bandwidth
    common = dict(batch_size=512.0, bandwidth_utilization=1e9, output_tokens=None,
                  n_kv_heads=None, attention_dim=None)  # fmt: skip
    common["kv_bytes_per_value"] = None
    bf16 = serve(compute_precision_bits=16.0, **common)["time_per_output_token_s"]
    fp8 = serve(compute_precision_bits=8.0, **common)["time_per_output_token_s"]
    assert bf16 == pytest.approx(2 * 70e9 * 512 / (2 * 989.4e12 * 0.5), rel=1e-12)
    assert fp8 == pytest.approx(2 * 70e9 * 512 / (2 * 1978.9e12 * 0.5), rel=1e-12)
    fp4 = serve(compute_precision_bits=4.0, peak_fp4_flops_per_s=9000e12, **common)
    assert fp4["time_per_output_token_s"] == pytest.approx(
        2 * 70e9 * 512 / (2 * 9000e12 * 0.5), rel=1e-12
    )
    # attention never runs at FP4: with FP4 GEMMs it runs at the FP8 peak
    attention = dict(
        batch_size=64.0, input_tokens=8000.0, output_tokens=10.0, kv_bytes_per_value=0.0
    )
    at4 = serve(compute_precision_bits=4.0, peak_fp4_flops_per_s=9000e12, **attention)
    at8 = serve(compute_precision_bits=8.0, **attention)
    prefill = 64 * 800 * 4 * 80 * 8192 * 4000 / (2 * 1978.9e12 * 0.5)
    weights4 = max(2 * 70e9 * 64 * 801 / (2 * 9000e12 * 0.5), 70e9 / (2 * 3.35e12 * 0.8))
    decode = 64 * 4 * 80 * 8192 * 8005 / (2 * 1978.9e12 * 0.5)
    assert at4["time_per_output_token_s"] == pytest.approx(weights4 + decode + prefill, rel=1e-12)
    assert at4["time_per_output_token_s"] < at8["time_per_output_token_s"]


def test_tensor_parallel_all_reduces_cost_latency_and_bytes_per_layer():
    link, latency = 450e9, 8e-6
    without = serve(batch_size=16.0, output_tokens=100.0)
    with_ = serve(batch_size=16.0, output_tokens=100.0, hidden_size=8192.0,
                  interconnect_bandwidth_bytes_per_s=link, allreduce_latency_s=latency)  # fmt: skip
    one = latency + 2 * (2 - 1) / 2 * 16 * 8192 * 2 / link
    assert with_["time_per_output_token_s"] - without["time_per_output_token_s"] == pytest.approx(
        2 * 80 * one, rel=1e-9
    )
    alone = dict(accelerators_per_replica=1.0, bytes_per_param=0.5, batch_size=16.0,
                 output_tokens=100.0)  # fmt: skip
    assert serve(**alone, hidden_size=8192.0, interconnect_bandwidth_bytes_per_s=link,
                 allreduce_latency_s=latency)["time_per_output_token_s"] == pytest.approx(
        serve(**alone)["time_per_output_token_s"], rel=1e-15
    )  # fmt: skip


def test_fleet_utilization_divides_the_cost_not_the_speed():
    busy = serve(batch_size=32.0, output_tokens=500.0, fleet_utilization=1.0)
    half = serve(batch_size=32.0, output_tokens=500.0, fleet_utilization=0.5)
    assert half["cost_per_request_usd"] == pytest.approx(2 * busy["cost_per_request_usd"])
    assert half["tokens_per_second_per_replica"] == busy["tokens_per_second_per_replica"]


# ---------------------------------------------------------------- what engines measure


def _throughput(chip: dict, tp: float, isl: float, osl: float, **kwargs) -> float:
    out = serve(accelerators_per_replica=tp, input_tokens=isl, output_tokens=osl, **chip, **kwargs)
    return float(out["tokens_per_second_per_replica"])


def test_a_longer_prompt_lowers_output_throughput():
    # measured on 2 × H100: 128/2048 gives 8.7× the output tokens/s of 2048/128
    short_prompt = _throughput(H100, 2.0, 128.0, 2048.0)
    long_prompt = _throughput(H100, 2.0, 2048.0, 128.0)
    assert short_prompt > 3 * long_prompt


def test_a_longer_context_lowers_the_largest_batch_and_the_throughput():
    short = serve(input_tokens=1000.0, output_tokens=1000.0)
    long = serve(input_tokens=20000.0, output_tokens=2000.0)
    assert long["max_batch_size"] < short["max_batch_size"] / 5
    assert long["tokens_per_second_per_replica"] < short["tokens_per_second_per_replica"] / 3


def test_h200_serves_more_than_h100_when_memory_binds():
    # same compute: more HBM holds a larger batch, more bandwidth reads it faster
    h100 = serve(accelerators_per_replica=1.0, input_tokens=5000.0, output_tokens=500.0)
    h200 = serve(accelerators_per_replica=1.0, input_tokens=5000.0, output_tokens=500.0, **H200)
    assert h200["max_batch_size"] > 3 * h100["max_batch_size"]
    assert h200["output_tokens_per_second_per_gpu"] > 1.2 * h100["output_tokens_per_second_per_gpu"]


def test_without_prompts_or_kv_cache_it_is_the_decode_only_roofline():
    out = serving(70e9, 989.4e12, 0.5, 2.99, 64.0, 3.35e12, 2.0, 4.0)
    compute = 2 * 70e9 * 64 / (4 * 989.4e12 * 0.5)
    memory = 2 * 70e9 / (4 * 3.35e12)
    assert out["time_per_output_token_s"] == pytest.approx(max(compute, memory), rel=1e-15)
    assert out["serving_cost_per_1k_tokens_usd"] == pytest.approx(
        1000 / (64 / max(compute, memory)) * 4 * 2.99 / 3600, rel=1e-15
    )


# ---------------------------------------------------------------- priors files


def _scenario(tmp_path, extra: str, hardware: str = "h100.toml"):
    path = tmp_path / "serve.toml"
    path.write_text(
        f"""[scenario]
models = ["serving"]
include = ["{(PRIORS / "llm" / "llama33-70b.toml").as_posix()}",
           "{(PRIORS / "hardware" / hardware).as_posix()}"]
[assumptions]
inference_mfu = 0.5
bytes_per_param = {{ fixed = 1, unit = "B/parameter" }}
accelerators_per_replica = 2
kv_bytes_per_value = {{ fixed = 1, unit = "B" }}
input_tokens = {{ fixed = 1000, unit = "token" }}
output_tokens = {{ fixed = 1000, unit = "token" }}
{extra}
"""
    )
    return path


def test_a_precision_the_chip_lacks_is_refused_naming_the_key(tmp_path):
    with pytest.raises(PriorsError) as error:
        simulate.load(_scenario(tmp_path, "compute_precision_bits = 4"))
    assert error.value.key == "assumptions.compute_precision_bits"
    assert "peak_fp4_flops_per_s" in error.value.message
    with pytest.raises(PriorsError) as error:  # an A100 has no FP8
        simulate.load(_scenario(tmp_path, "compute_precision_bits = 8", "a100-80gb.toml"))
    assert "peak_fp8_flops_per_s" in error.value.message
    with pytest.raises(PriorsError, match="expected one of 16, 8, 4"):
        simulate.load(_scenario(tmp_path, "compute_precision_bits = 6"))
    with pytest.raises(PriorsError, match="fixed value or a choice"):
        simulate.load(_scenario(tmp_path, "compute_precision_bits = { uniform = [4, 16] }"))
    fine = simulate.load(_scenario(tmp_path, "compute_precision_bits = 4", "b200.toml"))
    assert "peak_fp4_flops_per_s" in fine.assumptions
    mixed = "compute_precision_bits = { choice = { values = [8, 16] } }"
    assert simulate.load(_scenario(tmp_path, mixed)).assumptions["compute_precision_bits"]


@pytest.mark.parametrize(
    ("extra", "key", "words"),
    [
        ('kv_bytes_per_token = { fixed = 163840, unit = "B/token" }', "kv_bytes_per_token",
         "given twice"),
        ("n_experts = 8", "experts_per_token", "together"),
    ],
)  # fmt: skip
def test_inconsistent_facts_are_refused_naming_the_key(tmp_path, extra, key, words):
    with pytest.raises(PriorsError) as error:
        simulate.load(_scenario(tmp_path, extra))
    assert error.value.key.endswith(key) and words in error.value.message


def test_without_a_batch_or_a_kv_cache_the_largest_batch_is_unbounded_and_refused(tmp_path):
    path = tmp_path / "bare.toml"
    path.write_text(
        f"""[scenario]
models = ["serving"]
include = ["{(PRIORS / "hardware" / "h100.toml").as_posix()}"]
[assumptions]
active_params = {{ fixed = 70, unit = "Gparameter" }}
inference_mfu = 0.5
bytes_per_param = {{ fixed = 1, unit = "B/parameter" }}
accelerators_per_replica = 2
"""
    )
    with pytest.raises(PriorsError) as error:
        simulate.load(path)
    assert error.value.key.endswith("batch_size") and "largest batch" in error.value.message


def test_notes_say_what_a_scenario_leaves_out(tmp_path):
    bare = simulate.load(PRIORS / "serving-h100-batch64.toml")
    said = " ".join(bare.notes)
    for missing in ("input_tokens", "KV cache", "bandwidth_utilization", "fleet_utilization"):
        assert missing in said
    assert not bare.warnings  # notes are not unit warnings


def test_infeasible_draws_are_said_once_in_words(invoke, tmp_path):
    path = _scenario(tmp_path, "batch_size = { choice = { values = [64, 4096] } }")
    result = invoke("run", path, "--draws", "2000", "--format", "json")
    assert result.exit_code == 0
    assert "cannot evaluate" in result.stderr and "do not fit in memory" in result.stderr
    assert "cost_per_request_usd is not finite" not in result.stderr
    import json

    data = json.loads(result.stdout)
    share = data["outputs"]["serving_infeasible"]["mean"]
    assert 0.4 < share < 0.6
    assert data["outputs"]["cost_per_request_usd"]["p50"] > 0


def test_fewer_kv_heads_than_accelerators_are_copied_to_each():
    # Qwen3-235B-A22B has 4 KV heads; over 8 accelerators each holds one: twice the cache
    out = serve(n_kv_heads=4.0, accelerators_per_replica=8.0, batch_size=8.0, output_tokens=100.0)
    assert out["kv_cache_gb_per_sequence"] == pytest.approx(80 * 2 * 8 * 128 * 100 / 1e9)
    two = serve(n_kv_heads=4.0, accelerators_per_replica=2.0, batch_size=8.0, output_tokens=100.0)
    assert two["kv_cache_gb_per_sequence"] == pytest.approx(80 * 2 * 4 * 128 * 100 / 1e9)


# ---------------------------------------------------------------- other models priced by serving


def test_query_and_api_workload_can_price_tokens_as_input_and_output():
    from simulate.models.api_workload import api_workload
    from simulate.models.query import query

    # 50 prompt + 10 × 1,333 context tokens read, 10 × 533 written; 30 % cache hits
    split = query(50, 1333, 533, 10, 1, None, 0.3,
                  cost_per_1m_input_tokens_usd=0.3, cost_per_1m_output_tokens_usd=0.5)  # fmt: skip
    read, written = 50 + 10 * 1333, 10 * 533
    assert split["query_cost_usd"] == pytest.approx((read * 0.3 + written * 0.5) / 1e6 * 0.7)
    assert split["tokens_per_query"] == read + written
    # one price for both is the seed's accounting, unchanged
    assert query(50, 1333, 533, 10, 1, 0.005, 0.3)["query_cost_usd"] == pytest.approx(
        (read + written) / 1000 * 0.005 * 0.7
    )
    costs = dict(cost_per_1m_input_tokens_usd=0.3, cost_per_1m_output_tokens_usd=0.5)
    own = api_workload(10_000, 1_000, requests_per_year=1e5, **costs)
    assert own["request_cost_usd"] == pytest.approx((10_000 * 0.3 + 1_000 * 0.5) / 1e6)


def test_api_workload_reads_the_serving_costs_by_name():
    scenario = simulate.load(PRIORS / "serving" / "self-host-or-api-llama70b.toml")
    point = simulate.run_point(scenario).outputs
    # the request priced by its input and output costs is the serving model's request cost
    assert float(point["request_cost_usd"]) == pytest.approx(float(point["cost_per_request_usd"]))
    assert float(point["annual_cost_usd"]) == pytest.approx(
        float(point["cost_per_request_usd"]) * 1e8
    )


def test_a_query_priced_twice_is_refused(tmp_path):
    path = tmp_path / "q.toml"
    path.write_text(
        """[scenario]
models = ["query"]
[assumptions]
prompt_tokens = { fixed = 67, unit = "token" }
context_tokens_per_result = { fixed = 1333, unit = "token" }
output_tokens = { fixed = 533, unit = "token" }
results_per_query = 10
responses_per_result = 1
cache_hit_rate = 0.3
cost_per_1k_tokens_usd = { fixed = 0.005, unit = "USD/ktoken" }
cost_per_1m_input_tokens_usd = { fixed = 0.3, unit = "USD/Mtoken" }
cost_per_1m_output_tokens_usd = { fixed = 0.5, unit = "USD/Mtoken" }
"""
    )
    with pytest.raises(PriorsError, match="priced twice") as error:
        simulate.load(path)
    assert error.value.key == "assumptions.cost_per_1k_tokens_usd"


def test_self_hosting_is_cheaper_than_the_api_in_about_two_thirds_of_scenarios(invoke):
    import json

    path = PRIORS / "serving" / "self-host-or-api-llama70b.toml"
    result = invoke("run", path, "--draws", "200000", "--format", "json", "-q")
    data = json.loads(result.stdout)
    chance = data["outputs"]["cost_per_request_usd"]["thresholds"]["<api_cost_per_request_usd"]
    assert chance == pytest.approx(0.69, abs=0.02)  # README: "cheaper in 69 % of scenarios"
    share = data["outputs"]["self_hosted_share_of_api"]
    assert share["p5"] < 1 < share["p95"]  # either can win


def test_the_largest_batch_is_the_brute_force_answer_for_every_draw():
    rng = np.random.default_rng(7)
    for _ in range(25):
        case = dict(
            input_tokens=float(rng.integers(100, 20000)),
            output_tokens=float(rng.integers(20, 2000)),
            accelerator_memory_gb=float(rng.uniform(75, 120)),
            max_time_per_output_token_s=float(rng.uniform(0.01, 0.2)),
            max_time_to_first_token_s=float(rng.uniform(0.1, 5.0)),
        )
        found = float(serve(**case)["max_batch_size"])
        fits = float(serve(**{**case, "max_time_per_output_token_s": 1e9,
                              "max_time_to_first_token_s": 1e9})["max_batch_size"])  # fmt: skip
        batches = np.arange(1.0, fits + 1.0)
        every = serve(batch_size=batches, **case)
        meets = every["serving_infeasible"] == 0
        expected = float(batches[meets].max()) if np.any(meets) else 0.0
        assert found == expected, case
        # and the memory cap alone is the last batch that fits (the top is checked)
        assert fits == float(np.floor(
            0.9 * (2 * case["accelerator_memory_gb"] * 1e9 - 70e9)
            / (KV_PER_TOKEN * (case["input_tokens"] + case["output_tokens"]))
        ))  # fmt: skip


def test_attention_runs_in_fp8_only_with_fp8_arithmetic_and_an_fp8_cache():
    # prefill-heavy, so the prompts' attention arithmetic shows in the step
    case = dict(
        batch_size=16.0, input_tokens=30000.0, output_tokens=10.0, accelerator_memory_gb=1e3
    )
    rate8, rate16 = 2 * 1978.9e12 * 0.5, 2 * 989.4e12 * 0.5
    prompts = 16 * 3000.0

    def prefill_seconds(out, weights_rate):
        weights = max(2 * 70e9 * (16 + prompts) / weights_rate, 70e9 / (2 * 3.35e12 * 0.8))
        return out["time_per_output_token_s"] - weights

    fp8_cache = serve(compute_precision_bits=8.0, kv_bytes_per_value=1.0, **case)
    bf16_cache = serve(compute_precision_bits=8.0, kv_bytes_per_value=2.0, **case)
    bf16_math = serve(compute_precision_bits=16.0, kv_bytes_per_value=1.0, **case)
    context = 30000 + 5
    for out, attention_rate, weights_rate, kv in (
        (fp8_cache, rate8, rate8, 1.0),
        (bf16_cache, rate16, rate8, 2.0),
        (bf16_math, rate16, rate16, 1.0),
    ):
        kv_bytes = 80 * 2 * 8 * 128 * kv
        decode = max(16 * 4 * 80 * 8192 * context / attention_rate,
                     16 * kv_bytes * context / (2 * 3.35e12 * 0.8))  # fmt: skip
        prefill = prompts * 4 * 80 * 8192 * 15000 / attention_rate
        assert prefill_seconds(out, weights_rate) == pytest.approx(decode + prefill, rel=1e-9)


def test_prompts_pay_their_share_of_the_all_reduces():
    link = dict(hidden_size=8192.0, interconnect_bandwidth_bytes_per_s=450e9,
                allreduce_latency_s=8e-6)  # fmt: skip
    out = serve(batch_size=32.0, input_tokens=1000.0, output_tokens=1000.0, **link)
    rate, bandwidth = 2 * 1978.9e12 * 0.5, 2 * 3.35e12 * 0.8
    tokens = 64.0
    weights = max(2 * 70e9 * tokens / rate, 70e9 / bandwidth)
    communication = 2 * 80 * (8e-6 + 2 * 0.5 * tokens * 8192 * 2 / 450e9)
    prefill = 32 * 4 * 80 * 8192 * 500 / rate
    step = float(out["time_per_output_token_s"])
    share_in = ((weights + communication) * 32 / tokens + prefill) / step
    request = float(out["cost_per_request_usd"])
    assert out["cost_per_1m_input_tokens_usd"] == pytest.approx(
        request * share_in / 1000 * 1e6, rel=1e-9
    )


def test_reading_the_kv_cache_can_make_a_step_memory_bound():
    # weights alone are compute-bound at batch 512 (few bytes per FLOP), but 512 sequences of
    # 16k context read 512 × 16k × 164 kB of cache each step
    short = serve(batch_size=512.0, output_tokens=2.0, input_tokens=0.0)
    long = serve(batch_size=512.0, output_tokens=32000.0, input_tokens=0.0,
                 accelerator_memory_gb=1e4)  # fmt: skip
    assert short["memory_bound"] == 0 and long["memory_bound"] == 1
