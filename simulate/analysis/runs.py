"""``simulate.run``, ``simulate.stream`` and their kin as a program calls them: the engine's
functions after the check the command line makes before every run
(:func:`simulate.analysis.checks.memory`), so a notebook asking for too many draws gets
:class:`~simulate.core.errors.RunRefused` naming ``draws``, not a machine that swaps. The
numbers are the engine's, unchanged.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from simulate.analysis import checks, streamed_calibration
from simulate.core import along, engine
from simulate.core.errors import PriorsError


def _plain(scenario: Any, instead: str) -> None:
    """Refuse a run of one evaluation per draw on a scenario that has a second dimension."""
    if scenario.axis is not None:
        key = "sweep" if scenario.axis.swept else "scenario.years"
        along = f"runs along {scenario.axis.dimension}"
        if scenario.year is not None and not scenario.axis.swept:
            key, along = "scenario.year", f"evaluates its trajectories in {scenario.year}"
        raise PriorsError(
            scenario.path, key, f"this scenario {along}: use simulate.{instead}"
        )  # fmt: skip


def _checked(
    function: Callable[..., Any],
    streamed: bool,
    instead: str | None = None,
    waiting: Callable[[dict[str, Any]], bool] = lambda options: False,
) -> Callable[..., Any]:
    """``function`` after the memory check (and, for a plain run, the refusal of a scenario
    that runs along a second dimension: ``instead`` names what to call). ``waiting`` says
    whether each chunk's results wait whole to be used (a file sink, weighted sketches)."""
    signature = inspect.signature(function)

    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        given = signature.bind(*args, **kwargs)
        given.apply_defaults()
        options = given.arguments
        if instead is not None:
            _plain(options["scenario"], instead)
        checks.memory(
            [options["scenario"]], options["draws"], options["method"], streamed=streamed,
            chunk_size=options["chunk_size"],
            workers=None if options["scheduler"] else options["workers"],
            **({"sink": True} if waiting(options) else {}),
        )  # fmt: skip
        return function(*given.args, **given.kwargs)

    return checked


run = _checked(engine.run, streamed=False, instead="run_along")
stream = _checked(
    engine.stream, streamed=True, instead="stream_along",
    waiting=lambda options: options["sink"] is not None,
)  # fmt: skip
# each chunk's weighted sketches wait, block by block, to be folded
stream_posterior = _checked(
    streamed_calibration.stream, streamed=True, waiting=lambda options: True
)
run_along = _checked(along.run, streamed=False)
stream_along = _checked(along.stream, streamed=True)
