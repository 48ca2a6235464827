"""A --scheduler address where no Dask scheduler answers ends with exit 2 naming the option,
within the handshake's time: a silent listener, an HTTP server, malformed addresses."""

from __future__ import annotations

import http.server
import os
import socket
import subprocess
import sys
import threading
import time

import pytest

from tests.conftest import PRIORS

pytest.importorskip("distributed")


@pytest.fixture
def silent_listener():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    stop = threading.Event()
    accepted = []

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
                accepted.append(connection)  # held open, never answered
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join(2)
    for connection in accepted:
        connection.close()
    server.close()


class _QuietHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # the test's output is not the server's log
        pass


@pytest.fixture
def http_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


SIMULATE = [sys.executable, "-c", "from simulate.launch import main; main()"]


def _run(address: str) -> tuple[subprocess.CompletedProcess, float]:
    """The command as a user runs it, in its own process: it must also exit, not only print."""
    started = time.monotonic()
    result = subprocess.run(
        [*SIMULATE, "run", str(PRIORS / "gpt3-training.toml"), "--draws", "1e5",
         "--scheduler", address, "-q"],
        capture_output=True, text=True, timeout=90,
        env={**os.environ, "SIMULATE_DASK_HANDSHAKE_S": "2"},
    )  # fmt: skip
    return result, time.monotonic() - started


@pytest.mark.slow
@pytest.mark.parametrize("listener", ["silent_listener", "http_server"])
def test_a_listener_that_is_not_dask_is_refused_in_time(request, listener):
    address = request.getfixturevalue(listener)
    result, seconds = _run(address)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: --scheduler:"), result.stderr
    assert "Traceback" not in result.stderr
    assert seconds < 60


@pytest.mark.slow
@pytest.mark.parametrize("address", ["tcp://", "inproc://x", "tcp://127.0.0.1:1"])
def test_a_malformed_or_closed_address_is_exit_2(address):
    result, _ = _run(address)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: --scheduler:"), result.stderr


@pytest.fixture
def dask_cluster(tmp_path):
    """A real scheduler and one worker, each in its own process; yields (address, scheduler)."""
    scheduler_file = tmp_path / "scheduler.json"
    log = open(tmp_path / "scheduler.log", "w")
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", "0", "--no-dashboard", "--scheduler-file", str(scheduler_file)],
        stdout=log, stderr=log,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not scheduler_file.exists() or not scheduler_file.read_text().strip():
        assert scheduler.poll() is None and time.monotonic() < deadline, "no scheduler"
        time.sleep(0.05)
    import json

    address = json.loads(scheduler_file.read_text())["address"]
    worker = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
         "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield address, scheduler, tmp_path / "scheduler.log"
    finally:
        for process in (worker, scheduler):
            process.kill()
            process.wait()
        log.close()


@pytest.mark.slow
@pytest.mark.parametrize("quiet", [True, False])
def test_a_scheduler_that_dies_mid_run_is_exit_2_in_one_line_of_ours(dask_cluster, quiet):
    address, scheduler, log = dask_cluster
    args = [str(PRIORS / "gpt3-training.toml"), "--draws", "1e9", "--scheduler", address]
    process = subprocess.Popen(
        [*SIMULATE, "run", *args, *(["-q"] if quiet else [])],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"},
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while "Receive client connection" not in log.read_text():  # the run is under way
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
        time.sleep(0.05)
    time.sleep(0.5)  # tasks in flight (when exactly does not matter: any moment must do)
    scheduler.kill()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 2, stderr
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: --scheduler: lost the Dask scheduler at {address}"), stderr
    if quiet:  # quiet means quiet: the error, and nothing of distributed's own logging
        assert stderr.strip().splitlines() == [last]
    else:
        assert all(line.startswith(("dask: ", "note: ", "error: ")) for line in stderr.splitlines())
