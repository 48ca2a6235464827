"""Distributions are declared as people state beliefs; the declared interval must hold."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from simulate.core.distributions import DistributionError
from simulate.core.families import build


@pytest.mark.parametrize(
    ("family", "interval"),
    [
        ("beta", [0.30, 0.55]),
        ("beta", [0.01, 0.2]),
        ("beta", [0.7, 0.99]),
        ("lognormal", [1.5, 4.0]),
        ("normal", [-3.0, 10.0]),
    ],
)
def test_two_number_form_is_the_declared_90_percent_interval(family, interval):
    distribution = build(family, interval)
    lo, hi = distribution.interval(0.9)
    assert lo == pytest.approx(interval[0], rel=1e-9, abs=1e-12)
    assert hi == pytest.approx(interval[1], rel=1e-9, abs=1e-12)


def test_beta_fitted_to_interval_has_those_5th_and_95th_percentiles():
    a, b = build("beta", [0.30, 0.55]).params["a"], build("beta", [0.30, 0.55]).params["b"]
    assert stats.beta(a, b).ppf([0.05, 0.95]) == pytest.approx([0.30, 0.55], abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(lo=st.floats(0.001, 0.98), width=st.floats(0.005, 0.9))
def test_any_beta_interval_inside_0_1_is_honoured(lo, width):
    hi = min(lo + width, 0.999)
    if hi - lo < 1e-3:
        return
    lo90, hi90 = build("beta", [lo, hi]).interval(0.9)
    assert lo90 == pytest.approx(lo, abs=1e-7)
    assert hi90 == pytest.approx(hi, abs=1e-7)


@settings(max_examples=60, deadline=None)
@given(lo=st.floats(1e-3, 1e6), ratio=st.floats(1.01, 1e3))
def test_lognormal_interval_property(lo, ratio):
    lo90, hi90 = build("lognormal", [lo, lo * ratio]).interval(0.9)
    assert lo90 == pytest.approx(lo, rel=1e-9)
    assert hi90 == pytest.approx(lo * ratio, rel=1e-9)


def test_interval_key_changes_the_credibility():
    distribution = build("normal", [0.0, 10.0], interval=0.5)
    assert distribution.interval(0.5) == pytest.approx((0.0, 10.0))
    assert distribution.params["sd"] == pytest.approx(5.0 / stats.norm.ppf(0.75))


def test_native_draws_follow_the_inverse_cdf():
    """Monte Carlo draws (numpy's samplers) and the ppf (LHS/Sobol) describe one distribution."""
    rng = np.random.default_rng(1)
    for family, value in [
        ("beta", [0.3, 0.55]),
        ("lognormal", [1.5, 4]),
        ("pert", [1, 2, 6]),
        ("triangular", [0, 1, 4]),
        ("loguniform", [1, 100]),
        ("uniform", [2, 3]),
        ("normal", [0, 1]),
    ]:
        distribution = build(family, value)
        draws = distribution.sample(rng, 200_000)
        quartiles = distribution.ppf(np.array([0.25, 0.5, 0.75]))
        assert np.quantile(draws, [0.25, 0.5, 0.75]) == pytest.approx(
            quartiles, rel=0.02, abs=0.01
        ), family


def test_pert_has_its_mode_and_bounds():
    distribution = build("pert", [1.0, 2.0, 5.0])
    x = np.linspace(1.0, 5.0, 4001)
    a, b = distribution.params["min"], distribution.params["max"]
    assert (a, b) == (1.0, 5.0)
    density = stats.beta(1 + 4 * 1 / 4, 1 + 4 * 3 / 4, loc=1, scale=4).pdf(x)
    assert x[np.argmax(density)] == pytest.approx(2.0, abs=1e-3)
    assert distribution.support == (1.0, 5.0)


def test_truncation_keeps_draws_inside_min_max():
    distribution = build("normal", [0.0, 10.0], minimum=2.0, maximum=6.0)
    draws = distribution.sample(np.random.default_rng(0), 100_000)
    assert draws.min() >= 2.0 and draws.max() <= 6.0
    assert distribution.ppf(np.array([1e-12, 1 - 1e-12])) == pytest.approx([2.0, 6.0], abs=1e-6)


def test_min_max_truncate_rather_than_clip():
    # A standard normal cut at 0 is the half-normal: median Φ⁻¹(0.75) = 0.6745 and no mass at
    # the bound. Clipping instead would put half of the draws exactly at 0 (and the median at 0).
    half = build("normal", {"mean": 0.0, "sd": 1.0}, minimum=0.0)
    draws = half.sample(np.random.default_rng(1), 200_000)
    assert half.point == pytest.approx(stats.norm.ppf(0.75), rel=1e-9)
    assert np.mean(draws == 0.0) == 0.0
    assert np.median(draws) == pytest.approx(0.6745, abs=0.01)
    assert stats.kstest(draws, stats.halfnorm.cdf).pvalue > 0.01
    # cut on both sides: the truncated normal of scipy, not a pile-up at 2 and 6
    both = build("normal", [0.0, 10.0], minimum=2.0, maximum=6.0)
    mean, sd = 5.0, 10.0 / (2 * stats.norm.ppf(0.95))
    truncated = stats.truncnorm((2.0 - mean) / sd, (6.0 - mean) / sd, loc=mean, scale=sd)
    values = both.sample(np.random.default_rng(2), 200_000)
    assert np.mean((values == 2.0) | (values == 6.0)) == 0.0
    assert stats.kstest(values, truncated.cdf).pvalue > 0.01
    assert both.point == pytest.approx(truncated.median(), rel=1e-9)


def test_choice_respects_weights_and_empirical_resamples():
    choice = build("choice", {"values": [1, 2, 3], "weights": [1, 1, 2]})
    draws = choice.sample(np.random.default_rng(0), 400_000)
    assert np.mean(draws == 3) == pytest.approx(0.5, abs=0.005)
    assert choice.point == 2.5 or choice.point in (2.0, 3.0)
    empirical = build("empirical", [5.0, 1.0, 3.0])
    assert set(np.unique(empirical.sample(np.random.default_rng(0), 1000))) == {1.0, 3.0, 5.0}
    assert empirical.point == 3.0


def test_point_defaults_to_the_median():
    assert build("lognormal", [1.5, 4.0]).point == pytest.approx(math.sqrt(6.0))
    assert build("uniform", [1.0, 3.0]).point == pytest.approx(2.0)


def test_unit_factor_scales_every_value():
    distribution = build("lognormal", [1.0, 4.0], factor=1e12)
    assert distribution.interval(0.9) == pytest.approx((1e12, 4e12))
    table = build("lognormal", {"mu": 0.0, "sigma": 0.5}, factor=1e3)
    assert table.point == pytest.approx(1e3)


@pytest.mark.parametrize(
    ("family", "value", "options", "fragment"),
    [
        ("uniform", [3, 1], {}, "lo < hi"),
        ("beta", [0.5, 1.2], {}, "inside (0, 1)"),
        ("beta", [0.0, 0.5], {}, "inside (0, 1)"),
        ("normal", {"mean": 1.0, "sd": -1.0}, {}, "sd must be positive"),
        ("lognormal", {"mu": 1.0, "sigma": 0.0}, {}, "sigma must be positive"),
        ("lognormal", [-1, 2], {}, "0 < lo"),
        ("uniform", [1, "a"], {}, "expected a number"),
        ("uniform", [1, 2, 3], {}, "expected uniform = [lo, hi]"),
        ("pert", [1, 5, 3], {}, "min ≤ mode ≤ max"),
        ("uniform", [1, 2], {"point": 5.0}, "outside"),
        ("uniform", [1, 2], {"interval": 0.8}, "'interval' applies"),
        ("normal", [1, 2], {"interval": 1.5}, "from 0.01 to 0.999"),
        ("normal", [0, 1], {"minimum": 5.0, "maximum": 4.0}, "min must be below max"),
        ("fixed", 1.0, {"minimum": 0.0}, "truncate continuous"),
        ("choice", [1, 2], {}, "choice needs a table"),
        ("choice", {"values": [1, 2], "weights": [1]}, {}, "one weight per value"),
        ("empirical", [], {}, "empty"),
    ],
)
def test_bad_declarations_say_what_was_expected(family, value, options, fragment):
    with pytest.raises(DistributionError, match=None) as caught:
        build(family, value, **options)
    assert fragment in str(caught.value)


def test_the_registry_holds_one_class_per_family_with_its_schema():
    """build() dispatches through the registry; each family declares its parameters' schema,
    which accepts the family's own shipped forms and refuses a wrong shape."""
    from jsonschema import Draft202012Validator

    from simulate.core.families import FAMILIES, INTERVAL_FAMILIES, REGISTRY

    assert FAMILIES == tuple(REGISTRY) and len(set(map(type, REGISTRY.values()))) == len(REGISTRY)
    assert set(INTERVAL_FAMILIES) == {"normal", "lognormal", "beta"}
    good = {
        "fixed": 3, "uniform": [1, 2], "loguniform": [1, 2], "normal": {"mean": 0, "sd": 1},
        "lognormal": [1, 4], "beta": {"a": 2, "b": 3}, "pert": [1, 2, 5],
        "triangular": [1, 2, 5], "choice": {"values": [1, 2]}, "empirical": [1.0, 2.5, 3],
    }  # fmt: skip
    bad = {
        "fixed": [3], "uniform": [1, 2, 3], "loguniform": "1-2", "normal": {"mean": 0},
        "lognormal": [True, 4], "beta": {"a": 2, "b": 3, "c": 1}, "pert": [1, 2],
        "triangular": {}, "choice": [1, 2], "empirical": [],
    }  # fmt: skip
    for name, family in REGISTRY.items():
        validator = Draft202012Validator(family.schema)
        assert validator.is_valid(good[name]), name
        assert not validator.is_valid(bad[name]), name
        assert build(name, good[name]).family == name
