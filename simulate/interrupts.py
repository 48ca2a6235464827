"""Ctrl-C and SIGTERM end a run promptly, and leave no file of it behind.

The command line installs :func:`install`: SIGINT raises ``KeyboardInterrupt`` and SIGTERM
raises :class:`Terminated`, so every ``try``/``except BaseException`` that removes a temporary
file runs. A library callback (HDF5's, while a NetCDF file is written) may swallow the
exception; the signal is also recorded, and :func:`check` — called before a written file is
moved into place — raises it again.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

received: list[int] = []


class Terminated(BaseException):
    """SIGTERM: like KeyboardInterrupt, not an error of the program (exit 143)."""


def _handler(signum: int, frame: FrameType | None) -> None:
    received.append(signum)
    raise KeyboardInterrupt if signum == signal.SIGINT else Terminated()


def install() -> None:
    """Route SIGINT and SIGTERM through :func:`_handler` (main thread only)."""
    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)


def check() -> None:
    """Raise again a signal that arrived while a library swallowed its exception."""
    if received:
        raise KeyboardInterrupt if received[0] == signal.SIGINT else Terminated()


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while the block runs (a temporary file is made and its
    name recorded), and deliver them when it ends: the caller's cleanup then knows the name.
    Enter it inside the ``try`` whose ``except`` removes the file."""
    held = {signal.SIGINT, signal.SIGTERM}
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    except (AttributeError, OSError, ValueError):  # no POSIX signal masks here
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
