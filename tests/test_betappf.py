"""BetaPPF is a drop-in for scipy.special.betaincinv: same quantiles, monotone, much cheaper."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from simulate.core.betappf import BetaPPF, _Table

# Priors' shapes: arcsine, uniform, power laws, PERT-like, a fitted MFU interval, a very
# concentrated one, and a small-a one with most mass near 0.
SHAPES = [(0.5, 0.5), (1, 1), (1, 5), (5, 1), (2, 3), (20.7, 31.2), (150, 60), (0.3, 4)]
TAILS = np.array([1e-300, 1e-100, 1e-15, 1e-8, 0.5, 1 - 1e-8, 1 - 1e-15])


def _uniforms(n: int = 100_000, seed: int = 20240611) -> np.ndarray:
    return np.concatenate([np.random.default_rng(seed).random(n), TAILS])


def _check_close(x: np.ndarray, ref: np.ndarray, abs_tol: float, rel_tol: float) -> None:
    """|x - ref| <= abs_tol everywhere and <= rel_tol * ref where ref < 1e-3.

    Quantiles below 1e-290 are left to the absolute test: there the true value often
    underflows, and betaincinv returns the smallest normal number (2.2e-308) instead.
    """
    err = np.abs(x - ref)
    assert err.max() <= abs_tol, f"max abs error {err.max():.3g} at u index {err.argmax()}"
    small = (ref < 1e-3) & (ref > 1e-290)
    if small.any():
        rel = err[small] / ref[small]
        assert rel.max() <= rel_tol, f"max relative error {rel.max():.3g} for x < 1e-3"


@pytest.mark.parametrize(("a", "b"), SHAPES)
def test_agrees_with_betaincinv(a, b):
    u = _uniforms()
    ppf = BetaPPF(a, b)
    _check_close(ppf(u), special.betaincinv(a, b, u), abs_tol=1e-12, rel_tol=1e-9)
    # Ordinary uniforms never need the slow path.
    assert ppf.fallback_count == 0


@pytest.mark.parametrize(
    ("a", "b", "exact"),
    [
        (0.5, 0.5, lambda u: np.sin(0.5 * np.pi * u) ** 2),
        (1.0, 5.0, lambda u: -np.expm1(np.log1p(-u) / 5.0)),
        (5.0, 1.0, lambda u: u**0.2),
        (0.3, 1.0, lambda u: u ** (1 / 0.3)),
        (1.0, 1.0, lambda u: u),
    ],
)
def test_general_table_reproduces_closed_forms(a, b, exact):
    # BetaPPF uses these closed forms itself; the general table must agree with them too,
    # a check that does not depend on betaincinv.
    u = _uniforms(20_000)
    x = np.empty_like(u)
    _Table(a, b)(u, x)
    _check_close(x, exact(u), abs_tol=1e-14, rel_tol=1e-12)


@pytest.mark.parametrize(("a", "b"), SHAPES)
def test_forward_cdf_round_trip(a, b):
    # Independent of betaincinv: the CDF at the quantile gives back u.
    u = np.concatenate([np.linspace(1e-6, 0.5, 2001), 10.0 ** -np.arange(7, 200, 7)])
    x = BetaPPF(a, b)(u)
    back = special.betainc(a, b, x)
    density = np.exp(special.xlogy(a - 1, x) + special.xlog1py(b - 1, -x) - special.betaln(a, b))
    # Compare in x: the CDF mismatch over the density is the implied error in x.
    implied = np.abs(back - u) / density
    assert np.all(implied <= 1e-13 * x + 1e-300)


def test_wrong_betaincinv_tail_is_not_copied():
    # betaincinv(4, 0.3, u) returns 2**-56 for all u in about [6.5e-69, 4.8e-68]; the true
    # quantile goes from 1.5e-17 to 2.5e-17 there.
    u = np.geomspace(7e-69, 4.5e-68, 50)
    x = BetaPPF(4.0, 0.3)(u)
    assert np.all(np.diff(x) > 0)
    np.testing.assert_allclose(special.betainc(4.0, 0.3, x), u, rtol=1e-12)


@pytest.mark.parametrize(("a", "b"), [(2, 3), (0.3, 4), (20.7, 31.2), (150, 60)])
def test_extreme_uniforms(a, b):
    tiny = np.array([5e-324, 1e-320, 1e-310, 1e-305, 1e-300])
    x = BetaPPF(a, b)(tiny)
    assert np.all(np.isfinite(x))
    assert np.all(np.diff(x) >= 0)
    if (a, b) == (2, 3):
        # I_x(2, 3) = 6 x**2 (1 + O(x)), so x = sqrt(u / 6) to double precision here;
        # betaincinv gives NaN for the smallest subnormal.
        np.testing.assert_allclose(x, np.sqrt(tiny) / np.sqrt(6.0), rtol=1e-12)
    top = BetaPPF(a, b)(np.array([1 - 2**-52, 1 - 2**-53]))
    assert np.all((top <= 1.0) & (top > 0.5))


def _boundary_neighbourhoods() -> np.ndarray:
    """u within a few hundred ulps of the table's cell edges (t = +-(2**e (1 + j/64) - 1)),
    of 1/2 and of a few random points."""
    e = np.arange(0, 10)[:, None]
    j = np.arange(64)[None, :]
    v = (2.0**e * (1.0 + j / 64.0)).ravel()
    t = np.concatenate([v - 1.0, 1.0 - v])
    t = t[t > -700.0]
    rng = np.random.default_rng(3)
    centres = np.concatenate([special.expit(t), [0.5], rng.random(20)])
    steps = np.arange(-200, 201)
    u = np.unique((centres[:, None] + steps[None, :] * np.spacing(centres)[:, None]).ravel())
    return u[(u > 0.0) & (u < 1.0)]


@pytest.mark.parametrize(("a", "b"), [*SHAPES, (4, 0.3), (0.02, 3), (3, 0.05)])
def test_monotone_in_u(a, b):
    ppf = BetaPPF(a, b)
    for u in (np.sort(_uniforms()), _boundary_neighbourhoods(), np.linspace(0.0, 1.0, 100_001)):
        x = ppf(u)
        assert np.all(np.diff(x) >= 0.0)
        assert np.all((x >= 0.0) & (x <= 1.0))


@pytest.mark.parametrize(("a", "b"), [*SHAPES, (0.02, 3), (3, 0.05)])
def test_endpoints_are_exact(a, b):
    x = BetaPPF(a, b)(np.array([0.0, -0.0, 1.0]))
    assert x[0] == 0.0 and x[1] == 0.0 and x[2] == 1.0
    assert not np.signbit(x[:2]).any()


@pytest.mark.parametrize(("a", "b"), [(2, 3), (1, 5), (0.5, 0.5)])
def test_nan_and_out_of_range_give_nan(a, b):
    x = BetaPPF(a, b)(np.array([np.nan, -0.25, 1.5, -np.inf, np.inf, 0.5]))
    assert np.isnan(x[:5]).all()
    assert x[5] == pytest.approx(special.betaincinv(a, b, 0.5), abs=1e-14)


@pytest.mark.parametrize(("a", "b"), [(2, 3), (1, 1), (0.5, 0.5)])
def test_shapes_and_dtypes(a, b):
    ppf = BetaPPF(a, b)
    for empty in (np.empty(0), np.empty((0, 3))):
        out = ppf(empty)
        assert out.shape == empty.shape and out.dtype == np.float64
    for scalar in (0.25, np.float64(0.25), np.array(0.25)):
        out = ppf(scalar)
        assert isinstance(out, np.ndarray) and out.shape == ()
        assert float(out) == pytest.approx(special.betaincinv(a, b, 0.25), abs=1e-14)
    grid = np.random.default_rng(1).random((40, 30))
    expected = special.betaincinv(a, b, grid)
    np.testing.assert_allclose(ppf(grid), expected, rtol=0, atol=1e-13)
    np.testing.assert_allclose(ppf(grid.T), expected.T, rtol=0, atol=1e-13)  # not C-order
    np.testing.assert_allclose(ppf(grid[::3, ::2]), expected[::3, ::2], rtol=0, atol=1e-13)
    np.testing.assert_array_equal(ppf([0, 1]), [0.0, 1.0])
    np.testing.assert_allclose(
        ppf(grid.astype(np.float32)),
        special.betaincinv(a, b, grid.astype(np.float32).astype(np.float64)),
        rtol=0,
        atol=1e-13,
    )


def test_large_input_spanning_many_chunks():
    u = np.random.default_rng(5).random(200_003)
    x = BetaPPF(2.5, 7.0)(u)
    np.testing.assert_allclose(x, special.betaincinv(2.5, 7.0, u), rtol=0, atol=1e-12)


@pytest.mark.parametrize(("a", "b"), [(0, 1), (1, -2), (np.nan, 1), (1, np.inf)])
def test_rejects_bad_shape_parameters(a, b):
    with pytest.raises(ValueError, match="positive and finite"):
        BetaPPF(a, b)
