"""Output for people: money, shares and counts as people read them; full precision in JSON."""

from __future__ import annotations

import json
import re

import pytest

from simulate.humanize import cell, humanize, unit_label
from tests.conftest import PRIORS


@pytest.mark.parametrize(
    ("value", "unit", "name", "expected"),
    [
        (1.66e6, "USD", "training_cost_usd", "$1.66M"),
        (-455.0, "USD", "savings_usd", "-$455"),
        (0.00626, "USD/ktoken", "cost_per_1k_tokens_usd", "$0.00626"),
        (0.423, "1", "training_mfu", "42.3 %"),
        (2048.0, "1", "n_accelerators", "2,048"),
        (1.5, "1", "ratio", "1.5"),
        (3.15e23, "FLOP", "training_flops", "3.15e+23"),
        (754_000.0, "hour", "accelerator_hours", "754K"),
        (None, "USD", "x", "n/a"),
        (float("inf"), "USD", "x", "n/a"),
    ],
)
def test_table_cells_read_as_people_expect(value, unit, name, expected):
    assert cell(value, unit, name) == expected


def test_units_read_as_people_expect():
    assert unit_label("1", "training_mfu") == "%"
    assert unit_label("1", "n_accelerators") == ""
    assert unit_label("USD/hour") == "USD/hour"
    assert humanize(70e9, "parameter") == "70B parameters"
    assert humanize(0.0082, "USD") == "$0.0082"


def test_run_prints_money_in_the_table_and_full_precision_in_json(invoke):
    args = ("run", PRIORS / "gpt3-training.toml", "--draws", "20000", "-q")
    table = invoke(*args).stdout
    row = next(line for line in table.splitlines() if line.startswith("training_cost_usd"))
    assert re.search(r"training_cost_usd\s+USD\s+\$1\.\d+M\s+\$\d{3}K", row), row
    mfu = next(line for line in table.splitlines() if line.startswith("training_mfu"))
    assert re.search(r"training_mfu\s+%\s+4\d\.\d %", mfu), mfu
    count = next(line for line in table.splitlines() if line.startswith("n_accelerators"))
    assert "1,024" in count
    data = json.loads(invoke(*args, "--format", "json").stdout)
    p50 = data["outputs"]["training_cost_usd"]["p50"]
    assert p50 != round(p50, 0) and 1e6 < p50 < 2e6  # not rounded for machines


def test_sensitivity_prints_money_too(invoke):
    table = invoke(
        "sensitivity", PRIORS / "gpt3-training.toml", "-o", "training_cost_usd",
        "--method", "tornado",
    ).stdout  # fmt: skip
    assert "base case $1.4M" in table
    assert re.search(r"training_mfu\s+\$1\.98M\s+\$1\.24M\s+\$745K", table), table
