"""Distribution families, declared the way people state beliefs.

A two-number form is a credible interval (90 % unless ``interval`` says otherwise): "90 % sure
the MFU is between 0.30 and 0.55" is ``beta = [0.30, 0.55]``. Every distribution can draw
directly from a numpy Generator (Monte Carlo) and map uniforms through its inverse CDF (Latin
hypercube, Sobol). Shapes come from scipy.stats; only the interval-to-parameter solving is ours.

Numbers reaching :func:`build` are in the unit the quantity is kept in (its declared unit;
``factor`` can rescale the declaration).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

# narrower or wider credibilities put the interval's ends at z ≈ 0 or ∞ (a zero or infinite
# spread), and nobody states a belief that way
MIN_INTERVAL, MAX_INTERVAL = 0.01, 0.999


class DistributionError(ValueError):
    """A declaration that does not define a distribution; ``key`` is the offending sub-key."""

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


def fmt(x: float) -> str:
    """A number as people read it: 4 significant digits."""
    return f"{x:.4g}"


@dataclass(frozen=True)
class Distribution:
    """One assumption's belief: sample it, map uniforms through it, describe it."""

    family: str
    summary: str
    ppf: Callable[[np.ndarray], np.ndarray]
    draw: Callable[[np.random.Generator, int], np.ndarray]
    point: float
    support: tuple[float, float]
    params: dict[str, Any] = field(default_factory=dict)
    # the CDF of a continuous distribution (None for a fixed or discrete one): where a value
    # sits in the distribution, which a belief listed by year keeps from one year to the next
    cdf: Callable[[np.ndarray], np.ndarray] | None = None

    @property
    def is_fixed(self) -> bool:
        return self.family == "fixed"

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws from ``rng``."""
        return self.draw(rng, n)

    def interval(self, probability: float = 0.9) -> tuple[float, float]:
        """The central credible interval holding ``probability`` of the mass."""
        tail = (1.0 - probability) / 2.0
        lo, hi = self.ppf(np.array([tail, 1.0 - tail]))
        return float(lo), float(hi)


# ---------------------------------------------------------------- helpers


def _numbers(value: Any, count: int | None, what: str) -> list[float]:
    """Check ``value`` is a list of ``count`` real numbers (``None``: any length ≥ 1)."""
    if not isinstance(value, list | tuple):
        raise DistributionError(f"expected {what}, got {value!r}")
    if count is not None and len(value) != count:
        raise DistributionError(f"expected {what}, got {len(value)} numbers: {value!r}")
    if not value:
        raise DistributionError(f"expected {what}, got an empty list")
    return [_number(v, what) for v in value]


def finite_number(value: Any) -> float | None:
    """``value`` as a finite float, or ``None`` if it is not a real number that fits one
    (a bool, a string, inf or NaN, or a TOML integer of hundreds of digits)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _number(value: Any, what: str) -> float:
    number = finite_number(value)
    if number is None:
        shown = repr(value) if len(repr(value)) < 40 else f"{repr(value)[:20]}…"
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        kind = "a finite number that fits a float" if numeric else "a number"
        raise DistributionError(f"expected {kind} in {what}, got {shown}")
    return number


def _table(value: dict, keys: tuple[str, str], family: str) -> tuple[float, float]:
    unknown = set(value) - set(keys)
    if unknown or set(keys) - set(value):
        raise DistributionError(
            f"a {family} table needs exactly the keys {' and '.join(keys)}, got {sorted(value)}"
        )
    return tuple(_number(value[k], f"{family}.{k}") for k in keys)  # type: ignore[return-value]


def _ordered(lo: float, hi: float, family: str) -> None:
    if not lo < hi:
        raise DistributionError(f"{family} needs lo < hi, got [{fmt(lo)}, {fmt(hi)}]")


def _z(interval: float) -> float:
    return float(special.ndtri(0.5 + interval / 2.0))


