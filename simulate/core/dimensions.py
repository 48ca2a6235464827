"""Units through ``[derived]`` expressions: infer, check, and convert where units meet.

A checked expression (:mod:`simulate.core.expressions`) is compiled once more with the unit of every
name it reads. Each node knows the unit its numbers are in:

- ``*`` and ``/`` multiply and divide units; ``**`` needs a constant exponent (or a pure-number
  base, then the result is a pure number); ``sqrt`` halves the powers;
- ``+ -``, comparisons, ``minimum maximum clip`` and the branches of ``where`` need one
  dimension; the right-hand side is converted into the left-hand side's unit, so hours may be
  added to seconds;
- ``exp log log10 sin cos`` and ``where``'s condition need pure numbers, and a dimensionless
  ratio of scaled units (``s/hour``) is converted to a pure number first;
- numbers written in the expression are pure numbers: ``× 3600`` is never a unit conversion.

Load-time only: the result is a closure over numpy arrays that applies the few constant factors
the units call for, and the unit of its result.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulate.core import units
from simulate.core.expressions import (
    BINARY,
    COMPARE,
    FUNCTIONS,
    Env,
    Expression,
    ExpressionError,
    Node,
)

_PURE = ("exp", "log", "log10", "sin", "cos")
_MAX_UNIT_POWER = units.MAX_POWER  # parameter**400 is no unit anyone means
_SAME_UNIT = ("abs", "floor", "ceil")


class DimensionError(ExpressionError):
    """An operation whose operands' units do not fit together."""


@dataclass(frozen=True)
class Typed:
    """An expression compiled with units: how to evaluate it and the unit of the result.

    ``constants`` are the numbers written in the expression (to spot a conversion factor
    written by hand, which the units now do themselves).
    """

    evaluate: Callable[[Env], np.ndarray]
    unit: Any  # a pint Quantity of magnitude 1
    constants: tuple[float, ...]

    def __call__(self, env: Env) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.asarray(self.evaluate(env), dtype=float)

    def __reduce__(self) -> tuple[Any, ...]:
        # pint pickles a unit with its registry's name only, and another process (a Dask
        # worker) has no 'token' or 'USD' there: travel as text, rebuilt in this project's
        return _typed, (self.evaluate, *_unit_text(self.unit), self.constants)


@dataclass(frozen=True)
class _Node:
    evaluate: Node
    unit: Any
    constant: float | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return _node, (self.evaluate, *_unit_text(self.unit), self.constant)


def _unit_text(unit: Any) -> tuple[float, str]:
    return float(unit.magnitude), str(unit.units)


def _unit_from(magnitude: float, text: str) -> Any:
    return units.registry().Quantity(magnitude, text)


def _typed(evaluate: Any, magnitude: float, text: str, constants: tuple[float, ...]) -> Typed:
    return Typed(evaluate, _unit_from(magnitude, text), constants)


def _node(evaluate: Any, magnitude: float, text: str, constant: float | None) -> _Node:
    return _Node(evaluate, _unit_from(magnitude, text), constant)


def with_units(expression: Expression, unit_of: Mapping[str, Any]) -> Typed:
    """Compile ``expression`` for names in the units ``unit_of`` gives (pint quantities).

    Raises :class:`DimensionError` naming the operation and both units.
    """
    constants: list[float] = []
    node = _compile(expression.tree, unit_of, constants)
    return Typed(evaluate=node.evaluate, unit=node.unit, constants=tuple(constants))


def say(unit: Any) -> str:
    """A unit in a message: ``USD/hour``, or "a pure number"."""
    return "a pure number" if not unit.dimensionality and unit.magnitude == 1 else units.text(unit)


def _scaled(node: _Node, target: Any) -> Node:
    """``node``'s numbers expressed in ``target`` (same dimension, checked by the caller)."""
    factor = units.conversion_factor(node.unit, target)
    if factor == 1.0:
        return node.evaluate
    evaluate = node.evaluate
    return lambda env: evaluate(env) * factor


def _pure(node: _Node, what: str) -> Node:
    """``node`` as pure numbers; an error saying ``what`` must be one if it has a dimension."""
    if node.unit.dimensionality:
        raise DimensionError(f"{what} is in {say(node.unit)}; it must be a pure number")
    return _scaled(node, units.quantity("1"))


def _common(nodes: list[_Node], what: str) -> tuple[list[Node], Any]:
    """The nodes' numbers in one unit (the first operand's), or an error saying ``what`` mixes.

    A written 0 fits any unit (``maximum(saving_usd, 0)``, ``hours > 0``), so the unit is
    that of the first operand that is not a literal 0.
    """
    at = next((i for i, n in enumerate(nodes) if n.constant != 0.0), 0)
    reference = nodes[at]
    evaluators = []
    for i, node in enumerate(nodes):
        if i == at or node.constant == 0.0:
            evaluators.append(node.evaluate)
            continue
        if node.unit.dimensionality != reference.unit.dimensionality:
            left, right = (reference, node) if at < i else (node, reference)
            raise DimensionError(what.format(left=say(left.unit), right=say(right.unit)))
        evaluators.append(_scaled(node, reference.unit))
    return evaluators, reference.unit


