"""Warnings about a run, in words: non-finite draws, draws outside a model input's domain,
percentiles that more draws would pin, and draws a model marks infeasible."""

from __future__ import annotations

import math

import numpy as np

from simulate.analysis.summary import DrawSummary, PointValue, Summary
from simulate.core.engine import Draws, Streamed
from simulate.core.scenario import Scenario
from simulate.present.humanize import humanize, percent


def nonfinite_report(summary: Summary, scenario: Scenario | None = None) -> list[str]:
    """One warning line per quantity with non-finite draws or statistics that overflow.

    With the ``scenario``, draws a model marks infeasible (a batch that does not fit, say) are
    said once, in words, and the NaN they leave in that model's outputs is not said again.
    """
    lines, explained = _infeasible_report(summary, scenario)
    downstream = {
        name: max(explained.values())
        for name in summary.outputs
        if explained and name not in explained
    }
    for entries in (summary.outputs, summary.inputs):
        for name, entry in entries.items():
            count = getattr(entry, "nonfinite", 0)
            if name in explained and 0 < count <= explained[name]:
                continue
            if name in downstream and count == downstream[name]:
                continue  # a quantity computed from the infeasible draws' NaN
            if getattr(entry, "overflow", ()):
                lines.append(
                    f"warning: the {' and '.join(entry.overflow)} of {name} overflow a float "
                    "(its values reach about 1e308); they are left out (null in JSON)"
                )
            count = getattr(entry, "nonfinite", 0)
            if count:
                lines.append(
                    f"warning: {name} is not finite (inf or NaN) in {count} of "
                    f"{summary.draws} draws; its summary uses the other draws"
                )
    return lines


def domain_report(scenario: Scenario, run: Draws | Streamed) -> list[str]:
    """Warnings where sampled draws of a computed model input (a [derived] quantity or another
    model's output) fall outside the input's domain: counted exactly when the draws are kept,
    by the extremes when they streamed. The base case was checked when the file was loaded."""
    from simulate.models.base import DOMAINS

    lines = []
    for model in scenario.models:
        for port in (*model.inputs, *model.optional):
            name = port.name
            if not port.domain or name in scenario.assumptions or name not in scenario.outputs:
                continue
            domain = DOMAINS[port.domain]
            factor = scenario.input_factors.get(name, 1.0)
            if isinstance(run, Draws):
                values = np.asarray(run.outputs[name], dtype=float) * factor
                values = values[~np.isnan(values)]
                low = values >= domain.low if not domain.low_open else values > domain.low
                outside = int(values.size - np.count_nonzero(low & (values <= domain.high)))
                said = f"{outside:,} of {run.draws:,} draws ({100 * outside / run.draws:.3g} %)"
            else:
                sketch = run.sketches[name]
                ends = [sketch.minimum * factor, sketch.maximum * factor] if sketch.count else []
                outside = sum(not domain.holds(v) for v in ends)
                said = "some draws (the extremes of a streamed run; counts need kept draws)"
            if outside:
                lines.append(
                    f"warning: model '{model.name}' reads {name} ({port.description}), which "
                    f"must be {domain.words}, but {said} are outside: what is computed from "
                    "them means nothing; check what it is computed from"
                )
    return lines


FEW_DRAWS = 1000
RELATIVE_ERROR = 0.01


def precision_report(summary: Summary, limit: int = 6) -> list[str]:
    """Warnings where the draws cannot support the printed digits: fewer than ~1,000 draws,
    or an output's percentile whose Monte Carlo standard error exceeds 1 % of it."""
    if not isinstance(summary, DrawSummary):
        return []
    lines = []
    if summary.draws < FEW_DRAWS:
        lines.append(
            f"warning: only {summary.draws:,} draws: percentiles and intervals this few draws "
            "give are rough (standard errors in --format json, key mcse); use --draws 1e5 or more"
        )
    loose = []
    for name, entry in summary.outputs.items():
        worst = None
        for (q, value), (_, error) in zip(entry.percentiles, entry.mcse, strict=False):
            if value is None or error is None or not math.isfinite(value) or value == 0:
                continue
            share = error / abs(value)
            if share > RELATIVE_ERROR and (worst is None or share > worst[2]):
                worst = (q, error, share)
        if worst is not None:
            loose.append((name, *worst))
    for name, q, error, share in loose[:limit]:
        shown = humanize(error, summary.outputs[name].unit, name)
        lines.append(
            f"warning: {name} P{q:g} is known to ±{shown} only ({percent(share)} of it, "
            "one Monte Carlo standard error): more draws would pin it"
        )
    if len(loose) > limit:
        lines.append(f"warning: and {len(loose) - limit} more outputs like it")
    return lines


def _infeasible_report(
    summary: Summary, scenario: Scenario | None
) -> tuple[list[str], dict[str, int]]:
    """Lines about draws a model could not evaluate as stated, and the NaN counts they explain
    (output name → count)."""
    lines: list[str] = []
    explained: dict[str, int] = {}
    if scenario is None:
        return lines, explained
    for model in scenario.models:
        flag = model.infeasible
        entry = summary.outputs.get(flag) if flag else None
        if entry is None:
            continue
        why = next(p.description for p in model.outputs if p.name == flag)
        if isinstance(entry, PointValue):
            if entry.value == 1:
                lines.append(
                    f"warning: model '{model.name}' cannot evaluate the base case as stated: "
                    f"{why[len('1 where ') :] if why.startswith('1 where ') else why} "
                    f"({flag} = 1); its other outputs are not a number"
                )
            continue
        share = entry.mean or 0.0
        count = round(share * summary.draws)
        if count == 0:
            continue
        lines.append(
            f"warning: model '{model.name}' cannot evaluate {count:,} of {summary.draws:,} draws "
            f"({100 * share:.3g} %) as stated: "
            f"{why[len('1 where ') :] if why.startswith('1 where ') else why} ({flag} = 1); "
            "they are not priced, and are left out of the summaries and threshold chances of "
            "its other outputs and of what is computed from them"
        )
        for port in model.outputs:
            if port.name != flag:
                explained[port.name] = count
    return lines, explained
