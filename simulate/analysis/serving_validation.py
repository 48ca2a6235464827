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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulate.analysis.results import summarize
from simulate.core import interrupts
from simulate.core.engine import run
from simulate.core.errors import PriorsError
from simulate.spec.reader import load

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
