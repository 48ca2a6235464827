"""The `serving` model against measured throughput nobody here made.

Each row of ``priors/data/serving-benchmarks.csv`` (NVIDIA's published TensorRT-LLM grid: a
model, a GPU, its tensor-parallel degree and precision, fixed input/output lengths, and the
total output tokens per second measured at maximum load) becomes one scenario: the model's
architecture card (``priors/llm/``), the GPU's hardware file (``priors/hardware/``) and the
benchmark's conditions (``priors/serving/trtllm-bench.toml``, which includes the engine
efficiencies of ``priors/serving/engine.toml``). Nothing in them was set from the table. This
module runs every row with one seed and writes ``results/serving-validation.md`` (measured,
P5 / P50 / P95, inside the 90 % interval or not, P50 ÷ measured) and a chart.
"""

from __future__ import annotations

import csv
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulate import __version__, interrupts
from simulate.engine import run
from simulate.errors import PriorsError
from simulate.figures import canvas
from simulate.files import write_text, write_together
from simulate.results import summarize
from simulate.spec import load

MEASURED = "data/serving-benchmarks.csv"
CONDITIONS = "serving/trtllm-bench.toml"
OUTPUT = "tokens_per_second_per_replica"
# checkpoint bytes per weight: FP8 one byte; NVFP4 four bits plus an FP8 scale per 16 values
PRECISIONS = {
    "fp8": (8.0, 1.0, "ModelOpt FP8 checkpoint: 1 byte per weight"),
    "fp4": (4.0, 0.5625, "ModelOpt NVFP4 checkpoint: 4 bits + an FP8 scale per 16 weights"),
}
COLUMNS = (
    "model", "hardware", "tensor_parallel", "precision", "input_tokens", "output_tokens",
    "output_tokens_per_s",
)  # fmt: skip


@dataclass(frozen=True)
class Measurement:
    """One measured row: what ran, on what, and the total output tokens per second."""

    model: str
    hardware: str
    tensor_parallel: int
    precision: str
    input_tokens: int
    output_tokens: int
    output_tokens_per_s: float

    @property
    def label(self) -> str:
        return f"{self.input_tokens}/{self.output_tokens}"


@dataclass(frozen=True)
class Row:
    measurement: Measurement
    p5: float
    p50: float
    p95: float

    @property
    def inside(self) -> bool:
        return self.p5 <= self.measurement.output_tokens_per_s <= self.p95

    @property
    def ratio(self) -> float:
        return self.p50 / self.measurement.output_tokens_per_s


def read_measurements(path: str | Path) -> list[Measurement]:
    """The measured rows (lines starting with ``#`` are the file's provenance)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PriorsError(
            str(path), None, f"cannot read the measurements ({exc.strerror})"
        ) from None
    numbered = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line and not line.startswith("#")
    ]
    reader = csv.DictReader(line for _, line in numbered)
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise PriorsError(str(path), None, f"expected the columns {', '.join(COLUMNS)}")
    rows = []
    for (number, _), record in zip(numbered[1:], reader, strict=True):
        try:
            rows.append(
                Measurement(
                    record["model"],
                    record["hardware"],
                    int(record["tensor_parallel"]),
                    record["precision"],
                    int(record["input_tokens"]),
                    int(record["output_tokens"]),
                    float(record["output_tokens_per_s"]),
                )
            )
        except (TypeError, ValueError):
            raise PriorsError(str(path), f"line {number}", "expected numbers") from None
        if rows[-1].precision not in PRECISIONS:
            raise PriorsError(
                str(path), f"line {number}", f"precision is one of {list(PRECISIONS)}"
            )
    return rows


def scenario_for(measurement: Measurement, priors: str | Path) -> Any:
    """The scenario of one row: card + hardware + benchmark conditions, and the row's facts."""
    priors = Path(priors).resolve()
    bits, weight_bytes, why = PRECISIONS[measurement.precision]
    m = measurement
    return load(
        {
            "scenario": {
                "name": f"{m.model}-{m.hardware}-tp{m.tensor_parallel}-{m.precision}-"
                f"{m.input_tokens}-{m.output_tokens}",
                "models": ["serving"],
                "include": [
                    str(priors / "llm" / f"{m.model}.toml"),
                    str(priors / "hardware" / f"{m.hardware}.toml"),
                    str(priors / CONDITIONS),
                ],
            },
            "assumptions": {
                "accelerators_per_replica": {"fixed": m.tensor_parallel, "source": "as measured"},
                "compute_precision_bits": {"fixed": bits, "source": why},
                "bytes_per_param": {"fixed": weight_bytes, "unit": "B/parameter", "source": why},
                "input_tokens": {"fixed": m.input_tokens, "unit": "token", "source": "ISL"},
                "output_tokens": {"fixed": m.output_tokens, "unit": "token", "source": "OSL"},
            },
        }
    )


def evaluate(priors: str | Path, draws: int, seed: int) -> list[Row]:
    """Run the model on every measured row (one seed for all)."""
    rows = []
    for measurement in read_measurements(Path(priors) / MEASURED):
        scenario = scenario_for(measurement, priors)
        entry = summarize(scenario, run(scenario, draws, seed), (5, 50, 95)).outputs[OUTPUT]
        values = [entry.percentile(q) for q in (5, 50, 95)]
        rows.append(Row(measurement, *(float("nan") if v is None else v for v in values)))
        interrupts.check()
    return rows


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
    priors: str | Path, out: str | Path, draws: int, seed: int, command: str
) -> tuple[Path, Path, list[Row]]:
    """Run every row and write ``out`` (Markdown) and its chart beside it, together."""
    out = Path(out)
    rows = evaluate(priors, draws, seed)
    figure = out.with_name(f"{out.stem}.png")
    text = markdown(rows, draws, seed, figure.name, command)
    write_together(
        [(figure, lambda path: chart(rows, path)), (out, lambda path: write_text(text, path))]
    )
    return out, figure, rows
