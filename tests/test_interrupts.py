"""SIGINT and SIGTERM end a run with 130 / 143 and leave no file of it behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PRIORS

SIMULATE = [sys.executable, "-c", "from simulate.cli import main; main()"]


def _signal_when(process: subprocess.Popen, ready, signum: int, timeout: float = 120) -> None:
    """Send ``signum`` as soon as ``ready()`` is true (a temporary file exists, say)."""
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(
                f"the run ended (or took too long) before it could be interrupted: {process.poll()}"
            )
        time.sleep(0.005)
    process.send_signal(signum)


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_while_the_netcdf_is_written_leaves_nothing(tmp_path, signum, code):
    out = tmp_path / "run.nc"
    args = [str(PRIORS / "gpt3-training.toml"), "--draws", "4e6", "--out", str(out), "--quiet"]
    process = subprocess.Popen([*SIMULATE, "run", *args], stderr=subprocess.PIPE, text=True)
    _signal_when(process, lambda: any(tmp_path.glob(".run.nc.*.tmp")), signum)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == code, stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_while_a_report_is_drawn_leaves_no_figure(tmp_path, signum, code):
    out = tmp_path / "report.md"
    args = [str(PRIORS / "search-two-stage.toml"), "--draws", "20000", "--out", str(out)]
    process = subprocess.Popen([*SIMULATE, "report", *args], stderr=subprocess.PIPE, text=True)

    def drawing() -> bool:
        return any(
            folder.is_dir() and any(folder.iterdir()) for folder in tmp_path.glob(".report.*")
        )

    _signal_when(process, drawing, signum)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == code, stderr
    assert list(tmp_path.iterdir()) == []


def test_a_swallowed_signal_still_stops_the_write(tmp_path, monkeypatch):
    from simulate import interrupts, results

    monkeypatch.setattr(interrupts, "received", [signal.SIGTERM])
    with pytest.raises(interrupts.Terminated):
        results.write_text("x", tmp_path / "a.json")
    assert list(Path(tmp_path).iterdir()) == []
