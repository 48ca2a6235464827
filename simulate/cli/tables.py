"""The commands that write the project's tables and files: frontier, serving-validation,
init, models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from simulate.cli.common import check_out, emit, finish
from simulate.cli.options import draws_option, format_option, seed_option
from simulate.core.errors import PriorsError


def table_options(folder: str, folder_help: str, draws: str, draws_help: str, out: str) -> Any:
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


def table_command(name: str, folder: str, draws: int, seed: int, out: str) -> str:
    """Check a table command's --out, and the command line that reproduces it."""
    import shlex

    from simulate.analysis import checks

    checks.suffix(out, (".md",))
    check_out(out, str(Path(out).with_suffix(".png")))
    return shlex.join(
        ["simulate", name, "--priors", folder, "--draws", str(draws), "--seed", str(seed),
         "--out", out]
    )  # fmt: skip


@click.command()
@table_options(
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
    from simulate.analysis import frontier as frontier_table
    from simulate.present import frontier as frontier_render

    command = table_command("frontier", folder, draws, seed, out)
    missing = [r.file for r in frontier_table.RUNS if not (Path(folder) / r.file).is_file()]
    if missing:
        raise PriorsError(None, "--priors", f"{folder} lacks {', '.join(missing)}")
    markdown, chart = finish(
        out,
        lambda: frontier_render.write(
            frontier_table.evaluate_runs(folder, draws, seed), out, draws, seed, command
        ),
    )
    click.echo(f"wrote {markdown} and {chart}", err=True)


@click.command("serving-validation")
@table_options(
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
    from simulate.analysis import serving_validation as validation
    from simulate.present import serving_validation as rendering

    command = table_command("serving-validation", folder, draws, seed, out)
    if not (Path(folder) / validation.MEASURED).is_file():
        raise PriorsError(None, "--priors", f"{folder} lacks {validation.MEASURED}")
    rows = validation.evaluate(folder, draws, seed)
    markdown, chart = finish(out, lambda: rendering.write(rows, out, draws, seed, command))
    click.echo(rendering.headline(rows))
    click.echo(f"wrote {markdown} and {chart}", err=True)


@click.command()
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

    from simulate.analysis import checks
    from simulate.io.files import write_text
    from simulate.models import MODELS
    from simulate.spec import template

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", name):
        raise PriorsError(None, "NAME", f"expected letters, digits, '-', '_' or '.', got {name!r}")
    if model_name not in MODELS:
        raise PriorsError(None, "--model", f"no model {model_name!r}; models: {', '.join(MODELS)}")
    target = Path(out) if out is not None else Path("priors") / f"{name}.toml"
    checks.suffix(target, (".toml",))
    if target.exists() and not force:
        raise PriorsError(None, "--out", f"{target} exists; use --force to replace it")
    check_out(str(target))
    finish(str(target), lambda: write_text(template.render(name, model_name), target))
    click.echo(f"wrote {target}: edit its placeholders, then simulate run {target}", err=True)


@click.command()
@format_option(("table", "json"))
def models(output_format: str) -> None:
    """List the built-in cost models with their inputs, outputs and the units they read them in.

    A scenario uses a model by listing it in [scenario] models; each input is satisfied by
    an assumption, a derived quantity or another model's output of the same name.
    """
    from simulate.present import formatting

    if output_format == "json":
        emit(formatting.to_json(formatting.models_data()))
    else:
        emit(formatting.models_table())


@click.command()
def schema() -> None:
    """Print the JSON Schema of a priors file, for editors to check and complete as you type.

    The schema gives the tables and keys of a priors file, the distribution families with the
    forms of their parameters, and the model names. Units, domains and the links between
    quantities are checked by `simulate check`.

    \b
    Examples:
      simulate schema > priors.schema.json
      Even Better TOML (taplo): put  #:schema ./priors.schema.json  on a file's first line,
      or map priors/**/*.toml to it under [[rule]] in .taplo.toml.
    """
    from simulate.spec import schema as priors_schema

    emit(priors_schema.text())
