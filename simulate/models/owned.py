"""What a run costs on a cluster you own: capital consumed during the run, plus energy."""

from __future__ import annotations

import numpy as np

from simulate.models.base import Model, Port

HOURS_PER_YEAR = 8766.0  # 365.25 days, as pint's "year"


def owned_cluster(
    accelerator_capex_usd: np.ndarray,
    server_overhead: np.ndarray,
    interconnect_share: np.ndarray,
    value_decline_per_year: np.ndarray,
    years_owned_before_run: np.ndarray,
    amortization_years: np.ndarray,
    accelerator_watts: np.ndarray,
    server_power_ratio: np.ndarray,
    power_drawn_fraction: np.ndarray,
    pue: np.ndarray,
    electricity_usd_per_kwh: np.ndarray,
    accelerator_hours: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Cost of an accelerator-hour, and of a run, on owned hardware.

    cluster_usd = accelerator_capex_usd · server_overhead / (1 − interconnect_share)
    value_usd = cluster_usd · 10 ** (−value_decline_per_year · years_owned_before_run)
    capital_hour_usd = value_usd / (amortization_years · 8766)
    energy_hour_usd = accelerator_watts · server_power_ratio · power_drawn_fraction / 1000
        · pue · electricity_usd_per_kwh
    owned_accelerator_hour_usd = capital_hour_usd + energy_hour_usd
    owned_training_cost_usd = accelerator_hours · owned_accelerator_hour_usd

    Utilization is applied nowhere here, on purpose: a run's accelerator-hours are wall-clock
    (count × duration), so they already include idle and failed time, and dividing by a
    utilization again would count it twice. (The ``inhouse`` model, "cost of a *useful* hour
    of a fleet", is where utilization belongs.) ``power_drawn_fraction`` is the average share
    of the server's rated power drawn while training, not a utilization of the hours.
    Source: Cottier, Rahman, Fattorini, Maslej, Owen (2024), "The rising costs of training
    frontier AI models", arXiv 2405.21015, and its code (components and their published
    values: shared/reference/owned-hardware.md); straight-line amortization over the
    hardware's life as the common alternative to their value-decline rate.
    """
    cluster_usd = accelerator_capex_usd * server_overhead / (1.0 - interconnect_share)
    value_usd = cluster_usd * 10.0 ** (-value_decline_per_year * years_owned_before_run)
    capital_hour_usd = value_usd / (amortization_years * HOURS_PER_YEAR)
    server_kw = accelerator_watts * server_power_ratio * power_drawn_fraction / 1000.0
    energy_hour_usd = server_kw * pue * electricity_usd_per_kwh
    result = {
        "owned_capital_hour_usd": capital_hour_usd,
        "owned_energy_hour_usd": energy_hour_usd,
        "owned_accelerator_hour_usd": capital_hour_usd + energy_hour_usd,
    }
    if accelerator_hours is not None:
        result["owned_training_cost_usd"] = accelerator_hours * result["owned_accelerator_hour_usd"]
    return result


MODEL = Model(
    name="owned_cluster",
    kernel=owned_cluster,
    inputs=(
        Port(
            "accelerator_capex_usd",
            "USD",
            "purchase price of one accelerator (chip)",
            domain="positive",
        ),
        Port(
            "server_overhead",
            "1",
            "server cost per accelerator ÷ the chip's price",
            domain="nonnegative",
        ),
        Port(
            "interconnect_share",
            "1",
            "share of the cluster's cost spent on its network",
            domain="share",
        ),
        Port(
            "value_decline_per_year",
            "1/year",
            "orders of magnitude hardware value falls per year (price-performance)",
        ),
        Port(
            "years_owned_before_run",
            "year",
            "from purchase to the run's start",
            domain="nonnegative",
        ),
        Port(
            "amortization_years",
            "year",
            "life over which the hardware's value is used up",
            domain="positive",
        ),
        Port("accelerator_watts", "W", "chip TDP", domain="positive"),
        Port("server_power_ratio", "1", "server power per accelerator ÷ chip TDP", domain="count"),
        Port(
            "power_drawn_fraction",
            "1",
            "average share of rated server power while training",
            domain="fraction",
        ),
        Port("pue", "1", "power usage effectiveness of the data centre (≥ 1)", domain="count"),
        Port(
            "electricity_usd_per_kwh",
            "USD/kWh",
            "price of electricity in the run's year",
            domain="positive",
        ),
    ),
    optional=(
        Port(
            "accelerator_hours", "hour", "wall-clock accelerator-hours of a run", domain="positive"
        ),
    ),
    outputs=(
        Port("owned_capital_hour_usd", "USD/hour", "hardware value used up per hour"),
        Port("owned_energy_hour_usd", "USD/hour", "energy per accelerator-hour"),
        Port("owned_accelerator_hour_usd", "USD/hour", "cost of one owned accelerator-hour"),
        Port(
            "owned_training_cost_usd",
            "USD",
            "the run's cost on owned hardware",
            requires="accelerator_hours",
        ),
    ),
    source="Cottier et al. 2024 (arXiv 2405.21015) and epoch-research/training-cost-trends",
)
