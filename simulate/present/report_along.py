"""The report's "Over the years" (or "Across <swept assumption>"): for each key output that
moves, a fan chart and its median and 90 % interval at each year or value."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from simulate.analysis.findings import Findings
from simulate.present import figures
from simulate.present.along import share_text
from simulate.present.humanize import humanize, plain_name


def section(
    found: Findings, out: Path
) -> tuple[list[str], list[tuple[Path, Callable[[Path], None]]]]:
    """The section's Markdown lines and the figures it shows (path, writer)."""
    summary, base = found.along, found.along_base
    assert summary is not None and base is not None
    scenario = found.scenario
    dimension = summary.dimension
    labels = [summary.label(i) for i in range(len(summary.coordinates))]
    if len(labels) == 1 and dimension == "year":
        return _one_year(found, labels[0]), []
    if dimension == "year":
        lines = [
            "### Over the years",
            "",
            f"Each scenario is followed from {labels[0]} to {labels[-1]}: "
            f"{_how_they_move(found)}, so each line through the fan is one coherent future. "
            "The sections above describe the year the distributions were stated for.",
            "",
        ]
    else:
        lines = [
            f"### Across {dimension.replace('_', ' ')}",
            "",
            f"Each scenario is evaluated at every `{dimension}` of {', '.join(labels)}, the "
            "other assumptions keeping their draws, so differences between values are not "
            f"sampling noise. The sections above take `{dimension}` as declared.",
            "",
        ]
    writers: list[tuple[Path, Callable[[Path], None]]] = []
    for name in found.keys:
        entries = summary.series(name)
        if len({repr(e) for e in entries}) < 2:
            continue  # the same everywhere
        unit = scenario.unit(name)
        values = [float(b[name]) for b in base]
        plain = plain_name(name, scenario.description_of(name)).removeprefix("the ")
        path = out.with_name(f"{out.stem}-{name}-fan.png")
        writers.append((
            path,
            partial(
                figures.fan, entries, summary.coordinates, labels, values, name, unit,
                dimension, plain=plain,
            ),
        ))  # fmt: skip
        alt = f"{plain}: median and 90 % band by {dimension.replace('_', ' ')}"
        lines += [f"![{alt}]({path.name})", ""]
        missing = any(entry.nonfinite for entry in entries)  # an infeasible batch, say
        head = f"| {dimension} | P5 | median | P95 | base case |"
        lines += [
            head + (" no number |" if missing else ""),
            "|---|---|---|---|---|" + "---|" * missing,
        ]
        for label, entry, value in zip(labels, entries, values, strict=True):
            cells = [humanize(entry.percentile(q), unit, name) for q in (5, 50, 95)]
            cells.append(humanize(value, unit, name))
            if missing:
                cells.append(share_text(entry.nonfinite / found.draws))
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        if missing:
            lines += [
                "",
                "*No number*: the share of scenarios with no value there (infeasible: it does "
                "not fit, or misses a limit); the percentiles are over the others.",
            ]
        lines.append("")
    return lines, writers


def _how_they_move(found: Findings) -> str:
    """What moves with the years and how, in words."""
    assumptions = found.scenario.assumptions
    moving = found.along.moving if found.along is not None else []
    growing = [f"`{n}`" for n in moving if assumptions[n].trajectory.growth is not None]
    listed = [f"`{n}`" for n in moving if assumptions[n].trajectory.growth is None]
    parts = []
    if growing:
        verb = "moves" if len(growing) == 1 else "move"
        parts.append(f"{', '.join(growing)} {verb} at a rate drawn once per scenario")
    if listed:
        verb = "takes" if len(listed) == 1 else "take"
        parts.append(
            f"{', '.join(listed)} {verb} the belief listed for each year, each scenario keeping "
            "its place in the range"
        )
    return "; ".join(parts) or "nothing moves"


def _one_year(found: Findings, year: str) -> list[str]:
    """A scenario about one year (``[scenario] year`` with trajectories): the key outputs in
    that year, since the sections above describe the year the distributions were stated for."""
    summary, base = found.along, found.along_base
    assert summary is not None and base is not None
    scenario = found.scenario
    stated = sorted({scenario.assumptions[n].trajectory.base_year for n in summary.moving})
    stated_in = ", ".join(map(str, stated)) or year
    lines = [
        f"### In {year}",
        "",
        f"The scenario is about {year}, its distributions about {stated_in}: "
        f"{_how_they_move(found)}. The sections above describe {stated_in}; in {year}:",
        "",
        "| output | P5 | median | P95 | base case |",
        "|---|---|---|---|---|",
    ]
    (values,) = base  # the base case in that year
    for name in found.keys:
        (entry,) = summary.series(name)
        unit = scenario.unit(name)
        cells = [humanize(entry.percentile(q), unit, name) for q in (5, 50, 95)]
        cells.append(humanize(float(values[name]), unit, name))
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    return [*lines, ""]
