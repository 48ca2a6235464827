"""``simulate run`` with observations: the posterior beside the prior, for kept draws and
streamed ones, and where a streamed run saves its draws' log weights."""

from __future__ import annotations

from typing import Any

import click


def calibrated(
    scenario: Any,
    kept: Any,
    summary: Any,
    percentiles: tuple[float, ...],
    thresholds: list[Any],
    workers: int | None,
    quiet: bool,
) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """The posterior beside the prior: renderers of both for each format, and arviz's groups
    for --out .nc, after saying (on stderr) when the posterior cannot be trusted."""
    from simulate.analysis import calibration, results

    fit = calibration.calibrate(scenario, kept)
    posterior_draws = calibration.resample(kept, fit)
    posterior = results.summarize(
        scenario, posterior_draws, percentiles, thresholds,
        workers=workers, effective_draws=fit.ess,
    )  # fmt: skip
    rendered = beside_posterior(fit, posterior, quiet)
    groups = calibration.inference_groups(scenario, posterior_draws, fit)
    return summary, rendered, groups


# where a streamed run with observations saves its draws' log weights (arviz's group)
LOG_WEIGHT = ("sample_stats_prior", "log_weight")


def beside_posterior(fit: Any, posterior: Any, quiet: bool) -> dict[str, Any]:
    """Renderers of the prior beside the posterior for each format, after saying (on
    stderr) when the posterior cannot be trusted."""
    from simulate.present import calibration as shown
    from simulate.present import formatting

    if not quiet:
        for line in shown.warnings(fit):
            click.echo(line, err=True)
    return {
        "table": lambda prior: shown.table(prior, posterior, fit),
        "json": lambda prior: formatting.to_json(shown.to_dict(prior, posterior, fit)),
        "csv": lambda prior: shown.csv(prior, posterior, fit),
        "markdown": lambda prior: shown.markdown(prior, posterior, fit),
    }
