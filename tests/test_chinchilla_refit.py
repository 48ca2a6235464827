"""Tests for scripts/chinchilla_refit.py, the Besiroglu et al. (2024) Chinchilla Approach-3 refit.

The fast tests fit from a reduced grid of 72 starts (no warm start); the ``slow`` test shows that
the full 4,500-point Hoffmann grid reaches the same optimum.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import approx_fprime

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "chinchilla_refit.py"
BOOTSTRAP_CSV = ROOT / "priors" / "data" / "chinchilla-bootstrap-fits.csv"


def _import_script():
    spec = importlib.util.spec_from_file_location("chinchilla_refit", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["chinchilla_refit"] = module  # so ProcessPoolExecutor workers can unpickle
    spec.loader.exec_module(module)
    return module


cr = _import_script()
PARAMS = ("E", "A", "B", "alpha", "beta")

# 2 x 2 x 2 x 3 x 3 = 72 points of the Hoffmann grid, none of them near the optimum
# (a ~ 6.2, b ~ 7.7, e ~ 0.6, alpha ~ 0.35, beta ~ 0.37).
REDUCED_GRID = np.array(
    [
        (a, b, e, al, be)
        for al, be, e, a, b in itertools.product(
            (0.5, 1.0), (0.5, 1.0), (0.0, 0.5), (0.0, 10.0, 20.0), (0.0, 10.0, 20.0)
        )
    ]
)


@pytest.fixture(scope="module")
def points():
    return cr.load_points()


@pytest.fixture(scope="module")
def reduced_fit(points):
    return cr.fit_theta(*points, starts=REDUCED_GRID)


@pytest.fixture(scope="module")
def committed():
    return cr.read_bootstrap_csv(BOOTSTRAP_CSV)


def _csv_full_fit() -> dict[str, float]:
    """The full-grid, full-data fit recorded in the CSV's comment header."""
    for line in BOOTSTRAP_CSV.read_text(encoding="utf-8").splitlines():
        if line.startswith("# Full-data fit:"):
            items = line.removeprefix("# Full-data fit:").strip(" .").split(", ")
            return {k: float(v) for k, v in (item.split() for item in items)}
    raise AssertionError("no full-data fit in the CSV header")


def test_data_copy_is_byte_identical():
    # shared/ lies beside the repository, here and in CI
    shared = ROOT.parent / "shared" / "reference" / "data" / "chinchilla-approach3-points.csv"
    if not shared.exists():
        pytest.skip("shared reference data not beside the repository")
    copy = ROOT / "priors" / "data" / "chinchilla-approach3-points.csv"
    assert copy.read_bytes() == shared.read_bytes()


def test_load_points_drops_the_five_highest_losses(points):
    N, D, L = points
    assert len(N) == len(D) == len(L) == 240  # 245 runs in the file
    # The five dropped: 5.00558, 4.66523, 3.79387, 3.76556, 3.447; the next one is kept.
    assert L.max() == pytest.approx(3.40593)
    # The first five rows of the file are the five dropped; the sixth is the first kept.
    assert N[0] == pytest.approx(1.73054e09)
    assert D[0] == pytest.approx(9.08579e18 / (6 * 1.73054e09))


def test_analytic_gradient_matches_finite_differences(points):
    logs = tuple(np.log(x) for x in points)
    for theta in ([6.0, 7.5, 0.6, 0.34, 0.37], [1.0, 12.0, -0.5, 0.1, 0.8]):
        theta = np.array(theta)
        _, grad = cr.objective(theta, *logs)
        numeric = approx_fprime(theta, lambda t: cr.objective(t, *logs)[0], 1e-7)
        np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-9)


def test_objective_is_the_summed_huber_loss():
    # One run with residual 0.01 (linear part) and one with 0.0005 (quadratic part).
    log_n, log_d = np.log([1e9, 1e9]), np.log([2e10, 2e10])
    theta = np.array([6.0, 7.0, 0.5, 0.35, 0.37])
    pred = np.logaddexp.reduce(
        [theta[0] - theta[3] * log_n, theta[1] - theta[4] * log_d, np.full(2, theta[2])]
    )
    f, _ = cr.objective(theta, log_n, log_d, pred - np.array([0.01, 0.0005]))
    assert f == pytest.approx(1e-3 * (0.01 - 0.5e-3) + 0.5 * 0.0005**2, rel=1e-9)


def test_refit_reproduces_published_constants(points):
    got = cr.fit(*points, starts=REDUCED_GRID)
    assert set(got) == set(PARAMS)
    # E, alpha, beta within 1 %, A and B within 5 %: the (A, alpha) and (B, beta) directions are
    # nearly flat (bootstrap SEs 26 % and 62 % of A and B); our converged optimum differs from
    # the published one by -0.9 % (A) and +2.8 % (B), see the script's docstring.
    for k in ("E", "alpha", "beta"):
        assert got[k] == pytest.approx(cr.PUBLISHED[k], rel=0.01), k
    for k in ("A", "B"):
        assert got[k] == pytest.approx(cr.PUBLISHED[k], rel=0.05), k
    # And the Hoffmann et al. constants (A 406.4, B 410.7, E 1.69, 0.34, 0.28) are rejected.
    assert got["B"] > 1500 and got["beta"] > 0.35


