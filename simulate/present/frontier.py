"""The frontier table rendered: ``results/frontier.md`` and its chart (cost against
publication year, log axis, 90 % intervals as error bars), written together."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulate import __version__
from simulate.analysis.frontier import Row
from simulate.analysis.summary import QuantitySummary
from simulate.io.files import write_with_chart
from simulate.present.figures import canvas, tex_safe
from simulate.present.humanize import humanize


def _cells(entry: QuantitySummary) -> list[str]:
    return [humanize(entry.percentile(q), "USD") for q in (5, 50, 95)]


def markdown(rows: list[Row], draws: int, seed: int, chart: str, command: str) -> str:
    lines = [
        "## What frontier training runs cost: rented vs owned",
        "",
        "Each run's final training, from its public facts (every number sourced in its scenario "
        "file under `priors/frontier/`). **Cloud** prices the run's accelerator-hours at rental "
        "prices for its hardware as they stood the year it trained (*priced for*: the "
        "scenario's `year`, which picks the hardware file's prices listed by year), from "
        "committed (1–3-year) to on-demand; **owned** "
        "is the capital the run used up (chip, server, network, value lost before the run, "
        "amortized over the hardware's life) plus the energy it drew, with no utilization "
        "applied: wall-clock hours already include idle and failed time. GPT-4 and Gemini 1.0 "
        "Ultra have no official figures; their rows rest on estimates, said in their files.",
        "",
        "| run | published | priced for | cloud P5 | cloud P50 | cloud P95 | owned P5 "
        "| owned P50 | owned P95 | seed figure |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        figure = (
            f"{humanize(row.run.seed_usd, 'USD')}: {row.run.seed_note}" if row.run.seed_usd else "—"
        )
        lines.append(
            f"| {row.run.label} | {int(row.run.year)} | {row.priced_for or '—'} | "
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
    rows: list[Row], out: str | Path, draws: int, seed: int, command: str
) -> tuple[Path, Path]:
    """Write the frontier ``rows`` as ``out`` (Markdown) and its chart beside it, both into
    place together at the end (an interrupted run leaves nothing behind)."""
    return write_with_chart(
        out,
        lambda chart_name: markdown(rows, draws, seed, chart_name, command),
        lambda path: chart(rows, path),
    )
