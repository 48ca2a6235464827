"""A run along years or a swept assumption, rendered: one row per coordinate for each
quantity that moves, the rest once.

Quantities that move are the outputs and the assumptions that change along the axis (a
trajectory's value in each year, the swept value); the other assumptions are the same draws
at every coordinate and are shown once, as a plain run shows them.
"""

from __future__ import annotations

import csv
import io

from simulate.analysis.summary import AlongSummary, ChoiceResult, DrawSummary, PointSummary
from simulate.present.formatting import (
    _statistic_labels,
    _statistic_values,
    summary_csv,
    summary_table,
    text_table,
    to_json,
)
from simulate.present.humanize import cell, unit_label


def _moving(summary: AlongSummary) -> list[str]:
    """The quantities whose statistics differ between coordinates (an output that does not
    depend on what moves is shown once, with the assumptions)."""
    first = summary.first
    names = [*first.outputs, *(n for n in first.inputs if n in summary.moving)]
    return [n for n in names if len({repr(e) for e in summary.series(n)}) > 1]


def _heading(summary: AlongSummary) -> str:
    first = summary.first
    where = f"{summary.dimension} " + ", ".join(
        summary.label(i) for i in range(len(summary.coordinates))
    )
    unit = "" if summary.unit in ("year", "1", "") else f" [{summary.unit}]"
    if isinstance(first, PointSummary):
        return f"{summary.scenario}: point values (every assumption at its point) by {where}{unit}"
    head = f"{summary.scenario}: {first.draws:,} draws, method {first.method}, seed {first.seed}"
    if summary.dimension == "year":
        head += f"; each draw evaluated in {where} (one trajectory per draw)"
    else:
        head += f"; each draw evaluated at {where}{unit} (the same draws of the others)"
    if first.quantiles != "exact":
        head += " (percentiles and HDI streamed: within 0.05 % of exact)"
    return head


def table(summary: AlongSummary) -> str:
    """A table per quantity that moves (rows: coordinates), then what does not move."""
    first = summary.first
    parts = [_heading(summary)]
    if isinstance(first, PointSummary):
        header = ("quantity", "unit", *(summary.label(i) for i in range(len(summary.coordinates))))
        rows = []
        for name in _moving(summary):
            entries = summary.series(name)
            unit = entries[0].unit
            rows.append(
                (name, unit_label(unit, name), *(cell(e.value, unit, name) for e in entries))
            )
        if rows:
            parts.append(text_table(header, rows))
        moving = set(_moving(summary))
        still = [
            (name, unit_label(e.unit, name), cell(e.value, e.unit, name))
            for section in (first.outputs, first.inputs)
            for name, e in section.items()
            if name not in moving
        ]
        if still:
            parts.append(f"{_still(summary)}:\n" + text_table(("quantity", "unit", "value"), still))
        return "\n\n".join(parts)
    for name in _moving(summary):
        entries = summary.series(name)
        unit = entries[0].unit
        labels = _statistic_labels(entries[0])
        missing = any(entry.nonfinite for entry in entries)
        rows = []
        for index, entry in enumerate(entries):
            cells = [cell(v, unit, name) for v in _statistic_values(entry)]
            low, high = entry.hdi_90
            cells.append(f"[{cell(low, unit, name)}, {cell(high, unit, name)}]")
            chances = [
                "n/a" if t.probability is None else f"{100 * t.probability:.3g} %"
                for t in entry.thresholds
            ]
            if missing:
                chances.append(share_text(entry.nonfinite / first.draws))
            rows.append((summary.label(index), *cells, *chances))
        conditions = [f"P({t.condition})" for t in entries[0].thresholds]
        conditions += ["no number"] if missing else []
        parts.append(
            f"{name} [{unit_label(unit, name) or '1'}]:\n"
            + text_table((summary.dimension, *labels, "90% HDI", *conditions), rows)
        )
        if missing:
            parts[-1] += (
                "\n(no number: the share of draws that gave none — infeasible, or not finite — "
                "left out of the row's statistics)"
            )
    parts += _choices_text(summary)
    still = _unmoved(summary)
    if still is not None:
        sections = summary_table(still).split("\n\n")[1:]  # after its heading
        parts.append(f"{_still(summary)}:\n" + "\n\n".join(s for s in sections if s))
    return "\n\n".join(parts)


def _still(summary: AlongSummary) -> str:
    """The heading of what does not move: with one coordinate (a scenario's year, with
    trajectories evaluated in it), everything is at that coordinate."""
    if len(summary.coordinates) == 1:
        return f"in {summary.label(0)}"
    return f"the same at every {summary.dimension.replace('_', ' ')}"


def choice_heading(summary: AlongSummary, choice: ChoiceResult) -> str:
    """What was chosen, in words: "batch_size that minimizes cost … where …"."""
    if choice.kind == "first":
        head = f"the first {summary.dimension} where {choice.target}"
    else:
        head = f"the {summary.dimension} that {choice.kind}s {choice.target}"
    if choice.subject_to:
        head += " (only where " + " and ".join(choice.subject_to) + ")"
    return head


def _none_label(summary: AlongSummary, choice: ChoiceResult) -> str:
    if choice.kind == "first":
        return f"never by {summary.label(len(summary.coordinates) - 1)}"
    return "none qualifies"


def choice_rows(summary: AlongSummary, choice: ChoiceResult) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [
        (summary.label(i), share_text(share)) for i, share in enumerate(choice.shares)
    ]
    rows.append((_none_label(summary, choice), share_text(choice.none / choice.draws)))
    return rows


