"""The report's "What the observations tell us": each observation, how much the prior draws
could support it (ESS, Pareto k̂), how far each quantity moved, and a figure per key output
and observed quantity with its prior and posterior side by side."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from simulate.analysis.calibration import MIN_ESS
from simulate.analysis.findings import Findings
from simulate.present import figures
from simulate.present.calibration import moved_rows
from simulate.present.humanize import humanize, plain_name


def _values(draws: object, name: str, count: int) -> np.ndarray:
    values = {**draws.inputs, **draws.outputs}[name]  # type: ignore[attr-defined]
    return np.broadcast_to(np.asarray(values, dtype=float), (count,))


def section(
    found: Findings, out: Path
) -> tuple[list[str], list[tuple[Path, Callable[[Path], None]]]]:
    """The section's Markdown lines and the figures it shows (path, writer)."""
    fit, posterior, summary = found.calibration, found.posterior, found.posterior_summary
    assert fit is not None and posterior is not None and summary is not None
    scenario = found.scenario
    lines = ["### What the observations tell us", ""]
    if not fit.reliable:
        lines += [
            f"**The observations are too surprising under these priors** (Pareto k̂ "
            f"{fit.pareto_k:.2f}, limit {fit.k_limit:.2f}; effective sample {fit.ess:,.0f} draws, "
            f"at least {MIN_ESS:,} needed): the posterior below is not reliable. Widen the "
            "priors of what the observations depend on, or run more draws.",
            "",
        ]
    for item in fit.fits:
        obs = item.observation
        unit = scenario.unit(obs.name)
        low, high = (humanize(v, unit, obs.name) for v in obs.interval())
        source = f" ({obs.source})" if obs.source else ""
        lines.append(
            f"- `{obs.name}` observed at {obs.declaration}: 90 % between {low} and {high}{source}."
        )
    lines += [
        "",
        f"Weighting the {found.draws:,} drawn scenarios by how likely each makes what was "
        "observed (Pareto-smoothed importance sampling) leaves an effective sample of "
        f"{fit.ess:,.0f} scenarios (Pareto k̂ {fit.pareto_k:.2f}; below {fit.k_limit:.2f} the "
        "weights are stable). The posterior below resamples the scenarios by those weights; "
        "the sections above describe the prior.",
        "",
        "| quantity | prior 90 % HDI | posterior 90 % HDI | width, posterior ÷ prior |",
        "|---|---|---|---|",
    ]
    for name, before, after, ratio in moved_rows(found.summary, summary):
        unit = scenario.unit(name)
        show = [humanize(v, unit, name) for v in (*before, *after)]
        lines.append(f"| `{name}` | {show[0]} – {show[1]} | {show[2]} – {show[3]} | {ratio:.2f} |")
    lines.append("")
    observed = list(dict.fromkeys(item.observation.name for item in fit.fits))
    writers: list[tuple[Path, Callable[[Path], None]]] = []
    for name in dict.fromkeys([*found.keys, *observed]):
        prior_values = _values(found.result, name, found.draws)
        finite = prior_values[np.isfinite(prior_values)]
        if finite.size == 0 or not finite.max() > finite.min():
            continue  # a constant: nothing to draw
        path = out.with_name(f"{out.stem}-{name}-posterior.png")
        intervals = [i.observation.interval() for i in fit.fits if i.observation.name == name]
        plain = plain_name(name, scenario.description_of(name)).removeprefix("the ")
        writers.append((
            path,
            partial(
                figures.prior_posterior, prior_values, _values(posterior, name, found.draws),
                name, scenario.unit(name), intervals, plain=plain,
            ),
        ))  # fmt: skip
        entry = summary.quantity(name)
        unit = scenario.unit(name)
        alt = (
            (
                f"Prior and posterior densities of the {plain}: posterior median "
                f"{humanize(entry.percentile(50), unit, name)}, 90 % between "
                f"{humanize(entry.percentile(5), unit, name)} and "
                f"{humanize(entry.percentile(95), unit, name)}"
            )
            .replace("[", "(")
            .replace("]", ")")
        )
        lines += [f"![{alt}]({path.name})", ""]
    return lines, writers
