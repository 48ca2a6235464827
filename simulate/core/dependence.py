"""Assumptions drawn together: rank correlations and joint parameter sets.

Two kinds of dependence, both imposed on the uniforms each assumption is drawn from, so every
assumption keeps its declared marginal distribution and the sampling methods (mc, lhs, sobol)
and the reproducibility contract work unchanged:

- **Correlated assumptions** (``[correlations]``, and multivariate normals, which are normal
  marginals joined the same way) are joined by a Gaussian copula: each uniform becomes a normal
  score ``z = Φ⁻¹(u)``, the scores of a group are mixed by a factor ``A`` of their correlation
  matrix (``A·Aᵀ = R``), and ``Φ(A·z)`` goes through each assumption's inverse CDF. A rank
  (Spearman) correlation ρ is imposed as the normal-score correlation ``2·sin(π·ρ/6)``, the
  exact relation for a Gaussian copula, so the draws' Spearman correlation is ρ whatever the
  marginals (continuous ones; ties in a discrete marginal weaken it).
- **Joint parameter sets from a table** draw one row for all their names from a single
  uniform, so each draw is one coherent set (e.g. one bootstrap fit of a scaling law).

The mapping is row by row, so the same seed gives the same numbers whatever the chunk size or
number of workers. With Latin hypercube sampling the joined assumptions keep their exact
marginals but lose the strict stratification of each one (the copula mixes the strata).

Source for the copula and the Spearman relation: Iman & Conover (1982), "A distribution-free
approach to inducing rank correlation among input variables"; Kruskal (1958) for
ρ_s = (6/π)·asin(r/2) under normality.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from simulate.core.distributions import Distribution

UNIFORM_EDGE = 2.0**-53  # keeps inverse CDFs finite at u = 0 (as in sampling)
_PSD_TOLERANCE = 1e-10


class DependenceError(ValueError):
    """A correlation matrix that no joint distribution has, or a malformed joint set."""


def rank_to_normal(rho: float | np.ndarray) -> float | np.ndarray:
    """The normal-score (Pearson) correlation whose Gaussian copula has Spearman's ``rho``."""
    return 2.0 * np.sin(np.pi * np.asarray(rho) / 6.0)


def normal_to_rank(r: float | np.ndarray) -> float | np.ndarray:
    """Spearman's ρ of a Gaussian copula with normal-score correlation ``r``."""
    return 6.0 / np.pi * np.arcsin(np.asarray(r) / 2.0)


@dataclass(frozen=True)
class CopulaGroup:
    """Assumptions joined by a Gaussian copula with normal-score correlation ``correlation``."""

    names: tuple[str, ...]
    correlation: np.ndarray
    factor: np.ndarray  # A with A·Aᵀ = correlation (Cholesky's where it exists)

    @property
    def label(self) -> str:
        return " + ".join(self.names)


@dataclass(frozen=True)
class TableGroup:
    """Assumptions drawn together, one row of ``rows`` per draw."""

    label: str
    names: tuple[str, ...]
    rows: np.ndarray  # (number of rows, len(names))

    @property
    def key(self) -> str:
        """The name of this group's uniform stream (never a quantity's name: it has a ':')."""
        return f"joint:{self.label}"


