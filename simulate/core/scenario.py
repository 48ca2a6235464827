"""The validated plan of a scenario: what a priors file becomes once :mod:`simulate.spec.reader` has
read and checked it, and what every later step reads — assumptions (with their
distributions), derived quantities, models and the order they are evaluated in.

It sits below the engine and the spec alike: the spec builds a :class:`Scenario`, the engine
samples and evaluates one, and neither needs the other to do so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulate.core import dimensions, expressions
from simulate.core.dependence import Dependence
from simulate.core.distributions import Distribution
from simulate.core.graph import Step
from simulate.core.observations import Observation
from simulate.core.thresholds import Threshold
from simulate.models import Model


@dataclass(frozen=True)
class JointSet:
    """A joint parameter set as declared: what ``simulate check`` and reports show."""

    label: str
    names: tuple[str, ...]
    kind: str  # "table" or "multivariate normal"
    detail: str  # the table's path and row count, or the covariance's size
    source: str
    description: str
    content: bytes = b""  # the table file's bytes (part of the scenario's hash)


@dataclass(frozen=True)
class JointMember:
    """One assumption of a joint set: its marginal distribution and unit."""

    name: str
    distribution: Distribution
    unit: str
    declaration: str
    source: str
    description: str


_SMALLEST = float(np.finfo(float).tiny)
_LARGEST = float(np.nextafter(1.0, 0.0))


@dataclass(frozen=True)
class Trajectory:
    """How an assumption moves with the years, so that a draw is one coherent future.

    Either a growth: in year y the assumption is its drawn value (which describes
    ``base_year``) × (1 + g)^(y − base_year), with g the assumption ``growth``, drawn once per
    draw. Or beliefs listed by year (``by_year``): one distribution per year of the axis (the
    one listed for the latest year at or before it, ``held_from``), the first drawn; in a later
    year a draw keeps its place in the distribution (its quantile), so a draw priced low in one
    year's range is priced low in the next's.
    """

    base_year: int
    growth: str | None = None
    by_year: tuple[Distribution, ...] = ()  # one per year of the axis
    held_from: tuple[int, ...] = ()  # the year each of them was listed for

    def at(self, index: int, drawn: np.ndarray) -> np.ndarray:
        """A by_year assumption's values in the axis's year ``index``, from its drawn ones
        (values of the first year's distribution)."""
        if self.held_from[index] == self.held_from[0]:
            return drawn
        year = self.by_year[index]
        if year.is_fixed:
            return np.full(np.shape(drawn), year.point)
        first = self.by_year[0]
        assert first.cdf is not None  # the reader refuses a fixed or discrete first year
        # a quantile of exactly 1 (or 0) would be an infinite value in an unbounded range
        quantile = np.clip(first.cdf(drawn), _SMALLEST, _LARGEST)
        return year.ppf(quantile)


@dataclass(frozen=True)
class Axis:
    """The results' second dimension: the scenario's years, or one assumption swept over
    values (``dimension`` is then its name; the values are in its unit)."""

    dimension: str
    values: tuple[float, ...]
    swept: bool = False

    def label(self, index: int) -> str:
        value = self.values[index]
        return f"{int(value)}" if float(value).is_integer() and abs(value) < 1e6 else f"{value:g}"


@dataclass(frozen=True)
class Assumption:
    """A sampled input: its distribution (in ``unit``, as declared) and where the belief comes
    from."""

    name: str
    distribution: Distribution
    unit: str
    declared_unit: str
    declaration: str
    source: str
    description: str
    file: str
    trajectory: Trajectory | None = None
    growth: Any = None  # the growth_per_year entry as read, until the reader expands it


@dataclass(frozen=True)
class Derived:
    """A quantity computed by a whitelisted expression over other quantities.

    ``inferred_unit`` is the unit the expression gives; ``unit`` the one the quantity is kept
    and shown in (as declared, else the unit a model reads it in, else the inferred one's
    conventional unit), and ``factor`` converts the first into the second.
    """

    name: str
    expression: expressions.Expression
    unit: str
    factor: float
    source: str
    description: str
    file: str
    declared_unit: str | None = None
    inferred_unit: str = ""
    typed: dimensions.Typed | None = None

    def __call__(self, env: expressions.Env) -> Any:
        """The quantity's values, in ``unit``, from the values (in their units) it reads."""
        if self.typed is None:  # only before the scenario is planned
            raise RuntimeError(f"{self.name} has not been compiled with units")
        value = self.typed(env)
        return value * self.factor if self.factor != 1.0 else value


@dataclass(frozen=True)
class Scenario:
    """A validated priors file: assumptions, derived quantities, models, evaluation order."""

    name: str
    title: str
    description: str
    path: str
    sha256: str
    assumptions: dict[str, Assumption]
    derived: dict[str, Derived]
    models: tuple[Model, ...]
    steps: tuple[Step, ...]
    report: tuple[str, ...]
    thresholds: tuple[Threshold, ...] = ()
    # name → factor from the unit a quantity is kept in to the unit the models read it in
    input_factors: dict[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    # what a model says the scenario leaves out (e.g. serving without a KV cache): notes that
    # do not make the file wrong
    notes: tuple[str, ...] = ()
    # assumptions drawn together: rank correlations and joint parameter sets
    dependence: Dependence = field(default_factory=Dependence)
    joint_sets: tuple[JointSet, ...] = ()
    # assumptions replaced on the command line (--set NAME=VALUE), in name order
    overrides: tuple[tuple[str, str], ...] = ()
    # what was measured ([observations], --observe): conditions the draws into a posterior
    observations: tuple[Observation, ...] = ()
    # the second dimension ([scenario] years or [sweep]), if any
    axis: Axis | None = None
    # the one year the scenario is about ([scenario] year): it picked the by_year values
    year: int | None = None

    @property
    def along(self) -> list[str]:
        """The assumptions whose values change along the axis: those with a trajectory over
        the years, or the swept one."""
        if self.axis is None:
            return []
        if self.axis.swept:
            return [self.axis.dimension]
        return [n for n, a in self.assumptions.items() if a.trajectory is not None]

    @property
    def outputs(self) -> list[str]:
        """Names computed from the assumptions (model outputs and derived), in order."""
        return [name for step in self.steps for name in step.provides]

    @property
    def sampled(self) -> list[str]:
        """Assumptions that are not fixed, in the order they were declared."""
        return [n for n, a in self.assumptions.items() if not a.distribution.is_fixed]

    def unit(self, name: str) -> str:
        """The unit a quantity's numbers are in (as declared, or inferred, or the model's)."""
        if name in self.assumptions:
            return self.assumptions[name].unit
        if name in self.derived:
            return self.derived[name].unit
        for model in self.models:
            for port in model.outputs:
                if port.name == name:
                    return port.unit
        raise KeyError(name)

    def description_of(self, name: str) -> str:
        if name in self.assumptions:
            return self.assumptions[name].description
        if name in self.derived:
            return self.derived[name].description
        for model in self.models:
            for port in model.outputs:
                if port.name == name:
                    return port.description
        return ""
