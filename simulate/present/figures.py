"""Figures for reports: a tornado per output, its distribution with an S-curve, and a chart.

Matplotlib's settings are changed only inside :func:`canvas` (``rc_context``), and the
non-interactive backend is chosen there, not at import: importing this module changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simulate.analysis.summary import QuantitySummary, TornadoRow
from simulate.present.humanize import humanize, is_share, tick

_STYLE = {"font.size": 9, "svg.hashsalt": "simulate"}
LOW, HIGH, GREY, RED = "#4C72B0", "#DD8452", "#8C8C8C", "#C44E52"


@contextmanager
def canvas(path: Path, size: tuple[float, float] = (7.0, 3.8)) -> Iterator[Any]:
    """A figure drawn with the project's style and saved to ``path`` (no version stamp, so
    the bytes repeat), without touching matplotlib's global settings."""
    import matplotlib

    with matplotlib.rc_context(_STYLE):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        figure = Figure(figsize=size, dpi=110, layout="constrained")
        FigureCanvasAgg(figure)
        yield figure
        figure.savefig(path, metadata={"Software": None})


def tex_safe(text: str) -> str:
    """Escape dollar signs, which matplotlib would otherwise read as mathtext."""
    return text.replace("$", r"\$")


def distinct_ticks(values: Sequence[float], unit: str, name: str) -> list[str]:
    """Tick labels as :func:`~simulate.present.humanize.tick` writes them, with more digits where a
    narrow range would print two ticks alike ($1.4M, $1.4M)."""
    labels = [tick(v, unit, name) for v in values]
    digits = 3
    while len(set(labels)) < len(labels) and digits < 10:
        digits += 1
        labels = [_precise(v, unit, name, digits) for v in values]
    return labels


def _precise(value: float, unit: str, name: str, digits: int) -> str:
    if is_share(unit, name):
        return f"{100 * value:.{digits}g} %"
    body = f"{value:.{digits}g}"
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= size:
            body = f"{value / size:.{digits}g}{suffix}"
            break
    if unit.startswith("USD"):
        return ("-" if value < 0 else "") + "$" + body.lstrip("-")
    return body


def _money_axis(axis: Any, unit: str, name: str) -> None:
    from matplotlib.ticker import Formatter, MaxNLocator

    class Distinct(Formatter):
        def __call__(self, x: float, pos: int | None = None) -> str:
            return tex_safe(tick(x, unit, name))

        def format_ticks(self, values: Sequence[float]) -> list[str]:
            return [tex_safe(label) for label in distinct_ticks(list(values), unit, name)]

    axis.set_major_locator(MaxNLocator(nbins=6, min_n_ticks=3))
    axis.set_major_formatter(Distinct())


@dataclass(frozen=True)
class Marker:
    """A value the text compares the output with: the base case, a threshold, a reference."""

    value: float
    label: str
    style: str = "--"
    colour: str = "black"


def tornado(
    rows: Sequence[TornadoRow],
    base: float,
    name: str,
    unit: str,
    labels: Sequence[str],
    path: Path,
    plain: str = "",
) -> Any:
    """Bars from the base case to the output with one assumption at its P10 and P90; the
    legend sits under the axes, so it never covers a bar, and the figure is as tall as its
    bars need (one bar is not a strip in a large empty frame). ``plain`` is the output's
    plain name for the title and axis (the identifier by default)."""
    from matplotlib.patches import Patch

    plain = plain or name
    with canvas(path, (7.0, 1.5 + 0.48 * len(rows))) as figure:
        axes = figure.add_subplot()
        for y, row in enumerate(rows):
            for value, colour in ((row.low, LOW), (row.high, HIGH)):
                axes.barh(y, value - base, left=base, color=colour, height=0.6)
        axes.set_yticks(range(len(rows)), [tex_safe(label) for label in labels])
        axes.set_ylim(-0.6, len(rows) - 0.4)
        axes.axvline(base, color="black", linewidth=0.8)
        _money_axis(axes.xaxis, unit, name)
        shown_unit = "" if unit == "1" else f" ({unit})"
        axes.set_xlabel(tex_safe(f"{plain}{shown_unit}; base case {humanize(base, unit, name)}"))
        axes.set_title(
            tex_safe(f"What moves the {plain}" if plain != name else f"What moves {name}")
        )
        figure.legend(
            handles=[
                Patch(color=LOW, label="assumption at its P10"),
                Patch(color=HIGH, label="assumption at its P90"),
            ],
            frameon=False,
            loc="outside lower center",
            ncol=2,
            fontsize=8,
        )
        return figure


