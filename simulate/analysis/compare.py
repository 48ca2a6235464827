"""Two scenarios side by side on common random numbers.

Both runs use the same seed, and every draw is keyed by the assumption's name (see
:mod:`simulate.core.sampling`), so an assumption the two scenarios declare alike gets the same draw
in both: the comparison measures the difference between the scenarios, not sampling noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulate.analysis.results import DEFAULT_PERCENTILES, quantity_summary
from simulate.analysis.summary import (
    QuantityError,
    QuantitySummary,
    UnknownQuantity,
    percentile_key,
)
from simulate.core import units
from simulate.core.engine import DEFAULT_CHUNK_SIZE, run
from simulate.core.scenario import Scenario


@dataclass(frozen=True)
class Side:
    """One scenario of a comparison: its name, file and the output's statistics."""

    scenario: str
    file: str
    statistics: QuantitySummary

    def to_dict(self) -> dict[str, Any]:
        entry = self.statistics.to_dict()
        del entry["unit"]
        return {"scenario": self.scenario, "file": self.file, **entry}


@dataclass(frozen=True)
class Comparison:
    """Two scenarios' output on paired draws: P(A < B) and the distribution of B / A."""

    output: str
    unit: str
    draws: int
    seed: int
    method: str
    a: Side
    b: Side
    p_a_less_than_b: float | None
    ratio_b_over_a: QuantitySummary
    shared_assumptions: tuple[str, ...]
    pairs_left_out: int
    difference_b_minus_a: QuantitySummary | None = None
    p_b_less_than_a: float | None = None
    # the output's paired draws where both are finite (A's unit): what a figure draws
    paired: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        ratio = self.ratio_b_over_a
        return {
            "output": self.output,
            "unit": self.unit,
            "draws": self.draws,
            "seed": self.seed,
            "method": self.method,
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "p_a_less_than_b": self.p_a_less_than_b,
            "ratio_b_over_a": {
                "mean": ratio.mean,
                **{percentile_key(q): v for q, v in ratio.percentiles},
            },
            "shared_assumptions": list(self.shared_assumptions),
            "pairs_left_out": self.pairs_left_out,
            **(
                {
                    "p_b_less_than_a": self.p_b_less_than_a,
                    "difference_b_minus_a": self.difference_b_minus_a.to_dict(),
                }
                if self.difference_b_minus_a is not None
                else {}
            ),
        }


def _values(scenario: Scenario, draws: Any, output: str) -> np.ndarray:
    if output in draws.outputs:
        return draws.outputs[output]
    return np.broadcast_to(draws.inputs[output], (draws.draws,))


def compare(
    a: Scenario,
    b: Scenario,
    output: str,
    draws: int,
    seed: int,
    method: str = "mc",
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int | None = None,
) -> Comparison:
    """P(A < B), and the distributions of B − A and B / A, for one output of both scenarios;
    ``paired`` keeps the draws for a figure (:func:`simulate.present.figures.overlay`)."""
    for scenario in (a, b):
        if output not in scenario.outputs and output not in scenario.assumptions:
            raise UnknownQuantity(output, scenario.outputs, scenario.name)
    try:  # both in A's unit
        factor_b = units.conversion_factor(b.unit(output), a.unit(output))
    except units.UnitError:
        raise QuantityError(
            output,
            f"'{output}' is in {a.unit(output)} in {a.path} but in {b.unit(output)} in {b.path}: "
            "they measure different things",
        ) from None
    runs = [run(s, draws, seed, method, chunk_size, workers) for s in (a, b)]
    value_a, value_b = (_values(s, r, output) for s, r in zip((a, b), runs, strict=True))
    if factor_b != 1.0:
        value_b = value_b * factor_b
    both = np.isfinite(value_a) & np.isfinite(value_b)
    with np.errstate(all="ignore"):
        ratio = value_b[both] / value_a[both]
    # the same draws in both: same distribution, in the same unit, drawn the same way (a
    # correlated or joint assumption is drawn through its uniforms, an independent one not)
    shared = sorted(
        name
        for name in set(a.sampled) & set(b.sampled)
        if a.assumptions[name].distribution.summary == b.assumptions[name].distribution.summary
        and a.unit(name) == b.unit(name)
        and a.dependence.signature(name) == b.dependence.signature(name)
    )
    unit = a.unit(output)
    return Comparison(
        output=output,
        unit=unit,
        draws=draws,
        seed=seed,
        method=method,
        a=Side(a.name, a.path, quantity_summary(output, unit, value_a, percentiles)),
        b=Side(b.name, b.path, quantity_summary(output, unit, value_b, percentiles)),
        p_a_less_than_b=float(np.mean(value_a[both] < value_b[both])) if both.any() else None,
        ratio_b_over_a=quantity_summary(output, "1", ratio, percentiles),
        shared_assumptions=tuple(shared),
        pairs_left_out=int(draws - np.count_nonzero(both)),
        difference_b_minus_a=quantity_summary(
            output, unit, value_b[both] - value_a[both], percentiles
        ),
        paired=(value_a[both], value_b[both]),
        p_b_less_than_a=float(np.mean(value_b[both] < value_a[both])) if both.any() else None,
    )
