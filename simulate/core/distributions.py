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

FAMILIES = (
    "fixed",
    "uniform",
    "loguniform",
    "normal",
    "lognormal",
    "beta",
    "pert",
    "triangular",
    "choice",
    "empirical",
)
INTERVAL_FAMILIES = ("normal", "lognormal", "beta")
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


# ---------------------------------------------------------------- the families


def build(family: str, value: Any, **options: Any) -> Distribution:
    """Build a distribution from a priors-file declaration (see :func:`_build`)."""
    distribution = _build(family, value, **options)
    lo, hi = distribution.support
    if not lo <= distribution.point <= hi:
        raise DistributionError(
            f"point {fmt(distribution.point)} lies outside the distribution's range "
            f"[{fmt(lo)}, {fmt(hi)}]",
            "point",
        )
    return distribution


def _build(
    family: str,
    value: Any,
    *,
    factor: float = 1.0,
    interval: float | None = None,
    point: float | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
) -> Distribution:
    """Build a distribution from a priors-file declaration.

    ``value`` is what follows the family key; ``factor`` multiplies its numbers (1 when the
    quantity is kept in the unit it was declared in, as :mod:`simulate.spec.reader` does), and
    ``point``, ``minimum`` and ``maximum`` are already in the resulting unit.
    """
    if family not in FAMILIES:
        raise DistributionError(f"unknown distribution {family!r}; expected one of {FAMILIES}")
    if interval is not None and family not in INTERVAL_FAMILIES:
        raise DistributionError(
            f"'interval' applies to the two-number forms of {INTERVAL_FAMILIES}, not {family}",
            "interval",
        )
    if interval is None:
        interval = 0.9
    elif not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        raise DistributionError(
            f"'interval' is the credibility of the two numbers, from {MIN_INTERVAL} to "
            f"{MAX_INTERVAL} (0.9 for a 90 % interval), got {interval!r}",
            "interval",
        )
    truncate = (minimum, maximum)
    if family in ("fixed", "choice", "empirical") and truncate != (None, None):
        raise DistributionError(f"min/max truncate continuous distributions, not {family}", "min")

    if family == "fixed":
        x = _number(value, "fixed") * factor
        if point is not None and point != x:
            raise DistributionError(f"a fixed value's point must be the value {fmt(x)}", "point")
        return Distribution(
            family="fixed",
            summary=f"fixed {fmt(x)}",
            ppf=lambda u: np.full(np.shape(u), x),
            draw=lambda rng, n: np.full(n, x),
            point=x,
            support=(x, x),
            params={"value": x},
        )

    if family in ("uniform", "loguniform"):
        lo, hi = (v * factor for v in _numbers(value, 2, f"{family} = [lo, hi]"))
        _ordered(lo, hi, family)
        if family == "uniform":
            frozen = _uniform_shape(lo, hi)
            native = lambda rng, n: rng.uniform(lo, hi, n)  # noqa: E731
        else:
            if lo <= 0:
                raise DistributionError(f"loguniform needs 0 < lo, got {fmt(lo)}")
            frozen = _loguniform_shape(lo, hi)
            log_lo, log_hi = math.log(lo), math.log(hi)
            native = lambda rng, n: np.exp(rng.uniform(log_lo, log_hi, n))  # noqa: E731
        return _continuous(
            family,
            frozen,
            native,
            f"{family} on [{fmt(lo)}, {fmt(hi)}]",
            truncate,
            point,
            {"lo": lo, "hi": hi},
        )

    if family == "normal":
        if isinstance(value, dict):
            mean, sd = _table(value, ("mean", "sd"), family)
            mean, sd = mean * factor, sd * factor
            if sd <= 0:
                raise DistributionError(f"normal sd must be positive, got {fmt(sd)}", "sd")
        else:
            lo, hi = (v * factor for v in _numbers(value, 2, "normal = [lo, hi]"))
            _ordered(lo, hi, family)
            mean, sd = (lo + hi) / 2.0, (hi - lo) / (2.0 * _z(interval))
        frozen = _normal_shape(mean, sd)
        lo90, hi90 = frozen.ppf(np.array([0.05, 0.95]))
        return _continuous(
            family,
            frozen,
            lambda rng, n: rng.normal(mean, sd, n),
            f"normal, mean {fmt(mean)}, sd {fmt(sd)}, 90 % in [{fmt(lo90)}, {fmt(hi90)}]",
            truncate,
            point,
            {"mean": mean, "sd": sd},
        )

    if family == "lognormal":
        if isinstance(value, dict):
            mu, sigma = _table(value, ("mu", "sigma"), family)
            mu += math.log(factor)
            if abs(mu) > 700:  # exp(mu) overflows a float
                raise DistributionError(
                    f"lognormal mu is the log of the median; {fmt(mu)} puts it beyond "
                    "any float (|mu| ≤ 700)",
                    "mu",
                )
            if sigma <= 0:
                raise DistributionError(
                    f"lognormal sigma must be positive, got {fmt(sigma)}", "sigma"
                )
        else:
            lo, hi = (v * factor for v in _numbers(value, 2, "lognormal = [lo, hi]"))
            _ordered(lo, hi, family)
            if lo <= 0:
                raise DistributionError(f"lognormal needs 0 < lo, got {fmt(lo)}")
            mu = (math.log(lo) + math.log(hi)) / 2.0
            sigma = (math.log(hi) - math.log(lo)) / (2.0 * _z(interval))
        frozen = _lognormal_shape(mu, sigma)
        lo90, hi90 = frozen.ppf(np.array([0.05, 0.95]))
        return _continuous(
            family,
            frozen,
            lambda rng, n: rng.lognormal(mu, sigma, n),
            f"lognormal, median {fmt(math.exp(mu))}, 90 % in [{fmt(lo90)}, {fmt(hi90)}]",
            truncate,
            point,
            {"mu": mu, "sigma": sigma},
        )

    if family == "beta":
        if factor != 1.0:
            raise DistributionError('a beta is a rate in (0, 1): declare unit "1"', "unit")
        if isinstance(value, dict):
            a, b = _table(value, ("a", "b"), family)
            if a <= 0 or b <= 0:
                raise DistributionError(f"beta a and b must be positive, got a={a}, b={b}")
        else:
            lo, hi = _numbers(value, 2, "beta = [lo, hi]")
            _ordered(lo, hi, family)
            if not (0.0 < lo and hi < 1.0):
                raise DistributionError(
                    f"a beta interval must lie inside (0, 1), got [{fmt(lo)}, {fmt(hi)}]"
                )
            a, b = fit_beta(lo, hi, interval)
        frozen = _beta_shape(a, b)
        lo90, hi90 = frozen.ppf(np.array([0.05, 0.95]))
        return _continuous(
            family,
            frozen,
            lambda rng, n: rng.beta(a, b, n),
            f"beta(a={fmt(a)}, b={fmt(b)}), 90 % in [{fmt(lo90)}, {fmt(hi90)}]",
            truncate,
            point,
            {"a": a, "b": b},
        )

    if family in ("pert", "triangular"):
        lo, mode, hi = (v * factor for v in _numbers(value, 3, f"{family} = [min, mode, max]"))
        if not (lo <= mode <= hi and lo < hi):
            raise DistributionError(
                f"{family} needs min ≤ mode ≤ max and min < max, "
                f"got [{fmt(lo)}, {fmt(mode)}, {fmt(hi)}]"
            )
        width = hi - lo
        if family == "pert":
            a = 1.0 + 4.0 * (mode - lo) / width
            b = 1.0 + 4.0 * (hi - mode) / width
            frozen = _beta_shape(a, b, lo, width)
            native = lambda rng, n: lo + width * rng.beta(a, b, n)  # noqa: E731
            label = "PERT"
        else:
            frozen = _triangular_shape(lo, mode, hi)
            native = lambda rng, n: rng.triangular(lo, mode, hi, n)  # noqa: E731
            label = "triangular"
        return _continuous(
            family,
            frozen,
            native,
            f"{label}, min {fmt(lo)}, mode {fmt(mode)}, max {fmt(hi)}",
            truncate,
            point,
            {"min": lo, "mode": mode, "max": hi},
        )

    if family == "choice":
        if (
            not isinstance(value, dict)
            or "values" not in value
            or set(value) - {"values", "weights"}
        ):
            raise DistributionError(
                "choice needs a table { values = [...], weights = [...] } (weights optional)"
            )
        values = [v * factor for v in _numbers(value["values"], None, "choice values")]
        weights = [1.0] * len(values)
        if "weights" in value:
            weights = _numbers(value["weights"], len(values), "one weight per value")
            if min(weights) < 0 or sum(weights) <= 0:
                raise DistributionError("choice weights must be ≥ 0 with a positive sum", "weights")
        return _discrete("choice", values, weights, f"choice of {len(values)} values", point)

    # empirical
    values = [v * factor for v in _numbers(value, None, "empirical = [x1, x2, ...]")]
    return _discrete(
        "empirical", values, [1.0] * len(values), f"resample {len(values)} values", point
    )
