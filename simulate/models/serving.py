"""Serving cost with a roofline: a decode step is compute-bound or memory-bandwidth-bound."""

from __future__ import annotations

import numpy as np

from simulate.models.base import Model, Port

SECONDS_PER_HOUR = 3600.0


def serving(
    active_params: np.ndarray,
    peak_flops_per_s: np.ndarray,
    inference_mfu: np.ndarray,
    accelerator_hour_usd: np.ndarray,
    batch_size: np.ndarray,
    hbm_bandwidth_bytes_per_s: np.ndarray,
    bytes_per_param: np.ndarray,
    accelerators_per_replica: np.ndarray,
) -> dict[str, np.ndarray]:
    """Cost per 1k output tokens of a replica decoding ``batch_size`` sequences at once.

    compute_s = 2 · N · B / (C · peak_flops_per_s · inference_mfu)
    memory_s = bytes_per_param · N / (C · hbm_bandwidth_bytes_per_s)
    decode_step_seconds = max(compute_s, memory_s)
    tokens_per_second_per_replica = B / decode_step_seconds
    serving_cost_per_1k_tokens_usd = 1000 / tokens_per_second · C · accelerator_hour_usd / 3600
    memory_bound = 1 where memory_s > compute_s

    Every decode step streams all weights from HBM once, whatever the batch, while compute
    grows with the batch: small batches are memory-bound, and cost per token falls almost
    linearly with batch size until the compute bound. KV-cache traffic, which grows with
    batch × context, is left out, so large-batch, long-context costs are lower bounds.
    Source: Pope et al. 2022, "Efficiently Scaling Transformer Inference", §2 (roofline of
    decoding); Kaplan et al. 2020 (2·N FLOPs per token).
    """
    replica_flops = accelerators_per_replica * peak_flops_per_s * inference_mfu
    compute_s = 2.0 * active_params * batch_size / replica_flops
    memory_s = (
        bytes_per_param * active_params / (accelerators_per_replica * hbm_bandwidth_bytes_per_s)
    )
    step = np.maximum(compute_s, memory_s)
    tokens_per_second = batch_size / step
    cost = 1000.0 / tokens_per_second * accelerators_per_replica * accelerator_hour_usd
    return {
        "decode_step_seconds": step,
        "tokens_per_second_per_replica": tokens_per_second,
        "serving_cost_per_1k_tokens_usd": cost / SECONDS_PER_HOUR,
        "memory_bound": np.greater(memory_s, compute_s).astype(float),
    }


MODEL = Model(
    name="serving",
    kernel=serving,
    inputs=(
        Port("active_params", "parameter", "parameters active per token (all, for dense)"),
        Port("peak_flops_per_s", "FLOP/s", "dense peak FLOP/s of one accelerator"),
        Port("inference_mfu", "1", "utilization of peak FLOP/s when compute-bound"),
        Port("accelerator_hour_usd", "USD/hour", "price of one accelerator-hour"),
        Port("batch_size", "1", "sequences decoded together"),
        Port("hbm_bandwidth_bytes_per_s", "B/s", "memory bandwidth of one accelerator"),
        Port("bytes_per_param", "B/parameter", "bytes per weight: 4 fp32, 2 bf16, 1 int8"),
        Port("accelerators_per_replica", "1", "accelerators sharing one copy (tensor parallel)"),
    ),
    outputs=(
        Port("decode_step_seconds", "s", "time of one decode step for the whole batch"),
        Port("tokens_per_second_per_replica", "token/s", "output tokens per second per replica"),
        Port("serving_cost_per_1k_tokens_usd", "USD/ktoken", "cost of 1,000 output tokens"),
        Port("memory_bound", "1", "1 where streaming weights takes longer than compute"),
    ),
    source="Pope et al. 2022 (roofline of decoding)",
)
