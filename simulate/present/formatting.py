"""Text, JSON and CSV renderings of summaries, scenarios and models (no computation here)."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from simulate.analysis.summary import (
    HISTOGRAM,
    PointSummary,
    QuantitySummary,
    Sensitivity,
    Summary,
    percentile_key,
)
from simulate.core.distributions import fmt
from simulate.core.scenario import Scenario
from simulate.models import MODELS
from simulate.models.base import DOMAINS
from simulate.present.humanize import cell, humanize, unit_label

if TYPE_CHECKING:
    from simulate.analysis.compare import Comparison

FORMATS = ("table", "json", "csv")


def number(x: Any) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return fmt(x) if isinstance(x, float) else str(x)


def to_json(data: Any) -> str:
    """Strict JSON: a number that is not finite is written as null (never NaN or Infinity)."""
    if hasattr(data, "to_dict"):
        data = data.to_dict()
    return json.dumps(_finite(data), indent=2, allow_nan=False, default=str)


def _finite(data: Any) -> Any:
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(value) for value in data]
    return data


def terminal_width() -> int:
    """Columns to fit a table in: the terminal's (``COLUMNS``), else 100."""
    import shutil

    return max(60, shutil.get_terminal_size((100, 24)).columns)


def _fit_last_column(
    header: Sequence[str], rows: Sequence[Sequence[str]], width: int
) -> list[Sequence[str]]:
    """Rows whose last column (a source, say) is cut with … so each line fits ``width``;
    the full text stays in ``--format json``."""
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header) - 1)]
    room = max(20, width - sum(widths) - 2 * (len(header) - 1))
    return [
        (*row[:-1], row[-1] if len(str(row[-1])) <= room else str(row[-1])[: room - 1] + "…")
        for row in rows
    ]


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], fit: int | None = None) -> str:
    if fit is not None:
        rows = _fit_last_column(header, rows, fit)
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += [
        "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]
    return "\n".join(lines)


def _statistic_labels(entry: QuantitySummary) -> list[str]:
    return ["mean", "sd", *[percentile_key(q) for q, _ in entry.percentiles]]


def _statistic_values(entry: QuantitySummary) -> list[float | None]:
    return [entry.mean, entry.sd, *[v for _, v in entry.percentiles]]


def summary_table(summary: Summary) -> str:
    """A human-readable table of a run's summary."""
    sections = (("outputs", summary.outputs), ("inputs", summary.inputs))
    if isinstance(summary, PointSummary):
        head = f"{summary.scenario}: point values (every assumption at its point)"
        parts = [head]
        for section, entries in sections:
            rows = [
                (name, unit_label(e.unit, name), cell(e.value, e.unit, name))
                for name, e in entries.items()
            ]
            parts.append(text_table((section[:-1], "unit", "value"), rows))
        return "\n\n".join(parts)
    first = next(iter([*summary.outputs.values(), *summary.inputs.values()]), None)
    labels = _statistic_labels(first) if first else []
    head = (
        f"{summary.scenario}: {summary.draws:,} draws, method {summary.method}, seed {summary.seed}"
    )
    if summary.quantiles == HISTOGRAM:
        head += " (percentiles and HDI streamed: within 0.05 % of exact)"
    parts = [head]
    header = ("quantity", "unit", *labels, "90% HDI")
    for section, entries in sections:
        if not entries:
            continue
        rows = []
        for name, entry in entries.items():
            unit = entry.unit
            values = _statistic_values(entry)
            # the sd of a share is in percentage points, of money in money
            cells = [cell(v, unit, name) for v in values]
            low, high = entry.hdi_90
            cells.append(f"[{cell(low, unit, name)}, {cell(high, unit, name)}]")
            rows.append((name, unit_label(unit, name), *cells))
        parts.append(f"{section}:\n" + text_table(header, rows))
    lines = []
    for _, entries in sections:
        for name, entry in entries.items():
            for result in entry.thresholds:
                target = result.value if isinstance(result.value, str) else f"{result.value:g}"
                chance = (
                    "n/a" if result.probability is None else f"{100 * result.probability:.3g} %"
                )
                lines.append(f"P({name} {result.op} {target}) = {chance}")
            if entry.nonfinite:
                lines.append(
                    f"{name}: {entry.nonfinite} draws are not finite (left out of the summary)"
                )
    if lines:
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def summary_markdown(summary: Summary) -> str:
    """The summary as Markdown to paste: money and shares as people read them."""
    from simulate.present.humanize import humanize

    sections = (("outputs", summary.outputs), ("inputs", summary.inputs))
    if isinstance(summary, PointSummary):
        lines = [f"**{summary.scenario}**: base case (every assumption at its point)", ""]
        lines += ["| quantity | value |", "|---|---|"]
        for _, entries in sections:
            lines += [f"| `{n}` | {humanize(e.value, e.unit, n)} |" for n, e in entries.items()]
        return "\n".join(lines)
    first = next(iter([*summary.outputs.values(), *summary.inputs.values()]), None)
    labels = _statistic_labels(first) if first else []
    head = f"**{summary.scenario}**: {summary.draws:,} draws, method {summary.method}, "
    head += f"seed {summary.seed}"
    lines = [head, ""]
    for section, entries in sections:
        lines += [
            f"| {section[:-1]} | unit | " + " | ".join(labels) + " | 90 % HDI |",
            "|---|---|" + "---|" * (len(labels) + 1),
        ]
        for name, entry in entries.items():
            cells = [cell(v, entry.unit, name) for v in _statistic_values(entry)]
            low, high = (cell(v, entry.unit, name) for v in entry.hdi_90)
            unit = unit_label(entry.unit, name)
            lines.append(f"| `{name}` | {unit} | " + " | ".join(cells) + f" | {low} – {high} |")
        lines.append("")
    for _, entries in sections:
        for name, entry in entries.items():
            for result in entry.thresholds:
                chance = (
                    "n/a" if result.probability is None else f"{100 * result.probability:.3g} %"
                )
                target = result.value if isinstance(result.value, str) else f"{result.value:g}"
                lines.append(f"- P(`{name}` {result.op} {target}) = {chance}")
    return "\n".join(lines).rstrip() + "\n"


def summary_csv(summary: Summary) -> str:
    """One row per quantity; threshold probabilities in columns named like ``P(>0.048)``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    sections = (("outputs", summary.outputs), ("inputs", summary.inputs))
    if isinstance(summary, PointSummary):
        writer.writerow(("section", "name", "unit", "value"))
        for section, entries in sections:
            for name, e in entries.items():
                writer.writerow((section, name, e.unit, _csv_number(e.value)))
        return out.getvalue()
    first = next(iter([*summary.outputs.values(), *summary.inputs.values()]), None)
    labels = _statistic_labels(first) if first else []
    conditions: list[str] = []
    for _, entries in sections:
        for entry in entries.values():
            conditions += [t.condition for t in entry.thresholds if t.condition not in conditions]
    writer.writerow(
        (
            "section",
            "name",
            "unit",
            *labels,
            "hdi_90_low",
            "hdi_90_high",
            "nonfinite",
            *[f"P({c})" for c in conditions],
        )
    )
    for section, entries in sections:
        for name, e in entries.items():
            probabilities = {t.condition: t.probability for t in e.thresholds}
            writer.writerow(
                (
                    section,
                    name,
                    e.unit,
                    *[_csv_number(v) for v in _statistic_values(e)],
                    _csv_number(e.hdi_90[0]),
                    _csv_number(e.hdi_90[1]),
                    e.nonfinite,
                    *[
                        _csv_number(probabilities[c]) if c in probabilities else ""
                        for c in conditions
                    ],
                )
            )
    return out.getvalue()


def _csv_number(x: Any) -> str:
    return "" if x is None else repr(float(x))


def scenario_data(
    scenario: Scenario, achieved: Sequence[tuple[str, str, float, float]] = ()
) -> dict[str, Any]:
    """What ``simulate check`` reports about a validated scenario."""
    assumptions = {}
    for name, a in scenario.assumptions.items():
        lo, hi = a.distribution.interval(0.9)
        assumptions[name] = {
            "distribution": a.distribution.summary,
            "declared": f"{a.declaration}" + (f", unit {a.unit!r}" if a.unit != "1" else ""),
            "point": a.distribution.point,
            "interval_90": [lo, hi],
            "unit": a.unit,
            "source": a.source,
            "file": a.file,
        }
    derived = {
        name: {
            "expr": d.expression.text,
            "unit": d.unit,
            "inferred_unit": d.inferred_unit,
            "source": d.source,
            "file": d.file,
        }
        for name, d in scenario.derived.items()
    }
    correlations = [
        {"names": [a, b], "declared": rho, "achieved": reached} for a, b, rho, reached in achieved
    ]
    joint = {
        j.label: {"names": list(j.names), "kind": j.kind, "detail": j.detail, "source": j.source}
        for j in scenario.joint_sets
    }
    return {
        "scenario": scenario.name,
        "title": scenario.title,
        "file": scenario.path,
        "models": [m.name for m in scenario.models],
        "assumptions": assumptions,
        "derived": derived,
        "correlations": correlations,
        "joint": joint,
        "outputs": {name: scenario.unit(name) for name in scenario.outputs},
        "order": [f"{s.kind} {s.name}" for s in scenario.steps],
        **_axis_data(scenario),
        **({"year": scenario.year} if scenario.year is not None else {}),
    }


def _axis_data(scenario: Scenario) -> dict[str, Any]:
    """The second dimension, if any: the years and what moves with them, or the sweep."""
    axis = scenario.axis
    if axis is None:
        return {}
    if axis.swept:
        return {"sweep": {axis.dimension: list(axis.values)}}
    moving = {}
    for name in scenario.along:
        trajectory = scenario.assumptions[name].trajectory
        if trajectory.growth is None:
            listed = zip(axis.values, trajectory.held_from, strict=True)
            moving[name] = {"by_year": {str(int(y)): held for y, held in listed}}
        else:
            moving[name] = {"base_year": trajectory.base_year, "growth": trajectory.growth}
    return {"years": [int(y) for y in axis.values], "trajectories": moving}


def _moves(name: str, trajectory: dict[str, Any]) -> str:
    """How one assumption moves with the years, in words."""
    if "by_year" in trajectory:
        spans: dict[int, list[str]] = {}
        for year, listed in trajectory["by_year"].items():
            spans.setdefault(listed, []).append(year)
        held = ", ".join(
            f"{listed}'s in {years[0]}" + (f"–{years[-1]}" if len(years) > 1 else "")
            for listed, years in spans.items()
        )
        return f"{name} listed by year ({held}), each draw at the same quantile"
    base = trajectory["base_year"]
    return f"{name} from {base} × (1 + {trajectory['growth']})^(year − {base})"


def _origin(scenario: Scenario, file: str) -> str:
    """Where a quantity was declared, relative to the scenario's own folder."""
    if file == scenario.path:
        return "(this file)"
    return os.path.relpath(file, os.path.dirname(scenario.path) or ".")


def scenario_table(
    scenario: Scenario, achieved: Sequence[tuple[str, str, float, float]] = ()
) -> str:
    data = scenario_data(scenario, achieved)
    parts = [
        f"{scenario.path}: OK — {scenario.title}"
        + (f"\n{scenario.description}" if scenario.description else "")
    ]
    included = any(a["file"] != scenario.path for a in data["assumptions"].values()) or any(
        d["file"] != scenario.path for d in data["derived"].values()
    )
    origin = (lambda file: (_origin(scenario, file),)) if included else (lambda file: ())
    rows = [
        (
            name,
            a["distribution"],
            number(a["point"]),
            f"[{number(a['interval_90'][0])}, {number(a['interval_90'][1])}]",
            a["unit"],
            *origin(a["file"]),
            a["source"] or "(no source given)",
        )
        for name, a in data["assumptions"].items()
    ]
    from_column = ("from",) if included else ()
    parts.append(
        "assumptions:\n"
        + text_table(
            ("name", "distribution", "point", "90% interval", "unit", *from_column, "source"),
            rows,
            fit=terminal_width(),
        )
    )
    if data["derived"]:
        parts.append(
            "derived:\n"
            + text_table(
                ("name", "expression", "unit", "the expression gives", *from_column),
                [
                    (n, d["expr"], d["unit"], d["inferred_unit"], *origin(d["file"]))
                    for n, d in data["derived"].items()
                ],
            )
        )
    if data["correlations"]:
        parts.append(
            "rank correlations (Gaussian copula; achieved in 100,000 Monte Carlo draws):\n"
            + text_table(
                ("assumptions", "declared", "achieved"),
                [
                    (", ".join(c["names"]), number(c["declared"]), f"{c['achieved']:.3f}")
                    for c in data["correlations"]
                ],
            )
        )
    if data["joint"]:
        parts.append(
            "joint parameter sets (drawn together, one coherent set per draw):\n"
            + text_table(
                ("set", "assumptions", "from"),
                [
                    (label, ", ".join(j["names"]), f"{j['kind']}: {j['detail']}")
                    for label, j in data["joint"].items()
                ],
            )
        )
    if "year" in data:
        parts.append(
            f"year: {data['year']} (an assumption listed by year takes the belief listed for it)"
        )
    if "years" in data:
        moves = "; ".join(_moves(name, t) for name, t in data["trajectories"].items())
        years = ", ".join(str(y) for y in data["years"])
        parts.append(f"years: {years}" + (f"\nmoving with them: {moves}" if moves else ""))
    for name, values in data.get("sweep", {}).items():
        parts.append(
            f"sweep: {name} at "
            + ", ".join(f"{v:g}" for v in values)
            + " (the other assumptions keep their draws)"
        )
    parts.append("evaluation order: " + (", ".join(data["order"]) or "(nothing to compute)"))
    parts.append("outputs: " + ", ".join(f"{n} [{u}]" for n, u in data["outputs"].items()))
    return "\n\n".join(parts)


def models_data() -> dict[str, Any]:
    def ports(items: Sequence[Any]) -> list[dict[str, str]]:
        return [
            {"name": p.name, "unit": p.unit, "description": p.description}
            | ({"only_with": ", ".join(p.required)} if p.required else {})
            | ({"domain": DOMAINS[p.domain].words} if p.domain else {})
            for p in items
        ]

    return {
        name: {
            "summary": m.summary,
            "source": m.source,
            "inputs": ports(m.inputs),
            "optional": ports(m.optional),
            "outputs": ports(m.outputs),
        }
        for name, m in MODELS.items()
    }


def models_table() -> str:
    parts = []
    for name, m in models_data().items():
        rows = [
            (
                kind,
                p["name"],
                p["unit"],
                p["description"] + (f" (only with {p['only_with']})" if "only_with" in p else ""),
                p.get("domain", ""),
            )
            for kind in ("inputs", "optional", "outputs")
            for p in m[kind]
        ]
        parts.append(
            f"{name} — {m['summary']}\nsource: {m['source']}\n"
            + text_table(("", "name", "unit", "meaning", "values"), rows)
        )
    return "\n\n".join(parts)


def comparison_table(result: Comparison) -> str:
    """Sentences a planner can paste, then the two distributions, B − A and B / A."""
    lines = [_comparison_sentence(result)]
    lines.append(
        "shared assumptions (same draws in both): "
        + (", ".join(result.shared_assumptions) or "none")
    )
    if result.pairs_left_out:
        lines.append(f"{result.pairs_left_out} pairs with a non-finite value were left out")
    labels, rows = _comparison_rows(result)
    return "\n".join(lines) + "\n\n" + text_table(("", *labels), rows)


def _comparison_rows(result: Comparison) -> tuple[list[str], list[tuple[str, ...]]]:
    labels = ["mean", *[percentile_key(q) for q, _ in result.ratio_b_over_a.percentiles]]

    def cells(entry: QuantitySummary, unit: str) -> list[str]:
        values = [entry.mean, *[v for _, v in entry.percentiles]]
        return [cell(v, unit, result.output) for v in values]

    rows = [
        (f"A: {result.a.scenario}", *cells(result.a.statistics, result.unit)),
        (f"B: {result.b.scenario}", *cells(result.b.statistics, result.unit)),
    ]
    if result.difference_b_minus_a is not None:
        rows.append(("B − A", *cells(result.difference_b_minus_a, result.unit)))
    ratio = cells(result.ratio_b_over_a, "")
    rows.append(("B / A", *[f"{c}×" if c != "n/a" else c for c in ratio]))
    return labels, rows


def comparison_markdown(result: Comparison) -> str:
    """The comparison as Markdown to paste: the sentence, then A, B, B − A and B / A."""
    labels, rows = _comparison_rows(result)
    shared = ", ".join(f"`{n}`" for n in result.shared_assumptions) or "none"
    lines = [_comparison_sentence(result), "", f"Same draws in both: {shared}.", ""]
    lines.append("| | " + " | ".join(labels) + " |")
    lines.append("|---|" + "---|" * len(labels))
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _comparison_sentence(result: Comparison) -> str:
    """P(B > A), P(B < A) and the median difference, in words."""
    from simulate.present.humanize import humanize

    a, b, name, unit = result.a.scenario, result.b.scenario, result.output, result.unit
    p_less, p_more = result.p_b_less_than_a, result.p_a_less_than_b
    head = f"{name} [{unit}], {result.draws:,} paired scenarios (seed {result.seed}, "
    head += f"method {result.method}): "
    if p_less is None or p_more is None:
        return head + "no pair of finite values to compare."
    words = f"{b} is higher than {a} in {100 * p_more:.3g} % of them and lower in "
    words += f"{100 * p_less:.3g} %"
    if 1 - p_less - p_more > 0.0005:
        words += f" (equal in {100 * (1 - p_less - p_more):.3g} %)"
    difference = result.difference_b_minus_a
    if difference is not None:
        low, mid, high = (difference.percentile(q) for q in (5, 50, 95))
        if None not in (low, mid, high):
            words += (
                f"; B − A is {humanize(mid, unit, name)} at the median, 90 % between "
                f"{humanize(low, unit, name)} and {humanize(high, unit, name)}"
            )
    return head + words + "."


def sensitivity_table(result: Sensitivity) -> str:
    """Tornado, rank correlation and Sobol tables for one output."""
    unit, name = result.unit, result.output
    parts = [f"{name} [{unit}], base case {humanize(result.base, unit, name)}"]
    if result.tornado is not None:
        lo, hi = result.swing_percentiles or (10.0, 90.0)
        rows = [
            (r.input, cell(r.low, unit, name), cell(r.high, unit, name), cell(r.swing, unit, name))
            for r in result.tornado
        ]
        parts.append(
            f"tornado (one assumption at its P{lo:g} / P{hi:g}, the rest at point):\n"
            + text_table(("input", f"at P{lo:g}", f"at P{hi:g}", "swing"), rows)
        )
    if result.spearman is not None and result.posterior_spearman is not None:
        after = result.posterior_spearman
        ranked = sorted(result.spearman, key=lambda k: -abs(after.get(k) or 0.0))
        trust = "" if result.posterior_reliable else " — UNRELIABLE (see simulate run)"
        parts.append(
            "Spearman rank correlation, prior and posterior (the draws weighted by the "
            f"observations: an effective sample of {result.posterior_ess or 0:,.0f}{trust}):\n"
            + text_table(
                ("input", "prior rho", "posterior rho"),
                [(k, number(result.spearman[k]), number(after.get(k))) for k in ranked],
            )
        )
    elif result.spearman is not None:
        ranked = sorted(result.spearman.items(), key=lambda kv: -abs(kv[1] or 0.0))
        parts.append(
            "Spearman rank correlation:\n"
            + text_table(("input", "rho"), [(k, number(v)) for k, v in ranked])
        )
    if result.sobol is not None:
        indices = result.sobol
        ranked = sorted(indices.ST, key=lambda k: -indices.ST[k])
        rows = [
            (
                k,
                number(indices.S1[k]),
                f"± {number(indices.S1_conf[k])}",
                number(indices.ST[k]),
                f"± {number(indices.ST_conf[k])}",
            )
            for k in ranked
        ]
        parts.append(
            f"Sobol indices ({result.sobol_base_samples:,} base samples, 95 % "
            "bootstrap intervals):\n" + text_table(("input", "S1", "", "ST", ""), rows)
        )
    if result.sobol_warning:
        parts.append(textwrap.fill(f"warning: {result.sobol_warning}", width=100))
    if result.dependence:
        parts.append(textwrap.fill(result.dependence, width=100))
    return "\n\n".join(parts)


def sensitivity_csv(result: Sensitivity) -> str:
    """Long format: one row per method, input and measure."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("output", "method", "input", "measure", "value"))
    name = result.output
    writer.writerow((name, "base", "", "value", _csv_number(result.base)))
    for row in result.tornado or ():
        for measure in ("low", "high", "swing"):
            writer.writerow(
                (name, "tornado", row.input, measure, _csv_number(getattr(row, measure)))
            )
    for input_name, rho in (result.spearman or {}).items():
        writer.writerow((name, "spearman", input_name, "rho", _csv_number(rho)))
    for input_name, rho in (result.posterior_spearman or {}).items():
        writer.writerow((name, "posterior spearman", input_name, "rho", _csv_number(rho)))
    for measure, values in (result.sobol.to_dict() if result.sobol else {}).items():
        for input_name, value in values.items():
            writer.writerow((name, "sobol", input_name, measure, _csv_number(value)))
    return out.getvalue()
