"""Serving cost as engines run it: prefill and decode of a continuous batch, KV cache, precision.

A replica (``accelerators_per_replica`` accelerators holding one copy of the weights) serves a
steady stream of requests of ``input_tokens`` in and ``output_tokens`` out, ``B`` sequences in
flight. Each engine step decodes one token for each of the B sequences and, riding along, the
prompt tokens of the requests that start (continuous / in-flight batching). The step's time is a
roofline per kind of kernel, summed because the kernels run one after another.
"""

from __future__ import annotations

from collections.abc import Mapping, Set

import numpy as np

from simulate.models.base import Model, Port

SECONDS_PER_HOUR = 3600.0
BYTES_PER_GB = 1e9
# activations exchanged by tensor-parallel all-reduces: 16-bit in every engine we know of
ACTIVATION_BYTES = 2.0
# what an accelerator computes at, by the bits of its arithmetic: the peak a draw uses
PRECISIONS = {16.0: "peak_flops_per_s", 8.0: "peak_fp8_flops_per_s", 4.0: "peak_fp4_flops_per_s"}
ARCHITECTURE_KV = ("n_layers", "n_kv_heads", "head_dim", "kv_bytes_per_value")
COMMUNICATION = (
    "hidden_size",
    "n_layers",
    "interconnect_bandwidth_bytes_per_s",
    "allreduce_latency_s",
)
BISECTION_STEPS = 64  # halves any batch range a float can hold


