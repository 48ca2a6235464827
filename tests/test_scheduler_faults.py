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
