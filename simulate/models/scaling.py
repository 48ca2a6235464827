"""Chinchilla scaling: loss from parameters and tokens, and the compute-optimal split."""

from __future__ import annotations

import numpy as np

from simulate.models.base import Model, Port


def scaling(
    loss_e: np.ndarray,
    loss_a: np.ndarray,
    loss_b: np.ndarray,
    loss_alpha: np.ndarray,
    loss_beta: np.ndarray,
    params: np.ndarray | None = None,
    training_tokens: np.ndarray | None = None,
    training_flops_budget: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Pre-training loss L(N, D) = E + A/N^α + B/D^β, and its minimum for a FLOP budget.

    loss = loss_e + loss_a / params^loss_alpha + loss_b / training_tokens^loss_beta
    With C = training_flops_budget = 6·N·D, minimising L gives in closed form
        G = (α·A / (β·B))^(1/(α+β))
        optimal_params = G · (C/6)^(β/(α+β)),  optimal_training_tokens = (C/6) / optimal_params
        optimal_loss = L(optimal_params, optimal_training_tokens)

    Source: Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models", §3.3 and
    App. D.2 (the closed form); constants from the refit of Besiroglu et al. 2024,
    "Chinchilla Scaling: A replication attempt" (the printed 2022 constants contradict the
    Chinchilla run itself).
    """
    result: dict[str, np.ndarray] = {}
    if params is not None and training_tokens is not None:
        result["loss"] = loss_e + loss_a / params**loss_alpha + loss_b / training_tokens**loss_beta
    if training_flops_budget is not None:
        total = loss_alpha + loss_beta
        g = (loss_alpha * loss_a / (loss_beta * loss_b)) ** (1.0 / total)
        tokens_times_params = training_flops_budget / 6.0
        optimal_params = g * tokens_times_params ** (loss_beta / total)
        optimal_tokens = tokens_times_params / optimal_params
        result["optimal_params"] = optimal_params
        result["optimal_training_tokens"] = optimal_tokens
        result["optimal_loss"] = (
            loss_e + loss_a / optimal_params**loss_alpha + loss_b / optimal_tokens**loss_beta
        )
    return result


MODEL = Model(
    name="scaling",
    kernel=scaling,
    inputs=(
        Port("loss_e", "1", "irreducible loss E (nats per token)", domain="nonnegative"),
        Port("loss_a", "1", "parameter term coefficient A", domain="positive"),
        Port("loss_b", "1", "data term coefficient B", domain="positive"),
        Port("loss_alpha", "1", "parameter exponent α", domain="positive"),
        Port("loss_beta", "1", "data exponent β", domain="positive"),
    ),
    optional=(
        Port("params", "parameter", "parameters in the model (N)", domain="positive"),
        Port("training_tokens", "token", "tokens seen in training (D)", domain="positive"),
        Port(
            "training_flops_budget",
            "FLOP",
            "training compute C = 6·N·D to spend",
            domain="positive",
        ),
    ),
    outputs=(
        Port(
            "loss",
            "1",
            "predicted loss at (params, training_tokens)",
            requires=("params", "training_tokens"),
        ),
        Port(
            "optimal_params",
            "parameter",
            "compute-optimal N for the budget",
            requires="training_flops_budget",
        ),
        Port(
            "optimal_training_tokens",
            "token",
            "compute-optimal D for the budget",
            requires="training_flops_budget",
        ),
        Port(
            "optimal_loss",
            "1",
            "loss at the compute-optimal split",
            requires="training_flops_budget",
        ),
    ),
    needs_one_of=(("params", "training_tokens"), ("training_flops_budget",)),
    source="Hoffmann et al. 2022; Besiroglu et al. 2024 refit",
)
