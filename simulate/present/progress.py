"""What a long command shows while it works: a progress bar over draws or named stages, and
how long the run will take once its pace is known."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import click


@contextlib.contextmanager
def stages(show: bool, names: tuple[str, ...]) -> Any:
    """A progress bar over named stages; yields ``step(name)`` (a no-op when not shown)."""
    if not show:
        yield lambda name: None
        return
    with click.progressbar(length=len(names), label=names[0], file=sys.stderr) as bar:
        started: list[str] = []

        def step(name: str) -> None:
            if started:
                bar.update(1)
            started.append(name)
            bar.label = name

        yield step
        bar.update(len(names) - bar.pos)


@contextlib.contextmanager
def progress(show: bool, draws: int, quiet: bool = False) -> Any:
    """A progress callback: the bar's ``update`` when it is shown, and a :class:`Pace` that
    says how long a long run will take (unless ``quiet``)."""
    pace = None if quiet else Pace(draws, lambda line: click.echo(line, err=True))
    if not show:
        yield pace
        return
    with click.progressbar(length=draws, label="sampling", file=sys.stderr) as bar:

        def update(done: int) -> None:
            bar.update(done)
            if pace is not None:
                pace(done)

        yield update


class Pace:
    """Once the first chunks are done, say how long the whole run will take at that pace,
    when that is long (``--draws 1e12`` is days): a run nobody meant to wait for is stopped
    with Ctrl-C at once, not discovered hours later."""

    LONG_SECONDS = 60.0

    def __init__(self, draws: int, say: Any, clock: Any = None) -> None:
        import time

        self.draws, self.say, self.clock = draws, say, clock or time.monotonic
        self.started = self.clock()
        self.done = 0
        self.said = False

    def __call__(self, done: int) -> None:
        self.done += done
        if self.said or self.done >= self.draws:
            return
        elapsed = self.clock() - self.started
        if elapsed < 1.0 and self.done < self.draws // 20:
            return  # too early for a pace worth quoting
        self.said = True
        total = elapsed * self.draws / self.done
        if total - elapsed > self.LONG_SECONDS:
            self.say(
                f"note: at this pace the {self.draws:,} draws take about {duration(total)} "
                "in all; Ctrl-C stops the run"
            )


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds < 365 * 86400:
        return f"{seconds / 86400:.1f} days"
    return f"{seconds / (365.25 * 86400):,.1f} years"
