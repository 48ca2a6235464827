"""simulate report: a Markdown risk section with figures that exist, open and regenerate."""

from __future__ import annotations

import re
import shutil

import matplotlib.image
import numpy as np
import pytest

from simulate.present.humanize import humanize
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
    assert "`training_mfu` explains" in text and "of its variance" in text  # by Sobol ST
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
        assert image.shape[0] > 200 and image.shape[1] > 600  # a 2-bar tornado is short


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
    for name in ("accelerator_hours", "training_cost_usd", "training_days"):
        assert f"| `{name}` |" in body
        assert f"-{name}-distribution.png" in body
    # a constant gets one plain sentence: no percentile row, no figure, no driver
    assert "(`training_flops`): 3.15e+23 FLOP. It does not vary" in body
    assert "| `training_flops` |" not in body and "training_flops-distribution" not in body
    assert "- `training_flops`: does not vary, so nothing drives it." in body


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
    assert "share of the tornado swing" in body  # a loss-making draw has no break-even volume
    # said in words, and counted as never in the percentiles (not left out)
    assert re.search(r"In 0\.\d+ % of scenarios it is never reached \(infinite\)", body)


def test_report_rejects_a_non_markdown_path(invoke, tmp_path):
    result = invoke("report", PRIORS / "gpt3-training.toml", "--out", tmp_path / "r.html")
    assert result.exit_code == 2 and ".md" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "count"), [("search-two-stage", 4), ("gpt3-inference-2020-2030", 3)]
)  # the second has a fan chart over the years
def test_committed_example_report_regenerates_identically(
    tmp_path, invoke, monkeypatch, name, count
):
    committed = (ROOT / "results" / f"{name}.md").read_text()
    command = next(line for line in committed.splitlines() if line.startswith("simulate report"))
    shutil.copytree(PRIORS, tmp_path / "priors")
    monkeypatch.chdir(tmp_path)
    import shlex

    result = invoke(*shlex.split(command)[1:])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "results" / f"{name}.md").read_text() == committed
    figures = sorted((ROOT / "results").glob(f"{name}-*.png"))
    assert len(figures) == count
    for figure in figures:
        # same matplotlib, same bytes: the figures carry no timestamp or version stamp
        assert (tmp_path / "results" / figure.name).read_bytes() == figure.read_bytes()


def test_axis_ticks_carry_no_unit_word():
    from simulate.present.humanize import tick

    assert tick(2e12, "parameter", "optimal_params") == "2T"
    assert tick(1.5e6, "USD", "training_cost_usd") == "$1.5M"
    assert tick(2.5, "USD/hour", "accelerator_hour_usd") == "$2.5"
    assert tick(0.25, "1", "cache_hit_rate") == "25 %"


