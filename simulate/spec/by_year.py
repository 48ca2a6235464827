"""Beliefs that hold for a year: an assumption declared ``by_year``, and the scenario's year.

A price list changes with the market, so a hardware file can give an assumption for each year
it holds from — ``by_year = { 2021 = { pert = [...] }, 2023 = { ... } }``, each with its own
source — and a scenario says which year it is about with ``[scenario] year = 2022``. The
assumption is then the one listed for the latest year at or before the scenario's (a price
holds until the next one listed); a scenario without a year takes the latest (today's market).
The unit, source and description of the assumption itself hold for every year.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulate.core.errors import PriorsError

KEY = "by_year"


def select(name: str, entry: Any, year: int | None, file: str) -> Any:
    """``entry`` as a plain declaration: its ``by_year`` point for ``year``, if it has any."""
    if not isinstance(entry, Mapping) or KEY not in entry:
        return entry
    key = f"assumptions.{name}.{KEY}"
    points = {int(listed): point for listed, point in entry[KEY].items()}
    held = [listed for listed in sorted(points) if year is None or listed <= year]
    if not held:
        raise PriorsError(
            file, key,
            f"nothing is listed for {year}: the earliest year given is {min(points)} (a value "
            "holds from the year it is listed for, until the next)",
        )  # fmt: skip
    chosen = held[-1]
    point = points[chosen]
    point = dict(point) if isinstance(point, Mapping) else {"fixed": point}
    plain = {k: v for k, v in entry.items() if k != KEY}
    words = f"{KEY} {chosen}" + ("" if year is None else f", for {year}")
    sources = [s for s in (point.get("source"), plain.get("source")) if s]
    plain.update({k: v for k, v in point.items() if k != "source"})
    plain["source"] = f"{words}: " + "; ".join(sources) if sources else words
    return plain


def years_listed(entry: Any) -> list[int]:
    """The years an entry lists (none for a plain declaration)."""
    if not isinstance(entry, Mapping) or KEY not in entry:
        return []
    return sorted(int(listed) for listed in entry[KEY])
