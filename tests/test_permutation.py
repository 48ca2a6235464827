"""The keyed permutation behind Latin hypercube strata: a bijection, evaluable piecewise."""

from __future__ import annotations

import numpy as np
import pytest

from simulate.core.permutation import ROUNDS, keyed_permutation

SIZES = [1, 2, 3, 5, 7, 16, 17, 1000, 65536, 65537, 1_000_003]
MASK64 = (1 << 64) - 1


def _splitmix64(z: int) -> int:
    z &= MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def _reference(i: int, n: int, key: int) -> int:
    """The documented algorithm, one index at a time in exact Python integers."""
    if n == 1:
        return 0
    bits = (n - 1).bit_length()
    wl, wr = bits // 2, bits - bits // 2
    state, round_keys = key & MASK64, []
    for _ in range(ROUNDS):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        round_keys.append(_splitmix64(state))
    x = i
    while True:
        left, right, a, b = x >> wr, x & ((1 << wr) - 1), wl, wr
        for rk in round_keys:
            left, right = right, left ^ (_splitmix64(right ^ rk) & ((1 << a) - 1))
            a, b = b, a
        x = (left << b) | right
        if x < n:
            return x


@pytest.mark.parametrize("n", SIZES)
def test_is_a_bijection_of_the_range(n):
    perm = keyed_permutation(np.arange(n, dtype=np.int64), n, key=2024)
    assert perm.dtype == np.int64
    assert perm.shape == (n,)
    np.testing.assert_array_equal(np.sort(perm), np.arange(n))


@pytest.mark.parametrize("n", [2, 3, 17, 1000, 65537])
@pytest.mark.parametrize("key", [0, 1, 2**63, -1])
def test_is_a_bijection_for_other_keys(n, key):
    perm = keyed_permutation(np.arange(n), n, key)
    np.testing.assert_array_equal(np.sort(perm), np.arange(n))


