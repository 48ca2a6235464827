"""The serving validation rendered: ``results/serving-validation.md`` (measured, P5 / P50 /
P95, inside the 90 % interval or not, P50 ÷ measured) and its chart, written together."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path

from simulate import __version__
from simulate.analysis.serving_validation import Row
from simulate.io.files import write_with_chart
from simulate.present.figures import canvas


def _groups(rows: Sequence[Row]) -> dict[tuple[str, str], list[Row]]:
    groups: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        m = row.measurement
        key = (m.model, f"{m.hardware.upper()} TP{m.tensor_parallel} {m.precision.upper()}")
        groups.setdefault(key, []).append(row)
    return groups


def _ratio_words(rows: Sequence[Row]) -> str:
    ratios = sorted(row.ratio for row in rows)
    return (
        f"{statistics.median(ratios):.2f} (from {ratios[0]:.2f} to {ratios[-1]:.2f})"
        if ratios
        else "n/a"
    )


def headline(rows: Sequence[Row]) -> str:
    """How many rows fall inside the 90 % interval, and how far the median is off."""
    inside = sum(row.inside for row in rows)
    return (
        f"{inside} of {len(rows)} measured rows fall inside the model's 90 % interval; "
        f"the median prediction ÷ measured is {_ratio_words(rows)}."
    )


def markdown(rows: Sequence[Row], draws: int, seed: int, chart: str, command: str) -> str:
    lines = [
        "## The serving model against measured throughput",
        "",
        "Every row of NVIDIA's published TensorRT-LLM throughput grid (maximum load, fixed "
        "input/output lengths, FP8 or NVFP4 checkpoints with an FP8 KV cache; source and "
        "commit in `priors/data/serving-benchmarks.csv`) run through the `serving` model with "
        "the model's architecture card, the GPU's hardware file and the benchmark's "
        "conditions (`priors/serving/trtllm-bench.toml`). The efficiency priors "
        "(`priors/serving/engine.toml`) come from kernel and engine measurements, not from "
        "this table. Throughput is total output tokens per second of the tensor-parallel "
        "group; prompts are processed but not counted.",
        "",
        f"**{headline(rows)}**",
        "",
        "| model | hardware | rows | inside the 90 % interval | P50 ÷ measured: median (range) |",
        "|---|---|---|---|---|",
    ]
    groups = _groups(rows)
    for (model, hardware), members in groups.items():
        inside = sum(r.inside for r in members)
        lines.append(
            f"| {model} | {hardware} | {len(members)} | {inside} | {_ratio_words(members)} |"
        )
    lines += [
        "",
        f"![Predicted against measured output tokens per second]({chart})",
        "",
        "| model | hardware | ISL/OSL | measured | P5 | P50 | P95 | inside | P50 ÷ measured |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for (model, hardware), members in groups.items():
        for row in members:
            lines.append(
                f"| {model} | {hardware} | {row.measurement.label} | "
                f"{row.measurement.output_tokens_per_s:,.0f} | {row.p5:,.0f} | {row.p50:,.0f} | "
                f"{row.p95:,.0f} | {'yes' if row.inside else 'no'} | {row.ratio:.2f} |"
            )
    lines += [
        "",
        "### What the model still leaves out",
        "",
        "- Engine overheads outside the kernels' rooflines: scheduling, sampling, kernel "
        "launches between CUDA graphs, and non-GEMM work (norms, activations, rotary "
        "embeddings) are only in `inference_mfu`.",
        "- Mixture-of-experts rows ran with attention data parallelism and expert parallelism; "
        "the model prices a tensor-parallel replica (two all-reduces per layer) and uniform "
        "routing, with no expert load imbalance or all-to-all.",
        "- Sliding-window and chunked attention layers (Llama 4 Maverick) cache their whole "
        "context in the model; unquantized layers (the BF16 output head of every ModelOpt "
        "checkpoint) are priced at the checkpoint's bytes per weight.",
        "- Steady state only: the start and end of a benchmark, when the batch fills and "
        "drains, are not modelled; nor is queueing (time to first token under load).",
        "",
        "Reproduce:",
        "",
        "```",
        command,
        "```",
        "",
        f"simulate {__version__}; seed {seed}; {draws:,} Monte Carlo draws per row.",
        "",
    ]
    return "\n".join(lines)


COLOURS = {"b200": "#4C72B0", "gb200": "#8172B3", "h200": "#55A868", "h100": "#DD8452"}


def chart(rows: Sequence[Row], path: Path) -> None:
    """Predicted (P50 with the 90 % interval) against measured, log axes, the diagonal."""
    with canvas(path) as figure:
        axes = figure.add_subplot()
        for hardware, colour in COLOURS.items():
            mine = [r for r in rows if r.measurement.hardware == hardware]
            if not mine:
                continue
            measured = [r.measurement.output_tokens_per_s for r in mine]
            mid = [r.p50 for r in mine]
            low = [r.p50 - r.p5 for r in mine]
            high = [r.p95 - r.p50 for r in mine]
            axes.errorbar(
                measured, mid, yerr=[low, high], fmt="o", markersize=3, color=colour,
                capsize=2, elinewidth=0.8, label=hardware.upper(),
            )  # fmt: skip
        values = [v for r in rows for v in (r.p5, r.p95, r.measurement.output_tokens_per_s)]
        lo, hi = min(values) / 1.3, max(values) * 1.3
        axes.plot([lo, hi], [lo, hi], color="black", linewidth=0.8, label="predicted = measured")
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlim(lo, hi)
        axes.set_ylim(lo, hi)
        axes.set_xlabel("measured output tokens per second (TensorRT-LLM)")
        axes.set_ylabel("model: median and 90 % interval")
        axes.set_title("Serving model against measured throughput")
        axes.legend(loc="upper left", fontsize=8)


def write(
    rows: Sequence[Row], out: str | Path, draws: int, seed: int, command: str
) -> tuple[Path, Path]:
    """Write the validation ``rows`` as ``out`` (Markdown) and its chart beside it, together."""
    return write_with_chart(
        out,
        lambda chart_name: markdown(rows, draws, seed, chart_name, command),
        lambda path: chart(rows, path),
    )
