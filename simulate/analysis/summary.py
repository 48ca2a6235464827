"""The typed boundary between computing and presenting.

Statistics are computed once (:mod:`simulate.core.statistics`,
:mod:`simulate.analysis.results`) into these frozen dataclasses; tables, JSON, CSV and
reports only render them. ``to_dict()`` gives the JSON contract README states.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

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
    # each percentile's Monte Carlo standard error (order statistics), same order
    mcse: tuple[tuple[float, float | None], ...] = ()

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
        if self.mcse:
            entry["mcse"] = {percentile_key(q): v for q, v in self.mcse}
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


class _Sections:
    """What both kinds of summary share: outputs and inputs by name, a DataFrame, and the
    JSON layout's mapping access (``summary["outputs"]``)."""

    scenario: str
    outputs: Mapping[str, Any]
    inputs: Mapping[str, Any]

    def quantity(self, name: str) -> Any:
        if name in self.outputs:
            return self.outputs[name]
        if name in self.inputs:
            return self.inputs[name]
        raise UnknownQuantity(name, [*self.outputs, *self.inputs], self.scenario)

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_dataframe(self) -> Any:
        """A pandas DataFrame: one row per quantity (section, unit, and the value — or mean,
        sd, percentiles, HDI ends, non-finite draws and threshold probabilities)."""
        import pandas as pd

        rows = []
        for section, entries in (("outputs", self.outputs), ("inputs", self.inputs)):
            for name, entry in entries.items():
                row: dict[str, Any] = {"name": name, "section": section, "unit": entry.unit}
                if isinstance(entry, PointValue):
                    row["value"] = entry.value
                else:
                    row.update(mean=entry.mean, sd=entry.sd)
                    row.update({percentile_key(q): v for q, v in entry.percentiles})
                    row.update(hdi_90_low=entry.hdi_90[0], hdi_90_high=entry.hdi_90[1])
                    row["nonfinite"] = entry.nonfinite
                    row.update({f"P({t.condition})": t.probability for t in entry.thresholds})
                rows.append(row)
        return pd.DataFrame(rows).set_index("name")

    # Read-only mapping access keeps notebooks written against the JSON layout working.
    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]


@dataclass(frozen=True)
class PointSummary(_Sections):
    """The base case: every assumption at its point value, every quantity one
    :class:`PointValue` (``simulate run --point``)."""

    scenario: str
    outputs: Mapping[str, PointValue]
    inputs: Mapping[str, PointValue]
    mode: ClassVar[str] = "point"

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "mode": "point",
            "outputs": {n: q.to_dict() for n, q in self.outputs.items()},
            "inputs": {n: q.to_dict() for n, q in self.inputs.items()},
        }


@dataclass(frozen=True)
class DrawSummary(_Sections):
    """Statistics over sampled scenarios, one :class:`QuantitySummary` per quantity.

    ``quantiles`` says how percentiles and the HDI were obtained: ``"exact"`` (from all
    draws) or ``"histogram"`` (streamed; see :mod:`simulate.core.statistics` for the error
    bound)."""

    scenario: str
    outputs: Mapping[str, QuantitySummary]
    inputs: Mapping[str, QuantitySummary]
    draws: int
    seed: int | None
    method: str
    quantiles: str = EXACT
    mode: ClassVar[str] = "draws"

    def to_dict(self) -> dict[str, Any]:
        head: dict[str, Any] = {
            "scenario": self.scenario, "draws": self.draws, "seed": self.seed,
            "method": self.method,
        }  # fmt: skip
        if self.quantiles != EXACT:
            head["quantiles"] = self.quantiles
        head["outputs"] = {n: q.to_dict() for n, q in self.outputs.items()}
        head["inputs"] = {n: q.to_dict() for n, q in self.inputs.items()}
        return head


# A run's summary is one of the two; renderers take each type on its own.
Summary = PointSummary | DrawSummary


@dataclass(frozen=True)
class ChoiceResult:
    """How often each coordinate was the choice (:mod:`simulate.core.choices`), and how
    often none qualified, over ``draws`` draws."""

    kind: str
    target: str  # the quantity, or the condition met first
    subject_to: tuple[str, ...]
    coordinates: tuple[float, ...]
    counts: tuple[int, ...]  # per coordinate
    none: int
    draws: int

    @property
    def shares(self) -> list[float]:
        return [count / self.draws for count in self.counts]

    @property
    def most_often(self) -> int | None:
        """The index of the coordinate chosen in most draws (None if none ever was)."""
        return (
            int(max(range(len(self.counts)), key=lambda i: self.counts[i]))
            if any(self.counts)
            else None
        )

    def to_dict(self, dimension: str) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "target": self.target,
            "subject_to": list(self.subject_to),
            "shares": {
                _label(c): share for c, share in zip(self.coordinates, self.shares, strict=True)
            },
            "none": self.none / self.draws,
            "draws": self.draws,
            "dimension": dimension,
        }


