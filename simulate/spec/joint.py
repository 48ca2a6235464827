"""The ``[correlations]`` and ``[joint.NAME]`` tables of a priors file → a validated Dependence.

Part of :mod:`simulate.spec.reader` (which reads the TOML): every problem is a
:class:`~simulate.core.errors.PriorsError` naming the file and the dotted key.

.. code-block:: toml

    [correlations]
    "training_mfu, accelerator_hour_usd" = -0.4          # a rank (Spearman) correlation
    "price, margin" = { rho = 0.5, source = "...", description = "why they move together" }
    prices = { names = ["a", "b", "c"], matrix = [[1, 0.3, 0], [0.3, 1, 0.2], [0, 0.2, 1]] }

    [joint.loss_fit]                                     # rows drawn together
    table = "data/chinchilla-bootstrap-fits.csv"         # a header row names the columns
    names = ["loss_e", "loss_a", "loss_b", "loss_alpha", "loss_beta"]   # default: every column
    point = [1.8172, 482.01, 2085.43, 0.3478, 0.3658]    # default: each column's median

    [joint.fit]
    names = ["x", "y"]
    multivariate_normal = { mean = [1.0, 2.0], covariance = [[0.04, 0.01], [0.01, 0.09]] }
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from simulate.core import distributions, families, units
from simulate.core.dependence import (
    CopulaGroup,
    Dependence,
    DependenceError,
    TableGroup,
    copula_group,
    from_rank_pairs,
)
from simulate.core.errors import PriorsError
from simulate.core.scenario import JointMember, JointSet

MAX_TABLE_BYTES = 50 * 2**20


def joint_sets(
    table: Any, file: str, expected_units: dict[str, str], check_name: Any
) -> tuple[list[JointSet], list[JointMember], list[TableGroup], list[CopulaGroup]]:
    """Parse ``[joint]``: the sets, their members, and how each set is drawn."""
    if not isinstance(table, dict):
        raise PriorsError(file, "joint", "expected tables [joint.NAME]")
    sets, members, tables, copulas = [], [], [], []
    seen: dict[str, str] = {}
    for label, entry in table.items():
        key = f"joint.{label}"
        check_name(label, file, "joint")
        kinds = [k for k in ("table", "multivariate_normal") if k in entry]
        if len(kinds) != 1:
            raise PriorsError(
                file, key, 'expected exactly one of table = "FILE.csv" or multivariate_normal'
            )
        source, description = (_string(entry, k, file, key) for k in ("source", "description"))
        content = b""
        if kinds[0] == "table":
            names, columns, detail, content = _table(entry, file, key)
        else:
            names, columns, detail = _multivariate_normal(entry, file, key)
        for name in names:
            check_name(name, file, f"{key}.names")
            if name in seen:
                raise PriorsError(file, f"{key}.names", f"'{name}' is also in {seen[name]}")
            seen[name] = key
        point = _point(entry, names, file, key)
        unit_list = _units(entry, names, file, key, expected_units)
        built = []
        for j, name in enumerate(names):
            try:
                if kinds[0] == "table":
                    distribution = families.build(
                        "empirical", columns[:, j].tolist(), point=point[j]
                    )
                    summary = f"column '{name}' of {detail}"
                    lo, hi = distribution.interval(0.9)
                    distribution = replace(
                        distribution,
                        summary=f"joint set {label}: a row of {detail}, "
                        f"90 % in [{distributions.fmt(lo)}, {distributions.fmt(hi)}]",
                    )
                else:
                    mean, sd = columns
                    distribution = families.build(
                        "normal", {"mean": float(mean[j]), "sd": float(sd[j])}, point=point[j]
                    )
                    summary = "multivariate normal"
                    distribution = replace(
                        distribution, summary=f"joint set {label}: {distribution.summary}"
                    )
            except distributions.DistributionError as exc:
                raise PriorsError(file, f"{key}.point", f"{name}: {exc}") from None
            built.append(
                JointMember(
                    name=name,
                    distribution=distribution,
                    unit=unit_list[j],
                    declaration=f"joint {label}: {summary}",
                    source=source,
                    description=description,
                )
            )
        members += built
        sets.append(
            JointSet(
                label,
                tuple(names),
                kinds[0].replace("_", " "),
                detail,
                source,
                description,
                content,
            )
        )
        if kinds[0] == "table":
            tables.append(TableGroup(label=label, names=tuple(names), rows=columns))
        else:
            mean, sd = columns
            covariance = np.asarray(entry["multivariate_normal"]["covariance"], dtype=float)
            correlation = covariance / np.outer(sd, sd)
            try:
                copulas.append(copula_group(names, correlation))
            except DependenceError as exc:
                raise PriorsError(
                    file, f"{key}.multivariate_normal.covariance", f"the covariance is {exc}"
                ) from None
    return sets, members, tables, copulas


def correlations(table: Any, file: str, sampled: set[str], joint_members: set[str]) -> Dependence:
    """Parse ``[correlations]`` into copula groups; every name must be a sampled assumption
    outside any joint set."""
    if not isinstance(table, dict):
        raise PriorsError(file, "correlations", 'expected a table such as "a, b" = 0.5')
    pairs: list[tuple[str, str, float]] = []
    keys: list[str] = []  # where each pair was declared: a pair's own key, or its matrix's
    for key, value in table.items():
        where = f"correlations.{key}"
        if isinstance(value, dict) and "rho" in value:  # a pair with its reasoning
            unknown = set(value) - {"rho", "source", "description"}
            if unknown:
                raise PriorsError(
                    file, f"{where}.{sorted(unknown)[0]}", "expected rho, source, description"
                )
            for text in ("source", "description"):
                _string(value, text, file, where)
            value = value["rho"]
        elif isinstance(value, dict):
            from_matrix = _matrix(value, file, where)
            pairs += from_matrix
            keys += [where] * len(from_matrix)
            continue
        names = [part.strip() for part in key.split(",")]
        if len(names) != 2 or not all(names):
            raise PriorsError(
                file, where, 'a pair is written "name_a, name_b" = ρ (or a table with a matrix)'
            )
        pairs.append((names[0], names[1], _rho(value, file, where)))
        keys.append(where)
    seen: dict[frozenset[str], str] = {}
    for (a, b, _), where in zip(pairs, keys, strict=True):
        if a == b:
            raise PriorsError(file, where, "an assumption is not correlated with itself")
        for name in (a, b):
            if name in joint_members:
                raise PriorsError(
                    file, where, f"'{name}' is in a joint set, which already says how it varies"
                )
            if name not in sampled:
                raise PriorsError(
                    file,
                    where,
                    f"'{name}' is not a sampled assumption (a fixed value, a derived quantity "
                    "and a model output cannot be correlated)",
                )
        pair = frozenset((a, b))
        if pair in seen:
            raise PriorsError(file, where, f"{a}, {b} is declared twice (also in {seen[pair]})")
        seen[pair] = where
    try:
        copulas = from_rank_pairs(pairs)
    except DependenceError as exc:
        raise PriorsError(file, "correlations", str(exc)) from None
    return Dependence(copulas=tuple(copulas), declared=tuple(pairs))


def _rho(value: Any, file: str, where: str) -> float:
    rho = distributions.finite_number(value)
    if rho is None:
        raise PriorsError(file, where, f"expected a rank correlation in [-1, 1], got {value!r}")
    if not -1.0 <= rho <= 1.0:
        raise PriorsError(file, where, f"a rank correlation lies in [-1, 1], got {value!r}")
    return rho


def _matrix(value: dict[str, Any], file: str, where: str) -> list[tuple[str, str, float]]:
    if set(value) != {"names", "matrix"}:
        raise PriorsError(file, where, "a named matrix is { names = [...], matrix = [[...], ...] }")
    names, matrix = value["names"], value["matrix"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or len(names) < 2:
        raise PriorsError(file, f"{where}.names", "expected a list of two or more names")
    if len(set(names)) != len(names):
        raise PriorsError(file, f"{where}.names", "a name is listed twice")
    if not isinstance(matrix, list) or len(matrix) != len(names):
        raise PriorsError(file, f"{where}.matrix", f"expected {len(names)} rows, one per name")
    for i, row in enumerate(matrix):
        if not isinstance(row, list) or len(row) != len(names):
            raise PriorsError(file, f"{where}.matrix", f"row {i + 1} needs {len(names)} numbers")
        for j, x in enumerate(row):
            rho = _rho(x, file, f"{where}.matrix")
            if i == j and rho != 1.0:
                raise PriorsError(file, f"{where}.matrix", "the diagonal must be 1")
            if j < i and rho != matrix[j][i]:
                raise PriorsError(
                    file,
                    f"{where}.matrix",
                    f"not symmetric: row {i + 1}, column {j + 1} is {rho:g} but row {j + 1}, "
                    f"column {i + 1} is {matrix[j][i]:g}",
                )
    return [
        (names[i], names[j], float(matrix[i][j]))
        for i in range(len(names))
        for j in range(i + 1, len(names))
    ]  # zeros too: a matrix declares every pair of its names


def _string(entry: dict[str, Any], key: str, file: str, where: str) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise PriorsError(file, f"{where}.{key}", "expected a string")
    return value


def _names(entry: dict[str, Any], file: str, where: str) -> list[str] | None:
    if "names" not in entry:
        return None
    names = entry["names"]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise PriorsError(file, f"{where}.names", "expected a list of quantity names")
    if len(set(names)) != len(names):
        raise PriorsError(file, f"{where}.names", "a name is listed twice")
    return names


def _table(
    entry: dict[str, Any], file: str, where: str
) -> tuple[list[str], np.ndarray, str, bytes]:
    """Read the CSV: '#' comment lines, a header row of names, then rows of numbers."""
    name = entry["table"]
    key = f"{where}.table"
    if not isinstance(name, str) or not name.endswith(".csv"):
        raise PriorsError(file, key, f"expected the name of a .csv file, got {name!r}")
    path = Path(file).parent / name
    if not path.is_file():
        raise PriorsError(file, key, f"no such file {str(path)!r}")
    if path.stat().st_size > MAX_TABLE_BYTES:
        raise PriorsError(file, key, f"{path} is larger than {MAX_TABLE_BYTES // 2**20} MB")
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PriorsError(file, key, f"cannot read {path} as UTF-8 text ({exc})") from None
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    if len(rows) < 3:
        raise PriorsError(file, key, f"{path} needs a header row and at least two rows of numbers")
    header = [h.strip() for h in rows[0]]
    wanted = _names(entry, file, where) or header
    for column in wanted:
        if column not in header:
            raise PriorsError(
                file, f"{where}.names", f"{path} has no column '{column}'; it has {header}"
            )
    index = [header.index(column) for column in wanted]
    values = np.empty((len(rows) - 1, len(wanted)))
    for r, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise PriorsError(
                file, key, f"{path}, data row {r - 1}: {len(row)} values, {len(header)} columns"
            )
        for c, i in enumerate(index):
            try:
                values[r - 2, c] = float(row[i])
            except ValueError:
                raise PriorsError(
                    file, key, f"{path}, data row {r - 1}: {row[i]!r} is not a number"
                ) from None
    if not np.isfinite(values).all():
        raise PriorsError(file, key, f"{path} holds values that are not finite")
    return wanted, values, f"{name} ({values.shape[0]} rows)", raw


def _multivariate_normal(
    entry: dict[str, Any], file: str, where: str
) -> tuple[list[str], tuple[np.ndarray, np.ndarray], str]:
    key = f"{where}.multivariate_normal"
    names = _names(entry, file, where)
    if names is None:
        raise PriorsError(file, f"{where}.names", "a multivariate normal needs its names")
    value = entry["multivariate_normal"]
    if not isinstance(value, dict) or set(value) != {"mean", "covariance"}:
        raise PriorsError(file, key, "expected { mean = [...], covariance = [[...], ...] }")
    k = len(names)
    mean = value["mean"]
    if not isinstance(mean, list) or len(mean) != k or not all(_is_number(x) for x in mean):
        raise PriorsError(file, f"{key}.mean", f"expected {k} numbers, one per name")
    covariance = value["covariance"]
    if (
        not isinstance(covariance, list)
        or len(covariance) != k
        or not all(
            isinstance(r, list) and len(r) == k and all(_is_number(x) for x in r)
            for r in covariance
        )
    ):
        raise PriorsError(file, f"{key}.covariance", f"expected {k} rows of {k} numbers")
    matrix = np.asarray(covariance, dtype=float)
    if not np.allclose(matrix, matrix.T, rtol=1e-12, atol=0):
        raise PriorsError(file, f"{key}.covariance", "the covariance matrix must be symmetric")
    if not (np.diag(matrix) > 0).all():
        raise PriorsError(file, f"{key}.covariance", "every variance (the diagonal) must be > 0")
    return names, (np.asarray(mean, dtype=float), np.sqrt(np.diag(matrix))), f"{k} × {k} covariance"


def _is_number(x: Any) -> bool:
    return distributions.finite_number(x) is not None


def _point(entry: dict[str, Any], names: list[str], file: str, where: str) -> list[float | None]:
    if "point" not in entry:
        return [None] * len(names)
    point = entry["point"]
    if (
        not isinstance(point, list)
        or len(point) != len(names)
        or not all(_is_number(x) for x in point)
    ):
        raise PriorsError(file, f"{where}.point", f"expected {len(names)} numbers, one per name")
    return [float(x) for x in point]


def _units(
    entry: dict[str, Any], names: list[str], file: str, where: str, expected: dict[str, str]
) -> list[str]:
    declared = entry.get("units")
    if declared is None:
        return [expected.get(name, "1") for name in names]
    if not isinstance(declared, list) or len(declared) != len(names):
        raise PriorsError(file, f"{where}.units", f"expected {len(names)} units, one per name")
    for name, unit in zip(names, declared, strict=True):
        try:
            units.quantity(unit)
            if name in expected:
                units.conversion_factor(unit, expected[name])
        except units.UnitError as exc:
            hint = units.hint(expected[name], unit) if name in expected else ""
            raise PriorsError(file, f"{where}.units", f"{name}: {exc}{hint}") from None
    return declared
