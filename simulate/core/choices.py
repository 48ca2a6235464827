"""Choices along a second dimension, draw by draw: which swept value (or year) is best, and
when a condition is first met.

For each draw, over the coordinates of the scenario's axis (in order):

- ``minimize`` / ``maximize`` a quantity: the coordinate where it is lowest / highest among
  the coordinates that satisfy every ``subject_to`` condition (a tie goes to the earlier);
- ``first`` a condition: the first coordinate where it holds (and the ``subject_to`` ones).

A quantity that is not a number at a coordinate (an infeasible serving batch) rules that
coordinate out. A draw where no coordinate qualifies counts as "none". The result is a count
per coordinate and for "none": integers summed chunk by chunk, so the same seed gives the same
counts whatever the chunking. Conditions are thresholds (``"time_per_output_token_s<0.05"``,
or against another quantity), judged by the rule of
:func:`~simulate.core.thresholds.hit_masks`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from simulate.core.thresholds import Threshold, hit_masks

KINDS = ("minimize", "maximize", "first")


@dataclass(frozen=True)
class Choice:
    """What to choose per draw: ``kind`` of ``target`` (a quantity to minimize or maximize, or
    a condition to meet first), among the coordinates that meet ``subject_to``."""

    kind: str
    target: str | Threshold
    subject_to: tuple[Threshold, ...] = ()

    @property
    def names(self) -> set[str]:
        """The quantities it reads."""
        conditions = [*self.subject_to, *([self.target] if self.kind == "first" else [])]
        found = {self.target} if isinstance(self.target, str) else set()
        for condition in conditions:
            found.add(condition.name)
            if isinstance(condition.value, str):
                found.add(condition.value)
        return found

    def describe(self) -> str:
        words = f"{self.kind} {self.target}"
        if self.subject_to:
            words += " subject to " + ", ".join(str(t) for t in self.subject_to)
        return words


class Tally:
    """One choice over a chunk of draws, coordinate after coordinate."""

    def __init__(self, choice: Choice, draws: int, factors: Mapping[Threshold, float]) -> None:
        self.choice = choice
        self.factors = factors
        self.best = np.full(draws, -1, dtype=np.int64)
        self.value = np.full(draws, np.inf if choice.kind != "maximize" else -np.inf)

    def _holds(self, condition: Threshold, quantities: Mapping[str, np.ndarray]) -> np.ndarray:
        values = np.broadcast_to(quantities[condition.name], self.best.shape)
        limit = condition.value
        if isinstance(limit, str):
            limit = np.broadcast_to(quantities[limit], self.best.shape) * self.factors.get(
                condition, 1.0
            )
        return hit_masks(condition.op, values, limit)[0]

    def add(self, index: int, quantities: Mapping[str, np.ndarray]) -> None:
        """Take coordinate ``index`` (its quantities over the chunk's draws) into account."""
        allowed = np.ones(self.best.shape, dtype=bool)
        for condition in self.choice.subject_to:
            allowed &= self._holds(condition, quantities)
        if self.choice.kind == "first":
            met = allowed & self._holds(self.choice.target, quantities) & (self.best < 0)  # type: ignore[arg-type]
            self.best[met] = index
            return
        values = np.broadcast_to(
            np.asarray(quantities[self.choice.target], dtype=float),  # type: ignore[index]
            self.best.shape,
        )
        with np.errstate(invalid="ignore"):
            if self.choice.kind == "minimize":
                better = allowed & np.isfinite(values) & (values < self.value)
            else:
                better = allowed & np.isfinite(values) & (values > self.value)
        self.best[better] = index
        self.value[better] = values[better]

    def counts(self, coordinates: int) -> np.ndarray:
        """Draws per coordinate chosen, then the draws where none qualified."""
        counted = np.bincount(self.best + 1, minlength=coordinates + 1)
        return np.concatenate((counted[1:], counted[:1])).astype(np.int64)


def tally(
    choices: Sequence[Choice],
    per: Sequence[Mapping[str, np.ndarray]],
    draws: int,
    factors: Mapping[Threshold, float],
) -> list[np.ndarray]:
    """Each choice's counts over ``per`` (each coordinate's quantities over the same draws)."""
    tallies = [Tally(choice, draws, factors) for choice in choices]
    for index, quantities in enumerate(per):
        for each in tallies:
            each.add(index, quantities)
    return [each.counts(len(per)) for each in tallies]
