"""The distribution families a priors file can declare, one class each, and the registry
:func:`build` dispatches through. Each family gives the JSON Schema of its parameters (the
priors file's schema, :mod:`simulate.spec.schema`, is built from them) and builds a
:class:`~simulate.core.distributions.Distribution` from a declaration.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from simulate.core.distributions import (
    MAX_INTERVAL,
    MIN_INTERVAL,
    Distribution,
    DistributionError,
    Shape,
    _beta_shape,
    _continuous,
    _discrete,
    _lognormal_shape,
    _loguniform_shape,
    _normal_shape,
    _number,
    _numbers,
    _ordered,
    _table,
    _triangular_shape,
    _uniform_shape,
    _z,
    fit_beta,
    fmt,
)

# ---------------------------------------------------------------- the families

NUMBER: dict[str, Any] = {"type": "number"}


def _list_of(count: int | None, what: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "items": NUMBER, "minItems": count or 1}
    if count is not None:
        schema["maxItems"] = count
    return {**schema, "description": what}


def _table_of(*keys: str) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {k: NUMBER for k in keys},
        "required": list(keys),
        "additionalProperties": False,
    }


class Family:
    """One family of distributions as a priors file declares it: ``name = value``.

    ``schema`` is the JSON Schema of ``value`` (the priors file's schema is built from the
    families' own); :meth:`build` turns ``value`` into a :class:`Distribution`.
    """

    name: ClassVar[str]
    schema: ClassVar[dict[str, Any]]
    interval_form: ClassVar[bool] = False  # a two-number form is a credible interval
    continuous: ClassVar[bool] = True  # min/max can truncate it

    def build(
        self,
        value: Any,
        factor: float,
        interval: float,
        point: float | None,
        truncate: tuple[float | None, float | None],
    ) -> Distribution:
        raise NotImplementedError


class Fixed(Family):
    name = "fixed"
    schema: ClassVar[dict[str, Any]] = {**NUMBER, "description": "the value"}
    continuous = False

    def build(self, value, factor, interval, point, truncate):  # type: ignore[no-untyped-def]
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


class Uniform(Family):
    name = "uniform"
    schema: ClassVar[dict[str, Any]] = _list_of(2, "[lo, hi]")

    def _shape(self, lo: float, hi: float) -> tuple[Shape, Callable]:
        return _uniform_shape(lo, hi), lambda rng, n: rng.uniform(lo, hi, n)

    def build(self, value, factor, interval, point, truncate):  # type: ignore[no-untyped-def]
        lo, hi = (v * factor for v in _numbers(value, 2, f"{self.name} = [lo, hi]"))
        _ordered(lo, hi, self.name)
        frozen, native = self._shape(lo, hi)
        return _continuous(
            self.name,
            frozen,
            native,
            f"{self.name} on [{fmt(lo)}, {fmt(hi)}]",
            truncate,
            point,
            {"lo": lo, "hi": hi},
        )


class LogUniform(Uniform):
    name = "loguniform"
    schema: ClassVar[dict[str, Any]] = _list_of(2, "[lo, hi] with 0 < lo")

    def _shape(self, lo: float, hi: float) -> tuple[Shape, Callable]:
        if lo <= 0:
            raise DistributionError(f"loguniform needs 0 < lo, got {fmt(lo)}")
        log_lo, log_hi = math.log(lo), math.log(hi)
        return _loguniform_shape(lo, hi), lambda rng, n: np.exp(rng.uniform(log_lo, log_hi, n))


class Normal(Family):
    name = "normal"
    schema: ClassVar[dict[str, Any]] = {
        "description": "a 90 % interval [lo, hi], or { mean, sd }",
        "oneOf": [_list_of(2, "[lo, hi]"), _table_of("mean", "sd")],
    }
    interval_form = True

    def build(self, value, factor, interval, point, truncate):  # type: ignore[no-untyped-def]
        if isinstance(value, dict):
            mean, sd = _table(value, ("mean", "sd"), self.name)
            mean, sd = mean * factor, sd * factor
            if sd <= 0:
                raise DistributionError(f"normal sd must be positive, got {fmt(sd)}", "sd")
        else:
            lo, hi = (v * factor for v in _numbers(value, 2, "normal = [lo, hi]"))
            _ordered(lo, hi, self.name)
            mean, sd = (lo + hi) / 2.0, (hi - lo) / (2.0 * _z(interval))
        frozen = _normal_shape(mean, sd)
        lo90, hi90 = frozen.ppf(np.array([0.05, 0.95]))
        return _continuous(
            self.name,
            frozen,
            lambda rng, n: rng.normal(mean, sd, n),
            f"normal, mean {fmt(mean)}, sd {fmt(sd)}, 90 % in [{fmt(lo90)}, {fmt(hi90)}]",
            truncate,
            point,
            {"mean": mean, "sd": sd},
        )


class LogNormal(Family):
    name = "lognormal"
    schema: ClassVar[dict[str, Any]] = {
        "description": "a 90 % interval [lo, hi] with 0 < lo, or { mu, sigma } (of the log)",
        "oneOf": [_list_of(2, "[lo, hi]"), _table_of("mu", "sigma")],
    }
    interval_form = True

    def build(self, value, factor, interval, point, truncate):  # type: ignore[no-untyped-def]
        if isinstance(value, dict):
            mu, sigma = _table(value, ("mu", "sigma"), self.name)
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
            _ordered(lo, hi, self.name)
            if lo <= 0:
                raise DistributionError(f"lognormal needs 0 < lo, got {fmt(lo)}")
            mu = (math.log(lo) + math.log(hi)) / 2.0
            sigma = (math.log(hi) - math.log(lo)) / (2.0 * _z(interval))
        frozen = _lognormal_shape(mu, sigma)
        lo90, hi90 = frozen.ppf(np.array([0.05, 0.95]))
        return _continuous(
            self.name,
            frozen,
            lambda rng, n: rng.lognormal(mu, sigma, n),
            f"lognormal, median {fmt(math.exp(mu))}, 90 % in [{fmt(lo90)}, {fmt(hi90)}]",
            truncate,
            point,
            {"mu": mu, "sigma": sigma},
        )


class Beta(Family):
    name = "beta"
    schema: ClassVar[dict[str, Any]] = {
        "description": "a 90 % interval [lo, hi] inside (0, 1), or { a, b }",
        "oneOf": [_list_of(2, "[lo, hi]"), _table_of("a", "b")],
    }
    interval_form = True

    def build(self, value, factor, interval, point, truncate):  # type: ignore[no-untyped-def]
        if factor != 1.0:
            raise DistributionError('a beta is a rate in (0, 1): declare unit "1"', "unit")
        if isinstance(value, dict):
            a, b = _table(value, ("a", "b"), self.name)
            if a <= 0 or b <= 0:
                raise DistributionError(f"beta a and b must be positive, got a={a}, b={b}")
        else:
            lo, hi = _numbers(value, 2, "beta = [lo, hi]")
            _ordered(lo, hi, self.name)
            if not (0.0 < lo and hi < 1.0):
                raise DistributionError(
                    f"a beta interval must lie inside (0, 1), got [{fmt(lo)}, {fmt(hi)}]"
                )
            a, b = fit_beta(lo, hi, interval)
        frozen = _beta_shape(a, b)
        lo90, hi90 = frozen.ppf(np.array([0.05, 0.95]))
        return _continuous(
            self.name,
            frozen,
            lambda rng, n: rng.beta(a, b, n),
            f"beta(a={fmt(a)}, b={fmt(b)}), 90 % in [{fmt(lo90)}, {fmt(hi90)}]",
            truncate,
            point,
            {"a": a, "b": b},
        )


class Pert(Family):
    name = "pert"
    schema: ClassVar[dict[str, Any]] = _list_of(3, "[min, mode, max]")
    label = "PERT"

    def _shape(self, lo: float, mode: float, hi: float) -> tuple[Shape, Callable]:
        width = hi - lo
        a = 1.0 + 4.0 * (mode - lo) / width
        b = 1.0 + 4.0 * (hi - mode) / width
        return _beta_shape(a, b, lo, width), lambda rng, n: lo + width * rng.beta(a, b, n)

    def build(self, value, factor, interval, point, truncate):  # type: ignore[no-untyped-def]
        lo, mode, hi = (v * factor for v in _numbers(value, 3, f"{self.name} = [min, mode, max]"))
        if not (lo <= mode <= hi and lo < hi):
            raise DistributionError(
                f"{self.name} needs min ≤ mode ≤ max and min < max, "
                f"got [{fmt(lo)}, {fmt(mode)}, {fmt(hi)}]"
            )
        frozen, native = self._shape(lo, mode, hi)
        return _continuous(
            self.name,
            frozen,
            native,
            f"{self.label}, min {fmt(lo)}, mode {fmt(mode)}, max {fmt(hi)}",
            truncate,
            point,
            {"min": lo, "mode": mode, "max": hi},
        )


class Triangular(Pert):
    name = "triangular"
    label = "triangular"

    def _shape(self, lo: float, mode: float, hi: float) -> tuple[Shape, Callable]:
        return _triangular_shape(lo, mode, hi), lambda rng, n: rng.triangular(lo, mode, hi, n)


class Choice(Family):
    name = "choice"
    schema: ClassVar[dict[str, Any]] = {
        "description": "{ values = [...], weights = [...] } (weights optional)",
        "type": "object",
        "properties": {"values": _list_of(None, "the values"), "weights": _list_of(None, "")},
        "required": ["values"],
        "additionalProperties": False,
    }
    continuous = False

    def build(self, value, factor, interval, point, truncate):  # type: ignore[no-untyped-def]
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


class Empirical(Family):
    name = "empirical"
    schema: ClassVar[dict[str, Any]] = _list_of(None, "[x1, x2, ...]: observed values, resampled")
    continuous = False

    def build(self, value, factor, interval, point, truncate):  # type: ignore[no-untyped-def]
        values = [v * factor for v in _numbers(value, None, "empirical = [x1, x2, ...]")]
        return _discrete(
            "empirical", values, [1.0] * len(values), f"resample {len(values)} values", point
        )


REGISTRY: dict[str, Family] = {
    family.name: family()
    for family in (
        Fixed, Uniform, LogUniform, Normal, LogNormal, Beta, Pert, Triangular, Choice, Empirical
    )
}  # fmt: skip
FAMILIES = tuple(REGISTRY)
INTERVAL_FAMILIES = tuple(name for name, family in REGISTRY.items() if family.interval_form)


def build(
    family: str,
    value: Any,
    *,
    factor: float = 1.0,
    interval: float | None = None,
    point: float | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
) -> Distribution:
    """Build a distribution from a priors-file declaration ``family = value``.

    ``factor`` multiplies the numbers of ``value`` (1 when the quantity is kept in the unit it
    was declared in, as :mod:`simulate.spec.reader` does); ``point``, ``minimum`` and
    ``maximum`` are already in the resulting unit.
    """
    if family not in REGISTRY:
        raise DistributionError(f"unknown distribution {family!r}; expected one of {FAMILIES}")
    kind = REGISTRY[family]
    if interval is not None and not kind.interval_form:
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
    if not kind.continuous and truncate != (None, None):
        raise DistributionError(f"min/max truncate continuous distributions, not {family}", "min")
    distribution = kind.build(value, factor, interval, point, truncate)
    lo, hi = distribution.support
    if not lo <= distribution.point <= hi:
        raise DistributionError(
            f"point {fmt(distribution.point)} lies outside the distribution's range "
            f"[{fmt(lo)}, {fmt(hi)}]",
            "point",
        )
    return distribution
