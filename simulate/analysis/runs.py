"""``simulate.run`` and ``simulate.stream`` as a program calls them: the engine's functions
after the check the command line makes before every run
(:func:`simulate.analysis.checks.memory`), so a notebook asking for too many draws gets
:class:`~simulate.core.errors.RunRefused` naming ``draws``, not a machine that swaps. The
numbers are the engine's, unchanged.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

from simulate.analysis import checks, streamed_calibration
from simulate.core import along, engine
from simulate.core.errors import PriorsError

_RUN = inspect.signature(engine.run)
_STREAM = inspect.signature(engine.stream)
_STREAM_POSTERIOR = inspect.signature(streamed_calibration.stream)
_RUN_ALONG = inspect.signature(along.run)
_STREAM_ALONG = inspect.signature(along.stream)


def _plain(scenario: Any, instead: str) -> None:
    """Refuse a run of one evaluation per draw on a scenario that has a second dimension."""
    if scenario.axis is not None:
        raise PriorsError(
            scenario.path, "sweep" if scenario.axis.swept else "scenario.years",
            f"this scenario runs along {scenario.axis.dimension}: use simulate.{instead}",
        )  # fmt: skip


@functools.wraps(engine.run)
def run(*args: Any, **kwargs: Any) -> engine.Draws:
    given = _RUN.bind(*args, **kwargs)
    given.apply_defaults()
    options = given.arguments
    _plain(options["scenario"], "run_along")
    checks.memory(
        [options["scenario"]], options["draws"], options["method"],
        chunk_size=options["chunk_size"],
        workers=None if options["scheduler"] else options["workers"],
    )  # fmt: skip
    return engine.run(*given.args, **given.kwargs)


@functools.wraps(engine.stream)
def stream(*args: Any, **kwargs: Any) -> engine.Streamed:
    given = _STREAM.bind(*args, **kwargs)
    given.apply_defaults()
    options = given.arguments
    _plain(options["scenario"], "stream_along")
    checks.memory(
        [options["scenario"]], options["draws"], options["method"], streamed=True,
        chunk_size=options["chunk_size"],
        workers=None if options["scheduler"] else options["workers"],
        sink=options["sink"] is not None,
    )  # fmt: skip
    return engine.stream(*given.args, **given.kwargs)


@functools.wraps(streamed_calibration.stream)
def stream_posterior(*args: Any, **kwargs: Any) -> streamed_calibration.StreamedPosterior:
    given = _STREAM_POSTERIOR.bind(*args, **kwargs)
    given.apply_defaults()
    options = given.arguments
    checks.memory(
        [options["scenario"]], options["draws"], options["method"], streamed=True,
        chunk_size=options["chunk_size"],
        workers=None if options["scheduler"] else options["workers"],
        sink=True,  # each chunk's weighted sketches wait, block by block, to be folded
    )  # fmt: skip
    return streamed_calibration.stream(*given.args, **given.kwargs)


@functools.wraps(along.run)
def run_along(*args: Any, **kwargs: Any) -> list[engine.Draws]:
    given = _RUN_ALONG.bind(*args, **kwargs)
    given.apply_defaults()
    options = given.arguments
    checks.memory(
        [options["scenario"]], options["draws"], options["method"],
        chunk_size=options["chunk_size"],
        workers=None if options["scheduler"] else options["workers"],
    )  # fmt: skip
    return along.run(*given.args, **given.kwargs)


@functools.wraps(along.stream)
def stream_along(*args: Any, **kwargs: Any) -> list[engine.Streamed]:
    given = _STREAM_ALONG.bind(*args, **kwargs)
    given.apply_defaults()
    options = given.arguments
    checks.memory(
        [options["scenario"]], options["draws"], options["method"], streamed=True,
        chunk_size=options["chunk_size"],
        workers=None if options["scheduler"] else options["workers"],
    )  # fmt: skip
    return along.stream(*given.args, **given.kwargs)
