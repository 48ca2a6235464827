"""SIGINT and SIGTERM end a run with 130 / 143 and leave no file of it behind."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import PRIORS

SIMULATE = [sys.executable, "-c", "from simulate.launch import main; main()"]


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
    # raised where it can be handled, never inside HDF5's callbacks (which swallow it)
    assert "Exception ignored" not in stderr
    assert stderr.strip().splitlines()[-1] == ("interrupted" if code == 130 else "terminated")
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
    from simulate.core import interrupts
    from simulate.io import files

    monkeypatch.setattr(interrupts, "received", [signal.SIGTERM])
    with pytest.raises(interrupts.Terminated):
        files.write_text("x", tmp_path / "a.json")
    assert list(Path(tmp_path).iterdir()) == []


def _run_with_a_signal_at(tmp_path, moment: str, out: Path) -> subprocess.CompletedProcess:
    """``simulate run … --out OUT`` where SIGTERM is raised by the process itself, for real,
    at ``moment``: "before the move" (as the finished file is flushed) or "during the move"."""
    script = f"""
import os, signal
from simulate.core import interrupts
real_replace, real_sync = os.replace, interrupts._sync
def replace(a, b):
    real_replace(a, b)
    if {moment!r} == "during the move":
        signal.raise_signal(signal.SIGTERM)
def sync(path):
    real_sync(path)
    if {moment!r} == "before the move":
        signal.raise_signal(signal.SIGTERM)