@dataclass(frozen=True)
class Dependence:
    """Every group of assumptions that is not drawn independently."""

    copulas: tuple[CopulaGroup, ...] = ()
    tables: tuple[TableGroup, ...] = ()
    # the rank correlations as declared: (name, name, ρ)
    declared: tuple[tuple[str, str, float], ...] = field(default=())

    def __bool__(self) -> bool:
        return bool(self.copulas or self.tables)

    def note(self) -> str:
        """One sentence for sensitivity results: which inputs vary together, and what that
        means for each method ("" when every assumption is independent)."""
        if not self:
            return ""
        groups = [f"{c.label}" for c in self.copulas] + [
            f"{t.label} ({', '.join(t.names)})" for t in self.tables
        ]
        return (
            f"Inputs drawn together: {'; '.join(groups)}. Each group is one factor in the Sobol "
            "indices (group indices: independence is assumed only between groups, where it "
            "holds); Spearman's ρ credits correlated inputs with each other's effect; the "
            "tornado moves one assumption at a time along its own distribution, and a joint "
            "set from a table as one row (the rows at the output's P10 and P90)."
        )

    def uniform_keys(self, sampled: Sequence[str]) -> list[str]:
        """One uniform stream per independent or copula-joined assumption and one per table
        group (where its first name stands), in declaration order: Sobol and LHS dimensions."""
        table_of = {name: t for t in self.tables for name in t.names}
        keys: list[str] = []
        for name in sampled:
            key = table_of[name].key if name in table_of else name
            if key not in keys:
                keys.append(key)
        return keys

    def factors(self, sampled: Sequence[str]) -> list[tuple[str, list[str]]]:
        """Groups of uniform streams that vary together: (label, keys). An independent
        assumption is a factor of its own; a copula group or table group is one factor."""
        copula_of = {name: c for c in self.copulas for name in c.names}
        result: dict[str, list[str]] = {}
        for key in self.uniform_keys(sampled):
            if key in copula_of:
                result.setdefault(copula_of[key].label, []).append(key)
            elif key.startswith("joint:"):
                result[key.removeprefix("joint:")] = [key]
            else:
                result[key] = [key]
        return list(result.items())

    @property
    def copula_names(self) -> set[str]:
        return {name for c in self.copulas for name in c.names}

    @property
    def drawn_together(self) -> set[str]:
        """Every assumption not drawn on its own: copula members and joint-table members."""
        return self.copula_names | {name for t in self.tables for name in t.names}

    def signature(self, name: str) -> tuple | None:
        """How ``name`` is drawn, comparable across scenarios (``None``: independently).

        Two scenarios draw an assumption alike only if their signatures are equal.
        """
        for copula in self.copulas:
            if name in copula.names:
                return ("copula", copula.names, copula.correlation.tobytes())
        for table in self.tables:
            if name in table.names:
                return ("table", table.label, table.names, table.rows.tobytes())
        return None

    def values(
        self, distributions: Mapping[str, Distribution], uniforms: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """The assumptions' values from uniforms on (0, 1), one per key of
        :meth:`uniform_keys` (keys not listed are left out)."""
        joined = dict(uniforms)
        for copula in self.copulas:
            if all(name in joined for name in copula.names):
                mixed = join(copula, [joined[name] for name in copula.names])
                joined.update(zip(copula.names, mixed, strict=True))
        result: dict[str, np.ndarray] = {}
        for table in self.tables:
            if table.key in joined:
                rows = table_rows(table, joined[table.key])
                for j, name in enumerate(table.names):
                    result[name] = table.rows[rows, j]
        for name, distribution in distributions.items():
            if name not in result and name in joined:
                u = np.clip(joined[name], UNIFORM_EDGE, 1.0 - UNIFORM_EDGE)
                result[name] = distribution.ppf(u)
        return result


def join(copula: CopulaGroup, uniforms: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Independent uniforms → uniforms joined by the copula (same shape, same marginals)."""
    scores = special.ndtri(np.clip(np.stack(uniforms), UNIFORM_EDGE, 1.0 - UNIFORM_EDGE))
    mixed = special.ndtr(copula.factor @ scores)
    return list(np.clip(mixed, UNIFORM_EDGE, 1.0 - UNIFORM_EDGE))


def table_rows(table: TableGroup, uniforms: np.ndarray) -> np.ndarray:
    """The row each uniform picks: every row equally likely."""
    count = table.rows.shape[0]
    return np.minimum((np.asarray(uniforms) * count).astype(np.int64), count - 1)


def copula_group(names: Sequence[str], correlation: np.ndarray) -> CopulaGroup:
    """A copula group for a valid (symmetric, unit-diagonal, positive semi-definite)
    normal-score correlation matrix; :class:`DependenceError` otherwise."""
    matrix = np.asarray(correlation, dtype=float)
    values, vectors = np.linalg.eigh(matrix)
    if values.min() < -_PSD_TOLERANCE:
        raise DependenceError(
            f"not positive semi-definite (smallest eigenvalue {values.min():.3g})"
        )
    try:  # Cholesky where it exists: unique, so the same draws on every machine
        factor = np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:  # singular (ρ = ±1): A = V·√Λ serves, though its
        # eigenvectors' signs, and so the draws (not their distribution), may differ
        # between LAPACK builds
        factor = vectors * np.sqrt(np.clip(values, 0.0, None))
    return CopulaGroup(names=tuple(names), correlation=matrix, factor=factor)


def nearest_correlation(matrix: np.ndarray) -> np.ndarray:
    """A valid correlation matrix near ``matrix``: negative eigenvalues set to zero, then the
    diagonal rescaled to one (a suggestion for the user, not applied silently)."""
    values, vectors = np.linalg.eigh(matrix)
    clipped = (vectors * np.clip(values, 1e-6, None)) @ vectors.T
    scale = 1.0 / np.sqrt(np.diag(clipped))
    return clipped * np.outer(scale, scale)


def from_rank_pairs(pairs: Sequence[tuple[str, str, float]]) -> list[CopulaGroup]:
    """Copula groups from declared rank correlations: one group per connected set of names.

    Pairs not declared within a group are uncorrelated. A set whose matrix is not positive
    semi-definite raises :class:`DependenceError` naming its pairs and a valid alternative.
    """
    groups: list[list[str]] = []
    for a, b, _ in pairs:
        touching = [g for g in groups if a in g or b in g]
        merged = [n for g in touching for n in g]
        merged += [n for n in (a, b) if n not in merged]
        groups = [g for g in groups if g not in touching] + [merged]
    result = []
    for names in groups:
        index = {name: i for i, name in enumerate(names)}
        rank = np.eye(len(names))
        mine = [(a, b, rho) for a, b, rho in pairs if a in index]
        for a, b, rho in mine:
            rank[index[a], index[b]] = rank[index[b], index[a]] = rho
        try:
            result.append(copula_group(names, rank_to_normal(rank)))
        except DependenceError as exc:
            nearest = normal_to_rank(nearest_correlation(rank_to_normal(rank)))
            suggestion = ", ".join(
                f'"{a}, {b}" = {nearest[index[a], index[b]]:.2f}' for a, b, _ in mine
            )
            declared = ", ".join(f'"{a}, {b}" = {rho:g}' for a, b, rho in mine)
            raise DependenceError(
                f"the correlations {declared} cannot hold together: their matrix is {exc}; "
                f"a valid set close to it: {suggestion}"
            ) from None
    return result
