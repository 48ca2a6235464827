"""What an API workload costs per request and per year, with input and output prices."""

from __future__ import annotations

import numpy as np

from simulate.models.base import Model, Port, alternatives

# at an API's list prices, or at a serving cost (the serving model's outputs)
PRICES = (
    ("input_price_per_1k_tokens_usd", "output_price_per_1k_tokens_usd"),
    ("cost_per_1m_input_tokens_usd", "cost_per_1m_output_tokens_usd"),
)


def api_workload(
    input_tokens: np.ndarray,
    output_tokens: np.ndarray,
    input_price_per_1k_tokens_usd: np.ndarray | None = None,
    output_price_per_1k_tokens_usd: np.ndarray | None = None,
    requests_per_year: np.ndarray | None = None,
    *,
    cost_per_1m_input_tokens_usd: np.ndarray | None = None,
    cost_per_1m_output_tokens_usd: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Cost of one request and of a year of requests at list API prices.

    request_cost_usd = input_tokens / 1000 · input_price_per_1k_tokens_usd
                     + output_tokens / 1000 · output_price_per_1k_tokens_usd
    annual_cost_usd = request_cost_usd · requests_per_year

    Self-hosted instead of an API: ``cost_per_1m_input_tokens_usd`` and
    ``cost_per_1m_output_tokens_usd`` (the ``serving`` model's outputs) price the tokens.

    Source: the seed analysis (summarising 5,000 Chinese characters at $0.01 in / $0.03 out
    per 1k tokens, ≈ 2 tokens per character); provider price lists for the prices.
    """
    if input_price_per_1k_tokens_usd is not None:
        request = (
            input_tokens / 1000.0 * input_price_per_1k_tokens_usd
            + output_tokens / 1000.0 * output_price_per_1k_tokens_usd
        )
    else:
        request = (
            input_tokens * cost_per_1m_input_tokens_usd
            + output_tokens * cost_per_1m_output_tokens_usd
        ) / 1e6
    return {"request_cost_usd": request, "annual_cost_usd": request * requests_per_year}


MODEL = Model(
    name="api_workload",
    kernel=api_workload,
    inputs=(
        Port("input_tokens", "token", "tokens sent per request", domain="nonnegative"),
        Port("output_tokens", "token", "tokens generated per request", domain="positive"),
        Port("requests_per_year", "1/year", "requests in a year", domain="nonnegative"),
    ),
    optional=(
        Port(
            "input_price_per_1k_tokens_usd",
            "USD/ktoken",
            "API price of 1,000 input tokens",
            domain="nonnegative",
        ),
        Port(
            "output_price_per_1k_tokens_usd",
            "USD/ktoken",
            "API price of 1,000 output tokens",
            domain="nonnegative",
        ),
        Port(
            "cost_per_1m_input_tokens_usd",
            "USD/Mtoken",
            "cost of 1M tokens read (prompt)",
            domain="nonnegative",
        ),
        Port(
            "cost_per_1m_output_tokens_usd",
            "USD/Mtoken",
            "cost of 1M tokens generated",
            domain="nonnegative",
        ),
    ),
    needs_one_of=PRICES,
    inconsistency=alternatives(PRICES, "priced"),
    outputs=(
        Port("request_cost_usd", "USD", "cost of one request"),
        Port("annual_cost_usd", "USD/year", "cost of a year of requests"),
    ),
    source="seed analysis; provider price lists",
)
