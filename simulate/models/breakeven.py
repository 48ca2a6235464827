"""When does a model pay back its training cost on top of what serving it costs?"""

from __future__ import annotations

import numpy as np

from simulate.models.base import Model, Port


def breakeven(
    training_cost_usd: np.ndarray,
    training_amortization_months: np.ndarray,
    tokens_per_month: np.ndarray,
    inference_cost_per_1k_tokens_usd: np.ndarray,
    price_per_1k_tokens_usd: np.ndarray,
    subscription_usd_per_month: np.ndarray | None = None,
    tokens_per_subscriber_per_month: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Monthly profit and the volume at which a model breaks even.

    fixed = training_cost_usd / training_amortization_months   (until the next training run)
    monthly_cost_usd = fixed + tokens_per_month / 1000 · inference_cost_per_1k_tokens_usd
    monthly_revenue_usd = tokens_per_month / 1000 · price_per_1k_tokens_usd
    monthly_profit_usd = monthly_revenue_usd − monthly_cost_usd
    breakeven_tokens_per_month = 1000 · fixed / (price − inference cost per 1k)
    breakeven_subscribers = fixed / (subscription − tokens_per_subscriber / 1000 · inference
        cost per 1k)   (with the subscription inputs)

    Where each token or subscriber loses money the break-even volume does not exist and is
    reported as infinite (a non-finite draw, counted in the summary).
    Source: the seed analysis (training cost amortized over the months until the next run).
    """
    fixed = training_cost_usd / training_amortization_months
    volume_k = tokens_per_month / 1000.0
    cost = fixed + volume_k * inference_cost_per_1k_tokens_usd
    revenue = volume_k * price_per_1k_tokens_usd
    margin_per_1k = price_per_1k_tokens_usd - inference_cost_per_1k_tokens_usd
    result = {
        "monthly_cost_usd": cost,
        "monthly_revenue_usd": revenue,
        "monthly_profit_usd": revenue - cost,
        "breakeven_tokens_per_month": np.where(
            margin_per_1k > 0, 1000.0 * fixed / margin_per_1k, np.inf
        ),
    }
    if subscription_usd_per_month is not None and tokens_per_subscriber_per_month is not None:
        margin = (
            subscription_usd_per_month
            - tokens_per_subscriber_per_month / 1000.0 * inference_cost_per_1k_tokens_usd
        )
        result["breakeven_subscribers"] = np.where(margin > 0, fixed / margin, np.inf)
    return result


MODEL = Model(
    name="breakeven",
    kernel=breakeven,
    inputs=(
        Port("training_cost_usd", "USD", "cost of the final training run", domain="nonnegative"),
        Port(
            "training_amortization_months",
            "month",
            "months until the next training run",
            domain="positive",
        ),
        Port("tokens_per_month", "token/month", "tokens sold per month", domain="nonnegative"),
        Port(
            "inference_cost_per_1k_tokens_usd",
            "USD/ktoken",
            "cost of serving 1,000 tokens",
            domain="nonnegative",
        ),
        Port(
            "price_per_1k_tokens_usd",
            "USD/ktoken",
            "price charged for 1,000 tokens",
            domain="nonnegative",
        ),
    ),
    optional=(
        Port(
            "subscription_usd_per_month",
            "USD/month",
            "price of one subscription",
            domain="positive",
        ),
        Port(
            "tokens_per_subscriber_per_month",
            "token/month",
            "tokens one subscriber uses",
            domain="positive",
        ),
    ),
    outputs=(
        Port("monthly_cost_usd", "USD/month", "amortized training plus inference"),
        Port("monthly_revenue_usd", "USD/month", "token sales"),
        Port("monthly_profit_usd", "USD/month", "revenue − cost"),
        Port("breakeven_tokens_per_month", "token/month", "volume where profit is zero"),
        Port(
            "breakeven_subscribers",
            "1",
            "subscribers where profit is zero",
            requires=("subscription_usd_per_month", "tokens_per_subscriber_per_month"),
        ),
    ),
    source="seed analysis (break-even of training plus inference)",
)