def _newton(
    residuals: Callable[[np.ndarray], np.ndarray], guess: np.ndarray, iterations: int = 60
) -> np.ndarray | None:
    """A root of two equations in two unknowns by damped Newton steps (central-difference
    Jacobian), or ``None`` if it does not converge. Importing scipy.optimize for this one
    solve took longer than the rest of a short run."""
    x = np.asarray(guess, dtype=float)
    f = residuals(x)
    for _ in range(iterations):
        if np.max(np.abs(f)) < 1e-14:
            return x
        jacobian = np.empty((2, 2))
        for j in range(2):
            step = np.zeros(2)
            step[j] = 1e-6 * max(1.0, abs(x[j]))
            jacobian[:, j] = (residuals(x + step) - residuals(x - step)) / (2 * step[j])
        try:
            delta = np.linalg.solve(jacobian, -f)
        except np.linalg.LinAlgError:
            return None
        scale = 1.0
        while scale > 1e-4:  # halve the step until the residual shrinks
            candidate = x + scale * delta
            f_candidate = residuals(candidate)
            if np.all(np.isfinite(f_candidate)) and np.max(np.abs(f_candidate)) < np.max(np.abs(f)):
                break
            scale /= 2
        else:
            return x if np.max(np.abs(f)) < 1e-12 else None
        x, f = candidate, f_candidate
    return x if np.max(np.abs(f)) < 1e-12 else None


def fit_beta(lo: float, hi: float, interval: float = 0.9) -> tuple[float, float]:
    """Beta shape parameters whose central ``interval`` is exactly ``[lo, hi]``."""
    tail = (1.0 - interval) / 2.0
    mean = (lo + hi) / 2.0
    sd = (hi - lo) / (2.0 * _z(interval))
    spread = max(mean * (1.0 - mean) / sd**2 - 1.0, 0.5)
    guess = np.log([mean * spread, (1.0 - mean) * spread])

    def residuals(log_ab: np.ndarray) -> np.ndarray:
        a, b = np.exp(log_ab)
        return np.array([special.betainc(a, b, lo) - tail, special.betainc(a, b, hi) - 1 + tail])

    solution = _newton(residuals, guess)
    if solution is None:
        from scipy import optimize  # the rare interval Newton's method does not settle

        solution = optimize.root(residuals, guess, method="hybr", options={"xtol": 1e-13}).x
    a, b = (float(v) for v in np.exp(solution))
    got = special.betaincinv(a, b, np.array([tail, 1.0 - tail]))
    if not np.allclose(got, [lo, hi], rtol=1e-6, atol=1e-9):
        raise DistributionError(
            f"no beta distribution has [{fmt(lo)}, {fmt(hi)}] as its {interval:.0%} interval"
        )
    return a, b


@dataclass(frozen=True)
class Shape:
    """A continuous distribution's inverse CDF, CDF and support (scipy.stats' formulas)."""

    ppf: Callable[[np.ndarray], np.ndarray]
    cdf: Callable[[np.ndarray], np.ndarray]
    support: tuple[float, float]


def _uniform_shape(lo: float, hi: float) -> Shape:
    width = hi - lo
    return Shape(
        lambda u: np.asarray(u, dtype=float) * width + lo,
        lambda x: np.clip((np.asarray(x, dtype=float) - lo) / width, 0.0, 1.0),
        (lo, hi),
    )


