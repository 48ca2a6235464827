"""The frontier table: what each public frontier training run cost, rented and owned.

Each run is a shipped scenario in ``priors/frontier/`` built from its public facts; this module
runs them all with one seed and writes ``results/frontier.md`` (P5 / P50 / P95 of the cloud and
the owned cost, the seed analyses' single figures beside them) and a chart of cost against
publication year on a log axis, the 90 % intervals as error bars.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from simulate.analysis.results import summarize
from simulate.analysis.summary import QuantitySummary
from simulate.core import interrupts
from simulate.core.engine import run
from simulate.spec.reader import load

CLOUD = "training_cost_usd"
OWNED = "owned_training_cost_usd"


@dataclass(frozen=True)
class Run:
    """One row of the table: its scenario file, when it was published, the seed's figure."""

    file: str
    label: str
    year: float  # publication date as a decimal year, for the chart
    seed_usd: float | None = None
    seed_note: str = ""


RUNS = (
    Run("gpt3-175b.toml", "GPT-3 175B", 2020.4, 1.4e6,
        "seed 000: GPT-3's FLOPs re-run on TPU v4 at PaLM's 46.2 % MFU, $2.03/h"),
    Run("gopher-280b.toml", "Gopher 280B", 2021.9),
    Run("palm-540b.toml", "PaLM 540B", 2022.3, 11.2e6,
        "PaLM's FLOPs at its 46.2 % steady-state MFU, $2.03/h"),
    Run("llama-65b.toml", "LLaMA-65B", 2023.15, 4.05e6,
        "2,048 A100 × 21 days × $3.93/h, on demand"),
    Run("gpt4.toml", "GPT-4", 2023.2),
    Run("llama2-70b.toml", "Llama 2-70B", 2023.55),
    Run("gemini-1-ultra.toml", "Gemini 1.0 Ultra", 2023.93),
    Run("llama31-405b.toml", "Llama 3.1-405B", 2024.56),
    Run("deepseek-v3.toml", "DeepSeek-V3", 2024.98),
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    run: Run
    scenario: str
    priced_for: int | None  # the scenario's year, which picked its hardware's rental prices
    cloud: QuantitySummary
    owned: QuantitySummary


def evaluate_runs(folder: str | Path, draws: int, seed: int) -> list[Row]:
    """Run every frontier scenario in ``folder`` (one seed for all)."""
    rows = []
    for item in RUNS:
        scenario = load(Path(folder) / item.file)
        summary = summarize(scenario, run(scenario, draws, seed), (5, 50, 95))
        rows.append(
            Row(item, scenario.path, scenario.year, summary.outputs[CLOUD], summary.outputs[OWNED])
        )
        interrupts.check()
    return rows
