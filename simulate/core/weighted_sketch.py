"""Statistics of weighted draws, streamed block by block (a posterior that was not kept).

A posterior from importance sampling is the prior draws, each weighted by how well it
explains what was observed (:mod:`simulate.analysis.streamed_calibration`). When the draws
do not fit in memory, each block of 65,536 draws becomes a :class:`WeightedSketch`: the
weight in each bucket of the histogram of :mod:`simulate.core.statistics` (2,048 buckets per
power of two, so a percentile is placed within 0.049 % of the exact weighted one), the
weighted moments, the extremes over the draws that carry weight, and each threshold's weight
of hits.

Weights are floats, and a sum of floats depends on the order it is taken in. The sketches of
one block are therefore made alone and folded into the run's sketch one block at a time, in
block order (:meth:`WeightedSketch.merge`): the same additions happen in the same order
whatever the chunk size, the number of workers or the scheduler, so the same seed gives the
same numbers, bit for bit.

Percentiles follow the weighted quantile function that is linear within each bucket: the
p-th percentile is where the cumulative weight reaches p % of the total. The HDI is the
narrowest interval holding 90 % of the weight; as in :class:`~simulate.core.statistics.Sketch`
its ends lie at bucket boundaries of one side or the other, so every candidate is tried.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from simulate.core.statistics import (
    _DENSE_SPAN,
    BUCKET_BITS,
    HDI_PROBABILITY,
    _edge,
    _Histogram,
    _monotone,
)


def _bucket_weights(keys: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``keys`` (ascending) and the weight in each."""
    if not len(keys):
        return keys, weights
    lo, hi = int(keys.min()), int(keys.max())
    if hi - lo <= _DENSE_SPAN:
        sums = np.bincount(keys - lo, weights=weights, minlength=hi - lo + 1)
        occupied = np.flatnonzero(sums)
        return occupied + lo, sums[occupied]
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, np.bincount(inverse, weights=weights)


