"""``simulate run`` on a scenario with a second dimension ([scenario] years or a [sweep])."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import click

from simulate.cli.common import (
    check_disk,
    check_memory,
    emit,
    finish,
    option_for_quantities,
    scheduled,
    validate_names,
    writing,
)
from simulate.core.errors import PriorsError
from simulate.core.sampling import BLOCK_SIZE
from simulate.present.progress import progress as progress_shown


def run_along(
    scenario: Any,
    *,
    point: bool,
    keep: bool,
    draws: int,
    seed: int,
    method: str,
    percentiles: tuple[float, ...],
    thresholds: list[Any],
    output_format: str,
    out: str | None,
    suffix: str | None,
    quiet: bool,
    show: bool,
    options: dict[str, Any],
    choices: Sequence[Any] = (),
) -> None:
    """Sample once, evaluate every draw at each year or swept value, and summarise each."""
    from simulate.analysis import results
    from simulate.core import along, engine
    from simulate.io import files, netcdf
    from simulate.present import along as shown

    if suffix == ".nc" and not keep and not point:
        # a chunk is held at every coordinate until it is written: a chunk of 1/coordinates
        # the draws keeps memory that of a plain run (numbers do not depend on the chunking)
        per_coordinate = options["chunk_size"] // len(scenario.axis.values)
        options = {**options, "chunk_size": max(BLOCK_SIZE, per_coordinate)}
    if not point:
        check_memory(
            [scenario], draws, method, streamed=not keep,
            chunk_size=options["chunk_size"],
            workers=None if options["scheduler"] else options["workers"],
            sink=suffix == ".nc",
        )  # fmt: skip
        if suffix == ".nc":
            check_disk(scenario, draws, out)
    counts: list[Any] | None = None
    if choices and point:
        raise PriorsError(
            None, "--point", "--minimize, --maximize and --first choose draw by draw; the "
            "base case is one draw: leave out --point",
        )  # fmt: skip
    # Moving --out into place is the run's last act: once it is there, the run has succeeded.
    with contextlib.ExitStack() as stack:
        opened = None
        if point:
            per = along.run_point(scenario)
        elif keep:
            with progress_shown(show, draws, quiet) as progress:
                per = scheduled(
                    along.run, scenario, draws, seed, method, progress=progress, **options
                )
        else:
            found: list[Any] = []
            progress = stack.enter_context(progress_shown(show, draws, quiet))
            if suffix == ".nc":
                fixed = engine.fixed_values(scenario)
                writer = netcdf.DrawWriter(out, scenario, draws, seed, method, fixed)
                stack.callback(writer.discard)  # first in, so it runs last, whatever happens
                opened = writing(out, lambda: stack.enter_context(writer))
            per = scheduled(
                along.stream, scenario, draws, seed, method, progress=progress,
                thresholds=thresholds, choices=choices, chosen=found.extend,
                sink=None if opened is None else _sink(out, opened), **options,
            )  # fmt: skip
            counts = found
        summary = results.summarize_along(
            scenario, per, percentiles, thresholds, workers=options["workers"],
            choices=choices, counts=counts,
        )  # fmt: skip
        rendered = {
            "table": shown.table,
            "json": shown.json_text,
            "csv": shown.csv_text,
            "markdown": shown.markdown,
        }
        emit(rendered[output_format](summary))
        if opened is not None:
            finish(out, stack.close)  # the writer's exit moves the file into place
        elif suffix == ".nc":
            finish(out, lambda: netcdf.write_draws_along(out, scenario, per))
        elif suffix in (".json", ".csv"):
            text = rendered[suffix[1:]](summary)
            finish(out, lambda: files.write_text(text if text.endswith("\n") else text + "\n", out))
    if out and not quiet:
        click.echo(f"wrote {out}", err=True)


def _sink(out: str, opened: Any) -> Any:
    """Write a streamed chunk's draws: the sampled assumptions, then each coordinate's."""

    def sink(start: int, arrays: Any) -> None:
        sampled, moving = arrays
        writing(out, lambda: opened.write(start, sampled))
        for index, at in enumerate(moving):
            writing(out, lambda: opened.write(start, at, index))  # noqa: B023 (called now)

    return sink


def parse_choices(
    scenario: Any,
    minimize: tuple[str, ...],
    maximize: tuple[str, ...],
    first: tuple[str, ...],
    subject_to: tuple[str, ...],
) -> list[Any]:
    """--minimize, --maximize and --first as choices (:mod:`simulate.core.choices`),
    checked before anything is sampled."""
    from simulate.analysis.summary import UnknownQuantity
    from simulate.core.choices import Choice
    from simulate.core.thresholds import parse_threshold

    given = [("--minimize", n) for n in minimize] + [("--maximize", n) for n in maximize]
    given += [("--first", c) for c in first]
    if not given:
        if subject_to:
            raise PriorsError(
                None, "--subject-to", "applies to --minimize, --maximize or --first; none given"
            )
        return []
    option = given[0][0]
    if scenario.axis is None:
        raise PriorsError(
            None, option, "chooses along years or a sweep: this scenario has neither "
            "([scenario] years = [...] or a [sweep] table)",
        )  # fmt: skip
    limits = [parse_threshold(text, key="--subject-to") for text in subject_to]
    validate_names(scenario, limits, "--subject-to")
    choices = []
    for option, text in given:
        if option == "--first":
            condition = parse_threshold(text, key="--first")
            validate_names(scenario, [condition], "--first")
            choices.append(Choice("first", condition, tuple(limits)))
            continue
        if text not in [*scenario.outputs, *scenario.assumptions]:
            with option_for_quantities(option):
                raise UnknownQuantity(
                    text, [*scenario.outputs, *scenario.assumptions], scenario.name
                )
        choices.append(Choice(option.removeprefix("--"), text, tuple(limits)))
    return choices
