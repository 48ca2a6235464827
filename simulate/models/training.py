"""Training cost from compute, or from the accelerator-hours a run reports."""

from __future__ import annotations

from collections.abc import Set

import numpy as np

from simulate.models.base import Model, Port

SECONDS_PER_HOUR = 3600.0
HOURS_PER_DAY = 24.0

# The facts a run may be known by: its compute (one of two ways) and its hours (one of three).
COMPUTE = (("params", "training_tokens"), ("training_flops",))
HOURS = (("training_mfu",), ("accelerator_hours",), ("n_accelerators", "training_days"))


def training(
    params: np.ndarray | None = None,
    training_tokens: np.ndarray | None = None,
    peak_flops_per_s: np.ndarray | None = None,
    training_mfu: np.ndarray | None = None,
    accelerator_hour_usd: np.ndarray | None = None,
    n_accelerators: np.ndarray | None = None,
    *,
    training_flops: np.ndarray | None = None,
    accelerator_hours: np.ndarray | None = None,
    training_days: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Cost of one training run, from the facts as published.

    compute: training_flops = 6 · params · training_tokens, or training_flops as given
    hours, from exactly one of:
      training_mfu:          accelerator_hours = training_flops / (peak_flops_per_s · mfu) / 3600
      accelerator_hours:     as reported (wall-clock accelerator-hours, idle and failures in)
      n_accelerators × days: accelerator_hours = n_accelerators · training_days · 24
    training_cost_usd = accelerator_hours · accelerator_hour_usd
    implied_mfu = training_flops / (accelerator_hours · 3600 · peak_flops_per_s)
        (an output when the hours were given; above 1 the facts contradict each other)
    training_days = accelerator_hours / n_accelerators / 24  (with n_accelerators, not days)

    Source: Kaplan et al. 2020, "Scaling Laws for Neural Language Models", §2.1 (C ≈ 6·N·D:
    2 FLOPs per parameter per token forward, 4 backward); model FLOPs utilization as defined
    by Chowdhery et al. 2022 (PaLM), App. B; Cottier et al. 2024 (arXiv 2405.21015): a run's
    wall-clock chip-hours already include idle and failed time.

    >>> training(175e9, 300e9, 275e12, 0.462, 2.03)["training_cost_usd"]  # GPT-3 on TPU v4
    1398...
    """
    if training_flops is None:
        training_flops = 6.0 * params * training_tokens
    result = {"training_flops": training_flops}
    if training_mfu is not None:
        accelerator_hours = training_flops / (peak_flops_per_s * training_mfu) / SECONDS_PER_HOUR
        result["accelerator_hours"] = accelerator_hours
    else:
        if accelerator_hours is None:
            accelerator_hours = n_accelerators * training_days * HOURS_PER_DAY
            result["accelerator_hours"] = accelerator_hours
        result["implied_mfu"] = training_flops / (
            accelerator_hours * SECONDS_PER_HOUR * peak_flops_per_s
        )
    result["training_cost_usd"] = accelerator_hours * accelerator_hour_usd
    if n_accelerators is not None and training_days is None:
        result["training_days"] = accelerator_hours / n_accelerators / HOURS_PER_DAY
    return result


def _given(groups: tuple[tuple[str, ...], ...], names: Set[str]) -> list[tuple[str, ...]]:
    return [group for group in groups if all(name in names for name in group)]


def produces(given: Set[str]) -> tuple[str, ...]:
    """The outputs :func:`training` computes when ``given`` names come from elsewhere."""
    outputs = ["training_cost_usd"]
    if "training_flops" not in given:
        outputs.append("training_flops")
    if "accelerator_hours" not in given:
        outputs.append("accelerator_hours")
    if "training_mfu" not in given:
        outputs.append("implied_mfu")
    if "n_accelerators" in given and "training_days" not in given:
        outputs.append("training_days")
    return tuple(outputs)


def inconsistency(given: Set[str]) -> tuple[str, str] | None:
    """The name to fix and why ``given`` is not one consistent way of stating a run
    (``None`` if it is)."""
    for groups, what in ((COMPUTE, "compute"), (HOURS, "hours")):
        found = _given(groups, given)
        if len(found) == 1:
            continue
        ways = "; or ".join(" × ".join(group) for group in groups)
        if not found:
            return groups[0][0], f"needs the run's {what}: {ways}"
        said = " and ".join(" × ".join(group) for group in found)
        return found[1][0], f"the run's {what} is given twice ({said}); give one of: {ways}"
    return None


MODEL = Model(
    name="training",
    kernel=training,
    inputs=(
        Port(
            "peak_flops_per_s", "FLOP/s", "dense peak FLOP/s of one accelerator", domain="positive"
        ),
        Port(
            "accelerator_hour_usd", "USD/hour", "price of one accelerator-hour", domain="positive"
        ),
    ),
    optional=(
        Port("params", "parameter", "parameters in the model (N)", domain="positive"),
        Port("training_tokens", "token", "tokens seen in training (D)", domain="positive"),
        Port(
            "training_flops",
            "FLOP",
            "training compute, when known as such (else 6·N·D)",
            domain="positive",
        ),
        Port("training_mfu", "1", "model FLOPs utilization during training", domain="fraction"),
        Port(
            "accelerator_hours",
            "hour",
            "wall-clock accelerator-hours, as reported",
            domain="positive",
        ),
        Port("n_accelerators", "1", "accelerators training in parallel", domain="count"),
        Port("training_days", "day", "wall-clock days of the run", domain="positive"),
    ),
    outputs=(
        Port("training_flops", "FLOP", "6·N·D (unless given)"),
        Port("accelerator_hours", "hour", "accelerator-hours of the run (unless given)"),
        Port("training_cost_usd", "USD", "cost of the final training run"),
        Port("implied_mfu", "1", "the MFU the given hours imply (unless MFU is given)"),
        Port("training_days", "day", "wall-clock days", requires="n_accelerators"),
    ),
    produces=produces,
    inconsistency=inconsistency,
    template=("params", "training_tokens", "training_mfu"),
    source="Kaplan et al. 2020 (6·N·D); Chowdhery et al. 2022 (MFU); Cottier et al. 2024",
)