def _loguniform_shape(lo: float, hi: float) -> Shape:
    log_lo, log_hi = math.log(lo), math.log(hi)
    span = log_hi - log_lo

    def cdf(x: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.clip((np.log(np.asarray(x, dtype=float)) - log_lo) / span, 0.0, 1.0)

    return Shape(lambda u: np.exp(log_lo + np.asarray(u, dtype=float) * span), cdf, (lo, hi))


def _normal_shape(mean: float, sd: float) -> Shape:
    return Shape(
        lambda u: special.ndtri(u) * sd + mean,
        lambda x: special.ndtr((np.asarray(x, dtype=float) - mean) / sd),
        (-math.inf, math.inf),
    )


def _lognormal_shape(mu: float, sigma: float) -> Shape:
    scale = math.exp(mu)

    def cdf(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x > 0, special.ndtr(np.log(np.maximum(x, 0) / scale) / sigma), 0.0)

    return Shape(lambda u: np.exp(sigma * special.ndtri(u)) * scale, cdf, (0.0, math.inf))


# Below this many values a beta quantile is scipy's betaincinv; from it on, a table built once
# per distribution (:mod:`simulate.core.betappf`, 20–80× faster for Latin hypercube and Sobol).
# The choice depends only on the call's size, which is fixed by the block layout.
_FAST_BETA_FROM = 4096


def _beta_shape(a: float, b: float, lo: float = 0.0, width: float = 1.0) -> Shape:
    fast: list[Any] = []

    def ppf(u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        if u.size < _FAST_BETA_FROM:
            return special.betaincinv(a, b, u) * width + lo
        if not fast:
            from simulate.core.betappf import BetaPPF

            fast.append(BetaPPF(a, b))
        return fast[0](u) * width + lo

    def cdf(x: np.ndarray) -> np.ndarray:
        return special.betainc(a, b, np.clip((np.asarray(x, dtype=float) - lo) / width, 0, 1))

    return Shape(ppf, cdf, (lo, lo + width))


def _triangular_shape(lo: float, mode: float, hi: float) -> Shape:
    width = hi - lo
    c = (mode - lo) / width

    def ppf(u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        return np.where(u < c, np.sqrt(c * u), 1.0 - np.sqrt((1.0 - c) * (1.0 - u))) * width + lo

    def cdf(x: np.ndarray) -> np.ndarray:
        z = np.clip((np.asarray(x, dtype=float) - lo) / width, 0.0, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            rising = np.where(c > 0, z * z / c, 1.0)
            falling = np.where(c < 1, 1.0 - (1.0 - z) ** 2 / (1.0 - c), 1.0)
        return np.where(z < c, rising, falling)

    return Shape(ppf, cdf, (lo, hi))


def _continuous(
    family: str,
    frozen: Shape,
    native: Callable[[np.random.Generator, int], np.ndarray],
    summary: str,
    truncate: tuple[float | None, float | None],
    point: float | None,
    params: dict[str, Any],
) -> Distribution:
    """Wrap a distribution's shape, with optional truncation to [min, max]."""
    lo_cut, hi_cut = truncate
    support = tuple(float(v) for v in frozen.support)
    if lo_cut is None and hi_cut is None:
        ppf = frozen.ppf
        cdf = frozen.cdf
        draw = native
    else:
        lo_cut = support[0] if lo_cut is None else lo_cut
        hi_cut = support[1] if hi_cut is None else hi_cut
        if not lo_cut < hi_cut:
            raise DistributionError(
                f"min must be below max, got min {fmt(lo_cut)}, max {fmt(hi_cut)}", "min"
            )
        cdf_lo, cdf_hi = float(frozen.cdf(lo_cut)), float(frozen.cdf(hi_cut))
        if not cdf_hi - cdf_lo > 1e-12:
            raise DistributionError(
                f"[min, max] = [{fmt(lo_cut)}, {fmt(hi_cut)}] holds none of the distribution",
                "min",
            )

        def ppf(u: np.ndarray) -> np.ndarray:
            return np.clip(frozen.ppf(cdf_lo + np.asarray(u) * (cdf_hi - cdf_lo)), lo_cut, hi_cut)

        def draw(rng: np.random.Generator, n: int) -> np.ndarray:
            return ppf(rng.random(n))

        def cdf(x: np.ndarray) -> np.ndarray:
            return np.clip((frozen.cdf(x) - cdf_lo) / (cdf_hi - cdf_lo), 0.0, 1.0)

        support = (max(support[0], lo_cut), min(support[1], hi_cut))
        summary += f", truncated to [{fmt(lo_cut)}, {fmt(hi_cut)}]"
    median = float(ppf(np.array([0.5]))[0])
    return Distribution(
        family=family,
        summary=summary,
        ppf=ppf,
        draw=draw,
        point=median if point is None else point,
        support=support,
        params=params,
        cdf=cdf,
    )


def _discrete(
    family: str,
    values: Sequence[float],
    weights: Sequence[float],
    summary: str,
    point: float | None,
) -> Distribution:
    order = np.argsort(values, kind="stable")
    sorted_values = np.asarray(values, dtype=float)[order]
    probabilities = np.asarray(weights, dtype=float)[order]
    probabilities = probabilities / probabilities.sum()
    cumulative = np.cumsum(probabilities)
    cumulative[-1] = 1.0

    def ppf(u: np.ndarray) -> np.ndarray:
        index = np.searchsorted(cumulative, np.asarray(u), side="right")
        return sorted_values[np.minimum(index, len(sorted_values) - 1)]

    def draw(rng: np.random.Generator, n: int) -> np.ndarray:
        return ppf(rng.random(n))

    median = float(sorted_values[np.searchsorted(cumulative, 0.5)])
    if family == "choice" and point is not None and point not in sorted_values:
        raise DistributionError(
            f"the point of a {family} must be one of its values, not {fmt(point)}", "point"
        )
    return Distribution(
        family=family,
        summary=summary,
        ppf=ppf,
        draw=draw,
        point=median if point is None else point,
        support=(float(sorted_values[0]), float(sorted_values[-1])),
        params={"values": sorted_values.tolist(), "weights": probabilities.tolist()},
    )
