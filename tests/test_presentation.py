"""Output for people: money, shares and counts as people read them; full precision in JSON."""

from __future__ import annotations

import json
import re

import pytest

from simulate.present.humanize import cell, humanize, unit_label
from tests.conftest import PRIORS


@pytest.mark.parametrize(
    ("value", "unit", "name", "expected"),
    [
        (1.66e6, "USD", "training_cost_usd", "$1.66M"),
        (-455.0, "USD", "savings_usd", "-$455"),
        (0.00626, "USD/ktoken", "cost_per_1k_tokens_usd", "$0.00626"),
        (0.423, "1", "training_mfu", "42.3 %"),
        (2048.0, "1", "n_accelerators", "2,048"),
        (1.5, "1", "ratio", "1.5"),
        (3.15e23, "FLOP", "training_flops", "3.15e+23"),
        (754_000.0, "hour", "accelerator_hours", "754K"),
        (None, "USD", "x", "n/a"),
        (float("inf"), "USD", "x", "n/a"),
    ],
)
def test_table_cells_read_as_people_expect(value, unit, name, expected):
    assert cell(value, unit, name) == expected


def test_units_read_as_people_expect():
    assert unit_label("1", "training_mfu") == "%"
    assert unit_label("1", "n_accelerators") == ""
    assert unit_label("USD/hour") == "USD/hour"
    assert humanize(70e9, "parameter") == "70B parameters"
    assert humanize(0.0082, "USD") == "$0.0082"


def test_run_prints_money_in_the_table_and_full_precision_in_json(invoke):
    args = ("run", PRIORS / "gpt3-training.toml", "--draws", "20000", "-q")
    table = invoke(*args).stdout
    row = next(line for line in table.splitlines() if line.startswith("training_cost_usd"))
    assert re.search(r"training_cost_usd\s+USD\s+\$1\.\d+M\s+\$\d{3}K", row), row
    mfu = next(line for line in table.splitlines() if line.startswith("training_mfu"))
    assert re.search(r"training_mfu\s+%\s+4\d\.\d %", mfu), mfu
    count = next(line for line in table.splitlines() if line.startswith("n_accelerators"))
    assert "1,024" in count
    data = json.loads(invoke(*args, "--format", "json").stdout)
    p50 = data["outputs"]["training_cost_usd"]["p50"]
    assert p50 != round(p50, 0) and 1e6 < p50 < 2e6  # not rounded for machines


def test_sensitivity_prints_money_too(invoke):
    table = invoke(
        "sensitivity", PRIORS / "gpt3-training.toml", "-o", "training_cost_usd",
        "--method", "tornado",
    ).stdout  # fmt: skip
    assert "base case $1.4M" in table
    assert re.search(r"training_mfu\s+\$1\.98M\s+\$1\.24M\s+\$745K", table), table


def _json(invoke, *args):
    result = invoke(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_set_replaces_an_assumption_for_one_run(invoke, tmp_path):
    path = PRIORS / "search-two-stage.toml"
    base = _json(invoke, "run", path, "--point")["outputs"]["query_cost_usd"]["value"]
    # the cost is proportional to (1 − gross margin): 0.75 → 0.5 doubles it
    fixed = _json(invoke, "run", path, "--point", "--set", "gross_margin=0.5")
    assert fixed["outputs"]["query_cost_usd"]["value"] == pytest.approx(2 * base)
    assert fixed["inputs"]["gross_margin"]["value"] == 0.5
    drawn = _json(invoke, "run", path, "-n", "20000", "--set", "gross_margin=beta:[0.6,0.8]")
    margin = drawn["inputs"]["gross_margin"]
    assert margin["p5"] == pytest.approx(0.6, abs=0.01) and margin["p95"] == pytest.approx(
        0.8, abs=0.01
    )
    out = tmp_path / "run.nc"
    invoke("run", path, "-n", "1000", "--set", "cache_hit_rate=0.5", "--out", out, "-q")
    import xarray as xr

    with xr.open_dataset(out) as dataset:
        assert json.loads(dataset.attrs["set_on_command_line"]) == {"cache_hit_rate": "0.5"}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nope=1", "'nope' is not an assumption of"),
        ("gross_margin", "expected NAME=VALUE"),
        ("gross_margin=beta:[0.9,0.8]", "gross_margin=beta:[0.9,0.8]: beta needs lo < hi"),
        ("gross_margin=beta:[0.6", "expected a number, FAMILY:VALUE"),
        ("revenue_per_query_usd=0.05", "'revenue_per_query_usd' is not an assumption"),
    ],
)
def test_a_bad_set_is_exit_2_naming_the_option(invoke, value, message):
    result = invoke("run", PRIORS / "search-two-stage.toml", "--set", value)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --set: ") and message in result.stderr


