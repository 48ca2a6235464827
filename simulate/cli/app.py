"""The ``simulate`` command: the group, ``run`` and ``check``; the other commands live in
:mod:`simulate.cli.analysis` (compare, sensitivity, report) and :mod:`simulate.cli.tables`
(frontier, serving-validation, init, models), their shared helpers in
:mod:`simulate.cli.common` and options in :mod:`simulate.cli.options`.

Exit codes: 0 success, 2 bad input (a message on stderr naming the file and the key or the
option), 1 anything else. Heavy imports (scipy, xarray, pint) happen inside the commands so
that ``simulate --help`` answers at once.
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from typing import Any

import click

from simulate import __version__
from simulate.cli import analysis as cli_analysis
from simulate.cli import tables as cli_tables
from simulate.cli.calibration import LOG_WEIGHT, beside_posterior, calibrated
from simulate.cli.common import (
    check_disk,
    check_memory,
    check_out,
    emit,
    finish,
    merged_thresholds,
    scenario_from,
    scheduled,
    validate_names,
    writing,
)
from simulate.cli.options import (
    FORMATS,
    DrawCount,
    draws_option,
    format_option,
    observe_option,
    percentiles_option,
    quiet_option,
    scheduler_option,
    seed_option,
    set_option,
    threshold_option,
    workers_option,
)
from simulate.core import interrupts
from simulate.core.errors import PriorsError, RunRefused
from simulate.core.thresholds import parse_threshold
from simulate.present import voice
from simulate.present.progress import progress as progress_shown


class Group(click.Group):
    """Turns a user's mistake into exit code 2 and a one-line message, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from simulate.analysis.summary import QuantityError

        try:
            return super().invoke(ctx)
        except PriorsError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except RunRefused as exc:
            click.echo(f"error: {exc.option}: {exc.message}", err=True)
            ctx.exit(2)
        except QuantityError as exc:  # a command that names no option for it: say the name
            click.echo(f"error: {exc.message}", err=True)
            ctx.exit(2)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except interrupts.Terminated:
            click.echo("terminated", err=True)
            ctx.exit(143)
        except Exception as exc:  # the last line of defence: say what happened, exit 1
            if os.environ.get("SIMULATE_DEBUG"):
                traceback.print_exc()
            click.echo(
                f"error: {type(exc).__name__}: {exc} (set SIMULATE_DEBUG=1 for the traceback)",
                err=True,
            )
            ctx.exit(1)


