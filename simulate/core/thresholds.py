"""Thresholds: "P(query_cost_usd > revenue_per_query_usd)", from an option or a priors file."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulate.core import units
from simulate.core.errors import PriorsError

# what each operator of a threshold means, applied draw by draw
COMPARE = {">": np.greater, "<": np.less, ">=": np.greater_equal, "<=": np.less_equal}

_THRESHOLD = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*(>=|<=|>|<)\s*(\S+)\s*$")


@dataclass(frozen=True)
class Threshold:
    """``P(name op value)``: the value is a number or another quantity, compared draw by draw
    (the chance the query cost exceeds the revenue per query)."""

    name: str
    op: str
    value: float | str

    @property
    def condition(self) -> str:
        """The key of this threshold in a summary, e.g. ``">0.048"``."""
        value = self.value if isinstance(self.value, str) else f"{self.value:g}"
        return f"{self.op}{value}"

    def __str__(self) -> str:
        return f"{self.name}{self.condition}"


_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def parse_threshold(text: str, file: str | None = None, key: str = "--threshold") -> Threshold:
    """Read ``NAME>VALUE`` or ``NAME>OTHER_NAME`` (also ``<``, ``>=``, ``<=``).

    Errors name ``file`` and ``key``: the option on the command line, or the priors key.
    """
    match = _THRESHOLD.match(text)
    if not match:
        hint = ""
        if file is None and _NAME.match(text.strip()):
            # `--threshold a>5` unquoted: the shell wrote to a file named 5 and passed "a"
            hint = (
                "; quote it, or the shell reads > and < as redirections: "
                f"--threshold '{text.strip()}>VALUE'"
            )
        raise PriorsError(
            file, key, f"expected NAME>VALUE such as query_cost_usd>0.048, got {text!r}{hint}"
        )
    name, op, raw = match.groups()
    try:
        value = float(raw)
    except ValueError:
        if _NAME.match(raw):
            return Threshold(name, op, raw)
        raise PriorsError(
            file, key, f"{raw!r} in {text!r} is neither a number nor a quantity name"
        ) from None
    if not math.isfinite(value):
        raise PriorsError(file, key, f"expected a finite value, got {raw!r}")
    return Threshold(name, op, value)


def threshold_factor(
    threshold: Threshold,
    unit_of: Callable[[str], str],
    file: str | None = None,
    key: str = "--threshold",
) -> float:
    """The factor that brings the quantity a threshold compares against into the unit of the
    quantity it is about (1 for a number): ``savings_usd_per_month > budget_kusd_per_year``
    compares in USD a month. A :class:`PriorsError` naming ``file`` and ``key`` if the two
    measure different things."""
    if not isinstance(threshold.value, str):
        return 1.0
    unit, other = unit_of(threshold.name), unit_of(threshold.value)
    try:
        return units.conversion_factor(other, unit)
    except units.UnitError:
        raise PriorsError(
            file,
            key,
            f"{threshold} compares {threshold.name} in {unit} with {threshold.value} in "
            f"{other}: they measure different things",
        ) from None


def count_hits(op: str, values: np.ndarray, limit: Any) -> tuple[int, int]:
    """``(hits, judged)``: of the draws where both sides are numbers, how many satisfy
    ``values op limit``. An infinite draw (a break-even never reached) is judged on its side
    of the limit; a NaN draw, or a NaN of a per-draw reference ``limit``, is not judged. The
    one rule behind every threshold probability, kept and streamed."""
    hits, judged = hit_masks(op, values, limit)
    return int(np.count_nonzero(hits)), int(np.count_nonzero(judged))


def weigh_hits(op: str, values: np.ndarray, limit: Any, weights: np.ndarray) -> tuple[float, float]:
    """:func:`count_hits` with each draw counted by its weight (a posterior's)."""
    hits, judged = hit_masks(op, values, limit)
    return float(np.sum(weights, where=hits)), float(np.sum(weights, where=judged))


def hit_masks(op: str, values: np.ndarray, limit: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(hit, judged)`` per draw, by the rule of :func:`count_hits`."""
    values = np.asarray(values, dtype=float)
    judged = ~np.isnan(values)
    if np.ndim(limit):  # a reference quantity, draw by draw
        limit = np.broadcast_to(np.asarray(limit, dtype=float), values.shape)
        judged &= ~np.isnan(limit)
    with np.errstate(invalid="ignore"):
        hits = COMPARE[op](values, limit) & judged
    return hits, judged
