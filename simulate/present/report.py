"""A Markdown risk section, ready to paste into a planning document, with PNG figures.

For each key output ([scenario] report, else every model output): a headline sentence in
plain units, a table of percentiles and the 90 % HDI, a tornado chart and a distribution
figure, and what drives it (Sobol total indices, or the tornado where Sobol cannot run).
Then every assumption with its source, and how to reproduce the numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from simulate import __version__
from simulate.analysis.findings import (
    CONSTANT,
    CONTINUOUS,
    DEFAULT_DRAWS,
    DEFAULT_SOBOL_SAMPLES,
    INDICATOR,
    findings,
)
from simulate.analysis.summary import QuantitySummary, Summary, TornadoRow
from simulate.core.engine import Draws
from simulate.core.errors import PriorsError
from simulate.core.scenario import Scenario
from simulate.core.statistics import sorted_percentiles
from simulate.core.thresholds import Threshold, threshold_factor
from simulate.io.files import write_text, write_together
from simulate.present import figures, report_along, report_observations
from simulate.present.humanize import humanize, is_share, plain_name, unit_label
from simulate.present.notices import FEW_DRAWS, RELATIVE_ERROR


@dataclass(frozen=True)
class Report:
    markdown: Path
    figures: tuple[Path, ...]


def write_report(
    scenario: Scenario,
    out: str | Path,
    draws: int = DEFAULT_DRAWS,
    seed: int = 42,
    thresholds: Sequence[Threshold] = (),
    sobol_samples: int = DEFAULT_SOBOL_SAMPLES,
    command: str = "",
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Run the scenario, analyse it, and write ``out`` (Markdown) with figures beside it.

    ``progress`` is called with the name of each stage as it starts (for a progress bar)."""
    out = Path(out)
    if out.suffix.lower() != ".md":
        raise PriorsError(str(out), None, "a report is Markdown: expected a path ending in .md")
    found = findings(scenario, draws, seed, thresholds, sobol_samples, progress)
    keys, result, summary, base, swings = (
        found.keys,
        found.result,
        found.summary,
        found.base,
        found.swings,
    )
    drivers, method_note, kinds = found.drivers, found.method_note, found.kinds
    if progress is not None:
        progress("figures")
    # figures and Markdown are drawn in a folder of their own beside ``out`` and moved into
    # place together at the end (the Markdown last: it points to the figures)
    writers: list[tuple[Path, Callable[[Path], None]]] = []
    for name in keys:
        unit = scenario.unit(name)
        if kinds[name] != CONTINUOUS:  # a constant or a 0/1 flag: a sentence says it all
            continue
        tornado_path = out.with_name(f"{out.stem}-{name}-tornado.png")
        distribution_path = out.with_name(f"{out.stem}-{name}-distribution.png")
        rows = [r for r in swings[name] if r.swing > 0][:10][::-1]  # largest on top
        plain = plain_name(name, scenario.description_of(name))
        if rows:
            labels = _tornado_labels(rows, name, scenario)
            writers.append((
                tornado_path,
                partial(
                    figures.tornado, rows, float(base[name]), name, unit, labels, plain=plain
                ),
            ))  # fmt: skip
        writers.append((
            distribution_path,
            partial(
                figures.distribution, result.outputs[name], summary.outputs[name], name, unit,
                _markers(scenario, name, summary, base, result.outputs[name]), plain=plain,
            ),
        ))  # fmt: skip
    drawn = [path for path, _ in writers]
    observed: list[str] = []
    if found.calibration is not None:
        observed, posterior_figures = report_observations.section(found, out)
        writers += posterior_figures
    if found.along is not None:
        fans, fan_figures = report_along.section(found, out)
        observed += fans
        writers += fan_figures
    markdown = _markdown(
        scenario, keys, summary, base, drivers, method_note, drawn, out, draws, seed, command,
        kinds, result, observed,
    )  # fmt: skip
    drawn = [path for path, _ in writers]
    writers.append((out, partial(write_text, markdown)))
    write_together(writers)
    _remove_stale_figures(out, drawn)
    return Report(out, tuple(drawn))