def serving(
    active_params: np.ndarray,
    peak_flops_per_s: np.ndarray,
    inference_mfu: np.ndarray,
    accelerator_hour_usd: np.ndarray,
    batch_size: np.ndarray | None = None,
    hbm_bandwidth_bytes_per_s: np.ndarray | None = None,
    bytes_per_param: np.ndarray | None = None,
    accelerators_per_replica: np.ndarray | None = None,
    *,
    accelerator_memory_gb: np.ndarray | None = None,
    params: np.ndarray | None = None,
    input_tokens: np.ndarray | None = None,
    output_tokens: np.ndarray | None = None,
    n_layers: np.ndarray | None = None,
    n_kv_heads: np.ndarray | None = None,
    head_dim: np.ndarray | None = None,
    kv_bytes_per_value: np.ndarray | None = None,
    kv_bytes_per_token: np.ndarray | None = None,
    attention_dim: np.ndarray | None = None,
    n_experts: np.ndarray | None = None,
    experts_per_token: np.ndarray | None = None,
    compute_precision_bits: np.ndarray | None = None,
    peak_fp8_flops_per_s: np.ndarray | None = None,
    peak_fp4_flops_per_s: np.ndarray | None = None,
    bandwidth_utilization: np.ndarray | None = None,
    fleet_utilization: np.ndarray | None = None,
    kv_cache_memory_share: np.ndarray | None = None,
    engine_max_batch_size: np.ndarray | None = None,
    max_time_per_output_token_s: np.ndarray | None = None,
    max_time_to_first_token_s: np.ndarray | None = None,
    hidden_size: np.ndarray | None = None,
    interconnect_bandwidth_bytes_per_s: np.ndarray | None = None,
    allreduce_latency_s: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Cost per request and per token of a replica serving a continuous batch.

    Steady state with ``B`` sequences in flight (C accelerators per replica; N_a active and
    N total parameters; L_in prompt and L_out output tokens per request):

    rates        R = C · peak(arithmetic bits) · inference_mfu; attention at the FP8 peak with
                 8-bit arithmetic and an FP8 KV cache, else at the 16-bit peak (no FP4 attention)
                 BW = C · hbm_bandwidth · bandwidth_utilization
    per step     B decode tokens and P = B · L_in / L_out prompt tokens: T = B + P tokens
    weights      t_w = max(2 · N_a · T / R, bytes_per_param · N_read(T) / BW)
                 N_read(T) = N_shared + N_experts · (1 − (1 − k/E)^T): the experts T tokens
                 touch, uniform routing (N_experts = (N − N_a) · E / (E − k); dense: N_a)
    decode attn  t_d = max(B · 4 · n_layers · attention_dim · ctx / R, B · kv_per_token · ctx / BW)
                 ctx = L_in + L_out / 2 (sequences in flight are spread over their decode)
    prefill attn t_p = P · 4 · n_layers · attention_dim · (L_in / 2) / R  (causal: half the prompt)
    all-reduce   t_c = 2 · n_layers · (latency + 2 · (C − 1)/C · T · hidden · 2 B / link), C > 1
    step         time_per_output_token_s = t_w + t_d + t_p + t_c (kernels run one after another)
    throughput   B / step output tokens/s per replica; per request C · step · L_out / B
                 accelerator-seconds, priced at accelerator_hour_usd / fleet_utilization
    input/output prompt tokens' share of t_w and t_c, and t_p, are charged to input; the rest
                 (decode) to output. serving_cost_per_1k_tokens_usd is the whole request's cost
                 per 1,000 output tokens (what a throughput benchmark's output tokens/s prices).
    first token  time_to_first_token_s: a steady step with one new request's whole prompt on
                 top (queueing, which dominates at saturation, is not modelled)
    KV cache     kv_per_token = n_layers · 2 · max(n_kv_heads, C) · head_dim · kv_bytes_per_value
                 (with fewer KV heads than accelerators, each holds a copy: TensorRT-LLM's
                 trtllm-bench sizing, vLLM's head replication), or kv_bytes_per_token; a
                 sequence reserves its full L_in + L_out (as TensorRT-LLM's default
                 GUARANTEED_NO_EVICT scheduler does)
    memory cap   B ≤ kv_cache_memory_share · (C · memory − N · bytes_per_param) / kv per sequence;
                 without ``batch_size`` the largest integer batch that fits and meets the
                 latency limits (and ``engine_max_batch_size``) is served; a given batch that
                 does not fit, weights that do not fit, or a limit missed even so make the draw
                 infeasible: ``serving_infeasible`` = 1 and every time and cost is NaN (counted
                 and said, never priced)

    Defaults when an optional input is absent: no prompt, no KV cache, 16-bit arithmetic,
    datasheet bandwidth, every paid hour serving, 0.9 of the free memory for KV (TensorRT-LLM's
    default), no tensor-parallel communication. With none of them this is the decode-only
    roofline max(2·N·B/R, bytes·N/BW) per step.

    Sources: Pope et al. 2022, "Efficiently Scaling Transformer Inference" §2–3 (decode is
    bound by reading weights and KV cache; prefill by compute; 2·N FLOPs per token and
    attention FLOPs growing with context); Yuan et al. 2024, "LLM Inference Unveiled: Survey
    and Roofline Model Insights" (LLM-Viewer: a roofline per kernel, summed); Hoffmann et al.
    2022, App. F (4 · d_attn FLOPs per token per attended position: QKᵀ and AV); Shoeybi et
    al. 2019, Megatron-LM §3 (two all-reduces per layer in tensor parallelism); Agrawal et al.
    2024, Sarathi-Serve (prompts chunked beside decodes); Fedus et al. 2022 / Jiang et al.
    2024 (top-k routing over E experts).
    """
    if accelerators_per_replica is None:
        accelerators_per_replica = np.ones_like(np.asarray(active_params, dtype=float))
    replicas = np.asarray(accelerators_per_replica, dtype=float)
    peak = _peak(
        compute_precision_bits, peak_flops_per_s, peak_fp8_flops_per_s, peak_fp4_flops_per_s
    )
    rate = replicas * peak * inference_mfu
    # attention multiplies cached keys and values: in FP8 only with FP8 arithmetic and an FP8
    # cache (TensorRT-LLM's FP8 context FMHA), never in FP4, else in 16 bits
    attention_rate = replicas * peak_flops_per_s * inference_mfu
    if compute_precision_bits is not None and peak_fp8_flops_per_s is not None:
        eight = (compute_precision_bits <= 8) & (_or(kv_bytes_per_value, 2.0) <= 1)
        attention_rate = (
            replicas * inference_mfu * np.where(eight, peak_fp8_flops_per_s, peak_flops_per_s)
        )
    bandwidth = replicas * hbm_bandwidth_bytes_per_s * _or(bandwidth_utilization, 1.0)
    total_params = active_params if params is None else params
    prompt = _or(input_tokens, 0.0)
    if kv_bytes_per_token is None and n_kv_heads is not None:
        # tensor parallelism splits KV heads across accelerators, and copies a head to each
        # accelerator when there are fewer heads than accelerators
        heads = np.maximum(n_kv_heads, replicas)
        kv_bytes_per_token = n_layers * 2.0 * heads * head_dim * kv_bytes_per_value
    kv_per_token = _or(kv_bytes_per_token, 0.0)
    # attention arithmetic needs the depth and width of the attention (Hoffmann et al. App. F)
    attention_per_position = (
        4.0 * n_layers * attention_dim
        if attention_dim is not None and n_layers is not None
        else 0.0
    )
    shared_params, expert_params = _moe_split(
        active_params, total_params, n_experts, experts_per_token
    )

    decode = output_tokens is not None
    length = _or(output_tokens, 1.0)
    context = prompt + length / 2.0 if decode else np.zeros_like(prompt)
    prompt_per_decode = prompt / length

    def step_parts(batch: np.ndarray, prompt_tokens: np.ndarray, prompt_context: np.ndarray):
        """(weights, decode attention, prefill attention, communication) seconds, and the
        seconds of the memory side, for a step of ``batch`` decodes and ``prompt_tokens``."""
        tokens = batch + prompt_tokens
        read = shared_params + expert_params * _touched(tokens, n_experts, experts_per_token)
        weights_compute = 2.0 * active_params * tokens / rate
        weights_memory = bytes_per_param * read / bandwidth
        attention_compute = batch * attention_per_position * context / attention_rate
        attention_memory = batch * kv_per_token * context / bandwidth
        prefill = prompt_tokens * attention_per_position * prompt_context / attention_rate
        communication = _all_reduce(
            tokens, replicas, n_layers, hidden_size, interconnect_bandwidth_bytes_per_s,
            allreduce_latency_s,
        )  # fmt: skip
        parts = (
            np.maximum(weights_compute, weights_memory),
            np.maximum(attention_compute, attention_memory),
            prefill,
            communication,
        )
        memory_side = weights_memory + attention_memory
        compute_side = weights_compute + attention_compute + prefill
        return parts, memory_side > compute_side

    def step_seconds(batch: np.ndarray) -> np.ndarray:
        parts, _ = step_parts(batch, batch * prompt_per_decode, prompt / 2.0)
        return sum(parts)

    def first_token_seconds(batch: np.ndarray) -> np.ndarray:
        # a steady step with the new request's whole prompt on top
        parts, _ = step_parts(batch, batch * prompt_per_decode + prompt, prompt / 2.0)
        return sum(parts)

    weights_bytes = total_params * bytes_per_param
    per_sequence = kv_per_token * (prompt + length) if decode else np.zeros_like(prompt)
    memory_bytes = replicas * _or(accelerator_memory_gb, np.inf) * BYTES_PER_GB
    free_bytes = _or(kv_cache_memory_share, 0.9) * (memory_bytes - weights_bytes)
    with np.errstate(divide="ignore", invalid="ignore"):
        fits = np.where(
            free_bytes > 0,
            np.where(per_sequence > 0, np.floor(free_bytes / per_sequence), np.inf),
            0.0,
        )
    if engine_max_batch_size is not None:
        fits = np.minimum(fits, np.floor(engine_max_batch_size))
    largest = _largest_meeting_limits(
        fits, step_seconds, first_token_seconds, max_time_per_output_token_s,
        max_time_to_first_token_s,
    )  # fmt: skip
    if batch_size is None:
        served = largest
        feasible = served >= 1
    else:
        served = np.asarray(batch_size, dtype=float)
        feasible = (served >= 1) & (served <= largest)
    batch = np.where(feasible, np.maximum(served, 1.0), np.nan)

    parts, memory_bound = step_parts(batch, batch * prompt_per_decode, prompt / 2.0)
    step = sum(parts)
    tokens = batch * (1.0 + prompt_per_decode)
    prompt_seconds = (parts[0] + parts[3]) * (batch * prompt_per_decode / tokens) + parts[2]
    price_per_second = replicas * accelerator_hour_usd / SECONDS_PER_HOUR
    price_per_second = price_per_second / _or(fleet_utilization, 1.0)
    per_replica = batch / step
    result = {
        "weights_memory_gb": weights_bytes / BYTES_PER_GB + np.zeros_like(step),
        "time_per_output_token_s": step,
        "tokens_per_second_per_replica": per_replica,
        "output_tokens_per_second_per_gpu": per_replica / replicas,
        "serving_cost_per_1k_tokens_usd": 1000.0 * step / batch * price_per_second,
        "memory_bound": np.where(feasible, memory_bound, np.nan),
        "serving_infeasible": np.where(feasible, 0.0, 1.0),
    }
    limits = (engine_max_batch_size, max_time_per_output_token_s, max_time_to_first_token_s)
    if kv_bytes_per_token is not None or any(limit is not None for limit in limits):
        # without a KV cache or a limit nothing bounds the batch: no largest one to give
        result["max_batch_size"] = largest + np.zeros_like(step)
    if kv_bytes_per_token is not None:
        result["kv_cache_gb_per_sequence"] = per_sequence / BYTES_PER_GB + np.zeros_like(step)
    if decode:
        request_seconds = step * length / batch
        share_in = prompt_seconds / step
        cost = request_seconds * price_per_second
        result["time_to_first_token_s"] = first_token_seconds(batch)
        result["cost_per_request_usd"] = cost
        result["cost_per_1m_output_tokens_usd"] = 1e6 * cost * (1.0 - share_in) / length
        if input_tokens is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                result["cost_per_1m_input_tokens_usd"] = 1e6 * cost * share_in / prompt
    return result


def _or(value: np.ndarray | None, default: float) -> np.ndarray | float:
    return default if value is None else value


def _peak(bits, bf16, fp8, fp4) -> np.ndarray:
    """The dense peak for each draw's arithmetic (NaN where the chip lacks that precision;
    the priors file is refused before that can happen)."""
    if bits is None:
        return bf16
    missing = np.nan
    return np.select(
        [bits == 16, bits == 8, bits == 4],
        [bf16, missing if fp8 is None else fp8, missing if fp4 is None else fp4],
        default=np.nan,
    )


def _moe_split(active, total, n_experts, experts_per_token):
    """(parameters read every step, parameters of the routed experts): Jiang et al. 2024's
    Mixtral counts — N_a = N_shared + N_experts · k/E, N = N_shared + N_experts."""
    if n_experts is None:
        return total, 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        routed = (total - active) * n_experts / (n_experts - experts_per_token)
    # every expert active for every token: a dense model
    routed = np.where(experts_per_token < n_experts, routed, 0.0)
    return total - routed, routed


def _touched(tokens, n_experts, experts_per_token):
    """Expected share of E experts that ``tokens`` tokens route to, k each, uniformly."""
    if n_experts is None:
        return 0.0
    return 1.0 - np.clip(1.0 - experts_per_token / n_experts, 0.0, 1.0) ** tokens


def _all_reduce(tokens, replicas, n_layers, hidden, link_bytes_per_s, latency_s):
    """Two ring all-reduces of the activations per layer (Megatron-LM tensor parallelism):
    each accelerator sends and receives 2 · (C − 1)/C of the message, after a fixed latency."""
    if hidden is None or link_bytes_per_s is None or latency_s is None or n_layers is None:
        return 0.0
    message = tokens * hidden * ACTIVATION_BYTES
    one = latency_s + 2.0 * (replicas - 1.0) / replicas * message / link_bytes_per_s
    return np.where(replicas > 1, 2.0 * n_layers * one, 0.0)


def _largest_meeting_limits(fits, step_seconds, first_token_seconds, per_token_limit, first_limit):
    """The largest integer batch ≤ ``fits`` whose step and first token meet the limits (0 if
    none does). Both times grow with the batch, so a bisection over integers finds it."""
    if per_token_limit is None and first_limit is None:
        return fits

    def meets(batch: np.ndarray) -> np.ndarray:
        ok = np.ones(np.shape(batch), dtype=bool)
        if per_token_limit is not None:
            ok &= step_seconds(batch) <= per_token_limit
        if first_limit is not None:
            ok &= first_token_seconds(batch) <= first_limit
        return ok

    fits = np.asarray(fits, dtype=float)
    upper = np.where(np.isfinite(fits), fits, 2.0**52)
    top_ok = (upper >= 1) & meets(np.maximum(upper, 1.0))
    one_ok = (upper >= 1) & meets(np.ones_like(upper))
    # invariant of the search: ``low`` meets the limits (or is 0), ``high`` does not
    low = np.where(top_ok, upper, np.where(one_ok, 1.0, 0.0))
    high = np.where(top_ok | ~one_ok, low, upper)
    for _ in range(BISECTION_STEPS):
        open_ = high - low > 1
        if not np.any(open_):
            break
        middle = np.floor((low + high) / 2.0)
        ok = meets(np.maximum(middle, 1.0))
        low = np.where(open_ & ok, middle, low)
        high = np.where(open_ & ~ok, middle, high)
    return low


def produces(given: Set[str]) -> tuple[str, ...]:
    """The outputs :func:`serving` computes when ``given`` names are provided."""
    names = [
        "weights_memory_gb", "time_per_output_token_s",
        "tokens_per_second_per_replica", "output_tokens_per_second_per_gpu",
        "serving_cost_per_1k_tokens_usd", "memory_bound", "serving_infeasible",
    ]  # fmt: skip
    limits = ("engine_max_batch_size", "max_time_per_output_token_s", "max_time_to_first_token_s")
    if _kv_given(given) or any(limit in given for limit in limits):
        names.append("max_batch_size")
    if _kv_given(given):
        names.append("kv_cache_gb_per_sequence")
    if "output_tokens" in given:
        names += ["time_to_first_token_s", "cost_per_request_usd", "cost_per_1m_output_tokens_usd"]
        if "input_tokens" in given:
            names.append("cost_per_1m_input_tokens_usd")
    return tuple(names)


def _kv_given(given: Set[str]) -> bool:
    return "kv_bytes_per_token" in given or "n_kv_heads" in given


def inconsistency(given: Set[str]) -> tuple[str, str] | None:
    """The name to fix and why ``given`` is not one consistent description of serving."""
    architecture = [n for n in ARCHITECTURE_KV if n in given]
    if "kv_bytes_per_token" in given and "n_kv_heads" in given:
        return (
            "kv_bytes_per_token",
            "has its KV cache given twice (kv_bytes_per_token and n_kv_heads × head_dim); "
            "give one of: kv_bytes_per_token; or n_layers × n_kv_heads × head_dim × "
            "kv_bytes_per_value",
        )
    if "n_kv_heads" in given and len(architecture) < len(ARCHITECTURE_KV):
        missing = [n for n in ARCHITECTURE_KV if n not in given]
        return missing[0], (
            "needs the whole KV-cache shape: n_layers × 2 × n_kv_heads × head_dim × "
            f"kv_bytes_per_value (missing {', '.join(missing)}), or kv_bytes_per_token"
        )
    if ("n_experts" in given) != ("experts_per_token" in given):
        missing = "experts_per_token" if "n_experts" in given else "n_experts"
        return missing, "needs n_experts and experts_per_token together (a mixture of experts)"
    if "n_experts" in given and "params" not in given:
        return "params", "needs params (total parameters) for a mixture of experts"
    if ("input_tokens" in given or _kv_given(given)) and "output_tokens" not in given:
        return "output_tokens", (
            "needs output_tokens (per request) to charge prompts and the KV cache per output token"
        )
    if "attention_dim" in given and "n_layers" not in given:
        return "n_layers", "needs n_layers to count attention FLOPs over attention_dim"
    bounded = (
        "batch_size" in given
        or _kv_given(given)
        or "engine_max_batch_size" in given
        or "max_time_per_output_token_s" in given
    )
    if not bounded:
        return "batch_size", (
            "needs batch_size, or a KV cache (kv_bytes_per_token, or n_layers × n_kv_heads × "
            "head_dim × kv_bytes_per_value) to find the largest batch that fits in memory"
        )
    return None


def advice(given: Set[str], fixed: Mapping[str, float]) -> list[str]:
    """What the scenario leaves out that makes its cost lower than an engine's: one line each."""
    lines = []
    if "input_tokens" not in given:
        lines.append("no input_tokens: prompts are not charged (prefill is free)")
    if not _kv_given(given):
        lines.append(
            "no KV cache (kv_bytes_per_token, or n_layers × n_kv_heads × head_dim × "
            "kv_bytes_per_value): its memory and traffic are left out, so long contexts are "
            "underpriced"
        )
    elif "attention_dim" not in given:
        lines.append("no attention_dim: attention FLOPs (which grow with context) are left out")
    if "bandwidth_utilization" not in given:
        lines.append("no bandwidth_utilization: decode reads HBM at the datasheet bandwidth")
    if "fleet_utilization" not in given:
        lines.append("no fleet_utilization: every paid accelerator-hour serves requests")
    if fixed.get("accelerators_per_replica", 2.0) > 1 and not all(
        n in given for n in COMMUNICATION
    ):
        missing = [n for n in COMMUNICATION if n not in given]
        lines.append(
            f"no {', '.join(missing)}: tensor-parallel all-reduces across accelerators are "
            "not charged"
        )
    return [f"model 'serving': {line}" for line in lines]


MODEL = Model(
    name="serving",
    kernel=serving,
    inputs=(
        Port(
            "active_params",
            "parameter",
            "parameters active per token (all, for dense)",
            domain="positive",
        ),
        Port(
            "peak_flops_per_s",
            "FLOP/s",
            "dense 16-bit (BF16) peak FLOP/s of one accelerator",
            domain="positive",
        ),
        Port(
            "inference_mfu",
            "1",
            "achieved share of the peak in compute-bound kernels",
            domain="fraction",
        ),
        Port(
            "accelerator_hour_usd", "USD/hour", "price of one accelerator-hour", domain="positive"
        ),
        Port(
            "hbm_bandwidth_bytes_per_s",
            "B/s",
            "memory bandwidth of one accelerator",
            domain="positive",
        ),
        Port(
            "bytes_per_param",
            "B/parameter",
            "bytes per weight: 2 bf16, 1 fp8/int8, ~0.5 fp4",
            domain="positive",
        ),
        Port(
            "accelerators_per_replica",
            "1",
            "accelerators sharing one copy (tensor parallel)",
            domain="count",
        ),
        Port("accelerator_memory_gb", "GB", "memory (HBM) of one accelerator", domain="positive"),
    ),
    optional=(
        Port(
            "batch_size",
            "1",
            "sequences in flight (default: the largest that fits)",
            domain="count",
        ),
        Port(
            "input_tokens", "token", "prompt tokens per request (default 0)", domain="nonnegative"
        ),
        Port("output_tokens", "token", "output tokens per request", domain="positive"),
        Port(
            "params",
            "parameter",
            "total parameters (MoE: all experts; default active_params)",
            domain="positive",
        ),
        Port("n_experts", "1", "routed experts per MoE layer", domain="count"),
        Port("experts_per_token", "1", "routed experts each token uses (top-k)", domain="count"),
        Port("n_layers", "1", "transformer layers", domain="count"),
        Port(
            "n_kv_heads", "1", "key/value heads per layer (GQA; MLA: see the card)", domain="count"
        ),
        Port("head_dim", "1", "values per key or value head", domain="count"),
        Port(
            "kv_bytes_per_value", "B", "bytes per cached value: 2 bf16, 1 fp8", domain="nonnegative"
        ),
        Port(
            "kv_bytes_per_token",
            "B/token",
            "KV cache per token, when given directly",
            domain="nonnegative",
        ),
        Port(
            "attention_dim",
            "1",
            "query heads × head dim (Kaplan's d_attn): attention FLOPs",
            domain="count",
        ),
        Port(
            "hidden_size",
            "1",
            "model width (d_model): tensor-parallel all-reduce size",
            domain="count",
        ),
        Port("compute_precision_bits", "1", "arithmetic: 16 (BF16), 8 (FP8), 4 (FP4); default 16"),
        Port(
            "peak_fp8_flops_per_s",
            "FLOP/s",
            "dense FP8 peak FLOP/s of one accelerator",
            domain="positive",
        ),
        Port(
            "peak_fp4_flops_per_s",
            "FLOP/s",
            "dense FP4 peak FLOP/s of one accelerator",
            domain="positive",
        ),
        Port(
            "bandwidth_utilization",
            "1",
            "achieved share of HBM bandwidth in decode (default 1)",
            domain="fraction",
        ),
        Port(
            "fleet_utilization",
            "1",
            "share of paid accelerator-hours serving (default 1)",
            domain="fraction",
        ),
        Port(
            "kv_cache_memory_share",
            "1",
            "share of memory left after weights for KV (0.9)",
            domain="fraction",
        ),
        Port(
            "engine_max_batch_size", "1", "the engine's cap on sequences in flight", domain="count"
        ),
        Port(
            "max_time_per_output_token_s",
            "s",
            "latency limit between output tokens",
            domain="positive",
        ),
        Port(
            "max_time_to_first_token_s", "s", "latency limit to the first token", domain="positive"
        ),
        Port(
            "interconnect_bandwidth_bytes_per_s",
            "B/s",
            "scale-up link bandwidth, one way",
            domain="positive",
        ),
        Port(
            "allreduce_latency_s",
            "s",
            "fixed latency of one small all-reduce",
            domain="nonnegative",
        ),
    ),
    outputs=(
        Port("weights_memory_gb", "GB", "weights for inference"),
        Port("kv_cache_gb_per_sequence", "GB", "KV cache a request reserves on its replica"),
        Port("max_batch_size", "1", "largest batch that fits in memory and meets the limits"),
        Port("time_to_first_token_s", "s", "one step with a whole prompt (no queueing)"),
        Port("time_per_output_token_s", "s", "one engine step: a token for every sequence"),
        Port("tokens_per_second_per_replica", "token/s", "output tokens per second per replica"),
        Port("output_tokens_per_second_per_gpu", "token/s", "output tokens/s per accelerator"),
        Port("cost_per_request_usd", "USD", "cost of one request, prompt and output"),
        Port("cost_per_1m_input_tokens_usd", "USD/Mtoken", "cost of 1M prompt tokens (prefill)"),
        Port("cost_per_1m_output_tokens_usd", "USD/Mtoken", "cost of 1M output tokens (decode)"),
        Port(
            "serving_cost_per_1k_tokens_usd", "USD/ktoken", "a request's cost per 1k output tokens"
        ),
        Port("memory_bound", "1", "1 where reading weights and KV takes longer than compute"),
        Port(
            "serving_infeasible",
            "1",
            "1 where the weights or the batch do not fit in memory, or a latency limit is missed",
        ),
    ),
    produces=produces,
    inconsistency=inconsistency,
    advice=advice,
    choices={
        "compute_precision_bits": {
            16.0: None,
            8.0: "peak_fp8_flops_per_s",
            4.0: "peak_fp4_flops_per_s",
        }
    },
    infeasible="serving_infeasible",
    template=(
        "input_tokens",
        "output_tokens",
        "n_layers",
        "n_kv_heads",
        "head_dim",
        "kv_bytes_per_value",
        "bandwidth_utilization",
        "fleet_utilization",
    ),
    source="Pope et al. 2022; LLM-Viewer (Yuan et al. 2024); Megatron-LM (Shoeybi et al. 2019)",
)