def test_set_is_in_the_reports_reproduce_line_and_applies_to_both_sides_of_compare(
    invoke, tmp_path
):
    out = tmp_path / "r.md"
    result = invoke(
        "report", PRIORS / "search-two-stage.toml", "--draws", "2000", "--sobol-samples", "64",
        "--set", "cache_hit_rate=0.5", "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "--set cache_hit_rate=0.5" in out.read_text()
    data = _json(
        invoke, "compare", PRIORS / "search-two-stage.toml",
        PRIORS / "search-chatgpt-equivalent.toml", "-o", "query_cost_usd", "-n", "2000",
        "--set", "gross_margin=0.5",
    )  # fmt: skip
    assert "gross_margin" not in data["shared_assumptions"]  # fixed in both: not sampled
    assert "cache_hit_rate" in data["shared_assumptions"]


def test_the_python_api_is_discoverable_and_converts_in_one_call():
    import warnings

    import arviz as az

    import simulate

    names = dir(simulate)
    for name in ("load", "run", "summarize", "stream", "Summary", "UnknownQuantity", "Draws"):
        assert name in names and getattr(simulate, name) is not None
    document = {
        "scenario": {"name": "nb", "models": ["training"]},
        "assumptions": {
            "params": {"fixed": 7e9, "unit": "parameter", "source": "x"},
            "training_tokens": {"fixed": 2e12, "unit": "token", "source": "x"},
            "peak_flops_per_s": {"fixed": 312, "unit": "TFLOP/s", "source": "x"},
            "training_mfu": {"beta": [0.3, 0.5], "source": "x"},
            "accelerator_hour_usd": {"fixed": 2.0, "unit": "USD/hour", "source": "x"},
        },
    }
    scenario = simulate.load(document)  # a dict, as from a notebook
    assert scenario.name == "nb" and scenario.path == "<dict>"
    draws = simulate.run(scenario, 2_000, seed=1)
    frame = draws.to_dataframe()
    assert frame.shape == (2_000, 8) and frame.attrs["units"]["training_cost_usd"] == "USD"
    assert (frame["params"] == 7e9).all()
    dataset = simulate.to_dataset(scenario, draws)
    assert dataset["training_cost_usd"].attrs["unit"] == "USD"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # kind="stats": no MCMC diagnostics, no warnings
        stats = az.summary(dataset, kind="stats")
    summary = simulate.summarize(scenario, draws)
    table = summary.to_dataframe()
    assert table.loc["training_cost_usd", "p50"] == summary.outputs["training_cost_usd"].percentile(
        50
    )
    assert stats.loc["training_cost_usd", "mean"] == pytest.approx(
        table.loc["training_cost_usd", "mean"], rel=1e-3
    )
    # 6·7e9·2e12 FLOPs at 40 % of 312 TFLOP/s (the beta's median ≈ 0.40) for $2 an hour
    expected = 6 * 7e9 * 2e12 / (312e12 * 0.4) / 3600 * 2.0
    assert table.loc["training_cost_usd", "p50"] == pytest.approx(expected, rel=0.02)


def test_check_cuts_long_sources_to_the_terminal_and_json_keeps_them(invoke, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    table = invoke("check", PRIORS / "gpt3-training.toml").stdout
    rows = [line for line in table.splitlines() if line.startswith("accelerator_hour_usd")]
    assert rows and rows[0].endswith("…")
    before = max(len(line) for line in table.splitlines())
    assert before < 150  # it was 233 with whole sources
    data = json.loads(invoke("check", PRIORS / "gpt3-training.toml", "--format", "json").stdout)
    source = data["assumptions"]["accelerator_hour_usd"]["source"]
    assert len(source) > 60 and not source.endswith("…")


def test_an_unquoted_threshold_gets_a_hint_to_quote_it(invoke):
    result = invoke("run", PRIORS / "gpt3-training.toml", "--threshold", "training_cost_usd")
    assert result.exit_code == 2
    assert "quote it, or the shell reads > and < as redirections" in result.stderr


@pytest.mark.parametrize("model", sorted(__import__("simulate.models").models.MODELS))
def test_init_writes_a_template_that_runs_as_written(model, invoke, tmp_path):
    import simulate

    out = tmp_path / f"{model}.toml"
    result = invoke("init", f"my-{model}", "--model", model, "--out", out)
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    scenario = simulate.load(out)
    assert scenario.models[0].name == model
    for name, assumption in scenario.assumptions.items():
        assert assumption.source.startswith("TODO"), name
    summary = simulate.summarize(scenario, simulate.run(scenario, 2_000, seed=0))
    assert summary.outputs  # it runs as written
    assert "PLACEHOLDER" in text
    again = invoke("init", f"my-{model}", "--model", model, "--out", out)
    assert again.exit_code == 2 and "--force" in again.stderr


def test_init_refuses_an_unknown_model(invoke, tmp_path):
    result = invoke("init", "x", "--model", "nope", "--out", tmp_path / "x.toml")
    assert result.exit_code == 2 and result.stderr.startswith("error: --model: no model 'nope'")


def test_markdown_output_for_run_and_compare(invoke):
    run = invoke(
        "run", PRIORS / "search-two-stage.toml", "-n", "5000", "--format", "markdown",
        "--threshold", "query_cost_usd>0.05",
    ).stdout  # fmt: skip
    assert run.startswith("**search-two-stage**: 5,000 draws")
    assert re.search(r"\| `query_cost_usd` \| USD \| \$0\.0\d+ \|", run)
    assert re.search(r"- P\(`query_cost_usd` > 0\.05\) = \d+(\.\d+)? %", run)
    compare = invoke(
        "compare", PRIORS / "gpt3-training-owned-v100.toml",
        PRIORS / "gpt3-training-owned-h100.toml", "-o", "training_cost_usd", "-n", "5000",
        "--format", "markdown",
    ).stdout  # fmt: skip
    assert "| B − A | -$" in compare and "| B / A | 0." in compare
    assert "Same draws in both: `amortization_years`" in compare


def test_sensitivity_and_report_say_which_stage_they_are_in(tmp_path, invoke):
    import simulate
    from simulate.analysis import sensitivity
    from simulate.present import report

    scenario = simulate.load(PRIORS / "search-two-stage.toml")
    stages: list[str] = []
    sensitivity.analyze(
        scenario, "query_cost_usd", ("tornado", "sobol"), 64, 1, progress=stages.append
    )
    assert stages == ["tornado", "sobol"]
    stages.clear()
    report.write_report(scenario, tmp_path / "r.md", 2000, 1, (), 64, "", stages.append)
    assert stages == ["sampling", "sensitivity", "figures"]
    quiet = invoke("report", PRIORS / "search-two-stage.toml", "-n", "2000", "--sobol-samples",
                   "64", "--out", tmp_path / "q.md", "-q")  # fmt: skip
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_compare_draws_both_distributions_and_the_difference(invoke, tmp_path):
    import numpy as np

    from simulate.present import figures

    out = tmp_path / "c.png"
    result = invoke(
        "compare", PRIORS / "gpt3-training-owned-v100.toml",
        PRIORS / "gpt3-training-owned-h100.toml", "-o", "training_cost_usd", "-n", "5000",
        "--figure", out,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert out.stat().st_size > 10_000
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([2.0, 1.0, 5.0, 6.0])
    figure = figures.overlay(a, b, ("a", "b"), "x_usd", "USD", tmp_path / "o.png")
    left, right = figure.axes
    assert [p.get_label() for p in left.containers] or left.patches  # two histograms
    labels = [line.get_label() for line in right.get_lines()]
    assert labels == ["B higher in 75 % of pairs"]
    bad = invoke(
        "compare", PRIORS / "gpt3-training.toml", PRIORS / "gpt3-training.toml",
        "-o", "training_cost_usd", "--figure", tmp_path / "c.jpg",
    )  # fmt: skip
    assert bad.exit_code == 2 and "--figure" in bad.stderr


def test_review_findings_stay_fixed(invoke, tmp_path, priors_file):
    import numpy as np

    from simulate.analysis.results import quantity_summary
    from simulate.core.statistics import Sketch
    from simulate.core.thresholds import Threshold
    from simulate.present.report import _percentiles_with_infinity

    # a point run writes its NetCDF too (one draw)
    out = tmp_path / "p.nc"
    assert invoke("run", PRIORS / "gpt3-training.toml", "--point", "--out", out).exit_code == 0
    import xarray as xr

    with xr.open_dataset(out) as dataset:
        assert dataset.sizes["draw"] == 1
        assert float(dataset["training_cost_usd"][0, 0]) == pytest.approx(1.398e6, rel=1e-3)
    # a percentile between a finite and an infinite draw is infinite, not NaN
    values = np.r_[np.linspace(1, 2, 900), np.full(100, np.inf)]
    assert _percentiles_with_infinity(values, None)[2] == np.inf
    # thresholds count infinite draws on their side and leave NaN out
    x = np.array([1.0, np.inf, np.nan, 3.0])
    (result,) = quantity_summary("x", "1", x, (50,), [Threshold("x", ">", 2.0)]).thresholds
    assert result.probability == pytest.approx(2 / 3)
    sketch = Sketch()
    sketch.add(0, x, [2], [3])
    assert sketch.hits == [2] and sketch.seen == [3]
    # an error that only --set causes names --set
    bad = invoke("run", PRIORS / "frontier" / "gpt4.toml", "--set", "training_days=5", "-n", "1000")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --set: training_days=5: ")
    # a threshold on a constant key output is said, not dropped
    path = priors_file(
        """
        [scenario]
        name = "c"
        models = ["training"]
        include = ["%s"]
        report = ["training_flops", "training_cost_usd"]
        [assumptions]
        params = { fixed = 7e9, unit = "parameter", source = "t" }
        training_tokens = { fixed = 2e12, unit = "token", source = "t" }
        training_mfu = { beta = [0.3, 0.5], source = "t", description = "t" }
        """
        % (PRIORS / "hardware" / "a100-80gb.toml")
    )
    report = tmp_path / "c.md"
    result = invoke(
        "report", path, "--out", report, "-n", "2000", "--sobol-samples", "64",
        "--threshold", "training_flops>1e23",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert (
        "It does not vary: no assumption it depends on is uncertain. A 0 % chance it exceeds"
        in (report.read_text())
    )
