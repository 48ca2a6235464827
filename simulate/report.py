"""A Markdown risk section, ready to paste into a planning document, with PNG figures.

For each key output ([scenario] report, else every model output): a headline sentence in
plain units, a table of percentiles and the 90 % HDI, a tornado chart and a distribution
figure, and what drives it (Sobol total indices, or the tornado where Sobol cannot run).
Then every assumption with its source, and how to reproduce the numbers.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simulate import __version__, interrupts, sensitivity
from simulate.engine import Draws, evaluate, point_values, run
from simulate.errors import PriorsError
from simulate.humanize import humanize, tick
from simulate.results import Threshold, summarize, write_text
from simulate.spec import Scenario
from simulate.summary import QuantityError, QuantitySummary, Summary

DEFAULT_DRAWS = 100_000
DEFAULT_SOBOL_SAMPLES = 2**12


@dataclass(frozen=True)
class Report:
    markdown: Path
    figures: tuple[Path, ...]


def key_outputs(scenario: Scenario) -> list[str]:
    """The outputs the report is about: [scenario] report, else every model output."""
    if scenario.report:
        return list(scenario.report)
    model_outputs = [n for s in scenario.steps if s.kind == "model" for n in s.provides]
    return model_outputs or list(scenario.outputs)


def write_report(
    scenario: Scenario,
    out: str | Path,
    draws: int = DEFAULT_DRAWS,
    seed: int = 42,
    thresholds: Sequence[Threshold] = (),
    sobol_samples: int = DEFAULT_SOBOL_SAMPLES,
    command: str = "",
) -> Report:
    """Run the scenario, analyse it, and write ``out`` (Markdown) with figures beside it."""
    out = Path(out)
    if out.suffix.lower() != ".md":
        raise PriorsError(str(out), None, "a report is Markdown: expected a path ending in .md")
    keys = key_outputs(scenario)
    result = run(scenario, draws, seed)
    summary = summarize(scenario, result, (5, 50, 95), thresholds)
    points = point_values(scenario)
    base = {**points, **evaluate(scenario, points)}
    swings = sensitivity.tornado(scenario, keys)
    drivers, method_note = _drivers(scenario, keys, sobol_samples, seed, swings)

    figures: list[Path] = []
    out.parent.mkdir(parents=True, exist_ok=True)
    # figures and Markdown are drawn in a folder of their own beside ``out`` and moved into
    # place together at the end: an interrupted report leaves nothing behind
    staging: Path | None = None
    moved: list[Path] = []
    try:
        with interrupts.deferred():  # a signal now is raised once the folder's name is known
            staging = Path(tempfile.mkdtemp(prefix=f".{out.stem}.", suffix=".tmp", dir=out.parent))
        for name in keys:
            unit = scenario.unit(name)
            tornado_path = out.with_name(f"{out.stem}-{name}-tornado.png")
            distribution_path = out.with_name(f"{out.stem}-{name}-distribution.png")
            if swings[name]:
                _tornado_figure(
                    swings[name], float(base[name]), name, unit, scenario,
                    staging / tornado_path.name,
                )  # fmt: skip
                figures.append(tornado_path)
            _distribution_figure(
                _values(result, name),
                summary.outputs[name],
                name,
                unit,
                staging / distribution_path.name,
            )
            figures.append(distribution_path)
        markdown = _markdown(
            scenario, keys, summary, base, drivers, method_note, figures, out, draws, seed, command
        )
        write_text(markdown, staging / out.name)
        interrupts.check()
        for path in (*figures, out):  # the Markdown last: it is what points to the figures
            os.replace(staging / path.name, path)
            moved.append(path)
    except BaseException:
        for path in moved:
            path.unlink(missing_ok=True)
        raise
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return Report(out, tuple(figures))


def _values(result: Draws, name: str) -> np.ndarray:
    values = result.outputs[name]
    return values[np.isfinite(values)]


def _drivers(
    scenario: Scenario,
    keys: list[str],
    samples: int,
    seed: int,
    swings: dict[str, list[dict[str, Any]]],
) -> tuple[dict[str, list[tuple[str, float]]], str]:
    """Top assumptions per output: by Sobol ST, or by tornado swing when Sobol cannot run."""
    if not scenario.sampled:
        return {k: [] for k in keys}, "nothing is uncertain"
    try:
        indices = sensitivity.sobol(scenario, keys, samples, seed)
    except QuantityError:  # an output with non-finite draws: the tornado still ranks inputs
        total = {k: sum(r.swing for r in swings[k]) or 1.0 for k in keys}
        return (
            {k: [(r.input, r.swing / total[k]) for r in swings[k]] for k in keys},
            "tornado swing share",
        )
    ranked = {k: sorted(indices[k].ST.items(), key=lambda item: -item[1]) for k in keys}
    return ranked, f"Sobol total index, {samples:,} base samples"


def _markdown(
    scenario: Scenario,
    keys: list[str],
    summary: Summary,
    base: dict[str, Any],
    drivers: dict[str, list[tuple[str, float]]],
    method_note: str,
    figures: list[Path],
    out: Path,
    draws: int,
    seed: int,
    command: str,
) -> str:
    lines = [f"## Risk: {scenario.title}", ""]
    if scenario.description:
        lines += [scenario.description, ""]
    for name in keys:
        entry, unit = summary.outputs[name], scenario.unit(name)
        p5, p50, p95 = (entry.percentile(q) for q in (5, 50, 95))
        label = scenario.description_of(name) or name
        title = f"**{label[0].upper() + label[1:]}** (`{name}`)"
        if entry.sd == 0:
            sentence = (
                f"{title}: {humanize(p50, unit, name)}, with no uncertainty "
                "(every assumption it depends on is fixed)."
            )
        else:
            sentence = (
                f"{title}: {humanize(p50, unit, name)} median, 90 % between "
                f"{humanize(p5, unit, name)} and {humanize(p95, unit, name)} "
                f"(base case {humanize(float(base[name]), unit, name)})."
            )
        for result in entry.thresholds:
            op, target, probability = result.op, result.value, result.probability
            verb = {">": "exceeds", ">=": "reaches", "<": "stays below", "<=": "stays at most"}[op]
            if isinstance(target, str):
                reference = float(np.asarray(base[target]).reshape(-1)[0])
                what = (
                    f"`{target}` ({humanize(reference, scenario.unit(target), target)} "
                    "in the base case), draw by draw"
                )
            else:
                what = humanize(float(target), unit, name)
            sentence += f" A {humanize(probability, '1', 'share')} chance it {verb} {what}."
        if entry.nonfinite:
            sentence += (
                f" In {entry.nonfinite:,} of {draws:,} draws it is not finite "
                "(left out of these figures)."
            )
        lines += [sentence, ""]

    lines += [
        "| output | unit | P5 | P50 | P95 | mean | 90 % HDI |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in keys:
        entry, unit = summary.outputs[name], scenario.unit(name)
        lo, hi = entry.hdi_90
        shown = (*(entry.percentile(q) for q in (5, 50, 95)), entry.mean)
        cells = [humanize(v, unit, name) for v in shown]
        lines.append(
            f"| `{name}` | {unit} | "
            + " | ".join(cells)
            + f" | {humanize(lo, unit, name)} – {humanize(hi, unit, name)} |"
        )
    lines.append("")

    lines += ["### What drives it", ""]
    for name in keys:
        top = [(i, v) for i, v in drivers[name] if v > 0.005][:3]
        if not top:
            lines.append(f"- `{name}`: no sampled assumption moves it.")
            continue
        parts = [f"`{i}` ({v:.2f})" for i, v in top]
        lines.append(f"- `{name}`: mostly {', then '.join(parts)} ({method_note}).")
    lines.append("")
    if scenario.dependence:
        lines += [scenario.dependence.note(), ""]
    for figure in figures:
        kind = "Tornado" if figure.stem.endswith("tornado") else "Distribution"
        lines += [f"![{kind}: {figure.stem}]({figure.name})", ""]

    lines += [
        "### Assumptions",
        "",
        "| assumption | distribution (as declared) | point | unit | source |",
        "|---|---|---|---|---|",
    ]
    for name, assumption in scenario.assumptions.items():
        source = (assumption.source or "(no source)").replace("|", "\\|")
        lines.append(
            f"| `{name}` | {assumption.distribution.summary} | "
            f"{humanize(assumption.distribution.point, assumption.unit, name)} | "
            f"{assumption.unit} | {source} |"
        )
    lines += [
        "",
        "### How to reproduce",
        "",
        "```",
        command,
        "```",
        "",
        f"simulate {__version__}; seed {seed}; {draws:,} Monte Carlo draws; priors "
        f"`{scenario.path}` (with its includes) sha256 `{scenario.sha256}`.",
        "",
    ]
    return "\n".join(lines)


def _figure() -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9, "svg.hashsalt": "simulate"})
    return plt, plt.figure(figsize=(7.0, 3.8), dpi=110, layout="constrained")


def _save(plt: Any, figure: Any, path: Path) -> None:
    figure.savefig(path, metadata={"Software": None})  # no version stamp: reproducible bytes
    plt.close(figure)


def _tex_safe(text: str) -> str:
    """Escape dollar signs, which matplotlib would otherwise read as mathtext."""
    return text.replace("$", r"\$")


def _tornado_figure(
    rows: list[dict[str, Any]], base: float, name: str, unit: str, scenario: Scenario, path: Path
) -> None:
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    plt, figure = _figure()
    axes = figure.add_subplot()
    rows = [r for r in rows if r.swing > 0][:10][::-1] or rows[:1]  # largest swing on top
    low_colour, high_colour = "#4C72B0", "#DD8452"
    for y, row in enumerate(rows):
        for value, colour in ((row.low, low_colour), (row.high, high_colour)):
            axes.barh(y, value - base, left=base, color=colour, height=0.6)
    labels = []
    for row in rows:
        if row.joint:  # a joint set moves as one row of its table
            labels.append(_tex_safe(f"{row.input} (joint set)\nrows at P10 – P90 of {name}"))
            continue
        assumption = scenario.assumptions[row.input]
        lo, hi = assumption.distribution.ppf(np.array([0.1, 0.9]))
        labels.append(
            _tex_safe(
                f"{row.input}\n{humanize(float(lo), assumption.unit, row.input)}"
                f" – {humanize(float(hi), assumption.unit, row.input)}"
            )
        )
    axes.set_yticks(range(len(rows)), labels)
    axes.axvline(base, color="black", linewidth=0.8)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _tex_safe(tick(x, unit, name))))
    axes.set_xlabel(_tex_safe(f"{name} ({unit}); base case {humanize(base, unit, name)}"))
    axes.set_title(f"What moves {name}")
    axes.legend(
        handles=[
            Patch(color=low_colour, label="assumption at its P10"),
            Patch(color=high_colour, label="assumption at its P90"),
        ],
        frameon=False,
        loc="best",
        fontsize=8,
    )
    _save(plt, figure, path)


def _distribution_figure(
    values: np.ndarray, entry: QuantitySummary, name: str, unit: str, path: Path
) -> None:
    from matplotlib.ticker import FuncFormatter, NullFormatter

    plt, figure = _figure()
    axes = figure.add_subplot()
    if values.size and np.ptp(values) > 0:
        lo, hi = np.percentile(values, [0.5, 99.5])
        shown = values[(values >= lo) & (values <= hi)] if hi > lo else values
        if lo > 0 and hi / lo > 100:  # spans orders of magnitude: a log axis shows its shape
            axes.set_xscale("log")
            axes.xaxis.set_minor_formatter(NullFormatter())
            bins = np.geomspace(shown.min(), shown.max(), 81)
        else:
            bins = 80
        axes.hist(shown, bins=bins, color="#8C8C8C", density=True)
    elif values.size:  # a constant: no spread to show
        axes.axvline(values[0], color="#8C8C8C", linewidth=6)
    for q, style in ((5, ":"), (50, "-"), (95, ":")):
        value = entry.percentile(q)
        if value is not None:
            axes.axvline(
                value,
                color="#C44E52",
                linestyle=style,
                label=_tex_safe(f"P{q} {humanize(value, unit, name)}"),
            )
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _tex_safe(tick(x, unit, name))))
    axes.set_yticks([])
    axes.set_xlabel(f"{name} ({unit})")
    axes.set_ylabel("probability density")
    axes.set_title(f"Distribution of {name} (central 99 % of draws)")
    axes.legend(frameon=False)
    _save(plt, figure, path)
