"""Inference cost per 1k tokens from compute: 2·N FLOPs per token at a utilized peak rate."""

from __future__ import annotations

import numpy as np

from simulate.models.base import Model, Port

SECONDS_PER_HOUR = 3600.0


def inference(
    active_params: np.ndarray,
    peak_flops_per_s: np.ndarray,
    inference_mfu: np.ndarray,
    accelerator_hour_usd: np.ndarray,
    cost_reduction: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Cost of generating 1,000 tokens: 2·N FLOPs per token ÷ utilized peak, times price.

    inference_flops_per_token = 2 · active_params
    inference_cost_per_1k_tokens_usd = 1000 · inference_flops_per_token
        / (peak_flops_per_s · inference_mfu) / 3600 · accelerator_hour_usd · (1 − cost_reduction)

    ``cost_reduction`` (default 0) is the fraction saved by quantization, distillation and the
    like. Source: Kaplan et al. 2020, §2.1 (≈ 2·N FLOPs per token for a decoder forward pass);
    the seed analysis prices it with AWS p4d (8 × A100) at $19.22/h, 1-year commitment.

    >>> inference(175e9, 312e12, 0.213, 19.22 / 8)["inference_cost_per_1k_tokens_usd"]
    0.0035...
    """
    flops_per_token = 2.0 * active_params
    seconds_per_1k = 1000.0 * flops_per_token / (peak_flops_per_s * inference_mfu)
    cost = seconds_per_1k / SECONDS_PER_HOUR * accelerator_hour_usd
    if cost_reduction is not None:
        cost = cost * (1.0 - cost_reduction)
    return {
        "inference_flops_per_token": flops_per_token,
        "inference_cost_per_1k_tokens_usd": cost,
    }


MODEL = Model(
    name="inference",
    kernel=inference,
    inputs=(
        Port(
            "active_params",
            "parameter",
            "parameters active per token (all, for dense)",
            domain="positive",
        ),
        Port(
            "peak_flops_per_s", "FLOP/s", "dense peak FLOP/s of one accelerator", domain="positive"
        ),
        Port("inference_mfu", "1", "model FLOPs utilization while serving", domain="fraction"),
        Port(
            "accelerator_hour_usd", "USD/hour", "price of one accelerator-hour", domain="positive"
        ),
    ),
    optional=(
        Port(
            "cost_reduction", "1", "fraction saved by quantization, distillation…", domain="share"
        ),
    ),
    outputs=(
        Port("inference_flops_per_token", "FLOP/token", "2·N"),
        Port("inference_cost_per_1k_tokens_usd", "USD/ktoken", "cost of 1,000 generated tokens"),
    ),
    source="Kaplan et al. 2020 (2·N FLOPs per token)",
)
