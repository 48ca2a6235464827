"""Tests that kill the plausible mutations that once survived the suite: a threshold at its
exact value (>= read as >), streamed percentiles without their half-rank offset, and streamed
threshold chances that drop infinite draws."""

from __future__ import annotations

import json

import numpy as np
import pytest

import simulate

EXACT_VALUE = """[scenario]
name = "edges"
models = []
thresholds = ["x>=5", "x>5", "x<=5", "x<5", "flag>=1", "flag>1", "flag<=0", "flag<0"]
[assumptions]
x = 5
u = { uniform = [0, 1] }
[derived]
flag = "u > 0.25"
"""


@pytest.mark.parametrize("statistics", ["exact", "streamed"])
def test_a_threshold_at_the_exact_value_counts_on_its_side(priors_file, invoke, statistics):
    result = invoke("run", priors_file(EXACT_VALUE), "--draws", "20000", "--format", "json",
                    "--statistics", statistics)  # fmt: skip
    data = json.loads(result.stdout)
    fixed = data["inputs"]["x"]["thresholds"]
    assert fixed == {">=5": 1.0, ">5": 0.0, "<=5": 1.0, "<5": 0.0}
    flag = data["outputs"]["flag"]["thresholds"]
    assert flag[">1"] == 0.0 and flag["<0"] == 0.0
    assert flag[">=1"] == pytest.approx(0.75, abs=0.01)
    assert flag["<=0"] == pytest.approx(0.25, abs=0.01)
    assert flag[">=1"] + flag["<=0"] == 1.0


def test_streamed_percentiles_are_unbiased_within_a_bucket(priors_file):
    # ~2 draws per histogram bucket: without the half-rank offset every streamed percentile
    # sits low by half a slot (≈ 1e-4 here); with it the errors average out
    scenario = simulate.load(
        priors_file(
            '[scenario]\nname = "u"\nmodels = []\n[assumptions]\n'
            'u = { uniform = [1, 2] }\n[derived]\ny = "u * 1"\n'
        )
    )
    levels = list(range(1, 100))
    draws = 4096
    exact = simulate.summarize(scenario, simulate.run(scenario, draws, seed=5), levels)
    streamed = simulate.summarize_stream(scenario, simulate.stream(scenario, draws, seed=5), levels)
    errors = np.array(
        [streamed.outputs["y"].percentile(q) - exact.outputs["y"].percentile(q) for q in levels]
    )
    assert np.max(np.abs(errors)) < 2.0**-11  # within a bucket
    assert abs(np.mean(errors)) < 3e-5  # and unbiased


INFINITE = """[scenario]
name = "never"
models = []
thresholds = ["y>0.5", "z<0.5"]
[assumptions]
u = { uniform = [0, 1] }
[derived]
y = "where(u > 0.75, 1 / (u - u), u)"
z = "where(u > 0.75, -1 / (u - u), u)"
"""


def test_streamed_threshold_chances_count_infinite_draws(priors_file):
    scenario = simulate.load(priors_file(INFINITE))
    thresholds = scenario.thresholds
    draws = 50_000
    kept = simulate.run(scenario, draws, seed=2)
    exact = simulate.summarize(scenario, kept, thresholds=thresholds)
    streamed = simulate.summarize_stream(
        scenario, simulate.stream(scenario, draws, seed=2, thresholds=thresholds)
    )
    u = kept.inputs["u"]
    for summary in (exact, streamed):
        # +inf is above 0.5 and counts; -inf is below 0.5 and counts
        [above] = summary.outputs["y"].thresholds
        assert above.probability == pytest.approx(np.mean(u > 0.5), abs=1e-12)
        [below] = summary.outputs["z"].thresholds
        assert below.probability == pytest.approx(np.mean(u > 0.75) + np.mean(u < 0.5), abs=1e-12)


def test_the_one_threshold_rule_judges_infinity_and_skips_nan():
    import numpy as np

    from simulate.core.thresholds import count_hits

    values = np.array([1.0, 2.0, np.inf, -np.inf, np.nan, 2.0])
    assert count_hits(">=", values, 2.0) == (3, 5)  # 2, inf, 2 of the five numbers
    assert count_hits(">", values, 2.0) == (1, 5)  # only inf: 2 is not above 2
    assert count_hits("<", values, 2.0) == (2, 5)  # 1 and -inf
    reference = np.array([0.0, np.nan, 1.0, 0.0, 0.0, 3.0])  # a quantity, draw by draw
    assert count_hits(">", values, reference) == (2, 4)  # 1 > 0, inf > 1; -inf, 2 < 3 not


def test_percentiles_between_a_draw_and_infinity_are_infinite():
    import numpy as np

    from simulate.core.statistics import sorted_percentiles

    ordered = np.array([1.0, 2.0, 3.0, np.inf])
    assert sorted_percentiles(ordered, (0, 50, 100)) == [1.0, 2.5, np.inf]
    assert sorted_percentiles(ordered, (90,)) == [np.inf]  # between 3 and +inf
    assert sorted_percentiles(np.array([-np.inf, 1.0]), (50,)) == [-np.inf]
    finite = np.sort(np.random.default_rng(0).normal(size=1001))
    assert sorted_percentiles(finite, (5, 37.5, 95)) == list(np.percentile(finite, (5, 37.5, 95)))