@click.group(
    cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(__version__, prog_name="simulate")
def cli() -> None:
    """Uncertainty simulator for the economics of large language models.

    Assumptions (MFU, GPU price per hour, cache hit rate, token counts…) are declared as
    probability distributions in a priors file (TOML, see priors/); built-in cost models
    turn millions of sampled scenarios into percentiles and credible intervals.

    \b
    Start with:
      simulate check priors/gpt3-training.toml     what the file says, or what is wrong
      simulate run priors/gpt3-training.toml       percentiles of every output
      simulate run priors/gpt3-training.toml --point     the base case
      simulate models                              the built-in models and their units
    """


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@draws_option("1e6", "Number of sampled scenarios (1e6 and 1_000_000 are accepted).")
@seed_option()
@click.option(
    "--method",
    type=click.Choice(["mc", "lhs", "sobol"]),
    default="mc",
    show_default=True,
    help="mc: plain Monte Carlo; lhs: Latin hypercube; sobol: scrambled Sobol "
    "(use a power of 2 for --draws).",
)
@click.option(
    "--point",
    is_flag=True,
    help="Evaluate once with every assumption at its point value (the base case).",
)
@percentiles_option("5,25,50,75,95", "Percentiles to report, between 0 and 100.")
@threshold_option(
    "Also report P(NAME > VALUE) (or <, >=, <=); repeatable. VALUE is a number in the "
    "quantity's unit (as declared or inferred; `simulate check` shows it), or another "
    "quantity, compared draw by draw in the first one's unit."
)
@click.option(
    "--chunk-size",
    type=DrawCount(),
    default=str(2**20),
    show_default=True,
    help="Draws evaluated at once (rounded up to blocks of 65,536). Changes memory "
    "use and speed, never the numbers.",
)
@workers_option("Threads that sample and evaluate chunks in parallel; never changes numbers.")
@scheduler_option()
@format_option((*FORMATS, "markdown"))
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Also save: .nc writes every draw as NetCDF (xarray/arviz), .json or .csv "
    "the summary. Written atomically.",
)
@click.option(
    "--statistics",
    type=click.Choice(["auto", "exact", "streamed"]),
    default="auto",
    show_default=True,
    help="exact: keep every draw and sort (memory grows with --draws); streamed: summarise "
    "chunk by chunk in bounded memory, percentiles within 0.05 % of exact; auto: exact up "
    "to 4,194,304 draws.",
)
@click.option(
    "--minimize",
    "minimize",
    metavar="NAME",
    multiple=True,
    help="Along years or a sweep: say, draw by draw, at which year or value NAME is lowest "
    "(among those meeting --subject-to), as shares of the draws. Repeatable.",
)
@click.option(
    "--maximize",
    "maximize",
    metavar="NAME",
    multiple=True,
    help="As --minimize, where NAME is highest. Repeatable.",
)
@click.option(
    "--first",
    "first",
    metavar="CONDITION",
    multiple=True,
    help="Along years or a sweep: the first year or value where CONDITION holds, draw by draw "
    '(e.g. --first "cost_per_1m_tokens_usd<0.5"), and how often never. Repeatable.',
)
@click.option(
    "--subject-to",
    "subject_to",
    metavar="CONDITION",
    multiple=True,
    help="Only years or values where CONDITION holds count for --minimize, --maximize and "
    '--first (e.g. "time_per_output_token_s<0.05"). Repeatable.',
)
@quiet_option("No progress bar or notes on stderr; library warnings hidden.")
@set_option()
@observe_option()
def run(
    file: str,
    draws: int,
    seed: int,
    method: str,
    point: bool,
    percentiles: tuple[float, ...],
    thresholds: tuple[str, ...],
    chunk_size: int,
    workers: int | None,
    scheduler: str | None,
    output_format: str,
    out: str | None,
    statistics: str,
    quiet: bool,
    sets: tuple[str, ...],
    observe: tuple[str, ...],
    minimize: tuple[str, ...] = (),
    maximize: tuple[str, ...] = (),
    first: tuple[str, ...] = (),
    subject_to: tuple[str, ...] = (),
) -> None:
    """Sample a scenario and summarise every output and input.

    FILE is a priors file (TOML). The summary gives mean, sd, percentiles and the 90 %
    highest-density interval of each quantity, in the unit it was declared in (or, for a
    derived quantity without one, the unit its expression gives).

    \b
    Examples:
      simulate run priors/gpt3-inference.toml
      simulate run priors/gpt3-training.toml --draws 1e7 --workers 2 --out results/gpt3.nc
      simulate run priors/gpt3-training.toml --threshold "training_cost_usd>2e6" --format json
    """
    from simulate.analysis import checks, results
    from simulate.core import engine
    from simulate.io import files, netcdf
    from simulate.present import formatting, notices

    from_options = [parse_threshold(t) for t in thresholds]
    suffix = checks.suffix(out, (".nc", ".json", ".csv")) if out is not None else None
    check_out(out)
    scenario = scenario_from(file, sets, quiet, observe=observe)
    parsed_thresholds = merged_thresholds(scenario, from_options)
    validate_names(scenario, parsed_thresholds)
    keep = point or results.keeps_every_draw(scenario, draws, statistics)
    from simulate.cli.along import parse_choices, run_along

    choices = parse_choices(scenario, minimize, maximize, first, subject_to)
    if scenario.axis is not None:
        run_along(
            scenario, choices=choices, point=point, keep=keep, draws=draws, seed=seed,
            method=method, percentiles=percentiles, thresholds=parsed_thresholds,
            output_format=output_format, out=out, suffix=suffix, quiet=quiet,
            show=not quiet and sys.stderr.isatty() and draws > chunk_size,
            options=dict(chunk_size=chunk_size, workers=workers, scheduler=scheduler),
        )  # fmt: skip
        return
    if scenario.observations and point and not quiet:
        click.echo("note: --point is the base case; the observations do not apply to it", err=True)
    if not point:
        # a posterior is a second copy of the kept draws, in memory and in a .nc file
        copies = 2 if scenario.observations else 1
        check_memory(
            [scenario], copies * draws, method, streamed=not keep, chunk_size=chunk_size,
            workers=None if scheduler else workers,
            sink=suffix == ".nc" or bool(scenario.observations),  # or its weighted sketches
        )  # fmt: skip
        if suffix == ".nc":
            check_disk(scenario, copies * draws, out)
    if method == "sobol" and not point and draws & (draws - 1) and not quiet:
        click.echo(
            f"note: Sobol points are balanced for a power of 2 draws; {draws:,} is "
            f"not (e.g. {1 << draws.bit_length():,})",
            err=True,
        )
    show = not quiet and sys.stderr.isatty() and draws > chunk_size
    # a streamed posterior goes over the draws twice
    passes = 2 if scenario.observations and not keep else 1
    options = dict(chunk_size=chunk_size, workers=workers, scheduler=scheduler)
    rendered = {
        "table": formatting.summary_table,
        "json": formatting.to_json,
        "csv": formatting.summary_csv,
        "markdown": formatting.summary_markdown,
    }

    def say(summary: Any, outside: list[str]) -> None:
        if not quiet:
            for line in [
                *outside,
                *notices.nonfinite_report(summary, scenario),
                *notices.precision_report(summary),
            ]:
                click.echo(line, err=True)
        emit(rendered[output_format](summary))

    # Moving --out into place is the run's last act: once it is there, the run has succeeded.
    if point:
        base = engine.run_point(scenario)
        summary = results.summarize(scenario, base, percentiles)
        say(summary, [])
        if suffix == ".nc":  # the base case as one draw, in the same layout
            finish(out, lambda: netcdf.write_draws(out, scenario, base))
    elif keep:
        with progress_shown(show, draws, quiet) as progress:
            kept = scheduled(
                engine.run, scenario, draws, seed, method, progress=progress, **options
            )
        summary = results.summarize(scenario, kept, percentiles, parsed_thresholds, workers=workers)
        groups = None
        if scenario.observations:
            summary, rendered, groups = calibrated(
                scenario, kept, summary, percentiles, parsed_thresholds, workers, quiet
            )
        say(summary, notices.domain_report(scenario, kept))
        if suffix == ".nc":
            finish(out, lambda: netcdf.write_draws(out, scenario, kept, summary, groups))
    else:
        with contextlib.ExitStack() as stack:
            progress = stack.enter_context(progress_shown(show, passes * draws, quiet))
            sink = weights_sink = None
            if suffix == ".nc":
                writer = netcdf.DrawWriter(
                    out, scenario, draws, seed, method, engine.fixed_values(scenario)
                )
                stack.callback(writer.discard)  # first in, so it runs last, whatever happens
                opened = writing(out, lambda: stack.enter_context(writer))

                def sink(start: int, arrays: Any) -> None:
                    writing(out, lambda: opened.write(start, arrays))

            if scenario.observations:
                from simulate.analysis import calibration, streamed_calibration

                if suffix == ".nc":
                    writing(out, lambda: opened.add_draw_variable(*LOG_WEIGHT, {}))

                    def weights_sink(start: int, values: Any) -> None:
                        writing(out, lambda: opened.write_to(*LOG_WEIGHT, start, values))

                found = scheduled(
                    streamed_calibration.stream, scenario, draws, seed, method,
                    progress=progress, thresholds=parsed_thresholds, sink=sink,
                    percentiles=percentiles, weights_sink=weights_sink, **options,
                )  # fmt: skip
                streamed = found.prior
                rendered = beside_posterior(found.calibration, found.posterior, quiet)
                if suffix == ".nc":
                    attrs = calibration.weight_attrs(found.calibration)
                    writing(out, lambda: opened.shift(*LOG_WEIGHT, -found.log_total, attrs))
                    measured = calibration.observed_data(scenario, found.calibration)
                    writing(out, lambda: opened.add_group("observed_data", measured))
            else:
                streamed = scheduled(
                    engine.stream, scenario, draws, seed, method, progress=progress,
                    thresholds=parsed_thresholds, sink=sink, **options,
                )  # fmt: skip
            summary = results.summarize_stream(scenario, streamed, percentiles)
            say(summary, notices.domain_report(scenario, streamed))
            if suffix == ".nc":
                writing(out, lambda: opened.annotate(summary))
                finish(out, stack.close)  # the writer's exit moves the file into place
    if suffix in (".json", ".csv"):
        text = rendered[suffix[1:]](summary)
        finish(out, lambda: files.write_text(text if text.endswith("\n") else text + "\n", out))
    if out and not quiet:
        click.echo(f"wrote {out}", err=True)


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@format_option(("table", "json"))
def check(file: str, output_format: str) -> None:
    """Validate a priors file and say what it means, or what is wrong with it.

    Prints every assumption (distribution as understood, point value, 90 % interval, unit,
    source), every derived quantity with the unit its expression gives, rank correlations
    (declared and achieved), joint parameter sets and the order in which models run.
    Exits with code 2 and names the key if anything is wrong.
    """
    from simulate.core import engine
    from simulate.present import formatting

    scenario = scenario_from(file)
    achieved = engine.achieved_correlations(scenario)  # declared ρ against drawn ρ
    if output_format == "json":
        emit(formatting.to_json(formatting.scenario_data(scenario, achieved)))
    else:
        emit(formatting.scenario_table(scenario, achieved))


for command in (
    cli_analysis.compare, cli_analysis.sensitivity, cli_analysis.report,
    cli_tables.frontier, cli_tables.serving_validation, cli_tables.init, cli_tables.models,
    cli_tables.schema,
):  # fmt: skip
    cli.add_command(command)


def main() -> None:
    interrupts.install()
    voice.install()
    try:
        cli(prog_name="simulate")
    except interrupts.Terminated:  # outside a command (while click parses the options)
        sys.exit(143)
