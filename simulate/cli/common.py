"""What the command line's commands share: loading the scenario with its notes, the checks
and writes mapped to options, and printing. Library errors become errors of an option here."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from simulate.core import interrupts
from simulate.core.errors import PriorsError
from simulate.io import temporaries


def scenario_from(
    path: str,
    sets: tuple[str, ...] = (),
    quiet: bool = False,
    label: bool = False,
    observe: tuple[str, ...] = (),
) -> Any:
    from simulate.spec import overrides as spec_overrides
    from simulate.spec.reader import load

    parsed = [spec_overrides.parse(text) for text in sets]
    overrides = dict(parsed)
    if len(overrides) < len(parsed):
        twice = sorted({n for n, _ in parsed if sum(m == n for m, _ in parsed) > 1})
        raise PriorsError(
            None, "--set", f"{', '.join(twice)} set more than once; give each name once"
        )
    scenario = load(path, overrides, observe)
    for warning in scenario.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not quiet:
        said = f"{Path(path).name}: " if label else ""
        for note in scenario.notes:
            click.echo(f"note: {said}{note}", err=True)
    return scenario


def check_memory(
    scenarios: list[Any],
    draws: int,
    method: str = "mc",
    rows: int = 0,
    option: str = "--draws",
    streamed: bool = False,
    **run: Any,
) -> None:
    """Refuse, before sampling, a run that cannot fit in the memory this machine has free."""
    from simulate.analysis import checks

    parameter = option.removeprefix("--").replace("-", "_")
    checks.memory(scenarios, draws, method, rows, streamed, parameter, **run)


def check_out(*paths: str | None, option: str = "--out") -> None:
    """Refuse, before any work, an output path that cannot be written."""
    from simulate.io.files import unwritable_reason

    for path in paths:
        if path is None:
            continue
        reason = unwritable_reason(path)
        if reason:
            raise PriorsError(None, option, reason)
    for path in paths:  # what runs killed outright left beside these files
        if path is not None:
            for line in temporaries.clear_stale(path):
                click.echo(line, err=True)


def writing(out: str, write: Any, option: str = "--out") -> Any:
    """Call ``write()``, turning what the file system refuses into exit 2 naming ``option``."""
    try:
        return write()
    except OSError as exc:
        said = f"cannot write {out}: {exc.strerror or exc}"
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            said += f" ({free_space(out)}; nothing was changed)"
        raise PriorsError(None, option, said) from None


def free_space(out: str) -> str:
    folder = Path(out).resolve().parent
    while not folder.exists():
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    return f"{free / 2**20:,.0f} MiB free in {folder}"


def finish(out: str, write: Any, option: str = "--out") -> Any:
    """The command's last act: write ``out`` (as :func:`_writing` does). Once the file is in
    place the run has succeeded: a signal that arrives during the move or after it does not
    turn it into a failure (see :func:`simulate.core.interrupts.place`)."""
    interrupts.finishing.add(Path(out).resolve())
    return writing(out, write, option)


def merged_thresholds(scenario: Any, from_options: list[Any]) -> list[Any]:
    """The scenario's own thresholds, then the command line's (without repeats)."""
    combined = list(scenario.thresholds)
    combined += [t for t in from_options if t not in combined]
    return combined


def emit(text: str) -> None:
    try:
        click.echo(text.rstrip("\n"))
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader has had enough (… | head): not an error, and --out is still written
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def scheduled(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call an engine function, turning a Dask scheduler that cannot be used into exit 2."""
    from simulate.core.execution import SchedulerError

    try:
        return function(*args, **kwargs)
    except SchedulerError as exc:
        raise PriorsError(None, "--scheduler", str(exc)) from None


@contextlib.contextmanager
def option_for_quantities(option: str) -> Any:
    """Errors the library raises about a quantity, reported as errors in ``option``."""
    from simulate.analysis.summary import QuantityError

    try:
        yield
    except QuantityError as exc:
        raise PriorsError(None, option, exc.message) from None


def validate_names(scenario: Any, thresholds: list[Any], option: str = "--threshold") -> None:
    """Every quantity named on the command line exists, checked before anything is sampled."""
    from simulate.analysis import results

    with option_for_quantities(option):
        try:
            results.check_thresholds(scenario, thresholds)
        except PriorsError as exc:  # two quantities of different dimensions
            raise PriorsError(None, option, exc.message) from None


def check_disk(scenario: Any, draws: int, out: str) -> None:
    from simulate.analysis import checks

    checks.disk(scenario, draws, out)