def test_flags_read_as_probabilities_and_other_thresholds_are_kept(tmp_path, invoke):
    out = tmp_path / "s.md"
    result = invoke(
        "report", PRIORS / "serving-h100-batch1.toml", "--out", out, "--draws", "2000",
        "--sobol-samples", "64", "--threshold", "batch_size>100",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    body = out.read_text()
    flags = [line for line in body.splitlines() if "(`memory_bound`)" in line]
    if flags:  # a 0/1 output is a probability, never a histogram
        assert re.search(r"\(`memory_bound`\): true in [\d.]+ % of scenarios", flags[0])
        assert "memory_bound-distribution" not in body
    # a threshold on a quantity without a headline is not dropped
    assert "`batch_size`: a 0 % chance it exceeds 100." in body


def test_a_base_case_and_median_of_opposite_signs_are_said_to_be(tmp_path, invoke, priors_file):
    path = priors_file(
        """
        [scenario]
        name = "signs"
        report = ["saving_usd"]
        [assumptions]
        price_usd = { lognormal = [1, 100], point = 50, unit = "USD", source = "t" }
        cost_usd = { fixed = 20, unit = "USD", source = "t" }
        [derived]
        saving_usd = { expr = "price_usd - cost_usd", unit = "USD" }
        """
    )
    out = tmp_path / "s.md"
    result = invoke("report", path, "--out", out, "--draws", "5000", "--sobol-samples", "64")
    assert result.exit_code == 0, result.stderr
    body = out.read_text()
    assert "(base case $30)" in body and "-$10" in body  # median 10 − 20
    assert "The base case and the median have opposite signs" in body


def test_figures_mark_the_base_case_and_thresholds_and_keep_legends_off_the_bars(tmp_path):
    import matplotlib

    from simulate.analysis.summary import QuantitySummary, TornadoRow
    from simulate.present import figures

    before = dict(matplotlib.rcParams)
    values = np.random.default_rng(0).lognormal(0, 0.5, 10_000)
    entry = QuantitySummary("x_usd", "USD", 1.1, 0.6, ((5, 0.44), (50, 1.0), (95, 2.3)), (0.4, 2))
    markers = [figures.Marker(1.0, "base case $1"), figures.Marker(2.0, "threshold $2", "-.")]
    figure = figures.distribution(values, entry, "x_usd", "USD", markers, tmp_path / "d.png")
    labels = [line.get_label() for line in figure.axes[0].get_lines()]
    assert any(label.startswith(r"base case \$1: ") for label in labels)
    share = np.mean(values > 2.0)
    assert any(f"threshold \\$2: {100 * share:.3g} % of draws above" == lab for lab in labels)
    s_curve = figure.axes[1].get_lines()[0].get_ydata()
    assert s_curve[-1] == pytest.approx(1.0, abs=0.006) and np.all(np.diff(s_curve) >= 0)
    rows = [TornadoRow("a", 1.0, 3.0, 2.0)]  # one bar: the legend must not cover it
    tornado = figures.tornado(rows, 2.0, "y_usd", "USD", ["a"], tmp_path / "t.png")
    renderer = tornado.canvas.get_renderer()
    legend = tornado.legends[0].get_window_extent(renderer)
    for bar in tornado.axes[0].patches:
        assert not legend.overlaps(bar.get_window_extent(renderer))
    assert dict(matplotlib.rcParams) == before  # no global style change


def test_ticks_on_a_narrow_range_are_never_printed_twice(tmp_path):
    from simulate.analysis.summary import QuantitySummary
    from simulate.present import figures

    assert figures.distinct_ticks([1.4e6, 1.401e6, 1.402e6], "USD", "x") == [
        "$1.4M", "$1.401M", "$1.402M",
    ]  # fmt: skip
    values = 1.4e6 + np.random.default_rng(1).normal(0, 300, 5_000)  # ±0.02 %
    entry = QuantitySummary(
        "x_usd",
        "USD",
        1.4e6,
        300,
        ((5, 1.3995e6), (50, 1.4e6), (95, 1.4005e6)),
        (1.3995e6, 1.4005e6),
    )
    figure = figures.distribution(values, entry, "x_usd", "USD", [], tmp_path / "n.png")
    figure.canvas.draw()
    labels = [t.get_text() for t in figure.axes[0].get_xticklabels() if t.get_text()]
    assert len(labels) >= 3 and len(set(labels)) == len(labels), labels


def test_markers_add_zero_and_100_percent_when_the_draws_cross_them():
    import simulate
    from simulate.present.report import _markers

    scenario = simulate.load(PRIORS / "search-two-stage.toml")
    draws = simulate.run(scenario, 5_000, seed=1)
    summary = simulate.summarize(scenario, draws)
    base = {**simulate.core.engine.point_values(scenario), **simulate.run_point(scenario).outputs}
    share = draws.outputs["query_cost_share_of_revenue"]
    assert share.min() < 1 < share.max()
    labels = [
        m.label for m in _markers(scenario, "query_cost_share_of_revenue", summary, base, share)
    ]
    assert labels[0].startswith("base case ") and "100 %" in labels
    cost = draws.outputs["query_cost_usd"]  # all positive: no $0 line
    labels = [m.label for m in _markers(scenario, "query_cost_usd", summary, base, cost)]
    assert "$0" not in labels
    crossing = cost - 0.07
    labels = [m.label for m in _markers(scenario, "query_cost_usd", summary, base, crossing)]
    assert "$0" in labels


def _distribution(tmp_path, values, entry, markers, plain=""):
    from simulate.present import figures

    return figures.distribution(
        values, entry, "x_usd", "USD", markers, tmp_path / "d.png", plain=plain
    )


def test_lines_at_the_same_place_are_both_drawn_and_the_legend_says_so(tmp_path):
    from simulate.analysis.summary import QuantitySummary
    from simulate.present import figures

    values = np.random.default_rng(0).lognormal(0, 0.5, 10_000)
    entry = QuantitySummary("x_usd", "USD", 1.1, 0.6, ((5, 0.44), (50, 1.0), (95, 2.3)), (0.4, 2))
    markers = [figures.Marker(1.0, "base case $1"), figures.Marker(2.3, "threshold $2.3", "-.")]
    figure = _distribution(tmp_path, values, entry, markers)
    lines = {line.get_label(): line for line in figure.axes[0].get_lines()}
    p50 = next(line for label, line in lines.items() if label.startswith("P50"))
    base = next(line for label, line in lines.items() if label.startswith("base case"))
    p95 = next(line for label, line in lines.items() if label.startswith("P95"))
    threshold = next(line for label, line in lines.items() if label.startswith("threshold"))
    for one, other in ((p50, base), (p95, threshold)):
        assert one.get_xdata()[0] == pytest.approx(other.get_xdata()[0], rel=1e-9)
        # interleaved dashes: the same pattern, offset, so each shows in the other's gaps
        (offset_one, dashes_one), (offset_other, dashes_other) = (
            one._unscaled_dash_pattern,
            other._unscaled_dash_pattern,
        )
        assert dashes_one == dashes_other and dashes_one is not None
        assert offset_one != offset_other
        assert one.get_color() != other.get_color()
        assert "same place as" in one.get_label() and "same place as" in other.get_label()
    assert "same place as" not in next(lab for lab in lines if lab.startswith("P5 "))


def test_a_threshold_given_twice_is_listed_once_and_its_tail_is_never_cropped(tmp_path):
    from simulate.analysis.summary import QuantitySummary
    from simulate.present import figures

    values = np.random.default_rng(0).lognormal(0, 0.3, 100_000)
    far = float(np.percentile(values, 99.9))  # beyond the central 99 % the figure shows
    entry = QuantitySummary("x_usd", "USD", 1.0, 0.3, ((5, 0.6), (50, 1.0), (95, 1.6)), (0.6, 1.6))
    twice = [figures.Marker(far, "threshold"), figures.Marker(far, "threshold")]
    figure = _distribution(tmp_path, values, entry, twice, plain="cost of one thing")
    labels = [line.get_label() for line in figure.axes[0].get_lines()]
    assert sum(label.startswith("threshold") for label in labels) == 1
    high = figure.axes[0].get_xlim()[1]
    assert high >= far  # the line and the draws beyond it are inside the axes
    shown = sum(patch.get_width() for patch in figure.axes[0].patches)
    assert shown > 0
    assert "widened to the markers" in figure.axes[0].get_title()
    # plain words in the title and the axis, not the identifier
    assert "cost of one thing" in figure.axes[0].get_title()
    assert figure.axes[0].get_xlabel() == "cost of one thing (USD)"
    assert "x_usd" not in figure.axes[0].get_title()


def test_a_tornado_is_as_tall_as_its_bars_need(tmp_path):
    from simulate.analysis.summary import TornadoRow
    from simulate.present import figures

    one = figures.tornado(
        [TornadoRow("a", 1.0, 3.0, 2.0)], 2.0, "y_usd", "USD", ["a"], tmp_path / "1.png",
        plain="cost of one thing",
    )  # fmt: skip
    rows = [TornadoRow(f"a{i}", 1.0, 3.0, 2.0) for i in range(10)]
    ten = figures.tornado(rows, 2.0, "y_usd", "USD", [r.input for r in rows], tmp_path / "t.png")
    assert one.get_figheight() < 0.4 * ten.get_figheight()
    assert one.axes[0].get_title() == "What moves the cost of one thing"
    assert one.axes[0].get_xlabel().startswith("cost of one thing (USD); base case")
    # the one bar fills its axes: no band of empty rows around it
    low, high = one.axes[0].get_ylim()
    assert high - low < 1.5


def test_a_report_describes_each_figure_in_words(invoke, tmp_path):
    out = tmp_path / "r.md"
    result = invoke("report", PRIORS / "search-two-stage.toml", "--draws", "2e4", "--out", out)
    assert result.exit_code == 0, result.stderr
    alts = re.findall(r"!\[([^\]]*)\]\(([^)]*)\)", out.read_text())
    assert len(alts) == 4
    for alt, target in alts:
        assert "cost of one query" in alt or "query cost ÷ revenue per query" in alt, alt
        assert "_" not in alt  # words, not identifiers or file names
        assert target.endswith(".png")