os.replace, interrupts._sync = replace, sync
from simulate.launch import main
main()
"""
    args = [str(PRIORS / "gpt3-training.toml"), "--draws", "5000", "--out", str(out), "-q"]
    return subprocess.run(
        [sys.executable, "-c", script, "run", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("suffix", [".json", ".nc"])
def test_a_signal_before_the_move_changes_nothing_and_says_terminated(tmp_path, suffix):
    out = tmp_path / f"old{suffix}"
    out.write_bytes(b"the user's file")
    finished = _run_with_a_signal_at(tmp_path, "before the move", out)
    assert finished.returncode == 143, finished.stderr
    assert finished.stderr.strip().splitlines()[-1] == "terminated"
    assert out.read_bytes() == b"the user's file"
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


@pytest.mark.parametrize("suffix", [".json", ".nc"])
def test_a_signal_during_the_move_comes_too_late_the_run_succeeded(tmp_path, suffix):
    out = tmp_path / f"old{suffix}"
    out.write_bytes(b"the user's file")
    finished = _run_with_a_signal_at(tmp_path, "during the move", out)
    assert finished.returncode == 0, finished.stderr
    assert "terminated" not in finished.stderr
    assert out.read_bytes() != b"the user's file"
    assert "training_cost_usd" in finished.stdout  # the summary was printed before the move
    if suffix == ".nc":
        import xarray as xr

        with xr.open_dataset(out) as dataset:
            assert dataset.sizes["draw"] == 5000
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_a_recorded_signal_stops_the_chunks_after_the_one_it_came_in(monkeypatch):
    from simulate.core import execution, interrupts

    monkeypatch.setattr(interrupts, "received", [])
    ran: list[range] = []

    def task(scenario, sampler, blocks):
        ran.append(blocks)
        if len(ran) == 3:
            interrupts.received.append(signal.SIGINT)  # as a swallowed handler leaves it
        return len(ran)

    chunks = [range(i, i + 1) for i in range(50)]
    with pytest.raises(KeyboardInterrupt):
        for _ in execution.map_in_order(task, None, None, chunks, 1, None):
            pass
    assert len(ran) == 3
    ran.clear()
    monkeypatch.setattr(interrupts, "received", [])
    with pytest.raises(KeyboardInterrupt):
        for _ in execution.map_in_order(task, None, None, chunks, 2, None):
            pass
    # the chunks already in flight (2 per worker) may finish; none is started after
    assert 3 <= len(ran) <= 3 + 2 * execution.IN_FLIGHT_PER_WORKER


def test_a_signal_inside_a_held_write_is_raised_when_the_write_returns(monkeypatch):
    from simulate.core import interrupts

    monkeypatch.setattr(interrupts, "received", [])
    previous = signal.signal(signal.SIGTERM, interrupts._handler)
    reached: list[str] = []
    try:
        with pytest.raises(interrupts.Terminated):
            with interrupts.held():
                signal.raise_signal(signal.SIGTERM)
                reached.append("the rest of the write")  # not cut off inside the library
        assert reached == ["the rest of the write"]
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.mark.slow
def test_what_a_killed_run_left_is_removed_by_the_next_run_which_says_so(tmp_path):
    out = tmp_path / "run.nc"
    args = [str(PRIORS / "gpt3-training.toml"), "--draws", "4e6", "--out", str(out), "-q"]
    process = subprocess.Popen([*SIMULATE, "run", *args], stderr=subprocess.PIPE, text=True)
    _signal_when(process, lambda: any(tmp_path.glob(".run.nc.*.tmp")), signal.SIGKILL)
    process.communicate(timeout=120)
    [left] = tmp_path.glob(".run.nc.*.tmp")  # SIGKILL cannot be handled: the file stays
    assert left.name.startswith(f".run.nc.{process.pid}-")
    args[2] = "2e4"
    again = subprocess.run([*SIMULATE, "run", *args], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"note: removed {left}" in again.stderr
    assert f"process {process.pid} is gone" in again.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.nc"]


def test_a_temporary_whose_writer_still_runs_is_named_not_removed(tmp_path):
    from simulate.io import temporaries

    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        finished = subprocess.Popen([sys.executable, "-c", "pass"])
        finished.wait()
        running = tmp_path / f".run.nc.{writer.pid}-abc123.tmp"
        stale = tmp_path / f".run.nc.{finished.pid}-def456.tmp"
        older = tmp_path / ".run.nc.k7j9dk1m.tmp"  # named as before the PID was in the name
        other = tmp_path / f".other.nc.{finished.pid}-ghi789.tmp"  # another target's
        for path in (running, stale, older, other):
            path.write_bytes(b"x" * 2**20)
        said = temporaries.clear_stale(tmp_path / "run.nc")
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            [running.name, older.name, other.name]
        )
        assert sorted(said) == sorted(
            [
                f"note: {older} (1 MiB) looks like a file an interrupted run left; remove it if "
                "nothing is writing run.nc",
                f"note: {running} is being written by process {writer.pid} (1 MiB)",
                f"note: removed {stale}, 1 MiB left by a run that was killed "
                f"(process {finished.pid} is gone)",
            ]
        )
    finally:
        writer.kill()
        writer.wait()


def test_a_signal_that_reaches_another_thread_waits_until_the_file_has_a_name(
    tmp_path, monkeypatch
):
    """kill(1) reaches whichever thread the kernel picks (numpy's, a worker's), and Python
    then runs the handler in the main thread: a thread's signal mask cannot hold it back."""
    import os
    import threading

    from simulate.core import interrupts
    from simulate.io import files, temporaries

    monkeypatch.setattr(interrupts, "received", [])
    real = temporaries.tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        made = real(*args, **kwargs)  # the file exists; its name is not yet recorded
        sender = threading.Thread(target=os.kill, args=(os.getpid(), signal.SIGTERM))
        sender.start()
        sender.join()
        deadline = time.monotonic() + 10
        while not interrupts.received and time.monotonic() < deadline:
            time.sleep(0.001)  # the handler runs here, in the main thread
        assert interrupts.received == [signal.SIGTERM]
        return made

    monkeypatch.setattr(temporaries.tempfile, "mkstemp", mkstemp)
    previous = signal.signal(signal.SIGTERM, interrupts._handler)
    try:
        with pytest.raises(interrupts.Terminated):
            files.write_text("x", tmp_path / "a.json")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert list(tmp_path.iterdir()) == []
