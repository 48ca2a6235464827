"""The frontier table: what each public frontier training run cost, rented and owned.

Each run is a shipped scenario in ``priors/frontier/`` built from its public facts; this module
runs them all with one seed and writes ``results/frontier.md`` (P5 / P50 / P95 of the cloud and
the owned cost, the seed analyses' single figures beside them) and a chart of cost against
publication year on a log axis, the 90 % intervals as error bars.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulate import __version__, interrupts
from simulate.engine import run
from simulate.figures import canvas, tex_safe
from simulate.files import write_text, write_together
from simulate.humanize import humanize
from simulate.results import summarize
from simulate.spec import load
from simulate.summary import QuantitySummary

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
    cloud: QuantitySummary
    owned: QuantitySummary


def evaluate_runs(folder: str | Path, draws: int, seed: int) -> list[Row]:
    """Run every frontier scenario in ``folder`` (one seed for all)."""
    rows = []
    for item in RUNS:
        scenario = load(Path(folder) / item.file)
        summary = summarize(scenario, run(scenario, draws, seed), (5, 50, 95))
        rows.append(Row(item, scenario.path, summary.outputs[CLOUD], summary.outputs[OWNED]))
        interrupts.check()
    return rows


def _cells(entry: QuantitySummary) -> list[str]:
    return [humanize(entry.percentile(q), "USD") for q in (5, 50, 95)]


def markdown(rows: list[Row], draws: int, seed: int, chart: str, command: str) -> str:
    lines = [
        "## What frontier training runs cost: rented vs owned",
        "",
        "Each run's final training, from its public facts (every number sourced in its scenario "
        "file under `priors/frontier/`). **Cloud** prices the run's accelerator-hours at rental "
        "prices for its hardware and years, from committed (1–3-year) to on-demand; **owned** "
        "is the capital the run used up (chip, server, network, value lost before the run, "
        "amortized over the hardware's life) plus the energy it drew, with no utilization "
        "applied: wall-clock hours already include idle and failed time. GPT-4 and Gemini 1.0 "
        "Ultra have no official figures; their rows rest on estimates, said in their files.",
        "",
        "| run | year | cloud P5 | cloud P50 | cloud P95 | owned P5 | owned P50 | owned P95 "
        "| seed figure |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        figure = (
            f"{humanize(row.run.seed_usd, 'USD')}: {row.run.seed_note}" if row.run.seed_usd else "—"
        )
        lines.append(
            f"| {row.run.label} | {int(row.run.year)} | "
            + " | ".join(_cells(row.cloud) + _cells(row.owned))
            + f" | {figure} |"
        )
    lines += [
        "",
        "Seed figures are single numbers from the seed analyses, each with one assumption per "
        "input; where they differ from the cloud P50, the row's scenario says which fact "
        "explains it (a steady-state MFU leaves out downtime; an on-demand price is the top of "
        "the range).",
        "",
        f"![Training cost against publication year]({chart})",
        "",
        "Reproduce:",
        "",
        "```",
        command,
        "```",
        "",
        f"simulate {__version__}; seed {seed}; {draws:,} Monte Carlo draws per run.",
        "",
    ]
    return "\n".join(lines)


def chart(rows: list[Row], path: Path) -> None:
    """Cost against publication year, log axis, 90 % intervals as error bars."""
    from matplotlib.ticker import FuncFormatter

    with canvas(path) as figure:
        _draw_chart(rows, figure.add_subplot(), FuncFormatter)


def _draw_chart(rows: list[Row], axes: Any, formatter: Any) -> None:
    for offset, key, colour, label in (
        (-0.06, "cloud", "#4C72B0", "cloud (rented)"),
        (0.06, "owned", "#DD8452", "owned (capex + energy)"),
    ):
        entries = [getattr(row, key) for row in rows]
        x = [row.run.year + offset for row in rows]
        mid = [e.percentile(50) for e in entries]
        low = [m - e.percentile(5) for m, e in zip(mid, entries, strict=True)]
        high = [e.percentile(95) - m for m, e in zip(mid, entries, strict=True)]
        axes.errorbar(x, mid, yerr=[low, high], fmt="o", color=colour, capsize=3, label=label)
    seeds = [row for row in rows if row.run.seed_usd]
    axes.scatter(
        [row.run.year for row in seeds],
        [row.run.seed_usd for row in seeds],
        marker="x",
        color="black",
        zorder=3,
        label="seed figure",
    )
    for row in rows:
        axes.annotate(
            row.run.label,
            (row.run.year, row.cloud.percentile(95)),
            textcoords="offset points",
            xytext=(0, 4),
            ha="center",
            fontsize=7,
        )
    axes.set_yscale("log")
    axes.yaxis.set_major_formatter(formatter(lambda v, _: tex_safe(humanize(v, "USD"))))
    axes.set_xlabel("publication year")
    axes.set_ylabel("final training run cost (USD)")
    axes.set_title("Frontier training runs: median and 90 % interval")
    axes.legend(loc="upper left", fontsize=8)


def write(
    folder: str | Path, out: str | Path, draws: int, seed: int, command: str
) -> tuple[Path, Path]:
    """Run every frontier scenario and write ``out`` (Markdown) and its chart beside it, both
    into place together at the end (an interrupted run leaves nothing behind)."""
    out = Path(out)
    rows = evaluate_runs(folder, draws, seed)
    figure = out.with_name(f"{out.stem}.png")
    text = markdown(rows, draws, seed, figure.name, command)
    write_together(
        [(figure, lambda path: chart(rows, path)), (out, lambda path: write_text(text, path))]
    )
    return out, figure
