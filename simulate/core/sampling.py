"""Draws for the assumptions: Monte Carlo, Latin hypercube or scrambled Sobol.

Draws are made in fixed blocks of :data:`BLOCK_SIZE`. Block ``b`` of assumption ``x`` is
drawn from its own stream, seeded by ``(seed, b, hash(x))``, so a draw's value depends only on
the seed, its index and the assumption's name — never on how a run is split into chunks or
spread over workers, nor on which other assumptions the scenario has (so two scenarios that
share an assumption share its draws: common random numbers).
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Mapping

import numpy as np

from simulate.core.dependence import Dependence
from simulate.core.distributions import Distribution
from simulate.core.permutation import keyed_permutation

BLOCK_SIZE = 2**16  # part of the reproducibility contract: changing it changes every result
METHODS = ("mc", "lhs", "sobol")
_LHS_STREAM = 2**32 + 1
_SOBOL_STREAM = 2**32 + 2


def name_key(name: str) -> int:
    """A stable 64-bit integer for a name (Python's ``hash`` changes between runs)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")


def block_count(draws: int) -> int:
    return -(-draws // BLOCK_SIZE)


class Sampler:
    """Draws of the non-fixed assumptions, one block at a time.

    ``distributions`` must be in a stable order (declaration order); Sobol and LHS assign
    dimensions in that order, one per uniform stream of ``dependence`` (an assumption, or a
    joint set drawn from a table). Correlated and joint assumptions are drawn through their
    uniforms (:mod:`simulate.core.dependence`); the others, in Monte Carlo, straight from numpy.
    """

    def __init__(
        self,
        distributions: Mapping[str, Distribution],
        draws: int,
        seed: int,
        method: str = "mc",
        dependence: Dependence | None = None,
    ) -> None:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
        self.distributions = dict(distributions)
        self.draws = draws
        self.seed = seed
        self.method = method
        self.dependence = dependence or Dependence()
        self.keys = self.dependence.uniform_keys(list(self.distributions))
        self._joined = self.dependence.drawn_together
        # A Latin hypercube gives draw i of each dimension the stratum perm(i), with perm a
        # keyed bijection of [0, draws) evaluated index by index: O(1) memory per dimension.
        self._strata_keys: dict[str, int] = {}
        if method == "lhs":
            for key in self.keys:
                state = np.random.SeedSequence(
                    seed, spawn_key=(_LHS_STREAM, name_key(key))
                ).generate_state(1, np.uint64)
                self._strata_keys[key] = int(state[0])

    def _rng(self, block: int, name: str) -> np.random.Generator:
        return np.random.default_rng(
            np.random.SeedSequence(self.seed, spawn_key=(block, name_key(name)))
        )

    def block(self, index: int) -> dict[str, np.ndarray]:
        """Draws ``index·BLOCK_SIZE`` up to the next block (or the end) for every assumption."""
        start = index * BLOCK_SIZE
        size = min(BLOCK_SIZE, self.draws - start)
        if size <= 0:
            raise IndexError(f"block {index} is past {self.draws} draws")
        if self.method == "mc":
            independent = {
                name: dist.sample(self._rng(index, name), size)
                for name, dist in self.distributions.items()
                if name not in self._joined
            }
            if not self._joined:
                return independent
            uniforms = {
                key: self._rng(index, key).random(size)
                for key in self.keys
                if key not in independent
            }
            joined = self.dependence.values(self.distributions, uniforms)
            return {name: independent.get(name, joined.get(name)) for name in self.distributions}
        values = self.dependence.values(self.distributions, self.uniforms(index))
        return {name: values[name] for name in self.distributions}

    def uniforms(self, index: int) -> dict[str, np.ndarray]:
        """Block ``index`` of each uniform stream of a Latin hypercube or Sobol design."""
        start = index * BLOCK_SIZE
        size = min(BLOCK_SIZE, self.draws - start)
        if self.method == "sobol":
            return self._sobol(start, size)
        strata_of = np.arange(start, start + size, dtype=np.int64)
        uniforms = {}
        for key in self.keys:
            jitter = self._rng(index, key).random(size)
            strata = keyed_permutation(strata_of, self.draws, self._strata_keys[key])
            uniforms[key] = (strata + jitter) / self.draws
        return uniforms

    def _sobol(self, start: int, size: int) -> dict[str, np.ndarray]:
        if not self.keys:
            return {}
        from scipy.stats import qmc  # imports all of scipy.stats: only Sobol runs pay for it

        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(_SOBOL_STREAM,)))
        engine = qmc.Sobol(len(self.keys), scramble=True, rng=rng)
        if start:
            engine.fast_forward(start)
        with warnings.catch_warnings():
            # Balance is a property of the whole run (reported once by the CLI), not a block.
            warnings.simplefilter("ignore", UserWarning)
            points = engine.random(size)
        return {key: points[:, i] for i, key in enumerate(self.keys)}
