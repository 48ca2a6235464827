"""The full cost of developing a model: experiments and restarts, and the people."""

from __future__ import annotations

import numpy as np

from simulate.models.base import Model, Port


def development(
    training_cost_usd: np.ndarray,
    experiment_compute_multiplier: np.ndarray,
    staff_count: np.ndarray,
    staff_cost_usd_per_year: np.ndarray,
    development_years: np.ndarray,
) -> dict[str, np.ndarray]:
    """Development cost: all compute (final run × multiplier) plus R&D staff.

    development_compute_usd = training_cost_usd · experiment_compute_multiplier
    staff_cost_usd = staff_count · staff_cost_usd_per_year · development_years
    development_cost_usd = development_compute_usd + staff_cost_usd
    compute_share_of_development = development_compute_usd / development_cost_usd

    The final training run is a fraction of the compute spent on experiments, ablations and
    restarts (the multiplier is total compute ÷ final run, ≥ 1). Source: Cottier et al. 2024
    (Epoch AI), "The rising costs of training frontier AI models": R&D staff cost is of the
    same order as hardware, and the final run is a minority of total compute.
    """
    compute = training_cost_usd * experiment_compute_multiplier
    staff = staff_count * staff_cost_usd_per_year * development_years
    total = compute + staff
    return {
        "development_compute_usd": compute,
        "staff_cost_usd": staff,
        "development_cost_usd": total,
        "compute_share_of_development": compute / total,
    }


MODEL = Model(
    name="development",
    kernel=development,
    inputs=(
        Port("training_cost_usd", "USD", "cost of the final training run", domain="nonnegative"),
        Port(
            "experiment_compute_multiplier", "1", "total compute ÷ final run (≥ 1)", domain="count"
        ),
        Port("staff_count", "1", "R&D staff working on the model", domain="nonnegative"),
        Port(
            "staff_cost_usd_per_year",
            "USD/year",
            "fully loaded cost of one person-year",
            domain="positive",
        ),
        Port("development_years", "year", "duration of development", domain="positive"),
    ),
    outputs=(
        Port("development_compute_usd", "USD", "compute for experiments and the final run"),
        Port("staff_cost_usd", "USD", "R&D staff cost"),
        Port("development_cost_usd", "USD", "compute plus staff"),
        Port("compute_share_of_development", "1", "compute ÷ total development cost"),
    ),
    source="Cottier et al. 2024 (Epoch AI)",
)
