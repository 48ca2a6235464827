"""[derived] expressions: the whitelist, array evaluation, and code that must never run."""

from __future__ import annotations

import numpy as np
import pytest

from simulate.core.expressions import ExpressionError, parse


def test_arithmetic_on_arrays():
    expression = parse("training_cost_usd / (params / 1e9) + 2 ** 3 - -1")
    env = {"training_cost_usd": np.array([1e6, 2e6]), "params": np.array([1e9, 2e9])}
    assert expression(env) == pytest.approx([1e6 + 9, 1e6 + 9])
    assert expression.names == {"training_cost_usd", "params"}


def test_whitelisted_functions_and_comparisons():
    env = {"x": np.array([-2.0, 0.5, 3.0])}
    assert parse("where(x > 0, x, 0)")(env) == pytest.approx([0, 0.5, 3.0])
    assert parse("clip(x, 0, 1)")(env) == pytest.approx([0, 0.5, 1.0])
    assert parse("maximum(x, 1) + minimum(x, 1)")(env) == pytest.approx([-1, 1.5, 4])
    assert parse("x >= 0.5")(env) == pytest.approx([0, 1, 1])
    assert parse("sqrt(abs(x)) * exp(0) + log(1) + log10(10) + floor(0.5) + ceil(0.5)")(
        env
    ) == pytest.approx(np.sqrt([2, 0.5, 3]) + 2)
    assert parse("sin(x) ** 2 + cos(x) ** 2")(env) == pytest.approx([1, 1, 1])


def test_huge_integer_powers_do_not_hang():
    assert parse("10 ** 10 ** 10")({}) == np.inf


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("__import__('os').system('touch /tmp/pwned')", "not allowed"),
        ("x.__class__", "attribute access"),
        ("x[0]", "subscripting"),
        ("(lambda: 1)()", "not allowed"),
        ("__builtins__", "'_'"),
        ("open('/etc/passwd')", "calling 'open'"),
        ("np.exp(x)", "attribute access"),
        ("x if x else 1", "where("),
        ("x and 1", "'and' / 'or'"),
        ("'text'", "only numbers"),
        ("exp(x, 2)", "takes 1"),
        ("exp", "call it"),
        ("1 < x < 2", "one comparison"),
        ("x +", "cannot parse"),
        ("", "non-empty"),
        ("[x for x in y]", "not allowed"),
    ],
)
def test_forbidden_syntax_is_rejected_before_anything_runs(text, fragment):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert fragment in str(caught.value)


def test_code_in_an_expression_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(ExpressionError):
        parse(f"__import__('os').system('touch {marker}')")
    with pytest.raises(ExpressionError):
        parse(f"exec(\"open('{marker}', 'w')\")")
    assert not marker.exists()
