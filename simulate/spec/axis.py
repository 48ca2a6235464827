"""A second dimension for a scenario, as a priors file declares it.

- ``[scenario] years = [2024, …, 2030]``: every draw is evaluated in each year. An assumption
  with ``base_year`` and ``growth_per_year`` moves with the years: its distribution describes
  ``base_year``, and its value in year y is that × (1 + g)^(y − base_year), g drawn once per
  draw (so one draw is one coherent future). The growth is an assumption of its own, named
  ``<name>_growth_per_year`` (a share per year: −0.3 is 30 % less each year), that
  ``[correlations]`` can correlate with others.
- An assumption listed ``by_year`` moves from one year's belief to the next: each year takes
  the one listed for the latest year at or before it, and a draw keeps its quantile, so it is
  as cheap or as dear in each year's range (:class:`~simulate.core.scenario.Trajectory`).
- ``[sweep] NAME = [v1, v2, …]``: every draw is evaluated with the assumption NAME at each
  value (in its unit), the other assumptions keeping their draws (common random numbers).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from simulate.core import families, units
from simulate.core.errors import PriorsError
from simulate.core.scenario import Assumption, Axis, Scenario

TAIL = 1e-9  # as the domain check reads a distribution: one draw in a billion


def with_growth(
    assumptions: dict[str, Assumption],
    header: Mapping[str, Any],
    file: str,
    read: Callable[..., Assumption],
) -> dict[str, Assumption]:
    """The assumptions, each one with a trajectory followed by its growth assumption."""
    if not any(a.trajectory and a.trajectory.growth for a in assumptions.values()):
        return assumptions
    expanded: dict[str, Assumption] = {}
    for name, assumption in assumptions.items():
        expanded[name] = assumption
        if assumption.trajectory is None or assumption.trajectory.growth is None:
            continue
        key = f"assumptions.{name}.growth_per_year"
        if "years" not in header:
            raise PriorsError(
                assumption.file, key,
                f"{name} moves with the years, but [scenario] has no years = [...] or "
                "year = ... to evaluate it in",
            )  # fmt: skip
        growth_name = assumption.trajectory.growth
        if growth_name in assumptions:
            raise PriorsError(
                assumption.file, key,
                f"'{growth_name}' is already declared: it is the name of {name}'s growth",
            )  # fmt: skip
        growth = read(growth_name, assumption.growth, assumption.file, None, key)
        if not (
            units.same_dimension(growth.unit, "1")
            and units.conversion_factor(growth.unit, "1") == 1
        ):
            raise PriorsError(
                assumption.file, f"{key}.unit",
                "growth_per_year is a share per year (-0.3 is 30 % less a year): declare no unit",
            )  # fmt: skip
        lowest = (
            growth.distribution.point
            if growth.distribution.is_fixed
            else float(growth.distribution.ppf(np.array([TAIL]))[0])
        )
        if lowest <= -1.0:
            raise PriorsError(
                assumption.file, key,
                f"{growth.declaration} reaches {lowest:.4g} (one draw in a billion): a growth of "
                f"−100 % a year or less would make {name} zero or negative; truncate with "
                "min = -0.99, or use a narrower distribution",
            )  # fmt: skip
        described = growth.description or f"how {name} moves each year"
        expanded[growth_name] = dataclasses.replace(
            growth, description=f"{described} (from {assumption.trajectory.base_year})"
        )
    return expanded


def axis(
    header: Mapping[str, Any], sweep: Mapping[str, Any], scenario: Scenario, file: str
) -> Axis | None:
    """The scenario's second dimension, checked: years, or one swept assumption."""
    years = header.get("years")
    if years is not None and sweep:
        years_are = "[scenario] years"
        if "year" in header:  # a year with trajectories is a dimension of one year
            years_are = f"[scenario] year (its trajectories evaluated in {header['year']})"
        raise PriorsError(
            file, "sweep", f"a run has one second dimension: {years_are} or a [sweep], not both"
        )  # fmt: skip
    if years is not None:
        if any(b <= a for a, b in itertools.pairwise(years)):
            raise PriorsError(file, "scenario.years", f"expected increasing years, got {years}")
        return Axis("year", tuple(float(y) for y in years))
    if not sweep:
        return None
    if len(sweep) > 1:
        raise PriorsError(
            file, "sweep",
            f"one assumption per sweep, got {', '.join(sweep)}: run one file per swept "
            "assumption (a sweep of two is not supported)",
        )  # fmt: skip
    ((name, values),) = sweep.items()
    key = f"sweep.{name}"
    if name not in scenario.assumptions:
        raise PriorsError(
            file, key, f"'{name}' is not an assumption of this scenario; a sweep sets one"
        )
    if scenario.assumptions[name].trajectory is not None:
        raise PriorsError(file, key, f"{name} moves with the years; it cannot also be swept")
    if name in scenario.dependence.drawn_together:  # as --set refuses it
        raise PriorsError(
            file, key,
            f"{name} is drawn together with other assumptions ([correlations] or a joint set): "
            "swept values would keep their partners' draws as if it still varied with them; "
            "remove it from the correlation or joint set to sweep it",
        )  # fmt: skip
    for value in values:
        if isinstance(value, bool) or not math.isfinite(value):
            raise PriorsError(file, key, f"expected finite numbers, got {value!r}")
    if len(set(values)) < len(values):
        raise PriorsError(file, key, f"a value is listed twice: {values}")
    return Axis(name, tuple(float(v) for v in values), swept=True)