def _remove_stale_figures(out: Path, drawn: Sequence[Path]) -> None:
    """Figures an earlier report at ``out`` drew that this one does not (an output no longer
    reported, or now constant): left in place they would look current. Only names of this
    report's own pattern (<stem>-<quantity>-tornado|distribution|posterior.png) are touched."""
    pattern = re.compile(
        rf"^{re.escape(out.stem)}-[a-z][a-z0-9_]*-(tornado|distribution|posterior)\.png$"
    )
    keep = {path.name for path in drawn}
    for path in out.parent.glob(f"{out.stem}-*.png"):
        if pattern.match(path.name) and path.name not in keep:
            path.unlink(missing_ok=True)


def _tornado_labels(rows: Sequence[TornadoRow], name: str, scenario: Scenario) -> list[str]:
    labels = []
    for row in rows:
        if row.joint:  # a joint set moves as one row of its table
            labels.append(f"{row.input} (joint set)\nrows at P10 – P90 of {name}")
            continue
        assumption = scenario.assumptions[row.input]
        lo, hi = assumption.distribution.ppf(np.array([0.1, 0.9]))
        words = plain_name(row.input, is_assumption=True)
        labels.append(
            f"{words}\n{humanize(float(lo), assumption.unit, row.input)}"
            f" – {humanize(float(hi), assumption.unit, row.input)}"
        )
    return labels


def _alt_text(
    figure: Path, out: Path, scenario: Scenario, summary: Summary, base: dict[str, Any]
) -> str:
    """What a figure shows, in words, for readers who cannot see it."""
    tornado = figure.stem.endswith("-tornado")
    name = figure.stem[len(out.stem) + 1 : -len("-tornado" if tornado else "-distribution")]
    unit = scenario.unit(name)
    plain = plain_name(name, scenario.description_of(name))
    entry = summary.outputs[name]
    value = float(np.asarray(base[name]).reshape(-1)[0])
    if tornado:
        text = (
            f"Tornado chart: how far the {plain} moves from its base case "
            f"({humanize(value, unit, name)}) when each assumption alone goes to its P10 or "
            "P90, the largest swing on top"
        )
        return text.replace("[", "(").replace("]", ")")
    try:
        p5, p50, p95 = (entry.percentile(q) for q in (5, 50, 95))
    except KeyError:  # percentiles the report was not asked for
        return f"Histogram and S-curve of the {plain}, base case {humanize(value, unit, name)}"
    text = (
        f"Histogram and S-curve of the {plain}: median {humanize(p50, unit, name)}, 90 % of "
        f"draws between {humanize(p5, unit, name)} and {humanize(p95, unit, name)}, base case "
        f"{humanize(value, unit, name)}"
    )
    return text.replace("[", "(").replace("]", ")")


def _markers(
    scenario: Scenario, name: str, summary: Summary, base: dict[str, Any], values: np.ndarray
) -> list[figures.Marker]:
    """What the text compares the output with: the base case, each threshold, and the
    lines a reader looks for when the draws cross them: zero (a saving turns into a loss) and
    100 % for a share."""
    unit = scenario.unit(name)
    value = float(np.asarray(base[name]).reshape(-1)[0])
    markers = [figures.Marker(value, f"base case {humanize(value, unit, name)}")]
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    if low < 0 < high:
        markers.append(figures.Marker(0.0, humanize(0.0, unit, name), ":", "#55A868"))
    if is_share(unit, name) and low < 1 < high:
        markers.append(figures.Marker(1.0, "100 %", ":", "#55A868"))
    for result in summary.outputs[name].thresholds:
        if isinstance(result.value, str):
            # the reference in this output's unit, as the threshold compares them
            factor = threshold_factor(Threshold(name, result.op, result.value), scenario.unit)
            reference = float(np.asarray(base[result.value]).reshape(-1)[0]) * factor
            words = plain_name(
                result.value,
                scenario.description_of(result.value),
                result.value in scenario.assumptions,
            )
            label = f"{words} (base case {humanize(reference, unit, name)})"
            markers.append(figures.Marker(reference, label, "-.", "#55A868"))
        else:
            label = f"threshold {humanize(result.value, unit, name)}"
            markers.append(figures.Marker(float(result.value), label, "-.", "#55A868"))
    return markers


