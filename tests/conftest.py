"""Shared helpers: run the CLI in-process and write small priors files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulate.cli.app import cli

ROOT = Path(__file__).resolve().parent.parent
PRIORS = ROOT / "priors"


@pytest.fixture
def invoke():
    """Run ``simulate ARGS`` and return the click Result (stdout and stderr kept apart)."""
    runner = CliRunner()

    def _invoke(*args: str):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return _invoke


@pytest.fixture
def priors_file(tmp_path):
    """Write TOML text to a file and return its path."""

    def _write(text: str, name: str = "scenario.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write