@dataclass(frozen=True)
class _Line:
    value: float
    colour: str
    style: Any
    label: str


def _apart(lines: Sequence[_Line], span: float) -> list[_Line]:
    """Lines that would hide one another (closer than 0.4 % of the axis) are drawn as
    interleaved dashes, each in its own colour, and their legend entries say so."""
    drawn: list[_Line] = []
    groups: list[list[_Line]] = []
    for line in sorted(lines, key=lambda line: line.value):
        if groups and abs(line.value - groups[-1][0].value) <= 0.004 * span:
            groups[-1].append(line)
        else:
            groups.append([line])
    for group in groups:
        if len(group) == 1:
            drawn.append(group[0])
            continue
        count = len(group)
        for index, line in enumerate(group):
            others = ", ".join(o.label.split(":")[0] for o in group if o is not line)
            drawn.append(
                _Line(
                    line.value,
                    line.colour,
                    (3 * index, (3, 3 * (count - 1))),
                    f"{line.label} (same place as {others}: dashes alternate)",
                )
            )
    return drawn


def distribution(
    values: np.ndarray,
    entry: QuantitySummary,
    name: str,
    unit: str,
    markers: Sequence[Marker],
    path: Path,
    plain: str = "",
) -> Any:
    """Histogram of the draws (a log axis when they span orders of magnitude, else the
    central 99 %, widened to every marker so no threshold's tail is cut off; the title says
    which), P5 / P50 / P95, every marker with the share of draws above it (a marker listed
    once however often it is given), and the cumulative share (S-curve) on the right axis.
    Lines at the same place are drawn as alternating dashes, never one under the other."""
    from matplotlib.ticker import NullFormatter, PercentFormatter

    plain = plain or name
    with canvas(path, (7.0, 4.2)) as figure:
        axes = figure.add_subplot()
        finite = values[np.isfinite(values)]
        lo, hi = np.percentile(finite, [0.5, 99.5]) if finite.size else (0.0, 0.0)
        unique: dict[float, Marker] = {}
        for marker in markers:
            if np.isfinite(marker.value) and marker.value not in unique:
                unique[marker.value] = marker
        widened = False
        if finite.size and unique:
            reach = [v for v in unique if finite.min() <= v <= finite.max()]
            if reach and (min(reach) < lo or max(reach) > hi):
                lo, hi = min(lo, *reach), max(hi, *reach)
                widened = True
        shown = finite[(finite >= lo) & (finite <= hi)] if hi > lo else finite
        log = bool(lo > 0 and hi / lo > 100)
        if log:
            axes.set_xscale("log")
            axes.xaxis.set_minor_formatter(NullFormatter())
            bins: Any = np.geomspace(shown.min(), shown.max(), 81)
        else:
            bins = 80
        axes.hist(shown, bins=bins, color=GREY, density=True)
        lines = []
        for q, style in ((5, ":"), (50, "-"), (95, ":")):
            value = entry.percentile(q)
            if value is not None and np.isfinite(value):
                lines.append(_Line(value, RED, style, f"P{q} {humanize(value, unit, name)}"))
        for marker in unique.values():
            above = np.count_nonzero(values > marker.value) / max(values.size, 1)
            label = f"{marker.label}: {100 * above:.3g} % of draws above"
            lines.append(_Line(marker.value, marker.colour, marker.style, label))
        if log:  # closeness is judged where the lines are drawn: on the log axis
            lines = [x for x in lines if x.value > 0]
            placed = [_Line(float(np.log(x.value)), x.colour, x.style, x.label) for x in lines]
            span = float(np.log(hi) - np.log(lo))
        else:
            placed, span = lines, float(hi - lo)
        for line in _apart(placed, span or 1.0):
            value = float(np.exp(line.value)) if log else line.value
            axes.axvline(value, color=line.colour, linestyle=line.style, label=tex_safe(line.label))
        _money_axis(axes.xaxis, unit, name)
        axes.set_yticks([])
        axes.set_xlabel(tex_safe(plain if unit == "1" else f"{plain} ({unit})"))
        axes.set_ylabel("probability density")
        scope = (
            "log axis"
            if log
            else "central 99 % of draws, widened to the markers"
            if widened
            else "central 99 % of draws"
        )
        axes.set_title(tex_safe(f"Distribution of the {plain} ({scope}) and its S-curve"))
        cumulative = axes.twinx()
        ordered = np.sort(shown)
        cumulative.plot(
            ordered,
            # draws at minus infinity are below every value shown
            (
                np.arange(1, ordered.size + 1)
                + np.count_nonzero(finite < lo)
                + np.count_nonzero(values == -np.inf)
            )
            / max(values.size, 1),
            color=LOW,
            linewidth=1.2,
            label="share of draws below (S-curve)",
        )
        cumulative.set_ylim(0, 1)
        cumulative.yaxis.set_major_formatter(PercentFormatter(1.0))
        cumulative.set_ylabel("share of draws below")
        handles = axes.get_legend_handles_labels()
        extra = cumulative.get_legend_handles_labels()
        figure.legend(
            handles[0] + extra[0],
            handles[1] + extra[1],
            frameon=False,
            fontsize=7,
            loc="outside lower center",
            ncol=2,
        )
        return figure


