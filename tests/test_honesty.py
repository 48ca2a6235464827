"""Output that cannot mislead: facts given in an include are kept, an assumption nothing reads
is said, and shares print as percentages however large."""

from __future__ import annotations

import math

import pytest

import simulate
from simulate.present.humanize import cell, humanize

RUN = """[scenario]
models = ["training"]
include = ["hours.toml"]
[assumptions]
params = { fixed = 30, unit = "Gparameter" }
training_tokens = { fixed = 3, unit = "Ttoken" }
peak_flops_per_s = { fixed = 989, unit = "TFLOP/s" }
accelerator_hour_usd = { fixed = 2.99, unit = "USD/hour" }
"""


def test_optional_inputs_given_only_in_an_include_are_kept(tmp_path):
    (tmp_path / "hours.toml").write_text(
        '[assumptions]\nn_accelerators = 1024\ntraining_days = { fixed = 30, unit = "day" }\n'
    )
    (tmp_path / "run.toml").write_text(RUN)
    scenario = simulate.load(tmp_path / "run.toml")
    assert {"n_accelerators", "training_days"} <= set(scenario.assumptions)
    point = simulate.run_point(scenario).outputs
    # 1,024 GPUs × 30 days × 24 h
    assert float(point["accelerator_hours"]) == pytest.approx(1024 * 30 * 24)
    assert float(point["implied_mfu"]) == pytest.approx(
        6 * 30e9 * 3e12 / (1024 * 720 * 3600 * 989e12)
    )


def test_an_assumption_nothing_reads_is_said_by_name(tmp_path, invoke):
    (tmp_path / "hours.toml").write_text("[assumptions]\ntraining_mfu = 0.4\n")
    text = RUN + 'prompt_tokens = { fixed = 4000, unit = "token" }\n'
    (tmp_path / "run.toml").write_text(text)
    scenario = simulate.load(tmp_path / "run.toml")
    assert any("assumptions.prompt_tokens is declared but nothing reads it" in w
               for w in scenario.warnings)  # fmt: skip
    for command in ("check", "run"):
        result = invoke(command, tmp_path / "run.toml", *(["--point"] if command == "run" else []))
        assert result.exit_code == 0
        assert "prompt_tokens is declared but nothing reads it" in result.stderr


@pytest.mark.parametrize(
    ("share", "text"),
    [(0.423, "42.3 %"), (1.0, "100 %"), (9.99, "999 %"), (10.0, "1,000 %"), (12.5, "1,250 %"),
     (-12.9, "-1,290 %"), (-0.05, "-5 %")],
)  # fmt: skip
def test_a_share_prints_as_a_percentage_however_large(share, text):
    assert humanize(share, "1", "gross_margin") == text
    assert cell(share, "1", "query_cost_share_of_revenue") == text


def test_each_percentile_carries_its_monte_carlo_standard_error(priors_file):
    scenario = simulate.load(
        priors_file(
            '[scenario]\nname = "z"\nmodels = []\n[assumptions]\n'
            'x = { normal = { mean = 0, sd = 1 } }\n[derived]\ny = "x + 0"\n'
        )
    )
    n = 10_000
    summary = simulate.summarize(scenario, simulate.run(scenario, n, seed=3), (5, 50, 95))
    errors = dict(summary.outputs["y"].mcse)
    # the sample q-quantile of N(0, 1) has sd √(q(1 − q)/n) / φ(z_q)
    from scipy import stats

    for q in (5, 50, 95):
        p = q / 100
        expected = math.sqrt(p * (1 - p) / n) / stats.norm.pdf(stats.norm.ppf(p))
        assert errors[q] == pytest.approx(expected, rel=0.2), q
    # and it shrinks as 1/√n: 100× the draws, a tenth of the error
    many = simulate.summarize(scenario, simulate.run(scenario, 100 * n, seed=3), (50,))
    assert dict(many.outputs["y"].mcse)[50] == pytest.approx(errors[50] / 10, rel=0.2)


def test_few_draws_are_said_on_the_command_line_and_in_the_report(invoke, tmp_path):
    from tests.conftest import PRIORS

    result = invoke("run", PRIORS / "gpt3-training.toml", "--draws", "10")
    assert "warning: only 10 draws" in result.stderr
    assert "training_cost_usd P95 is known to ±$" in result.stderr
    plenty = invoke("run", PRIORS / "gpt3-training.toml", "--draws", "1e5")
    assert "warning" not in plenty.stderr
    out = tmp_path / "r.md"
    assert invoke("report", PRIORS / "gpt3-training.toml", "--draws", "10", "--out", out,
                  "-q").exit_code == 0  # fmt: skip
    assert "from only 10 draws" in out.read_text()


def test_minus_infinity_is_not_called_not_a_number_in_a_report(priors_file, invoke, tmp_path):
    text = (
        '[scenario]\nname = "minus"\nmodels = []\nreport = ["z"]\n[assumptions]\n'
        'u = { uniform = [0, 1] }\n[derived]\nz = "where(u > 0.75, -1 / (u - u), u)"\n'
    )
    out = tmp_path / "minus.md"
    result = invoke("report", priors_file(text), "--draws", "20000", "--out", out, "-q")
    assert result.exit_code == 0, result.stderr
    body = out.read_text()
    assert "of scenarios it is minus infinity" in body
    assert "not a number" not in body


