"""Units: one pint registry, the canonical unit of each kind of quantity, and conversion.

Tokens, words, parameters, FLOPs and US dollars are dimensions of their own, so a price where a
FLOP rate is expected is a dimension error rather than a silently wrong number. Values are
converted once, at load time, to the canonical unit of the quantity; kernels only ever see
canonical units. (Bytes follow pint's convention and are dimensionless.)
"""

from __future__ import annotations

import functools
from typing import Any

# Canonical unit for a quantity whose name no model declares, chosen by its dimension:
# "USD/month" becomes USD/hour, "TFLOP/s" FLOP/s, "MW" W.
_CANONICAL_BY_DIMENSION = {
    "dimensionless": "1",
    "[currency]": "USD",
    "[currency] / [time]": "USD/hour",
    "[flop]": "FLOP",
    "[flop] / [time]": "FLOP/s",
    "[token]": "token",
    "[word]": "word",
    "[token] / [word]": "token/word",
    "[parameter]": "parameter",
    "[time]": "hour",
    "[mass] * [length] ** 2 / [time] ** 3": "W",
    "[mass] * [length] ** 2 / [time] ** 2": "kWh",
}


class UnitError(ValueError):
    """A unit string pint cannot read, or a conversion between different dimensions."""


@functools.cache
def registry() -> Any:
    """The project's pint UnitRegistry (built once; pint is imported only when needed)."""
    import pint

    ureg = pint.UnitRegistry()
    ureg.define("FLOP = [flop] = flop = FLOPs")
    ureg.define("USD = [currency] = usd = dollar")
    ureg.define("token = [token]")
    ureg.define("parameter = [parameter] = param")
    ureg.define("word = [word]")
    return ureg


@functools.cache
def _quantity(unit: str) -> Any:
    if not isinstance(unit, str):
        raise UnitError(f'expected a unit as a string such as "USD/hour", got {unit!r}')
    text = unit.strip()
    if text in ("", "1"):
        text = "dimensionless"
    try:
        quantity = registry().Quantity(1.0, text)
    except Exception as exc:  # pint raises several unrelated types for unreadable strings
        raise UnitError(f"unknown unit {unit!r} ({exc})") from None
    if not quantity._ok_for_muldiv():
        raise UnitError(f"unit {unit!r} has an offset (like °C); use an absolute unit")
    return quantity


def dimension(unit: str) -> str:
    """The dimensionality of ``unit`` as text, e.g. ``"[currency] / [time]"``."""
    dims = _quantity(unit).dimensionality
    return "dimensionless" if not dims else str(dims)


def canonical_unit(unit: str) -> str:
    """The canonical unit for a quantity declared in ``unit`` (itself if none is set)."""
    return _CANONICAL_BY_DIMENSION.get(dimension(unit), unit)


def conversion_factor(from_unit: str, to_unit: str) -> float:
    """Multiply a value in ``from_unit`` by this to get it in ``to_unit``.

    Raises :class:`UnitError` when the two units measure different things.
    """
    source = _quantity(from_unit)
    target = _quantity(to_unit)
    if source.dimensionality != target.dimensionality:
        raise UnitError(
            f"unit {from_unit!r} measures {dimension(from_unit)}, "
            f"but this quantity is in {to_unit!r} ({dimension(to_unit)})"
        )
    return float(source.to(target.units).magnitude / target.magnitude)