def overlay(
    a: np.ndarray, b: np.ndarray, names: tuple[str, str], name: str, unit: str, path: Path
) -> Any:
    """Both scenarios' distributions of one output on one axis, and B − A beside them with
    the share of pairs on each side of zero."""
    from matplotlib.ticker import NullFormatter

    with canvas(path, (9.0, 3.8)) as figure:
        left, right = figure.subplots(1, 2, width_ratios=(3, 2))
        both = np.concatenate((a, b))
        lo, hi = np.percentile(both, [0.5, 99.5]) if both.size else (0.0, 1.0)
        log = bool(lo > 0 and hi / lo > 100)
        bins: Any = np.geomspace(lo, hi, 81) if log else np.linspace(lo, hi, 81)
        if log:
            left.set_xscale("log")
            left.xaxis.set_minor_formatter(NullFormatter())
        for values, label, colour in ((a, f"A: {names[0]}", LOW), (b, f"B: {names[1]}", HIGH)):
            median = float(np.median(values)) if values.size else float("nan")
            left.hist(values, bins=bins, color=colour, alpha=0.5, density=True, label=label)
            left.axvline(
                median, color=colour, label=tex_safe(f"median {humanize(median, unit, name)}")
            )
        _money_axis(left.xaxis, unit, name)
        left.set_yticks([])
        left.set_xlabel(name if unit == "1" else f"{name} ({unit})")
        left.set_title(f"{name}: A and B on the same draws")
        left.legend(frameon=False, fontsize=7)
        difference = b - a
        d_lo, d_hi = np.percentile(difference, [0.5, 99.5]) if difference.size else (0, 1)
        shown = difference[(difference >= d_lo) & (difference <= d_hi)]
        right.hist(shown, bins=60, color=GREY, density=True)
        above = np.count_nonzero(difference > 0) / max(difference.size, 1)
        right.axvline(0.0, color="black", linestyle="--",
                      label=f"B higher in {100 * above:.3g} % of pairs")  # fmt: skip
        _money_axis(right.xaxis, unit, name)
        right.set_yticks([])
        right.set_xlabel(f"B − A ({unit})" if unit != "1" else "B − A")
        right.set_title("B − A, pair by pair")
        right.legend(frameon=False, fontsize=7)
        return figure


