"""Safe arithmetic for ``[derived]`` quantities.

An expression is parsed with :mod:`ast` and checked node by node against a whitelist: names
of quantities, numbers, ``+ - * / **``, unary minus, comparisons and a few numpy functions.
Anything else (attribute access, subscripts, lambdas, dunder names, calls outside the list)
is rejected before anything runs. The checked tree is compiled into nested closures over numpy
arrays — Python's ``eval`` is never called.

:func:`with_units` compiles the same tree once more with the unit of every name it reads: it
infers the unit of the result and refuses what has no meaning (adding tokens to dollars, the
logarithm of a price, a dimensional quantity raised to a sampled power), and it converts where
units of one dimension meet (hours added to seconds, ``FLOP / (FLOP/s · hour)`` as a pure
number), so numbers in an expression are plain numbers and never unit conversions.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

Env = Mapping[str, np.ndarray]
Node = Callable[[Env], np.ndarray]

# name → (numpy function, number of arguments)
FUNCTIONS: dict[str, tuple[Callable[..., np.ndarray], int]] = {
    "sin": (np.sin, 1),
    "cos": (np.cos, 1),
    "exp": (np.exp, 1),
    "log": (np.log, 1),
    "log10": (np.log10, 1),
    "sqrt": (np.sqrt, 1),
    "abs": (np.abs, 1),
    "floor": (np.floor, 1),
    "ceil": (np.ceil, 1),
    "minimum": (np.minimum, 2),
    "maximum": (np.maximum, 2),
    "where": (np.where, 3),
    "clip": (np.clip, 3),
}
BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
COMPARE = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}
MAX_LENGTH = 2000
MAX_DEPTH = 100


class ExpressionError(ValueError):
    """An expression outside the whitelist, or one that cannot be parsed."""


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, the quantity names it reads, and how to evaluate it.

    Calling it evaluates the numbers as they are, without units; :func:`with_units` gives the
    evaluator that respects them.
    """

    text: str
    names: frozenset[str]
    _evaluate: Node
    tree: ast.AST

    def __call__(self, env: Env) -> np.ndarray:
        """Evaluate on arrays; comparisons give 1.0 / 0.0 so results stay numeric."""
        with np.errstate(all="ignore"):
            return np.asarray(self._evaluate(env), dtype=float)


def parse(text: str) -> Expression:
    """Check ``text`` against the whitelist and compile it; raise :class:`ExpressionError`."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(f"expected an expression as a non-empty string, got {text!r}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse {text!r}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"more than {MAX_DEPTH} levels deep") from None
    if _depth(tree.body) > MAX_DEPTH:  # compiled and evaluated by recursion: keep it shallow
        raise ExpressionError(
            f"more than {MAX_DEPTH} levels deep (a sum of many terms nests one level per "
            "term); split it into several [derived] quantities"
        )
    names: set[str] = set()
    evaluate = _compile(tree.body, names)  # fills ``names`` as it walks the tree
    return Expression(text=text, names=frozenset(names), _evaluate=evaluate, tree=tree.body)


def _depth(root: ast.AST) -> int:
    """How deeply ``root`` nests (without recursion, so any tree can be measured)."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _compile(node: ast.AST, names: set[str]) -> Node:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise ExpressionError(f"only numbers may appear as constants, not {node.value!r}")
        # float, so that 10**10**10 overflows to inf instead of building a huge integer
        try:
            value = np.float64(node.value)
        except OverflowError:
            raise ExpressionError(
                f"the number {str(node.value)[:12]}… ({len(str(node.value))} digits) is "
                "beyond what a float holds (about 1.8e308)"
            ) from None
        return lambda env: value
    if isinstance(node, ast.Name):
        name = node.id
        if name.startswith("_"):
            raise ExpressionError(f"names starting with '_' are not allowed: {name!r}")
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} is a function; call it as {name}(...)")
        names.add(name)
        return lambda env: env[name]
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        op = BINARY[type(node.op)]
        left, right = _compile(node.left, names), _compile(node.right, names)
        return lambda env: op(left(env), right(env))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        op = _UNARY[type(node.op)]
        operand = _compile(node.operand, names)
        return lambda env: op(operand(env))
    if isinstance(node, ast.Compare):
        if len(node.ops) != 1 or type(node.ops[0]) not in COMPARE:
            raise ExpressionError("use one comparison (<, <=, >, >=, ==, !=) at a time")
        compare = COMPARE[type(node.ops[0])]
        left, right = _compile(node.left, names), _compile(node.comparators[0], names)
        return lambda env: compare(left(env), right(env)).astype(float)
    if isinstance(node, ast.Call):
        return _compile_call(node, names)
    raise ExpressionError(f"{_describe(node)} is not allowed in an expression")


def _compile_call(node: ast.Call, names: set[str]) -> Node:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        called = node.func.id if isinstance(node.func, ast.Name) else _describe(node.func)
        raise ExpressionError(
            f"calling {called!r} is not allowed; the functions are {', '.join(FUNCTIONS)}"
        )
    function, arity = FUNCTIONS[node.func.id]
    if (
        node.keywords
        or len(node.args) != arity
        or any(isinstance(a, ast.Starred) for a in node.args)
    ):
        raise ExpressionError(f"{node.func.id}() takes {arity} positional argument(s)")
    args = [_compile(a, names) for a in node.args]
    return lambda env: function(*(a(env) for a in args))


def _describe(node: ast.AST) -> str:
    kinds = {
        ast.Attribute: "attribute access (a.b)",
        ast.Subscript: "subscripting (a[i])",
        ast.Lambda: "a lambda",
        ast.BoolOp: "'and' / 'or' (use where() and comparisons)",
        ast.IfExp: "'x if c else y' (use where(c, x, y))",
        ast.Constant: "a string",
    }
    return kinds.get(type(node), f"{type(node).__name__} syntax")
