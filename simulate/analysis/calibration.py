"""Observations turn prior draws into posterior draws, by Pareto-smoothed importance sampling.

Each prior draw is weighted by the likelihood of what was observed given that draw
(:meth:`~simulate.core.observations.Observation.log_likelihood`, summed over observations);
Pareto-smoothed importance sampling (:mod:`simulate.analysis.psis`: arviz's ``psislw`` step
by step, Vehtari et al. 2024) smooths the largest weights and estimates the Pareto shape k̂
of their tail. The posterior is then an honest resample: the prior draws taken with
probability proportional to their weights (systematic resampling, seeded from the run's
seed), so that percentiles, the HDI,
thresholds and sensitivity are computed as for any run.

How far to trust it: k̂ above 0.7 means the weights' tail is too heavy for the estimate to
converge — the observation is too surprising under these priors — and the effective sample
size (ESS, 1 / Σ w²) says how many independent draws the posterior is worth; Monte Carlo
errors of posterior percentiles use it. Either failing marks the posterior unreliable.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

from simulate.analysis.psis import smoothed
from simulate.core.distributions import fmt
from simulate.core.engine import Draws
from simulate.core.errors import PriorsError
from simulate.core.observations import Observation
from simulate.core.scenario import Scenario

K_HAT_LIMIT = 0.7  # Vehtari et al.: above it the importance-sampling estimate is unreliable


def k_hat_limit(draws: int) -> float:
    """The largest trustworthy Pareto k̂ for ``draws`` draws: min(1 − 1/log10(draws), 0.7)
    (Vehtari et al. 2024, §3.2.4; arviz's ``loo`` uses the same): with fewer than about 2,200
    draws even a lighter tail leaves the estimate noisy."""
    return min(1.0 - 1.0 / math.log10(draws), K_HAT_LIMIT) if draws > 10 else 0.0


MIN_ESS = 1000  # as few effective draws as a run is warned below (present.notices.FEW_DRAWS)
RESAMPLING_STREAM = 0x0B5E  # the posterior's own random stream, beside the run's seed


@dataclass(frozen=True)
class Fit:
    """How one observation alone weights the prior draws."""

    observation: Observation
    pareto_k: float
    ess: float
    compatible: int  # draws whose value could have produced the measurement
    limit: float = K_HAT_LIMIT  # k̂ above it is too surprising (:func:`k_hat_limit`)

    @property
    def surprising(self) -> bool:
        return self.pareto_k > self.limit  # NaN (no tail to fit) is not


@dataclass(frozen=True)
class Calibration:
    """The observations' joint weights over a run's prior draws."""

    fits: tuple[Fit, ...]
    # Pareto-smoothed and normalised (logsumexp = 0); None when the draws were streamed
    log_weights: np.ndarray | None
    pareto_k: float
    ess: float
    draws: int

    @property
    def reliable(self) -> bool:
        """k̂ at most :func:`k_hat_limit` (0.7 from 2,154 draws; or not estimable: weights of
        few distinct values have no tail to fit, and the ESS alone says how much they
        support) and an ESS of at least 1,000."""
        return not self.pareto_k > self.k_limit and self.ess >= MIN_ESS

    @property
    def k_limit(self) -> float:
        return k_hat_limit(self.draws)

    def to_dict(self) -> dict[str, object]:
        return {
            "draws": self.draws,
            "ess": self.ess,
            "pareto_k": self.pareto_k,
            "pareto_k_limit": self.k_limit,
            "reliable": self.reliable,
            "observations": [
                {
                    "name": fit.observation.name,
                    "declared": fit.observation.declaration,
                    "kind": fit.observation.kind,
                    "interval_90": list(fit.observation.interval()),
                    "source": fit.observation.source,
                    "pareto_k": fit.pareto_k,
                    "ess": fit.ess,
                }
                for fit in self.fits
            ],
        }


def _values(draws: Draws, name: str) -> np.ndarray:
    values = {**draws.inputs, **draws.outputs}[name]
    return np.broadcast_to(np.asarray(values, dtype=float), (draws.draws,))


def _smoothed(log_weights: np.ndarray) -> tuple[np.ndarray, float, float]:
    """PSIS over unnormalised log weights (``-inf`` allowed): smoothed normalised log weights,
    k̂ and the effective sample size (:func:`simulate.analysis.psis.smoothed`)."""
    return smoothed(log_weights)


def calibrate(scenario: Scenario, draws: Draws) -> Calibration:
    """Weigh ``draws`` (a run that kept them) by the scenario's observations."""
    fits = []
    total = np.zeros(draws.draws)
    for observation in scenario.observations:
        values = _values(draws, observation.name)
        log_likelihood = observation.log_likelihood(values)
        compatible = int(np.count_nonzero(np.isfinite(log_likelihood)))
        finite = values[np.isfinite(values)]
        span = (finite.min(), finite.max()) if finite.size else (math.inf, -math.inf)
        check_observed(observation, *span, compatible)
        _, k_hat, ess = _smoothed(log_likelihood)
        fits.append(Fit(observation, k_hat, ess, compatible, k_hat_limit(draws.draws)))
        total = total + log_likelihood
    if not np.isfinite(total).any():
        raise no_joint_draw(scenario)
    smoothed, k_hat, ess = _smoothed(total)
    return Calibration(tuple(fits), smoothed, k_hat, ess, draws.draws)


def check_observed(
    observation: Observation, lowest: float, highest: float, compatible: int
) -> None:
    """Refuse an observation that cannot move anything: of a quantity that is the same
    (``lowest`` = ``highest``, over its finite draws) in every draw, or that no draw (of
    ``compatible`` = 0) can have produced."""
    file, key = observation.file, f"observations.{observation.name}"
    if observation.file == "--observe":
        file, key = None, "--observe"
    if lowest == highest:
        raise PriorsError(
            file, key, f"{observation.name} is {fmt(lowest)} in every draw of this "
            "scenario: an observation of it cannot move anything",
        )  # fmt: skip
    if compatible == 0:
        raise PriorsError(
            file, key,
            f"{observation.name} {observation.declaration}: no draw can have produced it "
            "(every draw is not a number, or not positive for a lognormal error)",
        )  # fmt: skip


def no_joint_draw(scenario: Scenario) -> PriorsError:
    """The error of observations that no single draw can have produced together."""
    first = scenario.observations[0]
    return PriorsError(
        None if first.file == "--observe" else first.file,
        "--observe" if first.file == "--observe" else "observations",
        "no draw is compatible with all the observations at once",
    )


def inference_groups(
    scenario: Scenario, posterior: Draws, calibration: Calibration
) -> dict[str, dict[str, tuple[np.ndarray, dict]]]:
    """arviz's groups for a run with observations (:func:`simulate.io.netcdf.write_draws`):
    ``posterior`` (the resampled draws), ``log_likelihood`` (each measurement's normalised
    log density at the posterior draws, a column per measurement as in ``observed_data``),
    ``observed_data`` (the measured values, with their errors) and ``sample_stats_prior``
    (the prior draws' smoothed log weights, with ESS and k̂)."""
    from simulate.io.netcdf import variable_attrs

    varying = [*scenario.sampled, *scenario.outputs]
    values = {**posterior.inputs, **posterior.outputs}
    groups: dict[str, dict[str, tuple[np.ndarray, dict]]] = {
        "posterior": {name: (_values(posterior, name), variable_attrs(scenario, name))
                      for name in varying if name in values},
        "log_likelihood": {},
        "observed_data": observed_data(scenario, calibration),
    }  # fmt: skip
    for name in groups["observed_data"]:
        mine = [f.observation for f in calibration.fits if f.observation.name == name]
        # one column per measurement, as observed_data has one value per measurement
        at_posterior = np.stack([obs.log_density(_values(posterior, name)) for obs in mine], 1)
        groups["log_likelihood"][name] = (at_posterior, {"unit": "1"})
    groups["sample_stats_prior"] = {
        "log_weight": (calibration.log_weights, weight_attrs(calibration))
    }
    return groups


def observed_data(
    scenario: Scenario, calibration: Calibration
) -> dict[str, tuple[np.ndarray, dict]]:
    """arviz's ``observed_data`` group: each observed quantity's measured values (in its
    unit), with their errors, declarations and sources as attributes."""
    group = {}
    for name in dict.fromkeys(fit.observation.name for fit in calibration.fits):
        mine = [f.observation for f in calibration.fits if f.observation.name == name]
        group[name] = (
            np.array([obs.center for obs in mine]),
            {
                "unit": scenario.unit(name),
                "error": json.dumps([[obs.kind, obs.spread] for obs in mine]),
                "declared": json.dumps([obs.declaration for obs in mine]),
                "source": json.dumps([obs.source for obs in mine]),
            },
        )
    return group


def weight_attrs(calibration: Calibration) -> dict[str, object]:
    """The attributes of the saved log weights of the prior draws."""
    return {
        "description": "Pareto-smoothed importance log weights of the prior draws",
        "ess": calibration.ess,
        "pareto_k": calibration.pareto_k,
        "reliable": int(calibration.reliable),
    }


def resample(draws: Draws, calibration: Calibration) -> Draws:
    """The posterior draws: ``draws`` taken in proportion to their weights (systematic
    resampling), as many as there were; the same seed gives the same posterior."""
    n = draws.draws
    cumulative = np.cumsum(np.exp(calibration.log_weights))
    cumulative /= cumulative[-1]
    rng = np.random.default_rng([draws.seed or 0, RESAMPLING_STREAM])
    positions = (rng.random() + np.arange(n)) / n
    index = np.minimum(np.searchsorted(cumulative, positions, side="right"), n - 1)

    def take(values: np.ndarray) -> np.ndarray:
        values = np.asarray(values)
        return values if values.ndim == 0 else values[index]

    return Draws(
        inputs={k: take(v) for k, v in draws.inputs.items()},
        outputs={k: take(v) for k, v in draws.outputs.items()},
        draws=n,
        seed=draws.seed,
        method=draws.method,
        scenario=draws.scenario,
    )
