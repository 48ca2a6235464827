"""Units: one pint registry, the canonical unit of each kind of quantity, and conversion.

Tokens, words, parameters, FLOPs, US dollars and bytes are dimensions of their own, so a price
where a FLOP rate is expected, or a memory size where a count is expected, is a dimension error
rather than a silently wrong number. (pint's own registry makes bits and bytes dimensionless;
here they measure ``[information]``, so ``GB`` and ``GiB`` convert into each other and nothing
else.) Prefixes work on every unit: ``USD/Mtoken``, ``USD/ktoken``, ``kUSD``, ``Gparameter``.

A quantity is stored in the unit it was declared in; a model reads its inputs converted to the
unit it declares (:func:`conversion_factor`), and ``[derived]`` expressions carry units through
every operation (:mod:`simulate.core.expressions`).
"""

from __future__ import annotations

import functools
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from simulate.core import cache

# The unit a quantity gets when its unit is inferred (a [derived] expression without a declared
# unit, not read by any model), chosen by its dimension: "USD/month" · "month" is shown in USD.
_CANONICAL_BY_DIMENSION = {
    "dimensionless": "1",
    "[currency]": "USD",
    "[currency] / [time]": "USD/hour",
    "[currency] / [token]": "USD/ktoken",
    "[flop]": "FLOP",
    "[flop] / [time]": "FLOP/s",
    "[token]": "token",
    "[word]": "word",
    "[token] / [word]": "token/word",
    "[parameter]": "parameter",
    "[time]": "hour",
    "[information]": "GB",
    "[information] / [time]": "GB/s",
    "[mass] * [length] ** 2 / [time] ** 3": "W",
    "[mass] * [length] ** 2 / [time] ** 2": "kWh",
}
MAX_POWER = 12
# pint's short symbols people do not read as units
_SYMBOL_WORDS = {"a": "year", "h": "hour", "d": "day", "min": "minute"}


class UnitError(ValueError):
    """A unit string pint cannot read, or a conversion between different dimensions."""


def _import_pint() -> Any:
    # pint probes for dask at import (0.14 s) to support dask arrays, which nothing here
    # passes it; hide dask during that probe unless it is already loaded
    hidden = "dask" not in sys.modules
    if hidden:
        sys.modules["dask"] = None  # type: ignore[assignment]
    try:
        import pint
    finally:
        if hidden:
            del sys.modules["dask"]
    return pint


def _cache_folder(version: str) -> Path | None:
    """Where parsed unit definitions are cached (see :mod:`simulate.core.cache`)."""
    return cache.folder(f"pint-{version}")


def _definitions(pint: Any) -> str:
    # pint's default definitions, with bits (and so bytes) as a dimension of their own
    folder = Path(pint.__file__).parent
    text = (folder / "default_en.txt").read_text(encoding="utf-8")
    text = text.replace("bit = []", "bit = [information]", 1)
    return text.replace(
        "@import constants_en.txt", (folder / "constants_en.txt").read_text(encoding="utf-8")
    )


def _cached_registry(pint: Any, text: str) -> Any:
    """A registry from definitions pint has parsed before (10× faster to build), or ``None``."""
    folder = _cache_folder(pint.__version__)
    if folder is None:
        return None
    path = folder / "definitions.txt"
    try:
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(temporary, path)
        return pint.UnitRegistry(str(path), cache_folder=folder / "parsed")
    except Exception:  # a cache that cannot be used is only slower: parse afresh
        return None


@functools.cache
def registry() -> Any:
    """The project's pint UnitRegistry (built once; pint is imported only when needed)."""
    pint = _import_pint()
    text = _definitions(pint)
    ureg = _cached_registry(pint, text)
    if ureg is None:
        ureg = pint.UnitRegistry(None)
        ureg.load_definitions(text.splitlines())
    ureg.define("FLOP = [flop] = _ = flop = FLOPs")
    ureg.define("USD = [currency] = _ = usd = dollar")
    ureg.define("token = [token]")
    ureg.define("parameter = [parameter] = _ = param")
    ureg.define("word = [word]")
    return ureg


