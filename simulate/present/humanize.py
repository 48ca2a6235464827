"""Numbers as people read them: $1.4M, $0.011/ktoken, 21.3 %, 2,048, 70B tokens.

For every output meant for people (tables, Markdown, figures); JSON and CSV keep full
precision.
"""

from __future__ import annotations

import math
import re

SHARE_WORDS = ("share", "rate", "mfu", "fraction", "utilization", "margin")
_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))
_PLURAL = {
    "token": "tokens",
    "parameter": "parameters",
    "word": "words",
    "day": "days",
    "hour": "hours",
    "year": "years",
    "month": "months",
}


def is_share(unit: str, name: str) -> bool:
    """A dimensionless quantity that reads as a percentage (an MFU, a margin, a share)."""
    return unit == "1" and any(word in name for word in SHARE_WORDS)


def percent(share: float) -> str:
    """A share as a percentage, 3 significant digits, whole above 1,000 % (-1,290 %, never
    1e+03 %): a share far beyond 100 % is exactly where something has gone wrong."""
    value = 100 * share
    return f"{value:,.0f} %" if abs(value) >= 1000 else f"{value:.3g} %"


def scaled(value: float) -> str:
    """3 significant digits with a K / M / B / T suffix."""
    magnitude = abs(value)
    if magnitude >= 1e15:
        return f"{value:.3g}"
    for size, suffix in _SUFFIXES:
        if magnitude >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def humanize(value: float | None, unit: str, name: str = "") -> str:
    """A value with its unit as a reader expects it: $1.4M, $0.011, 70B parameters, 21 %."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if is_share(unit, name):
        return percent(value)
    if unit.startswith("USD"):
        return f"{'-' if value < 0 else ''}${scaled(abs(value))}{unit[3:]}"
    if unit == "1":
        return scaled(value)
    if unit.startswith("1/"):  # a rate: 2.1T/year
        return f"{scaled(value)}/{unit[2:]}"
    return f"{scaled(value)} {_PLURAL.get(unit, unit)}"


def cell(value: float | None, unit: str, name: str = "") -> str:
    """A table cell beside a unit column: money with its $, shares as %, whole counts with
    thousands separators, the rest to 3 significant digits with a K / M / B / T suffix."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if unit.startswith("USD"):
        return f"{'-' if value < 0 else ''}${scaled(abs(value))}"
    if is_share(unit, name):
        return percent(value)
    if unit == "1" and value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return scaled(value)


def unit_label(unit: str, name: str = "") -> str:
    """The unit column: '%' for shares, '' for pure numbers, else the unit."""
    if is_share(unit, name):
        return "%"
    return "" if unit == "1" else unit


def tick(value: float, unit: str, name: str = "") -> str:
    """An axis tick: the number as :func:`humanize` writes it, without a unit word."""
    if unit.startswith("USD") or is_share(unit, name):
        return humanize(value, unit if not unit.startswith("USD") else "USD", name)
    return scaled(value)


def plain_name(name: str, description: str = "", is_assumption: bool = False) -> str:
    """What a figure calls a quantity: an output's or derived quantity's description when it
    is a short name ("cost of one query"), else the identifier in words ("gross margin").
    An assumption's description says why its numbers are what they are, so it is not used."""
    text = re.split(r"[:;(]|\. ", description.strip(), maxsplit=1)[0].strip().rstrip(".")
    if not is_assumption and text and len(text) <= 48:
        return text[0].lower() + text[1:] if text[1:2].islower() else text
    words = re.sub(r"_(usd|s|per_s)$", "", name)
    return words.replace("_", " ")
