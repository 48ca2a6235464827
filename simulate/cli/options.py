"""The command line's option types and shared options: what each option accepts, checked
by click before a command runs (a draw count written 1e6, percentiles, a swing), and the
options several commands share, declared once."""

from __future__ import annotations

import math
from typing import Any

import click

from simulate.present import voice

FORMATS = ("table", "json", "csv")


MAX_DRAWS = 10**15  # draw indices stay exact in a float and well inside int64


class DrawCount(click.ParamType):
    """A positive whole number that may be written as ``1e6`` or ``1_000_000``."""

    name = "N"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = float(value)
        else:
            try:
                number = float(str(value).replace("_", ""))
            except ValueError:
                self.fail(
                    f"expected a positive whole number such as 100000 or 1e6, got {value!r}",
                    param,
                    ctx,
                )
        if not math.isfinite(number) or number != int(number) or number < 1:
            self.fail(
                f"expected a positive whole number such as 100000 or 1e6, got {value!r}", param, ctx
            )
        if number > MAX_DRAWS:
            self.fail(f"expected at most 1e15, got {value!r}", param, ctx)
        return int(number)


class Percentiles(click.ParamType):
    name = "P,P,..."

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[float, ...]:
        if isinstance(value, tuple):
            return value
        try:
            numbers = tuple(float(v) for v in str(value).split(",") if v.strip())
        except ValueError:
            self.fail(
                f"expected numbers between 0 and 100 separated by commas, got {value!r}", param, ctx
            )
        if not numbers or not all(0.0 <= q <= 100.0 for q in numbers):
            self.fail(
                f"expected numbers between 0 and 100 separated by commas, got {value!r}", param, ctx
            )
        return numbers


def _quiet(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        voice.silence()
    return value


def quiet_option(help: str) -> Any:
    return click.option("--quiet", "-q", is_flag=True, callback=_quiet, help=help)


def draws_option(default: str, help: str) -> Any:
    return click.option(
        "--draws", "-n", type=DrawCount(), default=default, show_default=True, help=help
    )


def seed_option(
    help: str = "Random seed; the same seed gives the same numbers, bit for bit.",
) -> Any:
    return click.option(
        "--seed", type=click.IntRange(min=0), default=42, show_default=True, help=help
    )


def workers_option(help: str) -> Any:
    return click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        show_default="the cores available",
        help=help,
    )


def scheduler_option() -> Any:
    return click.option(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="Run the chunks on a Dask cluster: 'local' starts one on this machine, "
        "tcp://host:8786 uses a running scheduler (pip install 'llm-econ-simulate[dask]'). "
        "Same seed, same numbers as a local run.",
    )


def format_option(
    choices: tuple[str, ...] = FORMATS, help: str = "How to print the result on stdout."
) -> Any:
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(choices),
        default="table",
        show_default=True,
        help=help,
    )


def set_option() -> Any:
    return click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="NAME=VALUE",
        help="What-if without editing the file: replace an assumption by a number (fixed) or "
        "a distribution in the file's syntax, e.g. --set gross_margin=0.7 or --set "
        "'gross_margin=beta:[0.6,0.8]'. Keeps its unit; repeatable.",
    )


def observe_option() -> Any:
    return click.option(
        "--observe",
        "observe",
        multiple=True,
        metavar="NAME=VALUE±REL%",
        help="Condition on a measurement of any quantity (assumption, derived or output): "
        "VALUE with a standard error of REL % of it (or +- ERROR in its unit), e.g. --observe "
        "'price_per_1m_tokens_usd=0.88±5%'. Adds to the file's [observations]; repeatable. "
        "The run then prints the posterior beside the prior.",
    )


def threshold_option(help: str) -> Any:
    return click.option("--threshold", "thresholds", multiple=True, metavar="NAME>VALUE", help=help)


class Swing(click.ParamType):
    name = "LO,HI"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[float, float]:
        if isinstance(value, tuple):
            return value
        try:
            lo, hi = (float(v) for v in str(value).split(","))
        except ValueError:
            self.fail(f"expected two percentiles such as 10,90, got {value!r}", param, ctx)
        if not 0.0 < lo < hi < 100.0:
            self.fail(f"expected 0 < LO < HI < 100, got {value!r}", param, ctx)
        return lo, hi


def percentiles_option(default: str, help: str) -> Any:
    return click.option(
        "--percentiles", type=Percentiles(), default=default, show_default=True, help=help
    )