@dataclass
class WeightedSketch:
    """Mergeable statistics of one quantity's weighted draws."""

    weight: float = 0.0  # of the finite draws
    nonfinite: float = 0.0  # weight of the draws that are not finite numbers
    zeros: float = 0.0  # weight at exactly zero (a point mass, not spread over a bucket)
    minimum: float = math.inf  # over the finite draws that carry weight
    maximum: float = -math.inf
    moments: tuple[float, float, float] = (0.0, 0.0, 0.0)  # weight, mean, Σ w·(x − mean)²
    hits: list[float] = field(default_factory=list)
    seen: list[float] = field(default_factory=list)
    negative: _Histogram = field(default_factory=lambda: _Histogram(np.float64))
    positive: _Histogram = field(default_factory=lambda: _Histogram(np.float64))
    # one block's buckets, kept compact until it is merged: (keys, weights) per side
    pending: tuple[tuple[np.ndarray, np.ndarray], ...] = ()

    @classmethod
    def of_block(
        cls,
        values: np.ndarray,
        weights: np.ndarray,
        hits: Sequence[float] = (),
        seen: Sequence[float] = (),
    ) -> WeightedSketch:
        """One block's sketch: ``values`` with their ``weights`` (non-negative; a draw of
        weight zero takes no part), and its thresholds' weights of hits and of judged draws."""
        sketch = cls(hits=list(hits), seen=list(seen))
        carried = weights > 0
        values, weights = values[carried], weights[carried]
        finite_mask = np.isfinite(values)
        if not finite_mask.all():
            sketch.nonfinite = float(np.sum(weights[~finite_mask]))
            values, weights = values[finite_mask], weights[finite_mask]
        if not len(values):
            return sketch
        total = float(np.sum(weights))
        # np.sum, not np.dot: a multithreaded BLAS splits a dot product by its thread count,
        # which would make the last digits depend on the machine
        with np.errstate(over="ignore", invalid="ignore"):
            mean = float(np.sum(weights * values) / total)
            m2 = float(np.sum(weights * np.square(values - mean)))
        sketch.weight, sketch.moments = total, (total, mean, m2)
        sketch.minimum, sketch.maximum = float(values.min()), float(values.max())
        zero = values == 0
        if zero.any():
            sketch.zeros = float(np.sum(weights[zero]))
            values, weights = values[~zero], weights[~zero]
        keys = _monotone(values) >> BUCKET_BITS
        below = keys < 0
        sketch.pending = (
            _bucket_weights(keys[below], weights[below]),
            _bucket_weights(keys[~below], weights[~below]),
        )
        return sketch

    def merge(self, block: WeightedSketch) -> None:
        """Fold the next block's sketch into this one (blocks must come in block order)."""
        if self.hits:
            self.hits = [a + b for a, b in zip(self.hits, block.hits, strict=True)]
            self.seen = [a + b for a, b in zip(self.seen, block.seen, strict=True)]
        else:
            self.hits, self.seen = list(block.hits), list(block.seen)
        self.nonfinite += block.nonfinite
        if not block.weight:
            return
        self.weight += block.weight
        self.zeros += block.zeros
        self.minimum = min(self.minimum, block.minimum)
        self.maximum = max(self.maximum, block.maximum)
        total, mean, m2 = self.moments
        weight_b, mean_b, m2_b = block.moments
        merged = total + weight_b
        with np.errstate(over="ignore", invalid="ignore"):
            delta = mean_b - mean
            self.moments = (
                merged,
                mean + delta * weight_b / merged,
                m2 + m2_b + delta * delta * total * weight_b / merged,
            )
        for side, (keys, weights) in zip(
            (self.negative, self.positive), block.pending, strict=True
        ):
            side.add_pairs(keys, weights)

    def mean_sd(self) -> tuple[float, float]:
        """Weighted mean and sd (the weighted second central moment's square root)."""
        if self.minimum == self.maximum:
            return self.minimum, 0.0
        total, mean, m2 = self.moments
        return mean, math.sqrt(max(m2, 0.0) / total)

    def _buckets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(weight before, weight in, lower end, upper end) of each occupied bucket."""
        keys_neg, weights_neg = self.negative.occupied()
        keys_pos, weights_pos = self.positive.occupied()
        zero = [0.0] * bool(self.zeros)
        with np.errstate(invalid="ignore"):
            lower = np.concatenate((_edge(keys_neg), zero, _edge(keys_pos)))
            upper = np.concatenate((_edge(keys_neg + 1), zero, _edge(keys_pos + 1)))
        weights = np.concatenate((weights_neg, [self.zeros] * bool(self.zeros), weights_pos))
        before = np.concatenate(([0.0], np.cumsum(weights)[:-1]))
        lower = np.maximum(lower, self.minimum)
        upper = np.minimum(np.where(np.isnan(upper), self.maximum, upper), self.maximum)
        return before, weights, lower, upper

    def _at(
        self,
        positions: np.ndarray,
        before: np.ndarray,
        weights: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
        side: str = "right",
    ) -> np.ndarray:
        """The value where the cumulative weight reaches each of ``positions``; at a bucket
        boundary, the next bucket's lower end (``side="right"``) or the last one's upper end
        (``"left"``: where an interval that ends there ends)."""
        total = before[-1] + weights[-1]
        positions = np.clip(positions, 0.0, total)
        bucket = np.clip(np.searchsorted(before, positions, side=side) - 1, 0, len(before) - 1)
        fraction = np.clip((positions - before[bucket]) / weights[bucket], 0.0, 1.0)
        low, high = lower[bucket], upper[bucket]
        values = np.where(high > low, low + (high - low) * fraction, low)
        return np.where(
            positions <= 0.0, self.minimum, np.where(positions >= total, self.maximum, values)
        )

    def statistics(
        self, percentiles: Sequence[float], probability: float = HDI_PROBABILITY
    ) -> tuple[list[float], tuple[float, float]]:
        """Weighted percentiles and the narrowest interval holding ``probability`` of the
        weight (from the histogram, within its 0.049 % bound)."""
        before, weights, lower, upper = self._buckets()
        total = float(before[-1] + weights[-1])
        shares = np.asarray(percentiles, dtype=float) / 100.0
        quantiles = [float(v) for v in self._at(shares * total, before, weights, lower, upper)]
        if self.minimum == self.maximum:
            return quantiles, (self.minimum, self.maximum)
        width = probability * total
        starts = np.concatenate((before, before - width, [0.0, total - width]))
        starts = np.unique(np.clip(starts, 0.0, total - width))
        low = self._at(starts, before, weights, lower, upper)
        high = self._at(starts + width, before, weights, lower, upper, side="left")
        best = int(np.argmin(high - low))
        return quantiles, (float(low[best]), float(high[best]))