def quantity(unit: str) -> Any:
    """``1 unit`` as a pint Quantity; raises :class:`UnitError` for what pint cannot read."""
    if not isinstance(unit, str):
        raise UnitError(f'expected a unit as a string such as "USD/hour", got {unit!r}')
    return _parse(unit)


@functools.cache
def _parse(unit: str) -> Any:
    text = unit.strip()
    if text in ("", "1"):
        text = "dimensionless"
    try:
        parsed = registry().Quantity(1.0, text)
    except Exception as exc:  # pint raises several unrelated types for unreadable strings
        raise UnitError(f"unknown unit {unit!r} ({exc})") from None
    if not parsed._ok_for_muldiv():
        raise UnitError(f"unit {unit!r} has an offset (like °C); use an absolute unit")
    if not powers_ok(parsed):
        raise UnitError(f"unit {unit!r} has a power above {MAX_POWER}; no quantity means that")
    return parsed


def powers_ok(unit: Any) -> bool:
    """Whether every power in ``unit`` is at most :data:`MAX_POWER` in size (hour**1000
    overflows any conversion)."""
    return all(abs(power) <= MAX_POWER for power in unit._units.values())


def dimension(unit: str | Any) -> str:
    """The dimensionality of ``unit`` as text, e.g. ``"[currency] / [time]"``."""
    dims = (quantity(unit) if isinstance(unit, str) else unit).dimensionality
    return "dimensionless" if not dims else str(dims)


def same_dimension(a: str | Any, b: str | Any) -> bool:
    """Whether two units (strings or pint quantities) measure the same kind of thing."""
    return dimension(a) == dimension(b)


def canonical_unit(unit: str | Any) -> str:
    """The conventional unit for a quantity of this dimension (``unit`` itself if none)."""
    name = _CANONICAL_BY_DIMENSION.get(dimension(unit))
    if name is not None:
        return name
    return unit if isinstance(unit, str) else text(unit.to_reduced_units())


def text(unit: Any) -> str:
    """A pint unit (or quantity of magnitude 1) written as people write it: ``USD/Mtoken``."""
    units = getattr(unit, "units", unit)
    written = f"{units:~C}" or "1"
    return re.sub(r"[A-Za-z]+", lambda m: _SYMBOL_WORDS.get(m.group(0), m.group(0)), written)


def conversion_factor(from_unit: str | Any, to_unit: str | Any) -> float:
    """Multiply a value in ``from_unit`` by this to get it in ``to_unit``.

    Units are strings or pint quantities. Raises :class:`UnitError` when the two units measure
    different things.
    """
    source = quantity(from_unit) if isinstance(from_unit, str) else from_unit
    target = quantity(to_unit) if isinstance(to_unit, str) else to_unit
    if source.dimensionality != target.dimensionality:
        raise UnitError(
            f"unit {_name(from_unit)} measures {dimension(source)}, "
            f"but this quantity is in {_name(to_unit)} ({dimension(target)})"
        )
    return float(source.to(target.units).magnitude / target.magnitude)


def _name(unit: str | Any) -> str:
    return repr(unit) if isinstance(unit, str) else repr(text(unit))


def hint(wanted: str, got: str | Any) -> str:
    """A suggestion for the mistakes people make with per-token prices and bytes ("" if none)."""
    try:
        have, need = dimension(got), dimension(wanted)
    except UnitError:
        return ""
    if need == "[currency] / [token]" and have == "[currency]":
        return '; a price per token is in "USD/ktoken" (per 1,000 tokens) or "USD/Mtoken"'
    if need == "[information] / [parameter]" and have == "[information]":
        return '; bytes per parameter are in "B/parameter"'
    return ""
