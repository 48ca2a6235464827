"""The price of an accelerator-hour on owned hardware: amortized purchase plus energy."""

from __future__ import annotations

import numpy as np

from simulate.models.base import Model, Port

HOURS_PER_YEAR = 8766.0  # 365.25 days, as pint's "year"


def inhouse(
    accelerator_capex_usd: np.ndarray,
    amortization_years: np.ndarray,
    accelerator_watts: np.ndarray,
    pue: np.ndarray,
    electricity_usd_per_kwh: np.ndarray,
    utilization: np.ndarray,
    overhead_fraction: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Cost of one useful accelerator-hour when you own the accelerator.

    capital_per_hour = accelerator_capex_usd · (1 + overhead_fraction)
        / (amortization_years · 8766)
    energy_per_hour = accelerator_watts / 1000 · pue · electricity_usd_per_kwh
    accelerator_hour_usd = (capital_per_hour + energy_per_hour) / utilization

    ``overhead_fraction`` (default 0) adds the servers, networking and cluster interconnect
    bought with each accelerator, as a fraction of its price. Idle hours still cost capital
    and (mostly) power, so the cost of a *useful* hour divides by ``utilization``.
    Source: the seed analysis's in-house cost model (purchase amortized over the hardware's
    life, power × PUE × electricity price); Epoch AI, "The rising costs of training frontier
    AI models" (2024), for amortization and cluster overhead.
    """
    capex = accelerator_capex_usd
    if overhead_fraction is not None:
        capex = capex * (1.0 + overhead_fraction)
    capital_per_hour = capex / (amortization_years * HOURS_PER_YEAR)
    energy_per_hour = accelerator_watts / 1000.0 * pue * electricity_usd_per_kwh
    return {"accelerator_hour_usd": (capital_per_hour + energy_per_hour) / utilization}


MODEL = Model(
    name="inhouse",
    kernel=inhouse,
    inputs=(
        Port(
            "accelerator_capex_usd", "USD", "purchase price of one accelerator", domain="positive"
        ),
        Port(
            "amortization_years",
            "year",
            "years over which the purchase is written off",
            domain="positive",
        ),
        Port("accelerator_watts", "W", "power drawn by one accelerator", domain="positive"),
        Port("pue", "1", "power usage effectiveness of the data centre (≥ 1)", domain="count"),
        Port("electricity_usd_per_kwh", "USD/kWh", "price of electricity", domain="positive"),
        Port(
            "utilization", "1", "share of hours the accelerator does useful work", domain="fraction"
        ),
    ),
    optional=(
        Port(
            "overhead_fraction",
            "1",
            "servers, network, interconnect as a share of capex",
            domain="nonnegative",
        ),
    ),
    outputs=(Port("accelerator_hour_usd", "USD/hour", "cost of one useful accelerator-hour"),),
    source="seed analysis (in-house cost); Epoch AI 2024 (amortization, overhead)",
)