def at_value(scenario: Scenario, value: float) -> Scenario:
    """The scenario with its swept assumption fixed at ``value`` (what ``--set`` makes)."""
    assert scenario.axis is not None and scenario.axis.swept
    name = scenario.axis.dimension
    assumption = scenario.assumptions[name]
    fixed = dataclasses.replace(
        assumption, distribution=_fixed(value), declaration=f"fixed = {value:g} (swept)"
    )
    return dataclasses.replace(scenario, assumptions={**scenario.assumptions, name: fixed})


def check_domains_along(scenario: Scenario, file: str, check: Callable[[Scenario], None]) -> None:
    """Refuse a swept value, or a year's value of a trajectory, outside what a model reads:
    the same check as the file's own assumptions, at each value (named by the sweep's key)."""
    if scenario.axis is None:
        return
    if scenario.axis.swept:
        for value in scenario.axis.values:
            try:
                check(at_value(scenario, value))
            except PriorsError as exc:
                raise PriorsError(file, f"sweep.{scenario.axis.dimension}", exc.message) from None
        return
    for name in scenario.along:
        assumption = scenario.assumptions[name]
        trajectory = assumption.trajectory
        if trajectory.growth is None:
            _check_each_year(scenario, name, check)
            continue
        growth = scenario.assumptions[trajectory.growth].distribution
        base = assumption.distribution
        unit = "" if assumption.unit == "1" else f" {assumption.unit}"
        for year in scenario.axis.values:
            steps = year - trajectory.base_year
            ends = [b * (1.0 + g) ** steps for b in _ends(base) for g in _ends(growth)]
            for value in ends:
                moved = dataclasses.replace(
                    assumption,
                    distribution=_fixed(value),
                    declaration=f"{assumption.declaration} in {int(year)}",
                )
                try:
                    check(
                        dataclasses.replace(
                            scenario, assumptions={**scenario.assumptions, name: moved}
                        )
                    )
                except PriorsError as exc:
                    raise PriorsError(
                        assumption.file, f"assumptions.{name}.growth_per_year",
                        f"in {int(year)} {name} reaches {value:.4g}{unit} (one "
                        f"draw in a billion of its value and of its growth): {exc.message}",
                    ) from None  # fmt: skip


def _check_each_year(scenario: Scenario, name: str, check: Callable[[Scenario], None]) -> None:
    """A belief listed by year: each year's distribution checked as a declared one is."""
    assumption = scenario.assumptions[name]
    trajectory = assumption.trajectory
    checked = {trajectory.held_from[0]}  # the first year's is the declared distribution
    for listed, distribution in zip(trajectory.held_from, trajectory.by_year, strict=True):
        if listed in checked:
            continue
        checked.add(listed)
        moved = dataclasses.replace(
            assumption,
            distribution=distribution,
            declaration=f"{distribution.summary} (listed for {listed})",
            trajectory=None,
        )
        try:
            check(dataclasses.replace(scenario, assumptions={**scenario.assumptions, name: moved}))
        except PriorsError as exc:
            raise PriorsError(
                assumption.file, f"assumptions.{name}.by_year.{listed}", exc.message
            ) from None


def _ends(distribution: Any) -> list[float]:
    if distribution.is_fixed:
        return [distribution.point]
    return [float(q) for q in distribution.ppf(np.array([TAIL, 1.0 - TAIL]))]


def _fixed(value: float) -> Any:
    return families.build("fixed", value)
