"""Cost of one LLM-answered search query: tokens read and written, priced per 1k tokens."""

from __future__ import annotations

import numpy as np

from simulate.models.base import Model, Port, alternatives

# one price per token (the seed's), or input and output priced apart (e.g. from serving)
PRICES = (
    ("cost_per_1k_tokens_usd",),
    ("cost_per_1m_input_tokens_usd", "cost_per_1m_output_tokens_usd"),
)


def query(
    prompt_tokens: np.ndarray,
    context_tokens_per_result: np.ndarray,
    output_tokens: np.ndarray,
    results_per_query: np.ndarray,
    responses_per_result: np.ndarray,
    cost_per_1k_tokens_usd: np.ndarray | None = None,
    cache_hit_rate: np.ndarray | None = None,
    revenue_per_query_usd: np.ndarray | None = None,
    *,
    cost_per_1m_input_tokens_usd: np.ndarray | None = None,
    cost_per_1m_output_tokens_usd: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Cost of one query: every token processed, priced per 1k, less cache hits.

    tokens_per_query = prompt_tokens
        + results_per_query · (context_tokens_per_result + responses_per_result · output_tokens)
    query_cost_usd = tokens_per_query / 1000 · cost_per_1k_tokens_usd · (1 − cache_hit_rate)
    query_cost_share_of_revenue = query_cost_usd / revenue_per_query_usd  (with revenue)

    Priced as input and output (``cost_per_1m_input_tokens_usd`` and
    ``cost_per_1m_output_tokens_usd``, e.g. the ``serving`` model's outputs) instead of one
    price per token: the prompt and the context are input, the answers output:
    query_cost_usd = (input tokens · input cost + output tokens · output cost) / 1e6
        · (1 − cache_hit_rate)

    The user's prompt is read once, each search result's context once, and every sampled
    answer is generated. The "ChatGPT-equivalent" query is 1 result × 5 responses with no
    context; the "2-stage search summarizer" 10 results × 1 response with ~1000 words of
    context each. Via an API, ``cost_per_1k_tokens_usd`` is the API price × (1 − gross
    margin): what it costs the provider. Source: the seed analysis's token accounting
    (see DESIGN §4 and the reference figures of §6).
    """
    tokens = prompt_tokens + results_per_query * (
        context_tokens_per_result + responses_per_result * output_tokens
    )
    if cost_per_1k_tokens_usd is not None:
        cost = tokens / 1000.0 * cost_per_1k_tokens_usd * (1.0 - cache_hit_rate)
    else:
        read = prompt_tokens + results_per_query * context_tokens_per_result
        written = results_per_query * responses_per_result * output_tokens
        priced = read * cost_per_1m_input_tokens_usd + written * cost_per_1m_output_tokens_usd
        cost = priced / 1e6 * (1.0 - cache_hit_rate)
    result = {"tokens_per_query": tokens, "query_cost_usd": cost}
    if revenue_per_query_usd is not None:
        result["query_cost_share_of_revenue"] = cost / revenue_per_query_usd
    return result


MODEL = Model(
    name="query",
    kernel=query,
    inputs=(
        Port("prompt_tokens", "token", "tokens in the user's prompt", domain="nonnegative"),
        Port(
            "context_tokens_per_result",
            "token",
            "tokens of context read per search result",
            domain="nonnegative",
        ),
        Port("output_tokens", "token", "tokens in one generated answer", domain="positive"),
        Port("results_per_query", "1", "search results summarised per query", domain="count"),
        Port("responses_per_result", "1", "answers generated per result", domain="count"),
        Port("cache_hit_rate", "1", "share of queries answered from a cache", domain="share"),
    ),
    optional=(
        Port(
            "cost_per_1k_tokens_usd",
            "USD/ktoken",
            "cost to the provider of 1,000 tokens",
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
        Port(
            "revenue_per_query_usd", "USD", "revenue earned per search query", domain="nonnegative"
        ),
    ),
    needs_one_of=PRICES,
    inconsistency=alternatives(PRICES, "priced"),
    outputs=(
        Port("tokens_per_query", "token", "tokens processed per query"),
        Port("query_cost_usd", "USD", "cost of one query"),
        Port(
            "query_cost_share_of_revenue",
            "1",
            "query cost ÷ revenue per query",
            requires="revenue_per_query_usd",
        ),
    ),
    source="seed analysis (token accounting of LLM search)",
)