def test_a_report_removes_figures_of_its_own_it_no_longer_draws(invoke, tmp_path):
    from tests.conftest import PRIORS

    out = tmp_path / "search.md"
    path = PRIORS / "search-two-stage.toml"
    assert invoke("report", path, "--draws", "2000", "--out", out, "-q").exit_code == 0
    both = sorted(p.name for p in tmp_path.glob("search-*.png"))
    assert any("query_cost_share_of_revenue" in name for name in both)
    mine = tmp_path / "search-notes.png"  # not of the report's naming: never touched
    mine.write_bytes(b"x")
    args = ("report", path, "--draws", "2000", "--out", out, "-q", "--set", "gross_margin=0.75")
    # the same report again, its key outputs unchanged: every figure is redrawn, none removed
    assert invoke(*args).exit_code == 0
    assert sorted(p.name for p in tmp_path.glob("search-*-*.png")) == both
    # a report that no longer draws one output's figures removes them
    stale = tmp_path / "search-old_output-tornado.png"
    stale.write_bytes(b"x")
    assert invoke(*args).exit_code == 0
    assert not stale.exists() and mine.exists()


def test_a_set_of_files_that_fails_leaves_no_empty_folder(tmp_path):
    from simulate.io.files import write_together

    target = tmp_path / "new" / "deeper" / "report.md"

    def fail(path):
        raise ValueError("a figure that cannot be drawn")

    with pytest.raises(ValueError):
        write_together([(target.with_suffix(".png"), fail), (target, fail)])
    assert list(tmp_path.iterdir()) == []
    write_together([(target, lambda path: path.write_text("done"))])
    assert target.read_text() == "done"


def test_a_long_run_says_how_long_once_its_pace_is_known():
    from simulate.present.progress import Pace

    now = [0.0]
    said: list[str] = []
    pace = Pace(10**12, said.append, clock=lambda: now[0])
    now[0] = 0.5
    pace(2**20)  # half a second in: too early to quote a pace
    assert said == []
    now[0] = 2.0
    pace(2**20)  # 2 Mi draws in 2 s: 1e12 draws take 953,674 s
    assert said == [
        "note: at this pace the 1,000,000,000,000 draws take about 11.0 days in all; "
        "Ctrl-C stops the run"
    ]
    pace(2**20)
    assert len(said) == 1  # said once


def test_a_short_run_says_nothing_about_its_pace():
    from simulate.present.progress import Pace

    now = [0.0]
    said: list[str] = []
    pace = Pace(10**7, said.append, clock=lambda: now[0])
    now[0] = 1.5
    pace(10**6)  # the whole run takes 15 s
    now[0] = 20.0
    pace(9 * 10**6)
    assert said == []


def test_quiet_means_quiet_and_library_warnings_are_one_line_of_ours(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "overflow.toml"
    path.write_text(
        '[scenario]\nname = "overflow"\nmodels = ["training"]\n[assumptions]\n'
        'params = { lognormal = [1e9, 1e300], source = "a prior wide enough to overflow" }\n'
        'training_tokens = { fixed = 3e11, source = "x" }\n'
        'training_mfu = { fixed = 0.4, source = "x" }\n'
        'peak_flops_per_s = { fixed = 3.12e14, source = "x" }\n'
        'accelerator_hour_usd = { fixed = 2.0, source = "x" }\n'
        'n_accelerators = { fixed = 1000, source = "x" }\n'
    )
    command = [sys.executable, "-c", "from simulate.launch import main; main()", "run", str(path)]
    loud = subprocess.run([*command, "--draws", "2e4"], capture_output=True, text=True)
    quiet = subprocess.run([*command, "--draws", "2e4", "-q"], capture_output=True, text=True)
    assert loud.returncode == quiet.returncode == 0, loud.stderr
    assert quiet.stderr == ""
    assert loud.stdout == quiet.stdout
    lines = loud.stderr.splitlines()
    assert "warning: overflow encountered in exp (RuntimeWarning)" in lines  # not numpy's two
    assert all(line.startswith(("warning: ", "note: ")) for line in lines), loud.stderr
    assert any(line.startswith("warning: training_cost_usd is not finite") for line in lines)


@pytest.mark.parametrize("statistics", ["exact", "streamed"])
def test_a_saved_file_carries_each_percentile_with_its_standard_error(invoke, tmp_path, statistics):
    import json

    import numpy as np
    import xarray as xr

    out = tmp_path / "run.nc"
    result = invoke(
        "run", "priors/gpt3-training.toml", "--draws", "3e5", "--statistics", statistics,
        "--out", out, "--format", "json", "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    printed = json.loads(result.stdout)["outputs"]["training_cost_usd"]
    with xr.open_dataset(out) as dataset:
        attrs = dataset["training_cost_usd"].attrs
        draws = dataset["training_cost_usd"].values[0]
    assert list(attrs["summary_percentiles"]) == [5, 25, 50, 75, 95]
    assert list(attrs["summary_percentile_mcse"]) == [
        printed["mcse"][key] for key in ("p5", "p25", "p50", "p75", "p95")
    ]
    assert list(attrs["summary_percentile_values"]) == [
        printed[key] for key in ("p5", "p25", "p50", "p75", "p95")
    ]
    # the numbers describe the draws beside them (streamed: within the histogram's bound)
    exact = np.percentile(draws, [5, 25, 50, 75, 95])
    np.testing.assert_allclose(attrs["summary_percentile_values"], exact, rtol=2e-3)
    assert all(
        0 < e < 0.01 * v for e, v in zip(attrs["summary_percentile_mcse"], exact, strict=True)
    )
