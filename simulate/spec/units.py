"""Units through a planned scenario: part of :mod:`simulate.spec.reader`.

In evaluation order, each ``[derived]`` expression is compiled with the units of what it reads
(:mod:`simulate.core.dimensions`), its unit is settled (declared, else the model's, else the
inferred one) and checked, and every model input gets the factor that brings it into the
model's unit. Problems are :class:`~simulate.core.errors.PriorsError` naming the file and the key.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from simulate.core import dimensions, expressions, units
from simulate.core.errors import PriorsError
from simulate.core.graph import Step
from simulate.models import Model


def carry(
    assumptions: dict[str, Any],
    derived: dict[str, Any],
    models: list[Model],
    steps: list[Step],
) -> tuple[dict[str, Any], dict[str, float], list[str]]:
    """Carry units through the scenario in evaluation order.

    Infers each derived quantity's unit from its expression (refusing operations that mix
    dimensions), checks it against the declared unit and the unit a model reads it in, and
    finds the factor that brings every model input into the model's unit. Returns the derived
    quantities compiled with units, those factors, and warnings about numbers in expressions
    that look like hand-written unit conversions.
    """
    unit_of = {name: units.quantity(a.unit) for name, a in assumptions.items()}
    ports = {p.name: p for m in models for p in (*m.inputs, *m.optional, *m.outputs)}
    compiled: dict[str, Any] = {}
    warnings: list[str] = []
    for step in steps:
        if step.kind == "model":
            for name in step.provides:
                unit_of[name] = units.quantity(ports[name].unit)
            continue
        entry = derived[step.name]
        key = f"derived.{entry.name}"
        try:
            typed = dimensions.with_units(entry.expression, unit_of)
        except expressions.ExpressionError as exc:
            raise PriorsError(entry.file, key, str(exc)) from None
        try:
            reduced = typed.unit.to_reduced_units()  # token·USD/ktoken stays: it is not USD
        except (OverflowError, ZeroDivisionError):
            raise PriorsError(entry.file, key, "the expression's unit is out of range") from None
        plain = math.isclose(reduced.magnitude, 1.0)
        inferred = units.text(reduced if plain else typed.unit)
        port = ports.get(entry.name)
        if entry.declared_unit is not None:
            target, unit = units.quantity(entry.declared_unit), entry.declared_unit
            origin = f"its unit is {entry.declared_unit!r}"
            key += ".unit"
        elif port is not None:
            target, unit = units.quantity(port.unit), port.unit
            origin = f"the models read it in {port.unit!r}"
        else:  # the inferred unit, simplified where that changes no number (USD/month stays)
            conventional = units.canonical_unit(typed.unit)
            target = reduced if plain else units.quantity(conventional)
            unit, origin = (inferred if plain else conventional), ""
        if target.dimensionality != typed.unit.dimensionality:
            raise PriorsError(
                entry.file,
                key,
                f"the expression gives {inferred} ({units.dimension(typed.unit)}), but {origin} "
                f"({units.dimension(target)}){units.hint(unit, typed.unit)}",
            )
        factor = units.conversion_factor(typed.unit, target)
        if _looks_hand_converted(typed.constants, factor):
            warnings.append(
                f"{entry.file}: {key}: the units already convert {inferred} to {unit} "
                f"(× {factor:.6g}); a number in {entry.expression.text!r} looks like the same "
                "conversion written by hand, which would apply it twice"
            )
        compiled[entry.name] = replace(
            entry, unit=unit, factor=factor, inferred_unit=inferred, typed=typed
        )
        unit_of[entry.name] = target  # the exact unit: its text may round an exponent
    input_factors = {}
    for model in models:
        for port in (*model.inputs, *model.optional):
            if port.name in unit_of:
                factor = units.conversion_factor(unit_of[port.name], port.unit)
                if factor != 1.0:
                    input_factors[port.name] = factor
    return {name: compiled[name] for name in derived}, input_factors, warnings


def _looks_hand_converted(constants: tuple[float, ...], factor: float) -> bool:
    """Whether a number written in an expression is the conversion the units already make:
    the factor itself (1000 for a price per 1k tokens), or it up to a prefix (3600 where
    hours meet TFLOP/s)."""
    if factor == 1.0:
        return False
    for constant in {abs(c) for c in constants} - {0.0, 1.0}:
        if math.isclose(constant, factor) or math.isclose(constant, 1 / factor):
            return True
        if _is_power_of_ten(constant):
            continue
        if _is_power_of_ten(factor * constant) or _is_power_of_ten(factor / constant):
            return True
    return False


def _is_power_of_ten(x: float) -> bool:
    exponent = math.log10(x) if x > 0 and math.isfinite(x) else 0.5
    return math.isclose(exponent, round(exponent), abs_tol=1e-9)
