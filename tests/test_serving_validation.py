"""The serving model checked against measured throughput: the committed table regenerates,
and each row runs the measured conditions (precision, tensor parallelism, lengths)."""

from __future__ import annotations

import pytest

from simulate.analysis import serving_validation as validation
from simulate.core.engine import run_point
from simulate.core.errors import PriorsError
from tests.conftest import PRIORS, ROOT


def test_the_committed_validation_table_regenerates(invoke, tmp_path):
    out = tmp_path / "serving-validation.md"
    result = invoke("serving-validation", "--priors", PRIORS, "--out", out)
    assert result.exit_code == 0, result.stderr
    committed = (ROOT / "results" / "serving-validation.md").read_text()
    fresh = out.read_text().replace(str(out), "results/serving-validation.md")
    fresh = fresh.replace(str(PRIORS), "priors")
    assert fresh == committed
    assert (tmp_path / "serving-validation.png").stat().st_size > 10_000
    # the headline counts the rows of the table
    rows = [line for line in committed.splitlines() if line.count("|") == 10 and "TP" in line]
    measured = validation.read_measurements(PRIORS / validation.MEASURED)
    assert len(rows) == len(measured) >= 150
    inside = sum(line.split("|")[8].strip() == "yes" for line in rows)
    assert f"**{inside} of {len(measured)} measured rows" in committed
    assert f"{inside} of {len(measured)} measured rows" in result.stdout


def test_every_reference_row_is_measured_as_published():
    measured = {
        (m.model, m.hardware, m.tensor_parallel, m.precision, m.label): m.output_tokens_per_s
        for m in validation.read_measurements(PRIORS / validation.MEASURED)
    }
    # shared/reference/serving-benchmarks.md, Llama 3.3 70B and the 1000/1000 rows
    assert measured[("llama33-70b", "h100", 2, "fp8", "128/2048")] == 6651
    assert measured[("llama33-70b", "h100", 2, "fp8", "2048/128")] == 762
    assert measured[("llama33-70b", "b200", 1, "fp4", "20000/2000")] == 665
    assert measured[("llama31-405b", "h200", 8, "fp8", "1000/1000")] == 3330
    assert measured[("qwen3-235b-a22b", "b200", 8, "fp4", "1000/1000")] == 42391
    assert measured[("llama31-8b", "h100", 1, "fp8", "1000/1000")] == 15220
    assert measured[("llama4-maverick", "h100", 8, "fp8", "1000/1000")] == 9677


def test_a_row_runs_at_its_precision_parallelism_and_lengths():
    row = validation.Measurement("llama33-70b", "b200", 1, "fp4", 2048, 128, 1339.0)
    scenario = validation.scenario_for(row, PRIORS)
    point = run_point(scenario)
    assert float(point.inputs["compute_precision_bits"]) == 4
    assert float(point.inputs["peak_fp4_flops_per_s"]) == 9000  # TFLOP/s, from b200.toml
    assert float(point.inputs["bytes_per_param"]) == 0.5625
    assert float(point.inputs["input_tokens"]) == 2048
    assert float(point.inputs["kv_bytes_per_value"]) == 1  # the checkpoints' FP8 KV cache
    # 70.6B weights at 4.5 bits fit one B200 with room for the KV cache
    assert float(point.outputs["weights_memory_gb"]) == pytest.approx(70.6 * 0.5625)
    assert float(point.outputs["serving_infeasible"]) == 0


def test_a_file_of_measurements_that_is_wrong_is_refused_by_row(tmp_path):
    bad = tmp_path / "m.csv"
    bad.write_text(
        "# provenance\n" + ",".join(validation.COLUMNS) + "\nllama33-70b,h100,2,fp8,128,x,1\n"
    )
    with pytest.raises(PriorsError, match="expected numbers") as error:
        validation.read_measurements(bad)
    assert error.value.key == "line 3"  # the file's line, comments counted
    bad.write_text(",".join(validation.COLUMNS) + "\nllama33-70b,h100,2,int3,128,128,1\n")
    with pytest.raises(PriorsError, match="precision"):
        validation.read_measurements(bad)


def test_the_readme_quotes_the_committed_headline():
    import re

    committed = (ROOT / "results" / "serving-validation.md").read_text()
    headline = re.search(r"\*\*(\d+ of \d+ measured rows .*?is [\d.]+)", committed).group(1)
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert headline in readme
