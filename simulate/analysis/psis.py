"""Pareto-smoothed importance sampling (PSIS), from the largest log weights alone.

PSIS (Vehtari et al. 2024, "Pareto smoothed importance sampling", JMLR 25(72)) replaces the
``M = ⌈min(n/5, 3√n)⌉`` largest importance weights by the expected order statistics of a
generalized Pareto distribution fitted to them, and its shape k̂ says whether the estimate can
be trusted. Only the largest ``M + 1`` log weights take part, so a run too large to keep can
smooth its weights from those (:class:`Largest`, merged chunk by chunk, exactly) and weigh each
draw later (:meth:`Tail.log_weights_of`); a kept run does the same over all its draws, so kept
and streamed runs weigh alike.

The fit and the smoothing follow arviz 0.23's ``psislw`` step by step (its ``_gpdfit``, the
empirical-Bayes estimate of Zhang & Stephens 2009, and ``_gpinv``, ported here under arviz's
Apache-2.0 license, so that calibrating does not import arviz, which takes seconds): the same
cutoff, the same fit, the same truncation at the largest raw weight. Among tied log weights the
smoothed values go in draw order, where arviz's unstable sort puts them in any order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

_LOG_TINY = float(np.log(np.finfo(float).tiny))  # arviz's floor for the tail's cutoff
_PRIOR_BS, _PRIOR_K = 3, 10  # arviz's weakly informative prior of the fit


def tail_size(draws: int) -> int:
    """How many of the largest log weights PSIS smooths (arviz's ``cutoff_ind``, less one)."""
    return math.ceil(min(draws / 5.0, 3 * (draws / 1.0) ** 0.5))  # as arviz computes it


@dataclass
class Largest:
    """The ``size`` largest finite values seen (ties: the lower draw first), their draw
    numbers, and the finite values' count, maximum and minimum."""

    size: int
    values: np.ndarray
    draws: np.ndarray
    finite: int = 0
    maximum: float = -math.inf
    minimum: float = math.inf

    @classmethod
    def of(cls, size: int, values: np.ndarray, first_draw: int) -> Largest:
        finite = np.flatnonzero(np.isfinite(values))
        kept = values[finite]
        found = cls(size, np.empty(0), np.empty(0, dtype=np.int64), len(finite))
        if len(finite):
            found.maximum, found.minimum = float(kept.max()), float(kept.min())
            found._keep(kept, finite + first_draw)
        return found

    def _keep(self, values: np.ndarray, draws: np.ndarray) -> None:
        if len(values) > self.size:  # only what can be among the largest is sorted
            cut = np.partition(values, len(values) - self.size)[len(values) - self.size]
            near = values >= cut  # ties at the cut included: the sort below settles them
            values, draws = values[near], draws[near]
        order = np.lexsort((draws, -values))[: self.size]
        self.values, self.draws = values[order], draws[order]

    def merge(self, other: Largest) -> None:
        self.finite += other.finite
        self.maximum = max(self.maximum, other.maximum)
        self.minimum = min(self.minimum, other.minimum)
        self._keep(
            np.concatenate((self.values, other.values)), np.concatenate((self.draws, other.draws))
        )


@dataclass(frozen=True)
class Tail:
    """How one track's draws are weighted: ``exp(log-likelihood − maximum)``, except the
    smoothed tail draws (``draws`` ascending, ``log_weights`` relative to the maximum)."""

    maximum: float
    draws: np.ndarray
    log_weights: np.ndarray
    pareto_k: float

    def log_weights_of(self, log_likelihood: np.ndarray, first_draw: int) -> np.ndarray:
        """The log weights (relative to the largest) of draws ``first_draw …``."""
        log_weights = log_likelihood - self.maximum  # -inf stays -inf: weight 0
        lo, hi = np.searchsorted(self.draws, [first_draw, first_draw + len(log_weights)])
        log_weights[self.draws[lo:hi] - first_draw] = self.log_weights[lo:hi]
        return log_weights


def smooth(largest: Largest, draws: int) -> Tail:
    """PSIS's tail for one track, from its largest log weights: arviz's ``_psislw`` step by
    step (the same cutoff, generalized Pareto fit, smoothed order statistics and truncation)."""
    size = tail_size(draws) + 1
    x = largest.values - largest.maximum
    if len(x) >= size:
        cutoff = float(x[size - 1])
    else:  # draws that cannot have produced the measurement sit far below every other one
        cutoff = largest.minimum - 1000.0 - largest.maximum
    cutoff = max(cutoff, _LOG_TINY)
    tail = int(np.count_nonzero(x > cutoff))
    ascending = np.lexsort((-largest.draws[:tail], x[:tail]))
    smoothed, k_hat = x[:tail].copy(), math.inf
    if tail > 4:
        with np.errstate(all="ignore"):  # arviz's own exp() overflows harmlessly
            k_hat, sigma = gpd_fit(np.exp(x[:tail][ascending]) - math.exp(cutoff))
        if np.isfinite(k_hat):
            shares = np.arange(0.5, tail) / tail
            smoothed[ascending] = np.minimum(
                np.log(gpd_inverse(shares, k_hat, sigma) + math.exp(cutoff)), 0.0
            )
    by_draw = np.argsort(largest.draws[:tail])
    k_hat = float(k_hat) if np.isfinite(k_hat) else math.nan  # no tail to fit (ties, few draws)
    return Tail(largest.maximum, largest.draws[:tail][by_draw], smoothed[by_draw], k_hat)


def gpd_fit(ordered: np.ndarray) -> tuple[float, float]:
    """Shape k and scale σ of a generalized Pareto distribution fitted to ``ordered`` (sorted
    ascending, positive): arviz's ``_gpdfit`` (Zhang & Stephens 2009, with a prior on k)."""
    n = len(ordered)
    m_est = 30 + int(n**0.5)
    b_ary = 1 - np.sqrt(m_est / (np.arange(1, m_est + 1, dtype=float) - 0.5))
    b_ary /= _PRIOR_BS * ordered[int(n / 4 + 0.5) - 1]
    b_ary += 1 / ordered[-1]
    k_ary = np.log1p(-b_ary[:, None] * ordered).mean(axis=1)
    len_scale = n * (np.log(-(b_ary / k_ary)) - k_ary - 1)
    weights = 1 / np.exp(len_scale - len_scale[:, None]).sum(axis=1)
    real = weights >= 10 * np.finfo(float).eps
    if not np.all(real):
        weights, b_ary = weights[real], b_ary[real]
    weights /= weights.sum()
    b_post = np.sum(b_ary * weights)
    k_post = np.log1p(-b_post * ordered).mean()
    sigma = -k_post / b_post
    k_post = (n * k_post + _PRIOR_K * 0.5) / (n + _PRIOR_K)
    return float(k_post), float(sigma)


def gpd_inverse(probabilities: np.ndarray, kappa: float, sigma: float) -> np.ndarray:
    """The generalized Pareto quantiles at ``probabilities`` (all in (0, 1)): arviz's
    ``_gpinv``."""
    if sigma <= 0:
        return np.full_like(probabilities, np.nan)
    if abs(kappa) < np.finfo(float).eps:
        return sigma * -np.log1p(-probabilities)
    return sigma * np.expm1(-kappa * np.log1p(-probabilities)) / kappa


def smoothed(log_weights: np.ndarray) -> tuple[np.ndarray, float, float]:
    """PSIS over every draw's unnormalised log weights (``-inf``: no weight): the smoothed
    log weights normalised (logsumexp = 0), k̂ (NaN when there is no tail to fit) and the
    effective sample size 1 / Σ w²."""
    n = len(log_weights)
    tail = smooth(Largest.of(tail_size(n) + 1, log_weights, 0), n)
    result = tail.log_weights_of(np.array(log_weights, dtype=float), 0)
    result -= np.logaddexp.reduce(result)
    with np.errstate(under="ignore"):
        weights = np.exp(result)
    return result, tail.pareto_k, float(1.0 / np.sum(weights * weights))
