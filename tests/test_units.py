"""Units are converted at load time; a quantity of the wrong dimension is an error."""

from __future__ import annotations

import os

import pytest

from simulate.core.units import UnitError, canonical_unit, conversion_factor


@pytest.mark.parametrize(
    ("unit", "canonical", "factor"),
    [
        ("TFLOP/s", "FLOP/s", 1e12),
        ("PFLOP/s", "FLOP/s", 1e15),
        ("USD/month", "USD/hour", 12 / (365.25 * 24)),
        ("USD/hour", "USD/hour", 1.0),
        ("kUSD", "USD", 1e3),
        ("tokens", "token", 1.0),
        ("params", "parameter", 1.0),
        ("percent", "1", 0.01),
        ("MW", "W", 1e6),
        ("day", "hour", 24.0),
    ],
)
def test_declared_units_convert_to_canonical(unit, canonical, factor):
    assert canonical_unit(unit) == canonical
    assert conversion_factor(unit, canonical) == pytest.approx(factor, rel=1e-12)


@pytest.mark.parametrize(
    ("declared", "expected"),
    [("USD/hour", "FLOP/s"), ("token", "parameter"), ("FLOP", "USD"), ("USD", "USD/hour")],
)
def test_wrong_dimension_is_an_error(declared, expected):
    with pytest.raises(UnitError, match="measures"):
        conversion_factor(declared, expected)


def test_unknown_and_offset_units_are_errors():
    with pytest.raises(UnitError, match="unknown unit"):
        conversion_factor("furlongz", "1")
    with pytest.raises(UnitError, match="offset"):
        conversion_factor("degC", "K")


def test_the_unit_registry_is_cached_and_works_without_a_cache(tmp_path):
    """Parsed definitions are cached (start-up); an unusable cache only makes it slower."""
    import subprocess
    import sys

    script = (
        "from simulate.core import units; r = units.registry(); "
        "print(r('byte').dimensionality, units.conversion_factor('USD/Mtoken', 'USD/ktoken'))"
    )
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    outputs = []
    for cache in (tmp_path / "cache", tmp_path / "cache", blocked):
        env = {**os.environ, "SIMULATE_CACHE_DIR": str(cache)}
        done = subprocess.run(
            [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
        )
        outputs.append(done.stdout.strip())
    assert outputs == ["[information] 0.001"] * 3
    assert any((tmp_path / "cache").rglob("*.pickle"))  # pint's parsed definitions