def _markdown(
    scenario: Scenario,
    keys: list[str],
    summary: Summary,
    base: dict[str, Any],
    drivers: dict[str, list[tuple[str, float]]],
    method_note: str,
    drawn: list[Path],
    out: Path,
    draws: int,
    seed: int,
    command: str,
    kinds: dict[str, str],
    result: Draws,
    observed: list[str],
) -> str:
    lines = [f"## Risk: {scenario.title}", ""]
    if scenario.description:
        lines += [scenario.description, ""]
    lines += [
        f"*Base case*: every assumption at its point value, the single number an estimate "
        f"without uncertainty gives. *Median* and *90 %*: over {draws:,} sampled scenarios. "
        "They differ when the assumptions' distributions are skewed.",
        "",
    ]
    lines += _coordinate_note(scenario)
    for name in keys:
        lines += [_headline(scenario, name, summary, base, kinds[name], result, draws), ""]
    others = [
        (name, r)
        for section in (summary.outputs, summary.inputs)
        for name, entry in section.items()
        if name not in keys
        for r in entry.thresholds
    ]
    for name, threshold in others:  # a threshold on a quantity without a headline of its own
        unit = scenario.unit(name)
        lines += [f"`{name}`: {_threshold_words(threshold, unit, name, scenario, base)}", ""]

    continuous = [name for name in keys if kinds[name] == CONTINUOUS]
    if continuous:
        lines += [
            "| output | unit | P5 | P50 | P95 | mean | 90 % HDI |",
            "|---|---|---|---|---|---|---|",
        ]
    for name in continuous:
        entry, unit = summary.outputs[name], scenario.unit(name)
        p5, p50, p95 = _percentiles_with_infinity(result.outputs[name], entry)
        lo, hi = entry.hdi_90
        cells = [_number(v, unit, name) for v in (p5, p50, p95, entry.mean)]
        lines.append(
            f"| `{name}` | {unit_label(unit, name) or 'number'} | "
            + " | ".join(cells)
            + f" | {humanize(lo, unit, name)} – {humanize(hi, unit, name)} |"
        )
    if continuous:
        lines.append("")
    lines += observed  # what the observations tell us, when there are any

    lines += ["### What drives it", "", f"{method_note[0].upper()}{method_note[1:]}.", ""]
    for name in keys:
        if kinds[name] == CONSTANT:
            lines.append(f"- `{name}`: does not vary, so nothing drives it.")
            continue
        top = [(i, v) for i, v in drivers[name] if v > 0.005][:3]
        # an end of an assumption's range where the output is not a number (an infeasible
        # draw) has no swing to rank, and must not read as "moves nothing"
        undefined = [f"`{i}`" for i, v in drivers[name] if math.isnan(v)]
        also = (
            f"; {', '.join(undefined)} cannot be ranked: at one end of "
            f"{'its' if len(undefined) == 1 else 'their'} range the output is not a number"
            if undefined
            else ""
        )
        if not top and not undefined:
            lines.append(f"- `{name}`: no sampled assumption moves it.")
            continue
        if not top:
            lines.append(f"- `{name}`: no driver can be ranked{also}.")
            continue
        sobol = "Sobol total indices" in method_note
        share = "of its variance" if sobol else "of the tornado swing"
        (i, v), rest = top[0], top[1:]
        parts = [f"`{i}` {'explains' if sobol else 'has'} {humanize(v, '1', 'share')} {share}"]
        parts += [f"`{j}` {humanize(w, '1', 'share')}" for j, w in rest]
        lines.append(f"- `{name}`: {', then '.join(parts)}{also}.")
    lines.append("")
    if scenario.dependence:
        lines += [scenario.dependence.note(), ""]
    for figure in drawn:
        lines += [f"![{_alt_text(figure, out, scenario, summary, base)}]({figure.name})", ""]

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


def _number(value: float | None, unit: str, name: str) -> str:
    if value is not None and value == np.inf:
        return "never (∞)"
    return humanize(value, unit, name)


def _percentiles_with_infinity(values: np.ndarray, entry: QuantitySummary) -> list[float | None]:
    """P5 / P50 / P95 where draws of +∞ (never reached) count as +∞, not as missing: leaving
    them out would make a break-even look sooner than it is. A percentile that lies between
    a finite draw and an infinite one is infinite."""
    if not np.count_nonzero(values == np.inf):
        return [entry.percentile(q) for q in (5, 50, 95)]
    return sorted_percentiles(np.sort(values[~np.isnan(values)]), (5, 50, 95))