def _compile(node: ast.AST, unit_of: Mapping[str, Any], constants: list[float]) -> _Node:
    if isinstance(node, ast.Constant):
        value = np.float64(node.value)
        constants.append(float(value))
        return _Node(lambda env: value, units.quantity("1"), float(value))
    if isinstance(node, ast.Name):
        name = node.id
        return _Node(lambda env: env[name], unit_of[name])
    if isinstance(node, ast.UnaryOp):
        operand = _compile(node.operand, unit_of, constants)
        sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
        evaluate = operand.evaluate
        constant = None if operand.constant is None else sign * operand.constant
        if sign > 0:
            return _Node(evaluate, operand.unit, constant)
        return _Node(lambda env: -evaluate(env), operand.unit, constant)
    if isinstance(node, ast.BinOp):
        return _binary(node, unit_of, constants)
    if isinstance(node, ast.Compare):
        left = _compile(node.left, unit_of, constants)
        right = _compile(node.comparators[0], unit_of, constants)
        compare = COMPARE[type(node.ops[0])]
        (first, second), _ = _common([left, right], "compares {left} with {right}")
        return _Node(
            lambda env: compare(first(env), second(env)).astype(float), units.quantity("1")
        )
    if isinstance(node, ast.Call):
        return _call(node, unit_of, constants)
    raise ExpressionError(f"{type(node).__name__} is not allowed in an expression")


def _binary(node: ast.BinOp, unit_of: Mapping[str, Any], constants: list[float]) -> _Node:
    left = _compile(node.left, unit_of, constants)
    right = _compile(node.right, unit_of, constants)
    op = BINARY[type(node.op)]
    constant = None
    if left.constant is not None and right.constant is not None:
        with np.errstate(all="ignore"):
            constant = float(op(np.float64(left.constant), np.float64(right.constant)))
    if isinstance(node.op, ast.Add | ast.Sub):
        verb = "adds {left} to {right}" if isinstance(node.op, ast.Add) else None
        (first, second), unit = _common([left, right], verb or "subtracts {right} from {left}")
        return _Node(lambda env: op(first(env), second(env)), unit, constant)
    if isinstance(node.op, ast.Mult | ast.Div):
        first, second = left.evaluate, right.evaluate
        unit = op(left.unit, right.unit)
        if not units.powers_ok(unit):
            raise DimensionError(f"gives a unit with a power above {units.MAX_POWER}: {say(unit)}")
        return _Node(lambda env: op(first(env), second(env)), unit, constant)
    # power
    if right.unit.dimensionality:
        raise DimensionError(
            f"raises to a power in {say(right.unit)}; an exponent must be a pure number"
        )
    exponent = _scaled(right, units.quantity("1"))
    if not left.unit.dimensionality:
        base = _scaled(left, units.quantity("1"))
        return _Node(lambda env: base(env) ** exponent(env), units.quantity("1"), constant)
    if right.constant is None:
        raise DimensionError(
            f"raises a quantity in {say(left.unit)} to a power that is not a constant; "
            "only a pure number may have a varying exponent"
        )
    power = right.constant * units.conversion_factor(right.unit, units.quantity("1"))
    if not abs(power) <= _MAX_UNIT_POWER:  # also NaN
        raise DimensionError(
            f"raises a quantity in {say(left.unit)} to the power {power:g}; a quantity with a "
            f"unit takes a constant exponent of at most {_MAX_UNIT_POWER} in size"
        )
    base = left.evaluate
    return _Node(lambda env: base(env) ** power, left.unit**power, constant)


def _call(node: ast.Call, unit_of: Mapping[str, Any], constants: list[float]) -> _Node:
    name = node.func.id  # type: ignore[attr-defined]  # checked by expressions.parse
    function = FUNCTIONS[name][0]
    args = [_compile(a, unit_of, constants) for a in node.args]
    if name in _PURE:
        argument = _pure(args[0], f"the argument of {name}()")
        return _Node(lambda env: function(argument(env)), units.quantity("1"))
    if name in _SAME_UNIT:
        argument = args[0].evaluate
        return _Node(lambda env: function(argument(env)), args[0].unit)
    if name == "sqrt":
        argument = args[0].evaluate
        return _Node(lambda env: function(argument(env)), args[0].unit ** 0.5)
    if name == "where":
        condition = _pure(args[0], "where()'s condition")
        (first, second), unit = _common(args[1:], "where() chooses between {left} and {right}")
        return _Node(lambda env: function(condition(env), first(env), second(env)), unit)
    # minimum, maximum, clip: every argument in one unit
    evaluators, unit = _common(args, f"{name}() of {{left}} and {{right}}")
    return _Node(lambda env: function(*(e(env) for e in evaluators)), unit)
