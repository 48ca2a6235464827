"""What every built-in model declares: its kernel, its inputs and outputs with canonical units."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

Kernel = Callable[..., dict[str, np.ndarray]]


@dataclass(frozen=True)
class Domain:
    """The values an input can take, in its canonical unit: a closed or open lower and upper
    bound, and how to say it."""

    low: float
    high: float
    low_open: bool
    words: str
    share: bool = False  # a fraction people also write in percent (40 for 0.40)

    def holds(self, value: float) -> bool:
        above = value > self.low if self.low_open else value >= self.low
        return bool(above and value <= self.high)


DOMAINS = {
    "positive": Domain(0.0, math.inf, True, "positive (above 0)"),
    "nonnegative": Domain(0.0, math.inf, False, "zero or more"),
    "share": Domain(0.0, 1.0, False, "a share from 0 to 1", share=True),
    "fraction": Domain(0.0, 1.0, True, "a share above 0 and at most 1", share=True),
    "count": Domain(1.0, math.inf, False, "at least 1"),
}


@dataclass(frozen=True)
class Port:
    """One named input or output of a model, in its canonical unit."""

    name: str
    unit: str
    description: str
    # an output computed only when these optional inputs are given (one name or several)
    requires: str | tuple[str, ...] | None = None
    # an input's values: one of DOMAINS (None: any real number)
    domain: str | None = None

    @property
    def required(self) -> tuple[str, ...]:
        if self.requires is None:
            return ()
        return (self.requires,) if isinstance(self.requires, str) else self.requires


@dataclass(frozen=True)
class Model:
    """A cost model: a pure vectorized kernel and the names it reads and writes."""

    name: str
    kernel: Kernel
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    optional: tuple[Port, ...] = ()
    # at least one of these groups of optional inputs must be given (all names in it)
    needs_one_of: tuple[tuple[str, ...], ...] = ()
    source: str = ""
    # for a model whose outputs depend on which facts it is given: the outputs it computes
    # when ``given`` names come from elsewhere, and (name to fix, why) a set of given names
    # is inconsistent
    produces: Callable[[frozenset[str]], tuple[str, ...]] | None = None
    inconsistency: Callable[[frozenset[str]], tuple[str, str] | None] | None = None
    # optional inputs a starting template declares (one consistent way to state the facts)
    template: tuple[str, ...] = ()
    # what a scenario leaves out that biases the result, from the names given and the values
    # of fixed assumptions: one warning line each (shown by ``check`` and ``run``)
    advice: Callable[[frozenset[str], Mapping[str, float]], list[str]] | None = None
    # inputs that take one of a few values, each value → the optional input it then needs
    # (``None``: nothing more); checked against the declared values when a file is loaded
    choices: Mapping[str, Mapping[float, str | None]] = field(default_factory=dict)
    # a 0/1 output that marks draws the model cannot evaluate as stated (their other outputs
    # are NaN): counted and said, never priced
    infeasible: str | None = None

    @property
    def summary(self) -> str:
        return (self.kernel.__doc__ or "").strip().splitlines()[0]

    def outputs_given(self, available: set[str], given: set[str] | None = None) -> list[Port]:
        """The outputs this model produces when ``available`` names are provided (``given``:
        those provided by something other than this model)."""
        if self.produces is not None:
            names = self.produces(frozenset(available if given is None else given))
            return [p for p in self.outputs if p.name in names]
        return [p for p in self.outputs if all(name in available for name in p.required)]


def alternatives(
    groups: tuple[tuple[str, ...], ...], what: str
) -> Callable[[frozenset[str]], tuple[str, str] | None]:
    """An ``inconsistency`` rule for a model whose ``needs_one_of`` groups are alternatives:
    names from two of them are one fact given twice (a price per token and a serving cost)."""

    def inconsistency(given: frozenset[str]) -> tuple[str, str] | None:
        found = [group for group in groups if given & set(group)]
        if len(found) < 2:
            return None
        ways = "; or ".join(", ".join(group) for group in groups)
        return sorted(given & set(found[0]))[0], f"is {what} twice: give one of {ways}"

    return inconsistency