def _choices_text(summary: AlongSummary) -> list[str]:
    parts = []
    for choice in summary.choices:
        rows = choice_rows(summary, choice)
        header: tuple[str, ...] = (summary.dimension, "share")
        if choice.kind == "first":  # and how many futures have met it by then
            header += ("by then",)
            reached = 0.0
            for i, share in enumerate(choice.shares):
                reached += share
                rows[i] = (*rows[i], share_text(reached))
            rows[-1] = (*rows[-1], "")
        lines = [
            choice_heading(summary, choice) + ", share of the draws:",
            text_table(header, rows),
        ]
        lines += _choice_words(summary, choice)
        parts.append("\n".join(lines))
    return parts


def _choice_words(summary: AlongSummary, choice: ChoiceResult) -> list[str]:
    """The answer in words: the value chosen most often, or for a first crossing the year by
    which half the scenarios have crossed."""
    if choice.kind == "first":
        reached = 0.0
        for index, share in enumerate(choice.shares):
            reached += share
            if reached >= 0.5:
                return [f"half the scenarios by {summary.label(index)}"]
        last = summary.label(len(summary.coordinates) - 1)
        return [f"fewer than half the scenarios by {last} ({share_text(reached)})"]
    words = []
    if choice.target in _moving_or_not(summary) and choice.target not in _moving(summary):
        words.append(
            f"note: {choice.target} is the same at every {summary.dimension.replace('_', ' ')}:"
            " every draw ties, and a tie goes to the first"
        )
    best = choice.most_often
    if best is not None:
        words.append(
            f"most often {summary.label(best)}: in {share_text(choice.shares[best])} of the "
            f"{choice.draws:,} scenarios"
        )
    return words


def _moving_or_not(summary: AlongSummary) -> set[str]:
    first = summary.first
    return {*first.outputs, *first.inputs}


def share_text(share: float) -> str:
    """A share as a percentage that never rounds a few draws away to 0 % or 100 %."""
    if 0 < share < 0.001:
        return "< 0.1 %"
    if 0.999 < share < 1:
        return "> 99.9 %"
    return f"{100 * share:.3g} %"


def _unmoved(summary: AlongSummary) -> DrawSummary | None:
    first = summary.first
    if not isinstance(first, DrawSummary):
        return None
    moving = set(_moving(summary))
    outputs = {n: e for n, e in first.outputs.items() if n not in moving}
    inputs = {n: e for n, e in first.inputs.items() if n not in moving}
    if not outputs and not inputs:
        return None
    return DrawSummary(first.scenario, outputs, inputs, first.draws, first.seed, first.method)


def csv_text(summary: AlongSummary) -> str:
    """Each coordinate's CSV rows, after a first column naming the coordinate."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for index, each in enumerate(summary.summaries):
        rows = list(csv.reader(io.StringIO(summary_csv(each))))
        if index == 0:
            writer.writerow((summary.dimension, *rows[0]))
        for row in rows[1:]:
            writer.writerow((summary.label(index), *row))
    if summary.choices:  # a second table: one row per choice and coordinate
        writer.writerow(())
        writer.writerow(("kind", "target", "subject_to", summary.dimension, "share"))
        for choice in summary.choices:
            where = " and ".join(choice.subject_to)
            for label, share in zip(
                [summary.label(i) for i in range(len(summary.coordinates))] + ["none"],
                [*choice.shares, choice.none / choice.draws],
                strict=True,
            ):
                writer.writerow((choice.kind, choice.target, where, label, repr(share)))
    return out.getvalue()


def markdown(summary: AlongSummary) -> str:
    """Each quantity that moves as a Markdown table (rows: coordinates)."""
    first = summary.first
    lines = [f"**{_heading(summary)}**", ""]
    if isinstance(first, PointSummary):
        return "\n".join(lines) + _point_markdown(summary)
    for name in _moving(summary):
        entries = summary.series(name)
        unit = entries[0].unit
        labels = _statistic_labels(entries[0])
        lines += [
            f"`{name}` ({unit_label(unit, name) or '1'}):",
            "",
            f"| {summary.dimension} | " + " | ".join(labels) + " | 90 % HDI |",
            "|---|" + "---|" * (len(labels) + 1),
        ]
        for index, entry in enumerate(entries):
            cells = [cell(v, unit, name) for v in _statistic_values(entry)]
            low, high = (cell(v, unit, name) for v in entry.hdi_90)
            lines.append(
                f"| {summary.label(index)} | " + " | ".join(cells) + f" | {low} – {high} |"
            )
        lines.append("")
    for choice in summary.choices:
        lines += [
            f"{choice_heading(summary, choice)}:",
            "",
            f"| {summary.dimension} | share of draws |",
            "|---|---|",
        ]
        lines += [f"| {label} | {share} |" for label, share in choice_rows(summary, choice)]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _point_markdown(summary: AlongSummary) -> str:
    labels = [summary.label(i) for i in range(len(summary.coordinates))]
    lines = [f"| quantity | {' | '.join(labels)} |", "|---|" + "---|" * len(labels)]
    for name in _moving(summary):
        entries = summary.series(name)
        unit = entries[0].unit
        lines.append(
            f"| `{name}` | " + " | ".join(cell(e.value, unit, name) for e in entries) + " |"
        )
    return "\n".join(lines) + "\n"


def json_text(summary: AlongSummary) -> str:
    return to_json(summary)
