"""Every way a priors file or an option can be wrong: exit 2, the file and key named, no traceback.

One row per mistake; ``key`` is the text the message must contain to point at the field.
"""

from __future__ import annotations

import pytest

import simulate
from simulate.core.errors import PriorsError
from simulate.spec.reader import load

VALID = """
[scenario]
name = "t"
models = ["training"]

[assumptions]
params = { fixed = 175e9, unit = "parameter", source = "GPT-3 paper" }
training_tokens = { fixed = 300e9, unit = "token" }
peak_flops_per_s = { fixed = 275, unit = "TFLOP/s" }
training_mfu = { beta = [0.30, 0.55], point = 0.462 }
accelerator_hour_usd = { uniform = [1.45, 3.22], point = 2.03, unit = "USD/hour" }
"""

BAD = {
    "toml syntax": ('params = { fixed = 175e9, unit = "parameter"', "line", "TOML syntax"),
    "unknown distribution key": (
        "training_mfu = { betta = [0.3, 0.5] }",
        "assumptions.training_mfu.betta",
        "unknown key",
    ),
    "two distribution keys": (
        "training_mfu = { beta = [0.3, 0.5], uniform = [0.3, 0.5] }",
        "assumptions.training_mfu",
        "exactly one distribution key",
    ),
    "no distribution key": (
        "training_mfu = { point = 0.4 }",
        "assumptions.training_mfu",
        "got none",
    ),
    "lo >= hi": (
        'accelerator_hour_usd = { uniform = [3.22, 1.45], unit = "USD/hour" }',
        "assumptions.accelerator_hour_usd",
        "lo < hi",
    ),
    "beta outside (0, 1)": (
        "training_mfu = { beta = [0.3, 1.5] }",
        "assumptions.training_mfu",
        "inside (0, 1)",
    ),
    "negative spread": (
        "training_mfu = { normal = { mean = 0.4, sd = -0.1 } }",
        "assumptions.training_mfu.sd",
        "positive",
    ),
    "string for a number": (
        'params = { fixed = "175e9", unit = "parameter" }',
        "assumptions.params",
        "expected a number",
    ),
    "string for point": (
        'training_mfu = { beta = [0.3, 0.5], point = "0.4" }',
        "assumptions.training_mfu.point",
        "expected a finite number",
    ),
    "unit of the wrong dimension": (
        'peak_flops_per_s = { fixed = 2.03, unit = "USD/hour" }',
        "assumptions.peak_flops_per_s.unit",
        "measures [currency] / [time]",
    ),
    "unknown unit": (
        'peak_flops_per_s = { fixed = 275, unit = "TFLOPZ/s" }',
        "assumptions.peak_flops_per_s.unit",
        "unknown unit",
    ),
    "point outside the distribution": (
        "training_mfu = { beta = [0.3, 0.5], point = 1.2 }",
        "assumptions.training_mfu.point",
        "outside",
    ),
    "unknown option": (
        'training_mfu = { beta = [0.3, 0.5], sorce = "x" }',
        "assumptions.training_mfu.sorce",
        "unknown key",
    ),
    "bad quantity name": ("Bad-Name = 3", "assumptions.Bad-Name", "lower-case"),
}

DERIVED_BAD = {
    "unknown name in expression": ('y = "params * nonexistent"', "derived.y", "nonexistent"),
    "attribute access": ('y = "params.__class__"', "derived.y.expr", "attribute access"),
    "call outside whitelist": ("y = \"open('x')\"", "derived.y.expr", "calling 'open'"),
    "dunder name": ('y = "__import__"', "derived.y.expr", "'_'"),
    "subscript": ('y = "params[0]"', "derived.y.expr", "subscripting"),
    "lambda": ('y = "(lambda: 1)()"', "derived.y.expr", "not allowed"),
    "cycle": ('a = "b + 1"\nb = "a * 2"', "derived.", "cycle"),
    "cycle through a model": (
        'training_tokens = "training_cost_usd / 10"',
        "training_tokens",
        "cycle",
    ),
    "bad derived unit": (
        'y = { expr = "params * 2", unit = "parsecz" }',
        "derived.y.unit",
        "unknown unit",
    ),
}


