"""Statistics of one quantity's draws: exact from an array, or streamed block by block.

**Exact** (:func:`exact_statistics`): from the sorted draws. Percentiles interpolate linearly
(numpy's default), and the HDI is arviz's: the narrowest window of ``⌊0.9n⌋ + 1`` consecutive
sorted draws.

**Streamed** (:class:`Sketch`): when a run's draws do not fit in memory, each block of draws
updates a histogram whose buckets are ranges of the float's bit pattern: 2,048 buckets per
power of two (``2**-11`` ≈ 0.049 % relative width) over every finite float, negative values
included, so no range has to be known in advance and counts merge exactly in any order. An
order statistic is placed within its bucket by its rank, so every percentile lies within
0.049 % (relative) of the exact one. The HDI minimises the width between those interpolated
order statistics over every bucket boundary (the minimum of a piecewise-linear function lies
at one), so its width is within the same bound of the narrowest; its ends match the exact
ones as closely wherever the narrowest window is well defined (a flat density makes any
window nearly as narrow, for exact and streamed alike). Mean and sd merge per-block moments in
block order, so they do not depend on how blocks were grouped into chunks or workers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

HDI_PROBABILITY = 0.9
BUCKET_BITS = 41  # float64 mantissa bits dropped: 52 − 41 = 11 kept → 2,048 buckets/octave
RELATIVE_ERROR = 2.0**-11
_SIGN_MASK = np.int64(0x7FFFFFFFFFFFFFFF)
_DENSE_SPAN = 1 << 17  # a block whose buckets span more than this is counted sparsely
_DENSE_MAX = 1 << 20  # the dense window of a histogram side never outgrows 8 MiB


def _interpolate(a: float, b: float, fraction: float) -> float:
    # numpy.percentile's linear interpolation, symmetric about the midpoint
    if fraction == 0.0:
        return a
    if math.isinf(a) or math.isinf(b):  # between a draw and an infinite one: the infinite side
        return b if math.isinf(b) and b > 0 else a
    return a + (b - a) * fraction if fraction < 0.5 else b - (b - a) * (1 - fraction)


def _positions(n: int, percentiles: Sequence[float]) -> list[tuple[int, int, float]]:
    out = []
    for q in percentiles:
        position = (n - 1) * q / 100.0
        lower = math.floor(position)
        out.append((lower, min(lower + 1, n - 1), position - lower))
    return out


def sorted_percentiles(ordered: np.ndarray, percentiles: Sequence[float]) -> list[float]:
    """Percentiles of sorted ``ordered`` (non-empty, no NaN) by numpy's linear interpolation.
    Infinite draws take part (a break-even never reached is +∞, not missing): a percentile
    between a finite draw and an infinite one is infinite."""
    return [
        _interpolate(float(ordered[lo]), float(ordered[hi]), f)
        for lo, hi, f in _positions(len(ordered), percentiles)
    ]


def exact_statistics(
    values: np.ndarray, percentiles: Sequence[float], probability: float = HDI_PROBABILITY
) -> tuple[list[float], tuple[float, float]]:
    """Percentiles and HDI of finite ``values`` (non-empty), exact.

    One sort: numpy ≥ 2's SIMD sort measured faster here than ``np.partition`` on the asked
    ranks followed by sorting only the HDI's two 10 % tails (0.14 s against 0.48 s for 1e7
    lognormal draws on the project's 2-core machine), and the two give identical numbers.
    """
    n = len(values)
    ordered = np.sort(values)
    quantiles = sorted_percentiles(ordered, percentiles)
    width = math.floor(probability * n)
    count = n - width
    if count <= 0 or width == 0:
        return quantiles, (float(ordered[0]), float(ordered[-1]))
    start = int(np.argmin(ordered[width:] - ordered[:count]))
    return quantiles, (float(ordered[start]), float(ordered[start + width]))


def _monotone(values: np.ndarray) -> np.ndarray:
    """int64 keys in the same order as the float64 ``values`` (finite ones)."""
    bits = values.view(np.int64)
    return bits ^ ((bits >> 63) & _SIGN_MASK)


def _edge(key: np.ndarray) -> np.ndarray:
    """The smallest float of each bucket ``key`` (inverse of :func:`_monotone` on its start)."""
    monotone = np.asarray(key, dtype=np.int64) << BUCKET_BITS
    bits = monotone ^ ((monotone >> 63) & _SIGN_MASK)
    return bits.view(np.float64)


class _Histogram:
    """Bucket counts over one side of zero: a dense window where the draws are, and a sparse
    map for buckets far from it (a few tiny or huge values must not cost a dense array over
    every power of two between them)."""

    def __init__(self, dtype: type = np.int64) -> None:
        # int64 counts draws; float64 sums their weights (a posterior's, weighted_sketch.py)
        self.dtype = dtype
        self.offset = 0
        self.counts = np.zeros(0, dtype=dtype)
        self.sparse: dict[int, Any] = {}

    def add_keys(self, keys: np.ndarray) -> None:
        if not len(keys):
            return
        lo, hi = int(keys.min()), int(keys.max())
        if hi - lo <= _DENSE_SPAN:
            self.add_counts(lo, np.bincount(keys - lo, minlength=hi - lo + 1))
            return
        unique, counts = np.unique(keys, return_counts=True)
        self._add_pairs(unique, counts)

    def add_pairs(self, keys: np.ndarray, amounts: np.ndarray) -> None:
        """Add ``amounts`` to the buckets ``keys`` (distinct): into the dense window, grown
        to hold them while it stays small enough, the rest into the sparse map."""
        if not len(keys):
            return
        lo, hi = int(keys[0]), int(keys[-1])
        if hi - lo <= _DENSE_SPAN:
            dense = np.zeros(hi - lo + 1, dtype=self.dtype)
            dense[keys - lo] = amounts
            self.add_counts(lo, dense)
        else:
            self._add_pairs(keys, amounts)

    def _add_pairs(self, keys: np.ndarray, counts: np.ndarray) -> None:
        """Add (key, count) pairs: into the dense window where they fall in it (founding it
        around the middle key if there is none yet), the stragglers into the sparse map."""
        if not len(self.counts):
            middle = int(keys[len(keys) // 2])
            near = np.abs(keys - middle) <= _DENSE_MAX // 2
            lo, hi = int(keys[near].min()), int(keys[near].max())
            self.offset, self.counts = lo, np.zeros(hi - lo + 1, dtype=self.dtype)
        inside = (keys >= self.offset) & (keys < self.offset + len(self.counts))
        np.add.at(self.counts, keys[inside] - self.offset, counts[inside])
        for key, count in zip(keys[~inside].tolist(), counts[~inside].tolist(), strict=True):
            self.sparse[key] = self.sparse.get(key, 0) + count

    def add_counts(self, lo: int, counts: np.ndarray) -> None:
        if not len(counts):
            return
        hi = lo + len(counts) - 1
        if not len(self.counts):
            self.offset, self.counts = lo, counts.astype(self.dtype, copy=True)
            return
        top = self.offset + len(self.counts) - 1
        new_lo, new_hi = min(lo, self.offset), max(hi, top)
        if new_hi - new_lo > _DENSE_MAX:  # too far from the dense window: count sparsely
            occupied = np.flatnonzero(counts)
            self._add_pairs(occupied + lo, counts[occupied])
            return
        if (new_lo, new_hi) != (self.offset, top):
            grown = np.zeros(new_hi - new_lo + 1, dtype=self.dtype)
            grown[self.offset - new_lo : self.offset - new_lo + len(self.counts)] = self.counts
            self.offset, self.counts = new_lo, grown
        self.counts[lo - self.offset : lo - self.offset + len(counts)] += counts

    def merge(self, other: _Histogram) -> None:
        self.add_counts(other.offset, other.counts)
        if other.sparse:
            keys = np.fromiter(other.sparse, dtype=np.int64, count=len(other.sparse))
            counts = np.fromiter(other.sparse.values(), dtype=np.int64, count=len(other.sparse))
            self._add_pairs(keys, counts)

    def occupied(self) -> tuple[np.ndarray, np.ndarray]:
        index = np.flatnonzero(self.counts)
        keys, counts = index + self.offset, self.counts[index]
        if not self.sparse:
            return keys, counts
        merged: dict[int, Any] = dict(zip(keys.tolist(), counts.tolist(), strict=True))
        for key, count in self.sparse.items():
            merged[key] = merged.get(key, 0) + count
        ordered = sorted(merged)
        return (
            np.array(ordered, dtype=np.int64),
            np.array([merged[k] for k in ordered], dtype=self.dtype),
        )


@dataclass
class Sketch:
    """Mergeable statistics of one quantity: counts, moments, extremes, bucket histogram.

    Negative and positive draws have histograms of their own, so a quantity that crosses zero
    does not need buckets for every tiny magnitude in between.
    """

    count: int = 0
    nonfinite: int = 0
    nan: int = 0
    zeros: int = 0  # exact zeros (±0): a point mass, not spread over a bucket
    minimum: float = math.inf
    maximum: float = -math.inf
    negative: _Histogram = field(default_factory=_Histogram)
    positive: _Histogram = field(default_factory=_Histogram)
    moments: dict[int, tuple[int, float, float]] = field(default_factory=dict)
    hits: list[int] = field(default_factory=list)
    seen: list[int] = field(default_factory=list)  # per threshold: draws it was judged on

    @classmethod
    def constant(cls, value: float, count: int, hits: Sequence[int] = ()) -> Sketch:
        """The sketch of ``count`` draws all equal to ``value`` (a fixed assumption)."""
        sketch = cls(count=count, minimum=value, maximum=value, hits=list(hits))
        sketch.seen = [count] * len(sketch.hits)
        if value == 0:
            sketch.zeros = count
        else:
            key = int(_monotone(np.array([value]))[0] >> BUCKET_BITS)
            side = sketch.negative if key < 0 else sketch.positive
            side.add_counts(key, np.array([count], dtype=np.int64))
        sketch.moments = {0: (count, value, 0.0)}
        return sketch

    def add(
        self,
        block: int,
        values: np.ndarray,
        hits: Sequence[int] = (),
        seen: Sequence[int] = (),
    ) -> None:
        """Count block number ``block``'s ``values`` (and its threshold hits, counted over
        the finite draws by the caller)."""
        finite_mask = np.isfinite(values)
        finite = values if finite_mask.all() else values[finite_mask]
        self.nonfinite += len(values) - len(finite)
        self._add_hits(hits, seen)
        if not len(finite):
            return
        with np.errstate(over="ignore", invalid="ignore"):
            mean = float(np.mean(finite))
            m2 = float(np.sum(np.square(finite - mean)))
        self.moments[block] = (len(finite), mean, m2)
        self.count += len(finite)
        self.minimum = min(self.minimum, float(finite.min()))
        self.maximum = max(self.maximum, float(finite.max()))
        self.nan += int(np.count_nonzero(np.isnan(values))) if len(finite) < len(values) else 0
        nonzero = finite != 0
        if not nonzero.all():
            self.zeros += len(finite) - int(np.count_nonzero(nonzero))
            finite = finite[nonzero]
        keys = _monotone(finite) >> BUCKET_BITS
        if self.minimum >= 0:
            self.positive.add_keys(keys)
        else:
            below = keys < 0
            self.negative.add_keys(keys[below])
            self.positive.add_keys(keys[~below])

    def _add_hits(self, hits: Sequence[int], seen: Sequence[int]) -> None:
        if self.hits:
            self.hits = [a + b for a, b in zip(self.hits, hits, strict=True)]
            self.seen = [a + b for a, b in zip(self.seen, seen, strict=True)]
        else:
            self.hits, self.seen = list(hits), list(seen)

    def merge(self, other: Sketch) -> None:
        """Fold ``other`` (other blocks of the same quantity) into this sketch."""
        self.nonfinite += other.nonfinite
        self.nan += other.nan
        self._add_hits(other.hits, other.seen)
        if not other.count:
            return
        self.count += other.count
        self.zeros += other.zeros
        self.minimum = min(self.minimum, other.minimum)
        self.maximum = max(self.maximum, other.maximum)
        self.moments.update(other.moments)
        self.negative.merge(other.negative)
        self.positive.merge(other.positive)

    def mean_sd(self) -> tuple[float, float]:
        """Mean and sample sd, merging per-block moments in block order (Chan et al.)."""
        if self.minimum == self.maximum:
            return self.minimum, 0.0
        n, mean, m2 = 0, 0.0, 0.0
        with np.errstate(over="ignore", invalid="ignore"):
            for block in sorted(self.moments):
                nb, mb, m2b = self.moments[block]
                total = n + nb
                delta = mb - mean
                mean += delta * nb / total
                m2 += m2b + delta * delta * n * nb / total
                n = total
        return mean, math.sqrt(m2 / (n - 1)) if n > 1 else 0.0

    def _ranks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        keys_neg, counts_neg = self.negative.occupied()
        keys_pos, counts_pos = self.positive.occupied()
        with np.errstate(invalid="ignore"):
            lower = np.concatenate((_edge(keys_neg), [0.0] * bool(self.zeros), _edge(keys_pos)))
            # the top bucket's end can lie past the largest float
            upper = np.concatenate(
                (_edge(keys_neg + 1), [0.0] * bool(self.zeros), _edge(keys_pos + 1))
            )
        counts = np.concatenate((counts_neg, [self.zeros] * bool(self.zeros), counts_pos))
        counts = counts.astype(np.int64)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        lower = np.maximum(lower, self.minimum)
        upper = np.minimum(np.where(np.isnan(upper), self.maximum, upper), self.maximum)
        return starts, counts, lower, upper

    def order_statistics(self, ranks: np.ndarray) -> np.ndarray:
        """The (interpolated) ``ranks``-th smallest finite draws, 0-based."""
        starts, counts, lower, upper = self._ranks()
        return self._at(np.asarray(ranks, dtype=np.int64), starts, counts, lower, upper)

    def _at(
        self,
        ranks: np.ndarray,
        starts: np.ndarray,
        counts: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
    ) -> np.ndarray:
        bucket = np.searchsorted(starts, ranks, side="right") - 1
        fraction = (ranks - starts[bucket] + 0.5) / counts[bucket]
        low, high = lower[bucket], upper[bucket]
        values = np.where(high > low, low + (high - low) * fraction, low)
        # the extremes are known exactly
        return np.where(
            ranks == 0, self.minimum, np.where(ranks == self.count - 1, self.maximum, values)
        )

    def statistics(
        self, percentiles: Sequence[float], probability: float = HDI_PROBABILITY
    ) -> tuple[list[float], tuple[float, float]]:
        """Percentiles and HDI from the histogram (see the module docstring for the bound)."""
        n = self.count
        starts, counts, lower, upper = self._ranks()
        positions = _positions(n, percentiles)
        ranks = np.array([r for lo, hi, _ in positions for r in (lo, hi)], dtype=np.int64)
        at = self._at(ranks, starts, counts, lower, upper)
        quantiles = [
            _interpolate(float(at[2 * i]), float(at[2 * i + 1]), f)
            for i, (_, _, f) in enumerate(positions)
        ]
        width = math.floor(probability * n)
        count = n - width
        if count <= 0 or width == 0:
            return quantiles, (self.minimum, self.maximum)
        ends = np.concatenate(
            (starts - 1, starts, starts - width - 1, starts - width, [1, count - 2, count - 1])
        )
        candidates = np.unique(np.clip(ends, 0, count - 1))
        low = self._at(candidates, starts, counts, lower, upper)
        high = self._at(candidates + width, starts, counts, lower, upper)
        best = int(np.argmin(high - low))
        return quantiles, (float(low[best]), float(high[best]))
