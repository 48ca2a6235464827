"""The commands that analyse a scenario further: compare, sensitivity, report."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import Any

import click

from simulate.cli.common import (
    check_memory,
    check_out,
    emit,
    finish,
    merged_thresholds,
    option_for_quantities,
    scenario_from,
    validate_names,
)
from simulate.cli.options import (
    DrawCount,
    Swing,
    draws_option,
    format_option,
    percentiles_option,
    quiet_option,
    seed_option,
    set_option,
    workers_option,
)
from simulate.core.thresholds import parse_threshold
from simulate.present.progress import stages


def one_coordinate(scenario: Any, command: str) -> None:
    """Say that a command does not go along a scenario's years or sweep."""
    axis = scenario.axis
    if axis is None:
        return
    if axis.swept:
        declared = scenario.assumptions[axis.dimension].distribution.summary
        what = f"without its [sweep]: {axis.dimension} as declared ({declared})"
    else:
        bases = sorted({scenario.assumptions[n].trajectory.base_year for n in scenario.along})
        not_in = f"in {scenario.year}" if scenario.year is not None else "each year"
        what = (
            "in the year of its distributions (" + ", ".join(map(str, bases)) + f"), not {not_in}"
        )
    goes = f"goes along {axis.dimension}"
    if scenario.year is not None and not axis.swept:
        goes = f"evaluates it in {scenario.year}"
    click.echo(
        f"note: {scenario.name}: {command} describes the scenario {what}; `simulate run` {goes}",
        err=True,
    )


def prior_only(scenario: Any, command: str) -> None:
    """Say that a command describes the prior when the file has observations."""
    one_coordinate(scenario, command)
    if scenario.observations:
        click.echo(
            f"note: {scenario.name}: {command} describes the prior; its observations are used "
            "by run and report"
            + (" (and by sensitivity's spearman)" if command == "sensitivity" else ""),
            err=True,
        )


@click.command()
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
@percentiles_option("5,50,95", "Percentiles of A, B and B/A to report.")
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
    from simulate.analysis import checks
    from simulate.analysis import compare as comparing
    from simulate.present import formatting

    scenario_a = scenario_from(file_a, sets, label=True)
    scenario_b = scenario_from(file_b, sets, label=True)
    for scenario in (scenario_a, scenario_b):
        prior_only(scenario, "compare")
    check_memory([scenario_a, scenario_b], draws, method)
    if figure is not None:
        checks.suffix(figure, (".png",), "figure")
        check_out(figure, option="--figure")
    with option_for_quantities("--output"):
        result = comparing.compare(
            scenario_a, scenario_b, output, draws, seed, method, percentiles, workers=workers
        )
    if output_format == "json":
        emit(formatting.to_json(result))
    elif output_format == "markdown":
        emit(formatting.comparison_markdown(result))
    else:
        emit(formatting.comparison_table(result))
    if figure is not None:  # the last act: written whole, or not at all
        from simulate.io.files import write_together
        from simulate.present import figures

        names, unit = (scenario_a.name, scenario_b.name), result.unit
        draw = partial(figures.overlay, *result.paired, names, output, unit)
        finish(figure, lambda: write_together([(Path(figure), draw)]), "--figure")


@click.command()
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
    spearman  rank correlation of each sampled assumption with the output (Monte Carlo);
              with observations, over the posterior too.
    sobol     first-order (S1) and total (ST) variance shares with 95 % bootstrap
              intervals, from a Saltelli design (SALib).

    \b
    Example:
      simulate sensitivity priors/search-two-stage.toml --output query_cost_usd
    """
    from simulate.analysis import checks
    from simulate.analysis import sensitivity as analysis
    from simulate.io import files
    from simulate.present import formatting

    chosen = (
        analysis.METHODS if "all" in methods else tuple(m for m in analysis.METHODS if m in methods)
    )
    suffix = checks.suffix(out, (".json", ".csv")) if out is not None else None
    check_out(out)
    if "sobol" in chosen:
        checks.sobol_samples(draws, "draws")
    if "sobol" in chosen and draws & (draws - 1):
        click.echo(
            f"note: Sobol designs are balanced for a power of 2; {draws:,} is not "
            f"(e.g. {1 << draws.bit_length():,})",
            err=True,
        )
    scenario = scenario_from(file, sets, quiet)
    if not quiet:
        prior_only(scenario, "sensitivity")
    if "spearman" in chosen:  # with observations, the posterior is a second copy of the draws
        check_memory([scenario], draws * (2 if scenario.observations else 1))
    if "sobol" in chosen:
        factors = len(scenario.dependence.factors(scenario.sampled))
        check_memory([scenario], 1, rows=draws * (factors + 2))
    with (
        stages(not quiet and sys.stderr.isatty(), chosen) as step,
        option_for_quantities("--output"),
    ):
        result = analysis.analyze(scenario, output, chosen, draws, seed, swing, workers, step)
    rendered = {
        "table": formatting.sensitivity_table,
        "json": formatting.to_json,
        "csv": formatting.sensitivity_csv,
    }
    emit(rendered[output_format](result))
    if suffix:
        text = rendered[suffix[1:]](result)
        finish(out, lambda: files.write_text(text if text.endswith("\n") else text + "\n", out))


@click.command()
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

    from simulate.analysis import checks, findings
    from simulate.present import report as reporting

    from_options = [parse_threshold(t) for t in thresholds]
    scenario = scenario_from(file, sets, quiet)
    parsed = merged_thresholds(scenario, from_options)
    validate_names(scenario, parsed)
    checks.sobol_samples(sobol_samples)
    check_memory([scenario], draws)
    factors = len(scenario.dependence.factors(scenario.sampled))
    check_memory([scenario], 1, rows=sobol_samples * (factors + 2), option="--sobol-samples")
    target = out if out is not None else f"results/{scenario.name}.md"
    checks.suffix(target, (".md",))
    # the longest figure name must fit too: NAME-OUTPUT-distribution.png beside it
    longest = max(findings.key_outputs(scenario) or [""], key=len)
    figure = Path(target).with_name(f"{Path(target).stem}-{longest}-distribution.png")
    check_out(target, str(figure))
    command = ["simulate", "report", file, "--draws", str(draws), "--seed", str(seed)]
    for threshold in thresholds:
        command += ["--threshold", threshold]
    for text in sets:
        command += ["--set", text]
    command += ["--sobol-samples", str(sobol_samples), "--out", target]
    with stages(not quiet and sys.stderr.isatty(), ("sampling", "sensitivity", "figures")) as step:
        written = finish(
            target,
            lambda: reporting.write_report(
                scenario, target, draws, seed, parsed, sobol_samples, shlex.join(command), step
            ),
        )
    if not quiet:
        click.echo(f"wrote {written.markdown} and {len(written.figures)} figures", err=True)
