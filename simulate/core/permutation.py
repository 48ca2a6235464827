"""A keyed bijection of ``[0, n)`` that can be evaluated at any index, in O(1) memory per index.

Why: a Latin hypercube sampler gives draw ``i`` of a dimension the stratum ``perm(i)``, where
``perm`` is a random permutation of all ``n`` draws. Holding that permutation costs 8 bytes per
draw and dimension (80 GB for ``n = 1e10``), and a block of draws cannot be made without it.
:func:`keyed_permutation` computes ``perm(i)`` for just the indices asked for, so a block's
strata cost only as much memory as the block, and they are the same whichever blocks are
evaluated, in whatever order, on whichever worker.

How: a Feistel network over the smallest power-of-two domain ``2**b >= n`` (so ``2**b < 2n``),
split into halves of ``b // 2`` and ``b - b // 2`` bits (unbalanced when ``b`` is odd), with
:data:`ROUNDS` rounds. Each round is invertible whatever its round function, so the network is
a bijection of ``[0, 2**b)``. Values that land in ``[n, 2**b)`` are sent through the network
again ("cycle walking") until they fall in ``[0, n)``: following the cycle of a bijection this
way gives a bijection of ``[0, n)``. As the domain is less than ``2n``, more than half the
values land in range at each pass, so the number of passes is small on average.

The round function is the splitmix64 finalizer applied to ``right half XOR round key``; the
round keys are successive outputs of splitmix64 seeded with ``key``. Only unsigned 64-bit
integer arithmetic is used (multiplication wraps modulo ``2**64`` by design), so the result is
the same on every platform and numpy version: it is part of the reproducibility contract.
"""

from __future__ import annotations

import operator

import numpy as np

ROUNDS = 6  # part of the reproducibility contract: changing it changes every permutation

_MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)


def _splitmix64_scalar(z: int) -> int:
    """The splitmix64 finalizer on a Python int (exact, for deriving round keys)."""
    z &= _MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
    return z ^ (z >> 31)


def _round_keys(key: int) -> list[np.uint64]:
    """ROUNDS round keys: the splitmix64 sequence seeded with ``key`` (mod 2**64)."""
    state = key & _MASK64
    keys = []
    for _ in range(ROUNDS):
        state = (state + _GOLDEN) & _MASK64
        keys.append(np.uint64(_splitmix64_scalar(state)))
    return keys


def _mix64(z: np.ndarray) -> np.ndarray:
    """The splitmix64 finalizer on a uint64 array (consumed: modified in place)."""
    z ^= z >> _S30
    z *= _MIX1
    z ^= z >> _S27
    z *= _MIX2
    z ^= z >> _S31
    return z


def _feistel(
    x: np.ndarray, left_bits: int, right_bits: int, round_keys: list[np.uint64]
) -> np.ndarray:
    """One pass of the Feistel network: a bijection of [0, 2**(left_bits + right_bits))."""
    left = x >> np.uint64(right_bits)
    right = x & np.uint64((1 << right_bits) - 1)
    wl, wr = left_bits, right_bits
    for rk in round_keys:
        f = _mix64(right ^ rk)
        f &= np.uint64((1 << wl) - 1)
        f ^= left
        # (L, R) -> (R, L ^ F(R)): invertible whatever F is; the half widths swap.
        left, right = right, f
        wl, wr = wr, wl
    left <<= np.uint64(wr)
    left |= right
    return left


def keyed_permutation(indices: np.ndarray, n: int, key: int) -> np.ndarray:
    """perm(i) for each i in `indices` (int64 array, all in [0, n)); perm is a bijection of [0, n)
    chosen by the 64-bit integer `key`. Returns int64."""
    n = operator.index(n)
    key = operator.index(key)
    if not 1 <= n <= np.iinfo(np.int64).max:
        raise ValueError(f"n must be in [1, 2**63 - 1], got {n}")
    idx = np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"indices must be integers, got dtype {idx.dtype}")
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"indices must be in [0, {n})")
    if n == 1 or idx.size == 0:
        return np.zeros(idx.shape, dtype=np.int64)

    bits = (n - 1).bit_length()  # smallest b with 2**b >= n; 2**b < 2n
    left_bits = bits // 2
    right_bits = bits - left_bits
    round_keys = _round_keys(key)
    big_n = np.uint64(n)

    with np.errstate(over="ignore"):
        out = _feistel(idx.astype(np.uint64).ravel(), left_bits, right_bits, round_keys)
        todo = np.flatnonzero(out >= big_n)
        while todo.size:  # cycle walking: the out-of-range subset shrinks geometrically
            walked = _feistel(out[todo], left_bits, right_bits, round_keys)
            out[todo] = walked
            todo = todo[walked >= big_n]
    return out.astype(np.int64).reshape(idx.shape)
