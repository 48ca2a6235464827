"""simulate report: a Markdown risk section with figures that exist, open and regenerate."""

from __future__ import annotations

import shutil

import matplotlib.image
import pytest

from simulate.report import humanize
from tests.conftest import PRIORS, ROOT


@pytest.mark.parametrize(
    ("value", "unit", "name", "text"),
    [
        (1.4e6, "USD", "cost_usd", "$1.4M"),
        (0.0111, "USD", "query_cost_usd", "$0.0111"),
        (-2500, "USD/month", "monthly_profit_usd", "-$2.5K/month"),
        (2.03, "USD/hour", "accelerator_hour_usd", "$2.03/hour"),
        (70e9, "parameter", "params", "70B parameters"),
        (0.213, "1", "training_mfu", "21.3 %"),
        (44.0, "1", "min_accelerators_training", "44"),
        (3.15e23, "FLOP", "training_flops", "3.15e+23 FLOP"),
        (float("nan"), "USD", "x", "n/a"),
    ],
)
def test_numbers_read_as_people_write_them(value, unit, name, text):
    assert humanize(value, unit, name) == text


def test_report_of_gpt3_training_writes_markdown_and_figures(tmp_path, invoke):
    out = tmp_path / "gpt3.md"
    result = invoke(
        "report",
        PRIORS / "gpt3-training.toml",
        "--out",
        out,
        "--draws",
        "20000",
        "--threshold",
        "training_cost_usd>2e6",
        "--sobol-samples",
        "1024",
    )
    assert result.exit_code == 0, result.stderr
    text = out.read_text()
    assert text.startswith("## Risk: Training GPT-3 (175B) on TPU v4")
    # headline in plain units, threshold as a probability
    assert "median, 90 % between $" in text and "(base case $1.4M)" in text
    assert "chance it exceeds $2M" in text
    assert "| `training_cost_usd` | USD |" in text
    assert "mostly `training_mfu`" in text  # what drives it, by Sobol ST
    assert "| `training_mfu` | beta(a=17.49, b=23.87)" in text and "PaLM" in text
    assert "simulate report" in text and "--seed 42" in text and "sha256 `" in text
    figures = sorted(p.name for p in tmp_path.glob("*.png"))
    assert figures == [
        "gpt3-training_cost_usd-distribution.png",
        "gpt3-training_cost_usd-tornado.png",
    ]
    for figure in figures:
        assert f"]({figure})" in text
        image = matplotlib.image.imread(tmp_path / figure)
        assert image.shape[0] > 300 and image.shape[1] > 600


def test_key_outputs_default_to_every_model_output(tmp_path, invoke, priors_file):
    text = (
        (PRIORS / "gpt3-training.toml").read_text().replace('report = ["training_cost_usd"]\n', "")
    )
    path = priors_file(text.replace('name = "gpt3-training"', 'name = "g"'))
    result = invoke(
        "report", path, "--out", tmp_path / "g.md", "--draws", "2000", "--sobol-samples", "256"
    )
    assert result.exit_code == 0, result.stderr
    body = (tmp_path / "g.md").read_text()
    for name in ("training_flops", "accelerator_hours", "training_cost_usd", "training_days"):
        assert f"| `{name}` |" in body


def test_report_with_an_unbounded_output_falls_back_to_the_tornado(tmp_path, invoke):
    out = tmp_path / "b.md"
    result = invoke(
        "report",
        PRIORS / "breakeven-frontier-per-token.toml",
        "--out",
        out,
        "--draws",
        "5000",
        "--sobol-samples",
        "256",
    )
    assert result.exit_code == 0, result.stderr
    body = out.read_text()
    assert "tornado swing share" in body  # a loss-making draw has no break-even volume
    assert "not finite" in body


def test_report_rejects_a_non_markdown_path(invoke, tmp_path):
    result = invoke("report", PRIORS / "gpt3-training.toml", "--out", tmp_path / "r.html")
    assert result.exit_code == 2 and ".md" in result.stderr


@pytest.mark.slow
def test_committed_example_report_regenerates_identically(tmp_path, invoke, monkeypatch):
    committed = (ROOT / "results" / "search-two-stage.md").read_text()
    command = next(line for line in committed.splitlines() if line.startswith("simulate report"))
    shutil.copytree(PRIORS, tmp_path / "priors")
    monkeypatch.chdir(tmp_path)
    import shlex

    result = invoke(*shlex.split(command)[1:])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "results" / "search-two-stage.md").read_text() == committed
    figures = sorted((ROOT / "results").glob("search-two-stage-*.png"))
    assert len(figures) == 4
    for figure in figures:
        # same matplotlib, same bytes: the figures carry no timestamp or version stamp
        assert (tmp_path / "results" / figure.name).read_bytes() == figure.read_bytes()


def test_axis_ticks_carry_no_unit_word():
    from simulate.report import tick

    assert tick(2e12, "parameter", "optimal_params") == "2T"
    assert tick(1.5e6, "USD", "training_cost_usd") == "$1.5M"
    assert tick(2.5, "USD/hour", "accelerator_hour_usd") == "$2.5"
    assert tick(0.25, "1", "cache_hit_rate") == "25 %"
