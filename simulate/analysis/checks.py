"""What a run must pass before it starts — the same from the command line and from Python.

Each check raises :class:`~simulate.core.errors.RunRefused` naming the parameter at fault
(``draws``, ``out``, ``sobol_samples``); the command line reports it as that option
(``--draws``, ``--out``…), and :func:`simulate.run` / :func:`simulate.stream`
(:mod:`simulate.analysis.runs`) apply the memory check too, so a notebook gets the refusal a
terminal gets instead of a machine that swaps.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulate.core import engine
from simulate.core.errors import RunRefused
from simulate.core.scenario import Scenario
from simulate.io import netcdf

# below this, Sobol estimates and their bootstrap intervals are noise
MIN_SOBOL_SAMPLES = 64
# the share of the memory available a run may plan to use
MEMORY_SHARE = 0.8


def memory(
    scenarios: Sequence[Scenario],
    draws: int,
    method: str = "mc",
    rows: int = 0,
    streamed: bool = False,
    parameter: str = "draws",
    **run: Any,
) -> None:
    """Refuse a run that cannot fit in the memory this machine has free. ``run`` holds what
    changes the estimate: chunk_size, workers, sink (see :func:`engine.bytes_needed`)."""
    needed = sum(engine.bytes_needed(s, draws, method, rows, streamed, **run) for s in scenarios)
    available = engine.bytes_available()
    if available is None or needed <= MEMORY_SHARE * available:
        return
    what = f"a Sobol design of {rows:,} evaluations" if rows else f"{draws:,} draws"
    held = "a few chunks in flight per worker" if streamed else "every draw is kept"
    advice = (
        ""
        if streamed or rows
        else ", or streamed statistics (--statistics streamed, simulate.stream)"
    )
    raise RunRefused(
        parameter,
        f"{what} would need about {needed / 2**30:,.1f} GiB of memory ({held}), but "
        f"{available / 2**30:,.1f} GiB is available; ask for fewer{advice}",
    )


def disk(scenario: Scenario, draws: int, out: str | Path) -> None:
    """Refuse a NetCDF file of every draw that the disk cannot hold."""
    reason = netcdf.short_of_space(scenario, draws, out)
    if reason:
        raise RunRefused("out", reason)


def suffix(path: str | Path, allowed: Sequence[str], parameter: str = "out") -> str:
    """The file's kind by its suffix (".nc", ".md"…), refusing any other."""
    found = Path(path).suffix.lower()
    if found not in allowed:
        kinds = ", ".join(allowed[:-1]) + (" or " if len(allowed) > 1 else "") + allowed[-1]
        raise RunRefused(parameter, f"expected a path ending in {kinds}, got {str(path)!r}")
    return found


def sobol_samples(samples: int, parameter: str = "sobol_samples") -> None:
    """Refuse a Sobol analysis too small to say anything."""
    if samples < MIN_SOBOL_SAMPLES:
        raise RunRefused(
            parameter,
            f"Sobol indices need at least {MIN_SOBOL_SAMPLES} base samples (the estimates and "
            f"their bootstrap are noise below that), got {samples}",
        )
