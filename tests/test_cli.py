"""The command line: models, check, help texts, and the README's promises."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from simulate.models import MODELS
from tests.conftest import PRIORS, ROOT


def test_models_lists_every_model_with_inputs_outputs_and_units(invoke):
    data = json.loads(invoke("models", "--format", "json").stdout)
    assert set(data) == set(MODELS)
    training = data["training"]
    assert {
        "name": "peak_flops_per_s",
        "unit": "FLOP/s",
        "description": "dense peak FLOP/s of one accelerator",
        "domain": "positive (above 0)",
    } in training["inputs"]
    assert any(
        p["name"] == "training_days" and p["only_with"] == "n_accelerators"
        for p in training["outputs"]
    )
    table = invoke("models").stdout
    for name, model in MODELS.items():
        assert f"{name} — " in table
        for port in (*model.inputs, *model.outputs):
            assert re.search(rf"{port.name}\s+{re.escape(port.unit)}\s", table), port.name


def test_check_echoes_what_each_declaration_means(invoke):
    result = invoke("check", PRIORS / "gpt3-training.toml")
    assert result.exit_code == 0
    out = result.stdout
    assert "OK" in out
    assert re.search(
        r"training_mfu\s+beta\(a=17\.\d+, b=23\.\d+\), 90 % in \[0\.3, 0\.55\]\s+"
        r"0\.462\s+\[0\.3, 0\.55\]\s+1\s+Chowdhery",
        out,
    )
    assert re.search(r"peak_flops_per_s\s+fixed 275\s.*TFLOP/s", out)
    data = json.loads(invoke("check", PRIORS / "gpt3-training.toml", "--format", "json").stdout)
    assert data["assumptions"]["peak_flops_per_s"]["declared"].endswith("unit 'TFLOP/s'")
    assert data["assumptions"]["accelerator_hour_usd"]["interval_90"][0] > 1.45
    assert data["order"] == ["model training"]


def test_help_texts_explain_options_and_give_examples(invoke):
    top = invoke("--help").stdout
    for command in ("run", "check", "models"):
        assert command in top
    run_help = invoke("run", "--help").stdout
    for option in (
        "--draws",
        "--seed",
        "--method",
        "--point",
        "--percentiles",
        "--threshold",
        "--chunk-size",
        "--workers",
        "--format",
        "--out",
    ):
        assert option in run_help
    assert "simulate run priors/" in run_help


def test_python_dash_m_simulate_and_help_do_not_import_the_heavy_stack():
    code = (
        "import sys; from simulate.cli.app import cli; "
        "print(sorted(m for m in ('xarray', 'scipy', 'pint', 'arviz') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
    result = subprocess.run(
        [sys.executable, "-m", "simulate", "--version"], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0 and "simulate" in result.stdout


def test_unexpected_errors_exit_1_without_traceback(invoke, monkeypatch):
    from simulate.core import engine

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(engine, "run", broken)
    result = invoke("run", PRIORS / "gpt3-training.toml", "--draws", "10")
    assert result.exit_code == 1
    assert "ZeroDivisionError: boom" in result.stderr and "Traceback" not in result.stderr


def _readme_commands() -> tuple[str, str]:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```(?:bash|sh)\n(.*?)```", text, flags=re.S)
    return blocks[0].strip(), blocks[1].strip()


def test_ci_runs_exactly_the_readme_commands():
    install, test = _readme_commands()
    ci = (ROOT / ".ci" / "run").read_text()
    assert install in ci and test in ci
    assert "simulate run priors/" in install
    assert "pytest" in test


def test_the_code_is_ruff_clean():
    """STYLE: ruff lint and format, configured in pyproject.toml."""
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "."], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr
