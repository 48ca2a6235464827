"""The ``simulate`` command: thin click commands over the library.

Exit codes: 0 success, 2 bad input (a message on stderr naming the file and the key or the
option), 1 anything else. Heavy imports (scipy, xarray, pint) happen inside the commands so
that ``simulate --help`` answers at once.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
import traceback
from functools import partial
from pathlib import Path
from typing import Any

import click

from simulate import __version__, interrupts, temporaries, voice
from simulate.cli_options import (
    FORMATS,
    DrawCount,
    Percentiles,
    Swing,
    draws_option,
    format_option,
    quiet_option,
    scheduler_option,
    seed_option,
    set_option,
    threshold_option,
    workers_option,
)
from simulate.errors import PriorsError, RunRefused
from simulate.progress import progress as progress_shown
from simulate.progress import stages
from simulate.thresholds import parse_threshold


class Group(click.Group):
    """Turns a user's mistake into exit code 2 and a one-line message, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from simulate.summary import QuantityError

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


def _scenario(
    path: str, sets: tuple[str, ...] = (), quiet: bool = False, label: bool = False
) -> Any:
    from simulate import spec_overrides
    from simulate.spec import load

    parsed = [spec_overrides.parse(text) for text in sets]
    overrides = dict(parsed)
    if len(overrides) < len(parsed):
        twice = sorted({n for n, _ in parsed if sum(m == n for m, _ in parsed) > 1})
        raise PriorsError(
            None, "--set", f"{', '.join(twice)} set more than once; give each name once"
        )
    scenario = load(path, overrides)
    for warning in scenario.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not quiet:
        said = f"{Path(path).name}: " if label else ""
        for note in scenario.notes:
            click.echo(f"note: {said}{note}", err=True)
    return scenario


def _check_memory(
    scenarios: list[Any],
    draws: int,
    method: str = "mc",
    rows: int = 0,
    option: str = "--draws",
    streamed: bool = False,
    **run: Any,
) -> None:
    """Refuse, before sampling, a run that cannot fit in the memory this machine has free."""
    from simulate import checks

    parameter = option.removeprefix("--").replace("-", "_")
    checks.memory(scenarios, draws, method, rows, streamed, parameter, **run)


def _command() -> str | None:
    context = click.get_current_context(silent=True)
    return context.info_name if context else None


def _check_out(*paths: str | None, option: str = "--out") -> None:
    """Refuse, before any work, an output path that cannot be written."""
    from simulate.results import unwritable_reason

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


def _writing(out: str, write: Any, option: str = "--out") -> Any:
    """Call ``write()``, turning what the file system refuses into exit 2 naming ``option``."""
    try:
        return write()
    except OSError as exc:
        said = f"cannot write {out}: {exc.strerror or exc}"
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            said += f" ({_free_space(out)}; nothing was changed)"
        raise PriorsError(None, option, said) from None


def _free_space(out: str) -> str:
    folder = Path(out).resolve().parent
    while not folder.exists():
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    return f"{free / 2**20:,.0f} MiB free in {folder}"


def _finish(out: str, write: Any, option: str = "--out") -> Any:
    """The command's last act: write ``out`` (as :func:`_writing` does). Once the file is in
    place the run has succeeded: a signal that arrives during the move or after it does not
    turn it into a failure (see :func:`simulate.interrupts.place`)."""
    interrupts.finishing.add(Path(out).resolve())
    return _writing(out, write, option)


def _thresholds(scenario: Any, from_options: list[Any]) -> list[Any]:
    """The scenario's own thresholds, then the command line's (without repeats)."""
    combined = list(scenario.thresholds)
    combined += [t for t in from_options if t not in combined]
    return combined


def _emit(text: str) -> None:
    try:
        click.echo(text.rstrip("\n"))
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader has had enough (… | head): not an error, and --out is still written
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


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
@click.option(
    "--percentiles",
    type=Percentiles(),
    default="5,25,50,75,95",
    show_default=True,
    help="Percentiles to report, between 0 and 100.",
)
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
@quiet_option("No progress bar or notes on stderr; library warnings hidden.")
@set_option()
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
    from simulate import checks, engine, formatting, netcdf, results

    from_options = [parse_threshold(t) for t in thresholds]
    suffix = checks.suffix(out, (".nc", ".json", ".csv")) if out is not None else None
    _check_out(out)
    scenario = _scenario(file, sets, quiet)
    parsed_thresholds = _thresholds(scenario, from_options)
    _validate_names(scenario, parsed_thresholds)
    keep = point or results.keeps_every_draw(scenario, draws, statistics)
    if not point:
        _check_memory(
            [scenario], draws, method, streamed=not keep, chunk_size=chunk_size,
            workers=None if scheduler else workers, sink=suffix == ".nc",
        )  # fmt: skip
        if suffix == ".nc":
            _check_disk(scenario, draws, out)
    if method == "sobol" and not point and draws & (draws - 1) and not quiet:
        click.echo(
            f"note: Sobol points are balanced for a power of 2 draws; {draws:,} is "
            f"not (e.g. {1 << draws.bit_length():,})",
            err=True,
        )
    show = not quiet and sys.stderr.isatty() and draws > chunk_size
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
                *results.nonfinite_report(summary, scenario),
                *results.precision_report(summary),
            ]:
                click.echo(line, err=True)
        _emit(rendered[output_format](summary))

    # Moving --out into place is the run's last act: once it is there, the run has succeeded.
    if point:
        base = engine.run_point(scenario)
        summary = results.summarize(scenario, base, percentiles)
        say(summary, [])
        if suffix == ".nc":  # the base case as one draw, in the same layout
            _finish(out, lambda: netcdf.write_draws(out, scenario, base))
    elif keep:
        with progress_shown(show, draws, quiet) as progress:
            kept = _scheduled(
                engine.run, scenario, draws, seed, method, progress=progress, **options
            )
        summary = results.summarize(scenario, kept, percentiles, parsed_thresholds, workers=workers)
        say(summary, results.domain_report(scenario, kept))
        if suffix == ".nc":
            _finish(out, lambda: netcdf.write_draws(out, scenario, kept, summary))
    else:
        with contextlib.ExitStack() as stack:
            progress = stack.enter_context(progress_shown(show, draws, quiet))
            sink = None
            if suffix == ".nc":
                writer = netcdf.DrawWriter(
                    out, scenario, draws, seed, method, engine.fixed_values(scenario)
                )
                stack.callback(writer.discard)  # first in, so it runs last, whatever happens
                opened = _writing(out, lambda: stack.enter_context(writer))

                def sink(start: int, arrays: Any) -> None:
                    _writing(out, lambda: opened.write(start, arrays))

            streamed = _scheduled(
                engine.stream, scenario, draws, seed, method, progress=progress,
                thresholds=parsed_thresholds, sink=sink, **options,
            )  # fmt: skip
            summary = results.summarize_stream(scenario, streamed, percentiles)
            say(summary, results.domain_report(scenario, streamed))
            if suffix == ".nc":
                _writing(out, lambda: opened.annotate(summary))
                _finish(out, stack.close)  # the writer's exit moves the file into place
    if suffix in (".json", ".csv"):
        text = rendered[suffix[1:]](summary)
        _finish(out, lambda: results.write_text(text if text.endswith("\n") else text + "\n", out))
    if out and not quiet:
        click.echo(f"wrote {out}", err=True)


def _scheduled(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call an engine function, turning a Dask scheduler that cannot be used into exit 2."""
    from simulate.execution import SchedulerError

    try:
        return function(*args, **kwargs)
    except SchedulerError as exc:
        raise PriorsError(None, "--scheduler", str(exc)) from None


@contextlib.contextmanager
def _option_for_quantities(option: str) -> Any:
    """Errors the library raises about a quantity, reported as errors in ``option``."""
    from simulate.summary import QuantityError

    try:
        yield
    except QuantityError as exc:
        raise PriorsError(None, option, exc.message) from None


def _validate_names(scenario: Any, thresholds: list[Any], option: str = "--threshold") -> None:
    """Every quantity named on the command line exists, checked before anything is sampled."""
    from simulate import results

    with _option_for_quantities(option):
        try:
            results.check_thresholds(scenario, thresholds)
        except PriorsError as exc:  # two quantities of different dimensions
            raise PriorsError(None, option, exc.message) from None


def _check_disk(scenario: Any, draws: int, out: str) -> None:
    from simulate import checks

    checks.disk(scenario, draws, out)


@cli.command()
@click.argument("file_a", metavar="A", type=click.Path(dir_okay=False))
@click.argument("file_b", metavar="B", type=click.Path(dir_okay=False))
@click.option(
    "--output",
    "-o",
    "output",
    required=True,
    metavar="NAME",
    help="The quantity to compare, e.g. training_cost_usd.",
)
@draws_option("1e6", "Paired scenarios to sample.")
@seed_option("Random seed shared by both runs.")
@click.option(
    "--method",
    type=click.Choice(["mc", "lhs"]),
    default="mc",
    show_default=True,
    help="Sampling method (both keep common random numbers).",
)
@click.option(
    "--percentiles",
    type=Percentiles(),
    default="5,50,95",
    show_default=True,
    help="Percentiles of A, B and B/A to report.",
)
@workers_option("Threads per run; never changes numbers.")
@format_option(("table", "json", "markdown"))
@set_option()
@click.option(
    "--figure",
    default=None,
    metavar="PATH.png",
    help="Also draw both distributions overlaid, and B − A, to this PNG.",
)
def compare(
    file_a: str,
    file_b: str,
    output: str,
    draws: int,
    seed: int,
    method: str,
    percentiles: tuple[float, ...],
    workers: int | None,
    output_format: str,
    sets: tuple[str, ...],
    figure: str | None,
) -> None:
    """Compare one output of two scenarios on common random numbers.

    Both scenarios are sampled with the same seed; an assumption declared alike in both
    (same name, same distribution) gets the same draw in both, so the comparison is paired.
    Reports P(A < B) and percentiles of B / A.

    \b
    Example:
      simulate compare priors/gpt3-training-owned-v100.toml \\
          priors/gpt3-training-owned-h100.toml --output training_cost_usd
    """
    from simulate import checks, formatting
    from simulate import compare as comparing

    scenario_a = _scenario(file_a, sets, label=True)
    scenario_b = _scenario(file_b, sets, label=True)
    _check_memory([scenario_a, scenario_b], draws, method)
    if figure is not None:
        checks.suffix(figure, (".png",), "figure")
        _check_out(figure, option="--figure")
    with _option_for_quantities("--output"):
        result = comparing.compare(
            scenario_a, scenario_b, output, draws, seed, method, percentiles, workers=workers
        )
    if output_format == "json":
        _emit(formatting.to_json(result))
    elif output_format == "markdown":
        _emit(formatting.comparison_markdown(result))
    else:
        _emit(formatting.comparison_table(result))
    if figure is not None:  # the last act: written whole, or not at all
        from simulate import figures
        from simulate.results import write_together

        names, unit = (scenario_a.name, scenario_b.name), result.unit
        draw = partial(figures.overlay, *result.paired, names, output, unit)
        _finish(figure, lambda: write_together([(Path(figure), draw)]), "--figure")


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--output",
    "-o",
    "output",
    required=True,
    metavar="NAME",
    help="The output to explain, e.g. query_cost_usd.",
)
@click.option(
    "--method",
    "methods",
    type=click.Choice(["tornado", "spearman", "sobol", "all"]),
    multiple=True,
    default=("all",),
    show_default=True,
    help="Which analysis; repeatable.",
)
@click.option(
    "--swing",
    type=Swing(),
    default="10,90",
    show_default=True,
    help="Tornado: percentiles each assumption swings to.",
)
@draws_option(
    str(2**14),
    "Sobol: base sample size N (N·(d+2) evaluations; a power of 2). Spearman: Monte Carlo draws.",
)
@seed_option()
@format_option()
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Also save the result (.json or .csv), atomically.",
)
@workers_option("Threads for the Sobol design's inverse CDFs; never changes numbers.")
@set_option()
@quiet_option("No progress bar on stderr; library warnings hidden.")
def sensitivity(
    file: str,
    output: str,
    methods: tuple[str, ...],
    swing: tuple[float, float],
    draws: int,
    seed: int,
    output_format: str,
    out: str | None,
    workers: int | None,
    sets: tuple[str, ...],
    quiet: bool,
) -> None:
    """Which assumptions drive an output: tornado, rank correlation, Sobol indices.

    \b
    tornado   from the base case (every assumption at its point), move one assumption
              at a time to its 10th and 90th percentile; rank by the swing. Deterministic.
    spearman  rank correlation of each sampled assumption with the output (Monte Carlo).
    sobol     first-order (S1) and total (ST) variance shares with 95 % bootstrap
              intervals, from a Saltelli design (SALib).

    \b
    Example:
      simulate sensitivity priors/search-two-stage.toml --output query_cost_usd
    """
    from simulate import checks, formatting, results
    from simulate import sensitivity as analysis

    chosen = (
        analysis.METHODS if "all" in methods else tuple(m for m in analysis.METHODS if m in methods)
    )
    suffix = checks.suffix(out, (".json", ".csv")) if out is not None else None
    _check_out(out)
    if "sobol" in chosen:
        checks.sobol_samples(draws, "draws")
    if "sobol" in chosen and draws & (draws - 1):
        click.echo(
            f"note: Sobol designs are balanced for a power of 2; {draws:,} is not "
            f"(e.g. {1 << draws.bit_length():,})",
            err=True,
        )
    scenario = _scenario(file, sets, quiet)
    if "spearman" in chosen:
        _check_memory([scenario], draws)
    if "sobol" in chosen:
        factors = len(scenario.dependence.factors(scenario.sampled))
        _check_memory([scenario], 1, rows=draws * (factors + 2))
    with (
        stages(not quiet and sys.stderr.isatty(), chosen) as step,
        _option_for_quantities("--output"),
    ):
        result = analysis.analyze(scenario, output, chosen, draws, seed, swing, workers, step)
    rendered = {
        "table": formatting.sensitivity_table,
        "json": formatting.to_json,
        "csv": formatting.sensitivity_csv,
    }
    _emit(rendered[output_format](result))
    if suffix:
        text = rendered[suffix[1:]](result)
        _finish(out, lambda: results.write_text(text if text.endswith("\n") else text + "\n", out))


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Markdown file to write (default results/<scenario name>.md); figures "
    "are written beside it as <name>-<output>-*.png.",
)
@draws_option("1e6", "Monte Carlo draws for the percentiles (as many as run samples by default).")
@seed_option()
@click.option(
    "--threshold",
    "thresholds",
    multiple=True,
    metavar="NAME>VALUE",
    help="Add 'a 23 % chance it exceeds …' sentences; VALUE may be a number or "
    "another quantity (query_cost_usd>revenue_per_query_usd). Repeatable.",
)
@click.option(
    "--sobol-samples",
    type=DrawCount(),
    default=str(2**12),
    show_default=True,
    help="Base sample size of the Sobol analysis behind 'What drives it'.",
)
@set_option()
@quiet_option("No progress bar or notes on stderr; library warnings hidden.")
def report(
    file: str,
    out: str | None,
    draws: int,
    seed: int,
    thresholds: tuple[str, ...],
    sobol_samples: int,
    sets: tuple[str, ...],
    quiet: bool,
) -> None:
    """Write a Markdown risk section with figures, ready to paste into a planning document.

    For each key output ([scenario] report in the priors file, else every model output):
    a headline with the median and 90 % interval in plain units, a percentile table, a
    tornado chart, a distribution figure and the assumptions that drive it; then every
    assumption with its source and the exact command that reproduces the numbers.

    \b
    Example:
      simulate report priors/search-two-stage.toml \\
          --threshold "query_cost_usd>revenue_per_query_usd"
    """
    import shlex

    from simulate import checks
    from simulate import report as reporting

    from_options = [parse_threshold(t) for t in thresholds]
    scenario = _scenario(file, sets, quiet)
    parsed = _thresholds(scenario, from_options)
    _validate_names(scenario, parsed)
    checks.sobol_samples(sobol_samples)
    _check_memory([scenario], draws)
    factors = len(scenario.dependence.factors(scenario.sampled))
    _check_memory([scenario], 1, rows=sobol_samples * (factors + 2), option="--sobol-samples")
    target = out if out is not None else f"results/{scenario.name}.md"
    checks.suffix(target, (".md",))
    # the longest figure name must fit too: NAME-OUTPUT-distribution.png beside it
    longest = max(reporting.key_outputs(scenario) or [""], key=len)
    figure = Path(target).with_name(f"{Path(target).stem}-{longest}-distribution.png")
    _check_out(target, str(figure))
    command = ["simulate", "report", file, "--draws", str(draws), "--seed", str(seed)]
    for threshold in thresholds:
        command += ["--threshold", threshold]
    for text in sets:
        command += ["--set", text]
    command += ["--sobol-samples", str(sobol_samples), "--out", target]
    with stages(not quiet and sys.stderr.isatty(), ("sampling", "sensitivity", "figures")) as step:
        written = _finish(
            target,
            lambda: reporting.write_report(
                scenario, target, draws, seed, parsed, sobol_samples, shlex.join(command), step
            ),
        )
    if not quiet:
        click.echo(f"wrote {written.markdown} and {len(written.figures)} figures", err=True)


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
    from simulate import engine, formatting

    scenario = _scenario(file)
    achieved = engine.achieved_correlations(scenario)  # declared ρ against drawn ρ
    if output_format == "json":
        _emit(formatting.to_json(formatting.scenario_data(scenario, achieved)))
    else:
        _emit(formatting.scenario_table(scenario, achieved))


def _table_options(folder: str, folder_help: str, draws: str, draws_help: str, out: str) -> Any:
    """The options of a command that runs many scenarios into one table and its chart."""

    def decorate(function: Any) -> Any:
        for option in reversed((
            click.option("--priors", "folder", type=click.Path(file_okay=False),
                         default=folder, show_default=True, help=folder_help),
            draws_option(draws, draws_help),
            seed_option(),
            click.option("--out", default=out, show_default=True,
                         help="The Markdown table to write; the chart goes beside it as NAME.png."),
        )):  # fmt: skip
            function = option(function)
        return function

    return decorate


def _table_command(name: str, folder: str, draws: int, seed: int, out: str) -> str:
    """Check a table command's --out, and the command line that reproduces it."""
    import shlex

    from simulate import checks

    checks.suffix(out, (".md",))
    _check_out(out, str(Path(out).with_suffix(".png")))
    return shlex.join(
        ["simulate", name, "--priors", folder, "--draws", str(draws), "--seed", str(seed),
         "--out", out]
    )  # fmt: skip


@cli.command()
@_table_options(
    "priors/frontier", "Folder of the frontier run scenarios.", "1e5",
    "Sampled scenarios per run.", "results/frontier.md",
)  # fmt: skip
def frontier(folder: str, draws: int, seed: int, out: str) -> None:
    """Cost of every public frontier training run, rented and owned: one table and a chart.

    Runs each scenario in priors/frontier/ (GPT-3, Gopher, PaLM, LLaMA-65B, Llama 2-70B,
    Llama 3.1-405B, GPT-4, Gemini 1.0 Ultra, DeepSeek-V3) with one seed and writes P5 / P50 /
    P95 of the cloud and the owned cost, with the seed analyses' single figures beside them,
    and cost against publication year on a log axis.

    \b
    Example:
      simulate frontier                   → results/frontier.md + results/frontier.png
    """
    from simulate import frontier as frontier_table

    command = _table_command("frontier", folder, draws, seed, out)
    missing = [r.file for r in frontier_table.RUNS if not (Path(folder) / r.file).is_file()]
    if missing:
        raise PriorsError(None, "--priors", f"{folder} lacks {', '.join(missing)}")
    markdown, chart = _finish(out, lambda: frontier_table.write(folder, out, draws, seed, command))
    click.echo(f"wrote {markdown} and {chart}", err=True)


@cli.command("serving-validation")
@_table_options(
    "priors", "The priors folder: data/serving-benchmarks.csv, llm/, hardware/ and serving/.",
    "4000", "Sampled scenarios per measured row.", "results/serving-validation.md",
)  # fmt: skip
def serving_validation(folder: str, draws: int, seed: int, out: str) -> None:
    """Check the serving model against measured throughput: one table and a chart.

    Runs the `serving` model on every row of priors/data/serving-benchmarks.csv (NVIDIA's
    published TensorRT-LLM grid: model, GPU, tensor parallelism, precision, input/output
    lengths) with the model's card (priors/llm/), the GPU's file (priors/hardware/) and the
    benchmark's conditions (priors/serving/trtllm-bench.toml), and writes, per row, the
    measured output tokens/s, the model's P5 / P50 / P95, whether the measurement is inside
    the 90 % interval, and P50 ÷ measured.

    \b
    Example:
      simulate serving-validation   → results/serving-validation.md + .png
    """
    from simulate import serving_validation as validation

    command = _table_command("serving-validation", folder, draws, seed, out)
    if not (Path(folder) / validation.MEASURED).is_file():
        raise PriorsError(None, "--priors", f"{folder} lacks {validation.MEASURED}")
    markdown, chart, rows = _finish(
        out, lambda: validation.write(folder, out, draws, seed, command)
    )
    click.echo(validation.headline(rows))
    click.echo(f"wrote {markdown} and {chart}", err=True)


@cli.command()
@click.argument("name")
@click.option(
    "--model",
    "model_name",
    required=True,
    metavar="MODEL",
    help="The built-in model the scenario uses (simulate models lists them).",
)
@click.option(
    "--out",
    default=None,
    help="Where to write the file (default: priors/NAME.toml).",
)
@click.option("--force", is_flag=True, help="Replace the file if it exists.")
def init(name: str, model_name: str, out: str | None, force: bool) -> None:
    """Write a commented priors file for one model, ready to edit and run.

    Every input gets a placeholder distribution in its unit and a source to fill in; the file
    runs as written.

    \b
    Example:
      simulate init my-training --model training && simulate run priors/my-training.toml
    """
    import re

    from simulate import checks, template
    from simulate.models import MODELS
    from simulate.results import write_text

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", name):
        raise PriorsError(None, "NAME", f"expected letters, digits, '-', '_' or '.', got {name!r}")
    if model_name not in MODELS:
        raise PriorsError(None, "--model", f"no model {model_name!r}; models: {', '.join(MODELS)}")
    target = Path(out) if out is not None else Path("priors") / f"{name}.toml"
    checks.suffix(target, (".toml",))
    if target.exists() and not force:
        raise PriorsError(None, "--out", f"{target} exists; use --force to replace it")
    _check_out(str(target))
    _finish(str(target), lambda: write_text(template.render(name, model_name), target))
    click.echo(f"wrote {target}: edit its placeholders, then simulate run {target}", err=True)


@cli.command()
@format_option(("table", "json"))
def models(output_format: str) -> None:
    """List the built-in cost models with their inputs, outputs and the units they read them in.

    A scenario uses a model by listing it in [scenario] models; each input is satisfied by
    an assumption, a derived quantity or another model's output of the same name.
    """
    from simulate import formatting

    if output_format == "json":
        _emit(formatting.to_json(formatting.models_data()))
    else:
        _emit(formatting.models_table())


def main() -> None:
    interrupts.install()
    voice.install()
    try:
        cli(prog_name="simulate")
    except interrupts.Terminated:  # outside a command (while click parses the options)
        sys.exit(143)
