"""Training cost from compute: 6·N·D FLOPs at a utilized peak rate, priced per accelerator-hour."""

from __future__ import annotations

import numpy as np

from simulate.models.base import Model, Port

SECONDS_PER_HOUR = 3600.0


def training(
    params: np.ndarray,
    training_tokens: np.ndarray,
    peak_flops_per_s: np.ndarray,
    training_mfu: np.ndarray,
    accelerator_hour_usd: np.ndarray,
    n_accelerators: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Cost of one training run: 6·N·D FLOPs ÷ (peak FLOP/s × MFU), times the hourly price.

    training_flops = 6 · params · training_tokens
    accelerator_hours = training_flops / (peak_flops_per_s · training_mfu) / 3600
    training_cost_usd = accelerator_hours · accelerator_hour_usd
    training_days = accelerator_hours / n_accelerators / 24   (only with ``n_accelerators``)

    Source: Kaplan et al. 2020, "Scaling Laws for Neural Language Models", §2.1 (C ≈ 6·N·D:
    2 FLOPs per parameter per token forward, 4 backward); model FLOPs utilization as defined
    by Chowdhery et al. 2022 (PaLM), App. B.

    >>> training(175e9, 300e9, 275e12, 0.462, 2.03)["training_cost_usd"]  # GPT-3 on TPU v4
    1398...
    """
    training_flops = 6.0 * params * training_tokens
    accelerator_hours = training_flops / (peak_flops_per_s * training_mfu) / SECONDS_PER_HOUR
    result = {
        "training_flops": training_flops,
        "accelerator_hours": accelerator_hours,
        "training_cost_usd": accelerator_hours * accelerator_hour_usd,
    }
    if n_accelerators is not None:
        result["training_days"] = accelerator_hours / n_accelerators / 24.0
    return result


MODEL = Model(
    name="training",
    kernel=training,
    inputs=(
        Port("params", "parameter", "parameters in the model (N)"),
        Port("training_tokens", "token", "tokens seen in training (D)"),
        Port("peak_flops_per_s", "FLOP/s", "dense peak FLOP/s of one accelerator"),
        Port("training_mfu", "1", "model FLOPs utilization during training"),
        Port("accelerator_hour_usd", "USD/hour", "price of one accelerator-hour"),
    ),
    optional=(Port("n_accelerators", "1", "accelerators training in parallel"),),
    outputs=(
        Port("training_flops", "FLOP", "6·N·D"),
        Port("accelerator_hours", "hour", "accelerator-hours of the run"),
        Port("training_cost_usd", "USD", "cost of the final training run"),
        Port("training_days", "day", "wall-clock days", requires="n_accelerators"),
    ),
    source="Kaplan et al. 2020 (6·N·D); Chowdhery et al. 2022 (MFU)",
)
