"""Ctrl-C and SIGTERM end a run promptly, and leave no file of it behind.

The command line installs :func:`install`: SIGINT raises ``KeyboardInterrupt`` and SIGTERM
raises :class:`Terminated`, so every ``try``/``except BaseException`` that removes a temporary
file runs. Three things keep that true at every moment of a run:

- while a library writes (HDF5's callbacks swallow exceptions), :func:`held` records a signal
  instead of raising it inside the library, and raises it when the write returns;
- the engine calls :func:`check` after every chunk, so a signal recorded anywhere stops the
  run within a chunk's time;
- :func:`place` moves a finished file into place — the one moment a run's output changes — with
  signals held: one that came before is raised and nothing changes; one that comes during the
  move is raised after it, unless the file is the command's output (:data:`finishing`): then
  the run has succeeded and the signal came too late to change that.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

received: list[int] = []
placed: set[Path] = set()  # files moved into place by this process
finishing: set[Path] = set()  # the command's outputs: once one is in place, the run succeeded
_holding = 0


class Terminated(BaseException):
    """SIGTERM: like KeyboardInterrupt, not an error of the program (exit 143)."""


def _raise(signum: int) -> None:
    raise KeyboardInterrupt if signum == signal.SIGINT else Terminated()


def _handler(signum: int, frame: FrameType | None) -> None:
    received.append(signum)
    if not _holding:
        _raise(signum)


def install() -> None:
    """Route SIGINT and SIGTERM through :func:`_handler` (main thread only)."""
    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)


def installed() -> bool:
    return signal.getsignal(signal.SIGINT) is _handler


def check() -> None:
    """Raise a signal that arrived while it could not be raised (or was swallowed)."""
    if received:
        _raise(received[0])


def _ignore_from_now() -> None:
    """The command's output is complete: a signal from now on cannot make it fail (one that
    is pending is dropped). Only when :func:`install` ran — the command line — never in a
    program that imported the library."""
    if installed():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


@contextmanager
def held() -> Iterator[None]:
    """Record, not raise, a signal that arrives while the block runs, and raise it when the
    block ends: a library's write whose callbacks would swallow the exception, or a temporary
    file made and its name recorded (the caller's cleanup then knows the name). A signal that
    arrived before the block is not raised again by it (cleanup after an interrupt runs whole).

    Python runs signal handlers in the main thread, whichever thread the signal reached, so
    this holds with worker threads running too (a thread's signal mask would not).
    """
    global _holding
    seen = len(received)
    _holding += 1
    try:
        yield
    finally:
        _holding -= 1
    if len(received) > seen:
        _raise(received[seen])


deferred = held  # the name the file-making code reads best with


def _sync(path: str | Path) -> None:
    """Flush a file's bytes to the disk (a disk that fills late says so here, not later)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def place(moves: Sequence[tuple[str | Path, str | Path]]) -> None:
    """Move finished temporaries onto their targets, all or none as far as signals go.

    A signal received before this call is raised, and nothing changes. Signals are held from
    the check to the last move, so the moves are never cut in half; one that arrives meanwhile
    is raised afterwards — unless a target is one of the command's outputs (:data:`finishing`):
    then the run has succeeded, and later signals are ignored. A move the file system
    refuses removes the new files already moved, so a new file never stands beside an old one
    of the same set (the targets are then missing, never mismatched).
    """
    for temporary, _ in moves:
        _sync(temporary)
    umask = os.umask(0)
    os.umask(umask)
    global _holding
    seen = len(received)
    _holding += 1
    try:
        check()
        moved: list[Path] = []
        try:
            for temporary, target in moves:
                os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes 0600: a normal file's mode
                os.replace(temporary, target)
                moved.append(Path(target))
        except BaseException:
            for target in moved:
                target.unlink(missing_ok=True)
            raise
        placed.update(target.resolve() for target in moved)
        if finishing & {target.resolve() for target in moved}:
            _ignore_from_now()  # before signals are raised again: the run has succeeded
            del received[seen:]
            return
    finally:
        _holding -= 1
    if len(received) > seen:
        _raise(received[seen])