def _threshold_words(
    result: Any, unit: str, name: str, scenario: Scenario, base: dict[str, Any]
) -> str:
    verb = {">": "exceeds", ">=": "reaches", "<": "stays below", "<=": "stays at most"}[result.op]
    if isinstance(result.value, str):
        reference = float(np.asarray(base[result.value]).reshape(-1)[0])
        what = (
            f"`{result.value}` ({humanize(reference, scenario.unit(result.value), result.value)}"
            " in the base case), draw by draw"
        )
    else:
        what = humanize(float(result.value), unit, name)
    return f"a {humanize(result.probability, '1', 'share')} chance it {verb} {what}."


def _coordinate_note(scenario: Scenario) -> list[str]:
    """Along years or a sweep, which coordinate the sections before its own describe."""
    axis = scenario.axis
    if axis is None:
        return []
    if axis.swept:
        label = axis.dimension.replace("_", " ")
        return [
            f'*{label.capitalize()}*: the figures until "Across {label}" take '
            f"`{axis.dimension}` as declared.",
            "",
        ]
    stated = sorted({a.trajectory.base_year for a in scenario.assumptions.values() if a.trajectory})
    section = f"In {axis.label(0)}" if len(axis.values) == 1 else "Over the years"
    return [
        f'*Year*: the figures until "{section}" are for {", ".join(map(str, stated))}, the '
        "year the distributions were stated for.",
        "",
    ]


def _headline(
    scenario: Scenario,
    name: str,
    summary: Summary,
    base: dict[str, Any],
    kind: str,
    result: Draws,
    draws: int,
) -> str:
    entry, unit = summary.outputs[name], scenario.unit(name)
    values = result.outputs[name]
    label = scenario.description_of(name) or name
    title = f"**{label[0].upper() + label[1:]}** (`{name}`)"
    base_value = float(np.asarray(base[name]).reshape(-1)[0])
    said = "".join(
        " " + words[0].upper() + words[1:]
        for words in (_threshold_words(t, unit, name, scenario, base) for t in entry.thresholds)
    )
    if kind == CONSTANT:
        return (
            f"{title}: {humanize(base_value, unit, name)}. It does not vary: no assumption it "
            "depends on is uncertain." + said
        )
    if kind == INDICATOR:
        share = float(np.mean(values[np.isfinite(values)]))
        state = "true" if base_value else "false"
        return (
            f"{title}: true in {humanize(share, '1', 'share')} of scenarios "
            f"(base case: {state})." + said
        )
    p5, p50, p95 = _percentiles_with_infinity(values, entry)
    sentence = (
        f"{title}: {_number(p50, unit, name)} median, 90 % between {_number(p5, unit, name)} "
        f"and {_number(p95, unit, name)} (base case {humanize(base_value, unit, name)})."
    )
    if p50 is not None and np.isfinite(p50) and base_value * p50 < 0:
        sentence += (
            f" The base case and the median have opposite signs: most scenarios "
            f"({humanize(float(np.mean(np.sign(values) == np.sign(p50))), '1', 'share')}) "
            "fall on the other side of zero from the single-number estimate."
        )
    if draws < FEW_DRAWS:
        sentence += f" These figures come from only {draws:,} draws, and are rough."
    else:
        loose = [
            (q, error)
            for (q, value), (_, error) in zip(entry.percentiles, entry.mcse, strict=False)
            if q in (5, 50, 95) and value and error is not None
            and error > RELATIVE_ERROR * abs(value)
        ]  # fmt: skip
        if loose:
            said_errors = ", ".join(f"P{q:g} ±{humanize(e, unit, name)}" for q, e in loose)
            sentence += f" With {draws:,} draws these are known only roughly ({said_errors})."
    sentence += said
    infinite = int(np.count_nonzero(values == np.inf))
    if infinite:
        sentence += (
            f" In {humanize(infinite / draws, '1', 'share')} of scenarios it is never reached "
            "(infinite); those count as never in the percentiles."
        )
    below = int(np.count_nonzero(values == -np.inf))
    if below:
        sentence += (
            f" In {humanize(below / draws, '1', 'share')} of scenarios it is minus infinity "
            "(left out of these figures)."
        )
    other = entry.nonfinite - infinite - below
    if other > 0:
        sentence += (
            f" In {other:,} of {draws:,} draws it is not a number (left out of these figures)."
        )
    return sentence
