"""What the observations tell us, rendered: the posterior beside the prior, how far each
assumption moved, and — in words — when the posterior cannot be trusted."""

from __future__ import annotations

import math
from typing import Any

from simulate.analysis.calibration import MIN_ESS, Calibration
from simulate.analysis.summary import DrawSummary
from simulate.present import formatting
from simulate.present.humanize import cell, unit_label


def _head(calibration: Calibration) -> str:
    count = len(calibration.fits)
    head = (
        f"posterior given {count} observation{'s' if count != 1 else ''} (Pareto-smoothed "
        f"importance sampling: effective sample size {calibration.ess:,.0f} of "
        f"{calibration.draws:,} draws, Pareto k̂ {k_hat(calibration.pareto_k)})"
    )
    return head if calibration.reliable else head + " — UNRELIABLE: too surprising for the priors"


def k_hat(value: float) -> str:
    """k̂ as printed: "n/a" where the weights have no tail to fit (few distinct values)."""
    return "n/a" if math.isnan(value) else f"{value:.2f}"


def _observed(calibration: Calibration, posterior: DrawSummary) -> list[str]:
    lines = ["observed:"]
    for fit in calibration.fits:
        obs = fit.observation
        unit = posterior.quantity(obs.name).unit
        lo, hi = (cell(v, unit, obs.name) for v in obs.interval())
        label = unit_label(unit, obs.name)
        source = f" — {obs.source}" if obs.source else ""
        lines.append(
            f"  {obs.name} {obs.declaration} (90 % in [{lo}, {hi}]{' ' + label if label else ''}"
            f"; alone: k̂ {k_hat(fit.pareto_k)}, ESS {fit.ess:,.0f}){source}"
        )
    return lines


def moved_rows(prior: DrawSummary, posterior: DrawSummary) -> list[tuple[str, Any, Any, float]]:
    """(name, prior 90 % HDI, posterior 90 % HDI, posterior ÷ prior width) for every input
    that varies, then every output."""
    rows = []
    for section in ("inputs", "outputs"):
        for name, before in getattr(prior, section).items():
            after = getattr(posterior, section)[name]
            (lo, hi), (plo, phi) = before.hdi_90, after.hdi_90
            if None in (lo, hi, plo, phi) or not hi > lo:
                continue
            rows.append((name, before.hdi_90, after.hdi_90, (phi - plo) / (hi - lo)))
    return rows


def table(prior: DrawSummary, posterior: DrawSummary, calibration: Calibration) -> str:
    """The prior's table, then the posterior's, the observations and how far each moved."""
    posterior_table = formatting.summary_table(posterior).split("\n", 1)[1]

    def interval(name: str, ends: Any) -> str:
        unit = prior.quantity(name).unit
        return f"[{cell(ends[0], unit, name)}, {cell(ends[1], unit, name)}]"

    moved = [
        (
            name, unit_label(prior.quantity(name).unit, name), interval(name, before),
            interval(name, after), f"{ratio:.2f}",
        )
        for name, before, after, ratio in moved_rows(prior, posterior)
    ]  # fmt: skip
    parts = [
        "prior — " + formatting.summary_table(prior),
        "\n".join(_observed(calibration, posterior)),
        _head(calibration) + "\n" + posterior_table.lstrip("\n"),
        "what the observations moved (90 % HDI, prior → posterior; width posterior ÷ prior):\n"
        + formatting.text_table(("quantity", "unit", "prior", "posterior", "width ×"), moved),
    ]
    return "\n\n".join(parts)


def to_dict(prior: DrawSummary, posterior: DrawSummary, calibration: Calibration) -> dict:
    """The JSON contract with ``posterior`` (the same layout as the prior's ``outputs`` and
    ``inputs``) and ``calibration`` (ESS, k̂, reliable, each observation) beside it."""
    data = prior.to_dict()
    posterior_data = posterior.to_dict()
    data["posterior"] = {k: posterior_data[k] for k in ("outputs", "inputs")}
    data["calibration"] = calibration.to_dict()
    return data


def csv(prior: DrawSummary, posterior: DrawSummary, calibration: Calibration) -> str:
    """The prior's rows, then the posterior's with sections ``posterior outputs`` and
    ``posterior inputs`` (``unreliable posterior …`` when it cannot be trusted)."""
    first = formatting.summary_csv(prior)
    second = formatting.summary_csv(posterior).split("\n", 1)[1]
    label = "posterior " if calibration.reliable else "unreliable posterior "
    second = "\n".join(
        label + line if line else line for line in second.split("\n")
    )  # every row starts with its section
    return first + second


def markdown(prior: DrawSummary, posterior: DrawSummary, calibration: Calibration) -> str:
    """The prior's tables, the observations, the posterior's tables and what moved."""
    observed = [f"- {line.strip()}" for line in _observed(calibration, posterior)[1:]]
    moved = ["| quantity | prior 90 % HDI | posterior 90 % HDI | width × |", "|---|---|---|---|"]
    for name, before, after, ratio in moved_rows(prior, posterior):
        unit = prior.quantity(name).unit
        a, b, c, d = (cell(v, unit, name) for v in (*before, *after))
        moved.append(f"| `{name}` | {a} – {b} | {c} – {d} | {ratio:.2f} |")
    return "\n".join([
        formatting.summary_markdown(prior),
        "Observed:", "", *observed, "",
        f"**{_head(calibration)}**", "",
        formatting.summary_markdown(posterior).split("\n", 2)[2].rstrip("\n"), "",
        "What the observations moved:", "", *moved, "",
    ])  # fmt: skip


def warnings(calibration: Calibration) -> list[str]:
    """Why the posterior is unreliable, naming the observations, with what to do; and which
    draws the observations could not weigh (an infeasible draw's NaN)."""
    lines = [
        f"note: {calibration.draws - fit.compatible:,} of {calibration.draws:,} draws where "
        f"{fit.observation.name} cannot have produced the measurement (not a number, or not "
        "positive for a lognormal error) get no weight: the posterior is conditioned on the "
        "others"
        for fit in calibration.fits
        if fit.compatible < calibration.draws
    ]
    for name in dict.fromkeys(fit.observation.name for fit in calibration.fits):
        origins = {f.observation.file for f in calibration.fits if f.observation.name == name}
        if "--observe" in origins and len(origins) > 1:
            lines.append(
                f"note: {name} is observed in {', '.join(sorted(origins - {'--observe'}))} and "
                "by --observe: they count as independent measurements (a measurement "
                "repeated is counted twice: to replace the file's, edit the file)"
            )
    for fit in calibration.fits:
        if fit.surprising:
            obs = fit.observation
            lines.append(
                f"warning: the observation {obs.name} {obs.declaration} is too surprising under "
                f"these priors (Pareto k̂ {fit.pareto_k:.2f} > {fit.limit:.2f}; alone it leaves an "
                f"effective sample of {fit.ess:,.0f} of {calibration.draws:,} draws): the "
                "posterior is unreliable — widen the priors of what it depends on, or use more "
                "--draws"
            )
    if calibration.pareto_k > calibration.k_limit and not lines:
        lines.append(
            "warning: the observations together are too surprising under these priors (Pareto "
            f"k̂ {calibration.pareto_k:.2f} > {calibration.k_limit:.2f}): the posterior is "
            "unreliable — widen the priors, or use more --draws"
        )
    if calibration.ess < MIN_ESS:
        lines.append(
            f"warning: the observations leave an effective sample of {calibration.ess:,.0f} "
            f"draws of {calibration.draws:,} (fewer than {MIN_ESS:,}): the posterior's "
            "percentiles are not supported to the digits printed — use more --draws"
        )
    return lines