def _variant(line: str, section: str = "assumptions") -> str:
    """VALID with ``line`` replacing the assumption of the same name (or added)."""
    if section == "derived":
        text = VALID
        if line.startswith("training_tokens"):
            text = text.replace('training_tokens = { fixed = 300e9, unit = "token" }\n', "")
        return text + "\n[derived]\n" + line + "\n"
    name = line.split("=")[0].strip()
    kept = [row for row in VALID.splitlines() if not row.startswith(name + " ")]
    return "\n".join(kept) + "\n" + line + "\n"


@pytest.mark.parametrize(("line", "key", "message"), BAD.values(), ids=BAD.keys())
def test_bad_assumption_exits_2_naming_the_key(line, key, message, priors_file, invoke):
    path = priors_file(_variant(line))
    result = invoke("check", path)
    assert result.exit_code == 2
    assert str(path) in result.stderr
    assert key in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(("line", "key", "message"), DERIVED_BAD.values(), ids=DERIVED_BAD.keys())
def test_bad_derived_exits_2_naming_the_key(line, key, message, priors_file, invoke):
    path = priors_file(_variant(line, "derived"))
    result = invoke("run", path, "--draws", "100")
    assert result.exit_code == 2, result.output
    assert key in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_toml_syntax_error_gives_the_line(priors_file, invoke):
    path = priors_file('[scenario]\nname = "x"\n\n[assumptions]\nparams = { fixed = }\n')
    result = invoke("check", path)
    assert result.exit_code == 2
    assert "line 5" in result.stderr


@pytest.mark.parametrize(
    ("replace", "by", "key", "message"),
    [
        ('models = ["training"]', 'models = ["trainng"]', "scenario.models", "unknown model"),
        ('models = ["training"]', 'models = "training"', "scenario.models", "list of model"),
        ('name = "t"', 'name = "t"\ncolour = "red"', "scenario.colour", "unknown key"),
        ('name = "t"', 'name = "t"\nformat = 7', "scenario.format", "format 1"),
        ('name = "t"', 'name = "a/b"', "scenario.name", "file name"),
        ('name = "t"', 'name = "t"\nreport = ["nothing"]', "scenario.report", "not an output"),
        (
            "training_mfu = { beta = [0.30, 0.55], point = 0.462 }\n",
            "",
            "training_mfu",
            "needs the run's hours: training_mfu; or accelerator_hours",
        ),
        ("[assumptions]", "[asumptions]", "asumptions", "unknown table"),
        (
            'name = "t"',
            'name = "t"\nthresholds = ["nothing>1"]',
            "scenario.thresholds",
            "'nothing' is not a quantity",
        ),
        (
            'name = "t"',
            'name = "t"\nthresholds = ["training_cost_usd>params2"]',
            "scenario.thresholds",
            "'params2' is not a quantity",
        ),
        (
            'name = "t"',
            'name = "t"\nthresholds = ["training_cost_usd=1"]',
            "scenario.thresholds",
            "NAME>VALUE",
        ),
        ('name = "t"', 'name = "t"\nthresholds = "x>1"', "scenario.thresholds", "expected a list"),
    ],
)
def test_bad_scenario_exits_2(replace, by, key, message, priors_file, invoke):
    assert replace in VALID
    path = priors_file(VALID.replace(replace, by))
    result = invoke("check", path)
    assert result.exit_code == 2
    assert key in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_exits_2(invoke, tmp_path):
    missing = tmp_path / "nope.toml"
    for command in ("check", "run"):
        result = invoke(command, missing)
        assert result.exit_code == 2
        assert str(missing) in result.stderr and "no such file" in result.stderr


@pytest.mark.parametrize("draws", ["0", "-5", "1.5", "lots", "inf"])
def test_non_positive_or_non_integer_draws_exit_2(draws, priors_file, invoke):
    result = invoke("run", priors_file(VALID), "--draws", draws)
    assert result.exit_code == 2
    assert "--draws" in result.stderr and "positive whole number" in result.stderr