def prior_posterior(
    prior: np.ndarray,
    posterior: np.ndarray,
    name: str,
    unit: str,
    observed: Sequence[tuple[float, float]],
    path: Path,
    plain: str = "",
) -> Any:
    """One quantity before and after the observations: the prior's and the posterior's
    densities on one axis, their medians, and the 90 % interval of each measurement of it."""
    from matplotlib.ticker import NullFormatter

    with canvas(path) as figure:
        axes = figure.subplots()
        both = np.concatenate((prior[np.isfinite(prior)], posterior[np.isfinite(posterior)]))
        lo, hi = np.percentile(both, [0.5, 99.5]) if both.size else (0.0, 1.0)
        if not hi > lo:
            lo, hi = lo - 0.5, hi + 0.5
        log = bool(lo > 0 and hi / lo > 100)
        bins: Any = np.geomspace(lo, hi, 81) if log else np.linspace(lo, hi, 81)
        if log:
            axes.set_xscale("log")
            axes.xaxis.set_minor_formatter(NullFormatter())
        for index, (low, high) in enumerate(observed):
            axes.axvspan(low, high, color=RED, alpha=0.12,
                         label="observed (90 %)" if index == 0 else None)  # fmt: skip
        for values, label, colour in ((prior, "prior", GREY), (posterior, "posterior", LOW)):
            values = values[np.isfinite(values)]
            median = float(np.median(values)) if values.size else float("nan")
            axes.hist(values, bins=bins, color=colour, alpha=0.55, density=True, label=label)
            said = tex_safe(f"{label} median {humanize(median, unit, name)}")
            axes.axvline(median, color=colour, label=said)
        _money_axis(axes.xaxis, unit, name)
        axes.set_yticks([])
        words = plain or name
        axes.set_xlabel(tex_safe(words if unit == "1" else f"{words} ({unit})"))
        axes.set_title(tex_safe(f"{words}: before and after the observations"))
        axes.legend(frameon=False, fontsize=7)
        return figure


def fan(
    entries: Sequence[QuantitySummary],
    coordinates: Sequence[float],
    labels: Sequence[str],
    base: Sequence[float],
    name: str,
    unit: str,
    dimension: str,
    path: Path,
    plain: str = "",
) -> Any:
    """A fan chart of one quantity along years or swept values: the P5–P95 and P25–P75
    bands, the median and the base case at each coordinate (each entry's percentiles must
    include 5, 25, 50, 75 and 95). Swept values are evenly spaced and labelled, years are
    placed as years."""
    years = dimension == "year"
    x = np.asarray(coordinates, dtype=float) if years else np.arange(len(coordinates), dtype=float)

    def level(q: float) -> np.ndarray:
        return np.array([np.nan if e.percentile(q) is None else e.percentile(q) for e in entries])

    with canvas(path) as figure:
        axes = figure.subplots()
        axes.fill_between(x, level(5), level(95), color=LOW, alpha=0.18, linewidth=0,
                          label="90 % of scenarios (P5–P95)")  # fmt: skip
        axes.fill_between(x, level(25), level(75), color=LOW, alpha=0.35, linewidth=0,
                          label="half of them (P25–P75)")  # fmt: skip
        axes.plot(x, level(50), color=LOW, linewidth=1.8, label="median")
        axes.plot(x, np.asarray(base, dtype=float), color="black", linestyle="--", linewidth=1,
                  label="base case")  # fmt: skip
        low, high = np.nanmin(level(5)), np.nanmax(level(95))
        logarithmic = bool(np.isfinite(low) and low > 0 and high / low > 30)
        if logarithmic:
            axes.set_yscale("log")
        _money_axis(axes.yaxis, unit, name)
        if logarithmic:  # 1, 2, 5 in each decade, labelled as money or shares
            from matplotlib.ticker import LogLocator, NullFormatter

            axes.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
            axes.yaxis.set_minor_formatter(NullFormatter())
        axes.set_xticks(x, [str(label) for label in labels])
        words = plain or name
        axes.set_ylabel(tex_safe(words if unit == "1" else f"{words} ({unit})"))
        axes.set_xlabel(dimension.replace("_", " "))
        axes.set_title(tex_safe(f"{words}, by {dimension.replace('_', ' ')}"))
        axes.legend(frameon=False, fontsize=7)
        return figure