@pytest.mark.parametrize("n", [7, 1000, 65537, 1_000_003])
def test_slices_agree_with_the_full_evaluation(n):
    full = keyed_permutation(np.arange(n), n, key=99)
    for start, stop in [(0, 1), (n // 3, n // 2), (n - 1, n), (1, n)]:
        part = keyed_permutation(np.arange(start, stop), n, key=99)
        np.testing.assert_array_equal(part, full[start:stop])
    rng = np.random.default_rng(5)
    scattered = rng.integers(0, n, size=min(n, 500))
    np.testing.assert_array_equal(keyed_permutation(scattered, n, key=99), full[scattered])
    reversed_order = np.arange(n)[::-1].copy()
    np.testing.assert_array_equal(keyed_permutation(reversed_order, n, key=99), full[::-1])


@pytest.mark.parametrize("n", [1, 2, 5, 17, 1000, 65537, 10**10])
def test_matches_a_scalar_reference_implementation(n):
    indices = np.unique(np.concatenate([np.arange(min(n, 40)), [n - 1, n // 2, n // 3]]))
    got = keyed_permutation(indices, n, key=0xDEADBEEF)
    want = [_reference(int(i), n, 0xDEADBEEF) for i in indices]
    assert got.tolist() == want


def test_golden_values_are_stable():
    # Part of the reproducibility contract: these must not change across platforms or versions.
    assert keyed_permutation(np.arange(10), 10, 12345).tolist() == [1, 7, 2, 3, 4, 5, 8, 9, 6, 0]
    indices = np.array([0, 1, 2, 10**10 - 1, 123456789])
    assert keyed_permutation(indices, 10**10, -1).tolist() == [
        6862346386,
        1653041942,
        1690002411,
        2241226532,
        883589319,
    ]
    assert keyed_permutation(np.arange(8), 1000, 2**64 - 1).tolist() == [
        313,
        516,
        806,
        280,
        106,
        72,
        973,
        287,
    ]


@pytest.mark.parametrize("n", [10, 11, 100, 1000, 65537])
def test_same_key_same_result_different_key_different_permutation(n):
    indices = np.arange(n)
    base = keyed_permutation(indices, n, key=7)
    np.testing.assert_array_equal(keyed_permutation(indices, n, key=7), base)
    # Keys differing in the low bit, in a high bit only, and in the sign bit only.
    for other in [8, 7 + 2**40, 7 ^ (1 << 63)]:
        assert not np.array_equal(keyed_permutation(indices, n, key=other), base), other


def test_key_is_taken_modulo_2_to_the_64():
    indices = np.arange(1000)
    np.testing.assert_array_equal(
        keyed_permutation(indices, 1000, -1), keyed_permutation(indices, 1000, 2**64 - 1)
    )
    np.testing.assert_array_equal(
        keyed_permutation(indices, 1000, np.uint64(3)), keyed_permutation(indices, 1000, 3)
    )


@pytest.mark.parametrize("n", [2, 3, 1000, 65537, 10**10])
def test_output_is_within_the_range(n):
    indices = np.unique(np.linspace(0, n - 1, num=min(n, 5000)).astype(np.int64))
    perm = keyed_permutation(indices, n, key=3)
    assert perm.min() >= 0
    assert perm.max() < n
    assert np.unique(perm).size == indices.size


def test_is_not_the_identity_nor_a_shift():
    n = 1000
    i = np.arange(n)
    perm = keyed_permutation(i, n, key=11)
    assert np.count_nonzero(perm == i) < 10  # a random permutation has ~1 fixed point
    offsets = (perm - i) % n
    assert np.unique(offsets).size > n // 2  # a shift (or near-shift) has few distinct offsets
    neighbours = np.abs(np.diff(perm))
    assert np.count_nonzero(neighbours == 1) < 20  # consecutive indices are not kept together


def test_rank_correlation_with_the_index_is_small():
    n = 100_000
    i = np.arange(n)
    perm = keyed_permutation(i, n, key=123)
    # Both are permutations of 0..n-1, so Pearson on them is Spearman's rho.
    rho = np.corrcoef(i, perm)[0, 1]
    assert abs(rho) < 0.1
    assert np.count_nonzero(perm == i) < 20
    # Low output bits are not determined by low input bits (a weak mixer would leak them).
    table = np.histogram2d(i % 4, perm % 4, bins=4)[0]
    assert table.min() > 0.8 * n / 16


def test_indices_near_the_top_of_a_huge_range():
    n = 10**10
    indices = np.arange(n - 5, n, dtype=np.int64)
    perm = keyed_permutation(indices, n, key=42)
    assert perm.dtype == np.int64
    assert np.unique(perm).size == 5
    assert ((perm >= 0) & (perm < n)).all()
    assert (perm != indices).any()


def test_empty_indices_give_an_empty_result():
    perm = keyed_permutation(np.array([], dtype=np.int64), 1000, key=1)
    assert perm.shape == (0,)
    assert perm.dtype == np.int64
    assert keyed_permutation(np.array([], dtype=np.int64), 1, key=1).shape == (0,)


def test_n_equal_to_one_gives_zeros():
    perm = keyed_permutation(np.zeros(3, dtype=np.int64), 1, key=5)
    assert perm.tolist() == [0, 0, 0]
    assert perm.dtype == np.int64


def test_shape_is_kept():
    full = keyed_permutation(np.arange(12), 12, key=4)
    grid = keyed_permutation(np.arange(12).reshape(3, 4), 12, key=4)
    np.testing.assert_array_equal(grid, full.reshape(3, 4))


def test_input_is_not_modified():
    indices = np.arange(100, dtype=np.int64)
    keyed_permutation(indices, 100, key=1)
    np.testing.assert_array_equal(indices, np.arange(100))


@pytest.mark.parametrize(
    ("indices", "n", "error"),
    [
        (np.array([-1]), 10, ValueError),
        (np.array([10]), 10, ValueError),
        (np.array([0]), 0, ValueError),
        (np.array([0.5]), 10, TypeError),
    ],
)
def test_rejects_bad_input(indices, n, error):
    with pytest.raises(error):
        keyed_permutation(indices, n, key=0)