@pytest.mark.parametrize(
    ("option", "value", "fragment"),
    [
        ("--threshold", "training_cost_usd=5", "NAME>VALUE"),
        ("--threshold", "nothing>5", "not a quantity"),
        ("--threshold", "training_cost_usd>abc", "'abc' is not a quantity"),
        ("--threshold", "training_cost_usd>1x", "neither a number nor a quantity name"),
        ("--percentiles", "5,150", "between 0 and 100"),
        ("--method", "quasi", "quasi"),
        ("--seed", "-1", "--seed"),
        ("--workers", "0", "--workers"),
        ("--out", "results/x.parquet", ".nc, .json or .csv"),
    ],
)
def test_bad_options_exit_2_naming_the_option(option, value, fragment, priors_file, invoke):
    result = invoke("run", priors_file(VALID), "--draws", "1000", option, value)
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.stderr


def test_including_file_key_in_library_error():
    with pytest.raises(PriorsError) as caught:
        load("no/such/file.toml")
    assert caught.value.file == "no/such/file.toml"


def test_model_input_provided_by_a_derived_quantity(priors_file, invoke):
    text = (
        VALID.replace(
            'accelerator_hour_usd = { uniform = [1.45, 3.22], point = 2.03, unit = "USD/hour" }',
            'instance_hour_usd = { fixed = 19.22, unit = "USD/hour" }',
        )
        + "\n[derived]\n"
        + 'accelerator_hour_usd = { expr = "instance_hour_usd / 8", unit = "USD/hour" }\n'
    )
    result = invoke("run", priors_file(text), "--point", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert '"accelerator_hour_usd"' in result.stdout


def test_derived_unit_converts_to_the_model_input_unit(priors_file):
    text = (
        VALID.replace(
            'accelerator_hour_usd = { uniform = [1.45, 3.22], point = 2.03, unit = "USD/hour" }',
            'monthly_usd = { fixed = 1461, unit = "USD/month" }',
        )
        + '\n[derived]\naccelerator_hour_usd = { expr = "monthly_usd", unit = "USD/month" }\n'
    )
    scenario = load(priors_file(text))
    # kept in USD/month as declared; the training model reads it in USD/hour
    assert scenario.derived["accelerator_hour_usd"].factor == 1.0
    assert scenario.unit("accelerator_hour_usd") == "USD/month"
    assert scenario.input_factors["accelerator_hour_usd"] == pytest.approx(12 / (365.25 * 24))
    point = simulate.run_point(scenario)
    assert float(point.outputs["accelerator_hour_usd"]) == pytest.approx(1461)
    hours = 6 * 175e9 * 300e9 / (275e12 * float(point.inputs["training_mfu"])) / 3600
    assert float(point.outputs["training_cost_usd"]) == pytest.approx(hours * 2.0)


def test_derived_unit_of_wrong_dimension_for_a_model_input(priors_file, invoke):
    text = (
        VALID.replace(
            'accelerator_hour_usd = { uniform = [1.45, 3.22], point = 2.03, unit = "USD/hour" }',
            "x = 3",
        )
        + '\n[derived]\naccelerator_hour_usd = { expr = "x", unit = "token" }\n'
    )
    result = invoke("check", priors_file(text))
    assert result.exit_code == 2
    assert "derived.accelerator_hour_usd.unit" in result.stderr


def test_special_and_oversized_files_are_refused_before_reading(tmp_path, invoke):
    import os

    fifo = tmp_path / "f.toml"
    os.mkfifo(fifo)  # reading it would block forever
    for path in (fifo, "/dev/zero"):
        result = invoke("check", path)
        assert result.exit_code == 2
        assert f"{path}: not a regular file" in result.stderr
    assert invoke("check", tmp_path).exit_code == 2  # click refuses a directory itself
    big = tmp_path / "big.toml"
    big.write_text("# padding\n" * 110_000)  # 1.1 MB of comments
    result = invoke("check", big)
    assert result.exit_code == 2
    assert "more than a priors file may hold" in result.stderr
