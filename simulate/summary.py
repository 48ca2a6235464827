"""The typed boundary between computing and presenting.

Statistics are computed once (:mod:`simulate.statistics`, :mod:`simulate.results`) into these
frozen dataclasses; tables, JSON, CSV and reports only render them. ``to_dict()`` gives the
JSON contract of DESIGN §5.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# How quantiles and the HDI were obtained (recorded in JSON and NetCDF attrs).
EXACT = "exact"
HISTOGRAM = "histogram"


class QuantityError(ValueError):
    """A quantity that cannot be used as asked. The library speaks of quantities; the command
    line says which option named it."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        self.message = message
        super().__init__(message)


class UnknownQuantity(QuantityError):
    """A name that is not a quantity of the scenario, with the names that are."""

    def __init__(self, name: str, known: list[str], scenario: str = "", what: str = "quantity"):
        self.known = sorted(known)
        self.scenario = scenario
        where = f" of {scenario}" if scenario else ""
        super().__init__(
            name,
            f"'{name}' is not {'an' if what[0] in 'aeiou' else 'a'} {what}{where}; "
            f"known: {', '.join(self.known) or '(none)'}",
        )


def percentile_key(q: float) -> str:
    return f"p{q:g}"


@dataclass(frozen=True)
class ThresholdResult:
    """``P(quantity op value)`` over the finite draws (``None`` when there are none)."""

    quantity: str
    op: str
    value: float | str
    probability: float | None

    @property
    def condition(self) -> str:
        """The key of this threshold in JSON, e.g. ``">0.048"`` or ``">revenue_usd"``."""
        value = self.value if isinstance(self.value, str) else f"{self.value:g}"
        return f"{self.op}{value}"


@dataclass(frozen=True)
class QuantitySummary:
    """One quantity's statistics over the finite draws, in ``unit``."""

    name: str
    unit: str
    mean: float | None
    sd: float | None
    percentiles: tuple[tuple[float, float | None], ...]
    hdi_90: tuple[float | None, float | None]
    thresholds: tuple[ThresholdResult, ...] = ()
    nonfinite: int = 0
    overflow: tuple[str, ...] = ()

    def percentile(self, q: float) -> float | None:
        for level, value in self.percentiles:
            if level == q:
                return value
        raise KeyError(f"P{q:g} was not computed; computed: {[p for p, _ in self.percentiles]}")

    @property
    def is_constant(self) -> bool:
        return self.sd == 0.0

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"unit": self.unit, "mean": self.mean, "sd": self.sd}
        entry.update({percentile_key(q): v for q, v in self.percentiles})
        entry["hdi_90"] = list(self.hdi_90)
        if self.overflow:
            entry["overflow"] = list(self.overflow)
        if self.thresholds:
            entry["thresholds"] = {t.condition: t.probability for t in self.thresholds}
        if self.nonfinite:
            entry["nonfinite"] = self.nonfinite
        return entry


@dataclass(frozen=True)
class PointValue:
    """One quantity at the base case (every assumption at its point value)."""

    name: str
    unit: str
    value: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "value": self.value}


@dataclass(frozen=True)
class Summary:
    """A run's summary: every output and input, in declaration order.

    ``mode`` is ``"draws"`` (statistics over sampled scenarios) or ``"point"`` (the base case;
    ``outputs``/``inputs`` then hold :class:`PointValue`). ``quantiles`` says how percentiles
    and the HDI were obtained: ``"exact"`` (from all draws) or ``"histogram"`` (streamed; see
    :mod:`simulate.statistics` for the error bound).
    """

    scenario: str
    mode: str
    outputs: Mapping[str, Any]
    inputs: Mapping[str, Any]
    draws: int = 1
    seed: int | None = None
    method: str = "point"
    quantiles: str = EXACT
    notes: tuple[str, ...] = field(default=())

    def quantity(self, name: str) -> Any:
        if name in self.outputs:
            return self.outputs[name]
        if name in self.inputs:
            return self.inputs[name]
        raise UnknownQuantity(name, [*self.outputs, *self.inputs], self.scenario)

    def to_dict(self) -> dict[str, Any]:
        head: dict[str, Any] = {"scenario": self.scenario}
        if self.mode == "point":
            head["mode"] = "point"
        else:
            head.update(draws=self.draws, seed=self.seed, method=self.method)
            if self.quantiles != EXACT:
                head["quantiles"] = self.quantiles
        head["outputs"] = {n: q.to_dict() for n, q in self.outputs.items()}
        head["inputs"] = {n: q.to_dict() for n, q in self.inputs.items()}
        return head

    # Read-only mapping access keeps notebooks written against the JSON layout working.
    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]
