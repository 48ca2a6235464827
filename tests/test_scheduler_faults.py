"""A --scheduler address where no Dask scheduler answers ends with exit 2 naming the option,
within the handshake's time: a silent listener, an HTTP server, malformed addresses."""

from __future__ import annotations

import http.server
import socket
import threading
import time

import pytest

from simulate import execution
from tests.conftest import PRIORS

pytest.importorskip("distributed")


@pytest.fixture
def quick_handshake(monkeypatch):
    monkeypatch.setattr(execution, "HANDSHAKE_SECONDS", 2.0)


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


def _run(invoke, address: str):
    started = time.monotonic()
    result = invoke(
        "run", PRIORS / "gpt3-training.toml", "--draws", "1e5", "--scheduler", address, "-q"
    )
    return result, time.monotonic() - started


@pytest.mark.slow
@pytest.mark.parametrize("listener", ["silent_listener", "http_server"])
def test_a_listener_that_is_not_dask_is_refused_in_time(request, invoke, quick_handshake, listener):
    address = request.getfixturevalue(listener)
    result, seconds = _run(invoke, address)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("error: --scheduler:"), result.stderr
    assert "Traceback" not in result.stderr
    assert seconds < 30


@pytest.mark.parametrize("address", ["tcp://", "inproc://x", "tcp://127.0.0.1:1"])
def test_a_malformed_or_closed_address_is_exit_2(invoke, quick_handshake, address):
    result, _ = _run(invoke, address)
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("error: --scheduler:"), result.stderr