def test_reduced_grid_reaches_the_full_grid_optimum_in_the_csv(reduced_fit):
    theta, _ = reduced_fit
    got = cr.theta_to_constants(theta)
    recorded = _csv_full_fit()  # written by main() from the full 4,500-point grid, 6 digits
    for k in PARAMS:
        assert got[k] == pytest.approx(recorded[k], rel=2e-5), k


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("SIMULATE_FULL_GRID") != "1",
    reason="two fits from the full 4,500-start grid take minutes: SIMULATE_FULL_GRID=1 runs it",
)
def test_full_grid_matches_reduced_grid_and_bootstrap_starts(points, reduced_fit):
    theta_full, f_full = cr.fit_theta(*points, workers=2)
    theta_red, f_red = reduced_fit
    assert f_red == pytest.approx(f_full, rel=1e-9)
    np.testing.assert_allclose(theta_red, theta_full, rtol=1e-4)
    # The bootstrap's few starts find the full grid's optimum on a resample too.
    N, D, L = points
    idx = cr.resample_indices(len(N))[7]
    _, f_grid = cr.fit_theta(N[idx], D[idx], L[idx], workers=2)
    _, f_quick = cr.fit_theta(N[idx], D[idx], L[idx], cr.bootstrap_starts(theta_full))
    assert f_quick == pytest.approx(f_grid, rel=1e-9)


def test_committed_bootstrap_csv_shape_and_header(committed):
    header, fits = committed
    assert header == "loss_e,loss_a,loss_b,loss_alpha,loss_beta"
    assert fits.shape == (4000, 5)
    assert np.isfinite(fits).all() and (fits > 0).all()
    text = BOOTSTRAP_CSV.read_text(encoding="utf-8")
    assert "arXiv:2404.10102" in text and "default_rng(42)" in text
    assert "scripts/chinchilla_refit.py" in text


def test_committed_bootstrap_is_centred_on_the_fit(committed):
    _, fits = committed
    med = dict(zip(PARAMS, np.median(fits, axis=0), strict=True))
    full = _csv_full_fit()
    for k in ("E", "alpha", "beta"):
        assert med[k] == pytest.approx(full[k], rel=0.03), k
    for k in ("A", "B"):
        assert med[k] == pytest.approx(full[k], rel=0.15), k


def test_committed_bootstrap_standard_errors_match_published(committed):
    """Bootstrap SDs within 30 % of the published SEs.

    Sources of difference: different resamples (the Monte Carlo error of an SD from 4,000 draws
    is ~1 % for a normal and several % for the heavy right tails of A and B), the paper's bootstrap
    refits starting only from Hoffmann et al.'s constants, and six-digit rounding of the data.
    30 % still fails for a bootstrap that did not refit (SDs ~0), that refitted on a
    single fixed sample, or a mix-up of columns/logs (e.g. log A has SD ~0.25, A ~125).
    """
    _, fits = committed
    sd = fits.std(axis=0, ddof=1)
    for k, s in zip(PARAMS, sd, strict=True):
        assert s == pytest.approx(cr.PUBLISHED_SE[k], rel=0.30), k


def test_committed_bootstrap_correlations(committed):
    # The coefficient and its exponent move together: L depends on A / N^alpha.
    _, fits = committed
    corr = np.corrcoef(fits.T)
    assert corr[1, 3] > 0.9  # A-alpha
    assert corr[2, 4] > 0.9  # B-beta


def test_bootstrap_reproduces_first_rows_of_committed_csv(points, reduced_fit, committed):
    theta_full, _ = reduced_fit  # same optimum as the full grid (previous tests)
    _, fits = committed
    got = cr.bootstrap(*points, n=4000, seed=42, theta_full=theta_full, first=4)
    np.testing.assert_allclose(got, fits[:4], rtol=1e-5)
    # A wrong seed would not: resamples move the constants by percents.
    other = cr.bootstrap(*points, n=4000, seed=43, theta_full=theta_full, first=1)
    assert np.max(np.abs(other[0] / fits[0] - 1)) > 1e-3


def test_bootstrap_does_not_depend_on_worker_count(points, reduced_fit):
    theta_full, _ = reduced_fit
    one = cr.bootstrap(*points, n=50, seed=7, theta_full=theta_full, first=4, workers=1)
    two = cr.bootstrap(*points, n=50, seed=7, theta_full=theta_full, first=4, workers=2)
    np.testing.assert_array_equal(one, two)
    assert len(np.unique(one[:, 0])) == 4  # four different resamples