def _label(value: float) -> str:
    return f"{int(value)}" if float(value).is_integer() and abs(value) < 1e6 else f"{value:g}"


@dataclass(frozen=True)
class AlongSummary:
    """A run along a second dimension (years, or a swept assumption): one summary per
    coordinate, in order. ``moving`` names the assumptions that change along it."""

    scenario: str
    dimension: str
    unit: str  # of the coordinates: "year", or the swept assumption's unit
    coordinates: tuple[float, ...]
    summaries: tuple[Summary, ...]
    moving: tuple[str, ...] = ()
    choices: tuple[ChoiceResult, ...] = ()

    @property
    def first(self) -> Summary:
        return self.summaries[0]

    def label(self, index: int) -> str:
        return _label(self.coordinates[index])

    def series(self, name: str) -> list[Any]:
        """One quantity's entry at each coordinate."""
        return [s.outputs.get(name) or s.inputs[name] for s in self.summaries]

    def to_dict(self) -> dict[str, Any]:
        head = self.first.to_dict()
        del head["outputs"], head["inputs"]
        head.update(dimension=self.dimension, unit=self.unit, moving=list(self.moving))
        head[self.dimension] = [_plain_number(c) for c in self.coordinates]
        head["along"] = []
        for coordinate, summary in zip(self.coordinates, self.summaries, strict=True):
            entry = summary.to_dict()
            head["along"].append(
                {self.dimension: _plain_number(coordinate), "outputs": entry["outputs"],
                 "inputs": entry["inputs"]}
            )  # fmt: skip
        if self.choices:
            head["choices"] = [choice.to_dict(self.dimension) for choice in self.choices]
        return head


def _plain_number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


@dataclass(frozen=True)
class TornadoRow:
    """The output with one assumption (or one joint set) at its low and high percentile."""

    input: str
    low: float
    high: float
    swing: float
    joint: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "input": self.input,
            "low": self.low,
            "high": self.high,
            "swing": self.swing,
        }
        if self.joint:
            row["joint"] = list(self.joint)
        return row


@dataclass(frozen=True)
class SobolIndices:
    """First-order and total Sobol indices per factor, with 95 % bootstrap half-widths."""

    S1: Mapping[str, float]
    ST: Mapping[str, float]
    S1_conf: Mapping[str, float]
    ST_conf: Mapping[str, float]

    def to_dict(self) -> dict[str, dict[str, float]]:
        return {k: dict(getattr(self, k)) for k in ("S1", "ST", "S1_conf", "ST_conf")}

    def out_of_range(self) -> list[str]:
        """Factors whose S1 or ST lies outside [0, 1] by more than its bootstrap half-width:
        the estimate is noise (too few base samples), not a finding."""
        flagged = []
        for name in self.ST:
            for key in ("S1", "ST"):
                value = getattr(self, key)[name]
                margin = getattr(self, f"{key}_conf")[name]
                if not -margin - 0.01 <= value <= 1 + margin + 0.01:
                    flagged.append(f"{key} of {name} = {value:.3g}")
        return flagged


@dataclass(frozen=True)
class Sensitivity:
    """What ``simulate sensitivity`` found for one output (only the methods asked for)."""

    output: str
    unit: str
    base: float
    tornado: tuple[TornadoRow, ...] | None = None
    swing_percentiles: tuple[float, float] | None = None
    spearman: Mapping[str, float | None] | None = None
    sobol: SobolIndices | None = None
    sobol_base_samples: int | None = None
    sobol_warning: str | None = None
    dependence: str | None = None
    # with observations: ρ over the posterior draws, what they are worth, and whether to trust it
    posterior_spearman: Mapping[str, float | None] | None = None
    posterior_ess: float | None = None
    posterior_reliable: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"output": self.output, "unit": self.unit, "base": self.base}
        if self.tornado is not None:
            result["tornado"] = [row.to_dict() for row in self.tornado]
            result["swing_percentiles"] = list(self.swing_percentiles or ())
        if self.spearman is not None:
            result["spearman"] = dict(self.spearman)
        if self.posterior_spearman is not None:
            result["posterior_spearman"] = dict(self.posterior_spearman)
            result["posterior_ess"] = self.posterior_ess
            result["posterior_reliable"] = self.posterior_reliable
        if self.sobol is not None:
            result["sobol"] = self.sobol.to_dict()
            result["sobol_base_samples"] = self.sobol_base_samples
        if self.sobol_warning:
            result["sobol_warning"] = self.sobol_warning
        if self.dependence:
            result["dependence"] = self.dependence
        return result
