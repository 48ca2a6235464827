"""Beliefs that hold for a year: an assumption declared ``by_year``, and the scenario's year.

A price list changes with the market, so a hardware file can give an assumption for each year
it holds from — ``by_year = { 2021 = { pert = [...] }, 2023 = { ... } }``, each with its own
source — and a scenario says which year it is about with ``[scenario] year = 2022``. The
assumption is then the one listed for the latest year at or before the scenario's (a price
holds until the next one listed); a scenario without a year takes the latest (today's market).
The unit, source and description of the assumption itself hold for every year.

A scenario with ``years = [...]`` takes, in each year, the belief listed for it: the first
year's is drawn, and a draw keeps its quantile in the later years' (see
:class:`~simulate.core.scenario.Trajectory`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simulate.core.errors import PriorsError

KEY = "by_year"


ALONG = "by_year along years"  # not a TOML key: each year's entry, for a scenario with years


def held_from(name: str, entry: Mapping[str, Any], year: int | None, file: str) -> int:
    """The year listed whose value holds in ``year``: the latest at or before it (without a
    year, the latest listed)."""
    listed = years_listed(entry)
    held = [y for y in listed if year is None or y <= year]
    if not held:
        raise PriorsError(
            file, f"assumptions.{name}.{KEY}",
            f"nothing is listed for {year}: the earliest year given is {listed[0]} (a value "
            "holds from the year it is listed for, until the next)",
        )  # fmt: skip
    return held[-1]


def select(name: str, entry: Any, year: int | None, file: str) -> Any:
    """``entry`` as a plain declaration: its ``by_year`` point for ``year``, if it has any."""
    if not isinstance(entry, Mapping) or KEY not in entry:
        return entry
    chosen = held_from(name, entry, year, file)
    point = {int(listed): point for listed, point in entry[KEY].items()}[chosen]
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


def along(name: str, entry: Any, years: list[int], file: str) -> Any:
    """For a scenario with ``years``: the entry of the first year, carrying under
    :data:`ALONG` each year's ``(year, year listed, entry)``, from which the reader builds the
    assumption's trajectory."""
    if not isinstance(entry, Mapping) or KEY not in entry:
        return entry
    for key in ("base_year", "growth_per_year"):
        if key in entry:
            raise PriorsError(
                file, f"assumptions.{name}.{key}",
                "a value listed by year moves from one listed belief to the next: give either "
                "by_year or base_year with growth_per_year, not both",
            )  # fmt: skip
    each = [
        (year, held_from(name, entry, year, file), select(name, entry, year, file))
        for year in years
    ]
    first = dict(each[0][2])
    spans: dict[int, list[int]] = {}
    for year, listed, _ in each:
        spans.setdefault(listed, []).append(year)
    words = ", ".join(f"{listed} for {_span(covered)}" for listed, covered in spans.items())
    points = {int(listed): point for listed, point in entry[KEY].items()}
    sources = [p.get("source") for p in map(points.get, spans) if isinstance(p, Mapping)]
    sources = [s for s in (*sources, entry.get("source")) if s]
    first["source"] = f"{KEY} {words}: " + "; ".join(sources) if sources else f"{KEY} {words}"
    first[ALONG] = tuple(each)
    return first


def _span(years: list[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
