"""Priors file → validated :class:`Scenario`. The only module that reads TOML.

Everything a later step relies on is checked here, once: distribution keys and numbers, units
(each quantity kept in its declared unit, checked against the unit a model reads it in and
carried through every expression), expressions (whitelisted), correlations and joint sets,
model names, and the dependency graph.
Every problem is a :class:`~simulate.core.errors.PriorsError` naming the file and the key.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import stat
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from simulate.core import distributions, expressions, families, units
from simulate.core.dependence import Dependence
from simulate.core.distributions import DistributionError
from simulate.core.engine import base_case
from simulate.core.errors import PriorsError
from simulate.core.graph import GraphError, plan
from simulate.core.scenario import Assumption, Derived, Scenario, Trajectory
from simulate.core.thresholds import parse_threshold, threshold_factor
from simulate.models import MODELS, Model, vocabulary
from simulate.models.base import DOMAINS
from simulate.spec import axis as spec_axis
from simulate.spec import by_year, schema
from simulate.spec import joint as spec_joint
from simulate.spec import observations as spec_observations
from simulate.spec import overrides as spec_overrides
from simulate.spec import units as spec_units

TAIL = 1e-9  # the share of draws beyond a model input's domain that is refused
MAX_FILE_BYTES = 2**20  # 1 MiB: far beyond any hand-written priors file
MAX_INCLUDE_DEPTH = 16
MAX_NAME_LENGTH = 100
INCLUDED_SCENARIO_KEYS = {"title", "description", "format", "include"}
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# "draw" and "chain" are the dimensions of a saved run, the rest its groups (arviz's names)
SAVED_GROUPS = {"fixed", "prior", "constant_data", "posterior", "log_likelihood",
                "observed_data", "sample_stats_prior"}  # fmt: skip
RESERVED = {"draw", "chain"} | SAVED_GROUPS | set(expressions.FUNCTIONS)


def load(
    path: str | Path | Mapping[str, Any],
    overrides: Mapping[str, str] | None = None,
    observe: Sequence[str] = (),
) -> Scenario:
    """Read, validate and plan a priors file (and the files it includes).

    ``path`` may also be the file's content as a dict (what ``tomllib`` would read: a
    notebook can build a scenario without writing a file); its includes are then relative to
    the working directory and its errors name ``<dict>``. ``overrides`` maps assumption names
    to ``--set`` values (:mod:`simulate.spec.overrides`); they are validated like the file
    and recorded in the scenario (and its sha256). ``observe`` holds ``--observe`` values
    (:mod:`simulate.spec.observations`), added to the file's ``[observations]``.
    """
    scenario = _load(path, overrides)
    if not observe:
        return scenario
    if scenario.axis is not None:
        raise PriorsError(None, "--observe", _not_along(scenario))
    extra = spec_observations.from_command_line(observe, scenario)
    digest = hashlib.sha256(scenario.sha256.encode())
    for text in observe:
        digest.update(f"\0--observe {text}".encode())
    return dataclasses.replace(
        scenario, observations=(*scenario.observations, *extra), sha256=digest.hexdigest()
    )


def _load(path: str | Path | Mapping[str, Any], overrides: Mapping[str, str] | None) -> Scenario:
    if isinstance(path, Mapping):
        document = _plain(path)
        raw = json.dumps(document, sort_keys=True, default=str).encode()
        path = Path("<dict>")
    else:
        path = Path(path)
        document, raw = _read(path)
    schema.validate(document, str(path))  # tables, keys and the types of their values
    digest = hashlib.sha256(raw)
    included = _includes(document, path, digest, chain=(path.resolve(),))
    if not overrides:
        return _scenario(document, str(path), digest, included)
    document = spec_overrides.apply(document, included, overrides, str(path))
    for name, text in sorted(overrides.items()):
        digest.update(f"\0--set {name}={text}".encode())
    try:
        schema.validate(document, str(path))
        scenario = _scenario(document, str(path), digest, included)
    except PriorsError as exc:
        named = spec_overrides.error_for(exc, overrides)
        if named is None:  # the file alone is fine: what broke it came from --set
            try:
                _load(path, None)
            except PriorsError:
                raise exc from None
            said = ", ".join(f"{n}={v}" for n, v in sorted(overrides.items()))
            named = PriorsError(None, spec_overrides.OPTION, f"{said}: {exc}")
        raise named from None
    return dataclasses.replace(scenario, overrides=tuple(sorted(overrides.items())))


def _plain(value: Any) -> Any:
    """A dict given in place of a file, as tomllib would have read it (plain dicts and lists)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _read(path: Path) -> tuple[dict[str, Any], bytes]:
    file = str(path)
    try:
        # a FIFO, a device or /dev/zero would block or never end: only regular files are read
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            raise PriorsError(file, None, "not a regular file; a priors file is a TOML file")
        if status.st_size > MAX_FILE_BYTES:
            raise PriorsError(
                file,
                None,
                f"{status.st_size:,} bytes is more than a priors file may hold "
                f"({MAX_FILE_BYTES:,}); put tables of rows in a [joint] CSV file",
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PriorsError(file, None, "no such file") from None
    except OSError as exc:
        raise PriorsError(file, None, f"cannot read the file ({exc.strerror})") from None
    try:
        return tomllib.loads(raw.decode("utf-8")), raw
    except RecursionError:
        raise PriorsError(file, None, "values nested too deeply to read") from None
    except UnicodeDecodeError:
        raise PriorsError(file, None, "not UTF-8 text; a priors file is TOML") from None
    except tomllib.TOMLDecodeError as exc:
        raise PriorsError(file, None, f"TOML syntax error: {exc}") from None


def _includes(
    document: dict[str, Any], path: Path, digest: Any, chain: tuple[Path, ...]
) -> dict[str, tuple[str, Any, str]]:
    """Quantities from ``[scenario] include`` files: name → (section, declaration, file).

    Paths are relative to the including file. An included file holds ``[assumptions]`` and
    ``[derived]`` (and may include others); what it declares wins over what it includes. Two
    sibling includes declaring the same name is an error: the including file must choose.
    """
    file = str(path)
    header = document.get("scenario", {})
    if not isinstance(header, dict) or "include" not in header:
        return {}
    names = header["include"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise PriorsError(file, "scenario.include", f"expected a list of file names, got {names!r}")
    if len(chain) > MAX_INCLUDE_DEPTH:
        raise PriorsError(
            file, "scenario.include", f"includes nest more than {MAX_INCLUDE_DEPTH} files deep"
        )
    merged: dict[str, tuple[str, Any, str]] = {}
    for name in names:
        shown = name if len(name) <= 80 else f"{name[:77]}..."
        if not name.endswith(".toml"):
            raise PriorsError(
                file, "scenario.include", f"{shown!r}: only .toml priors files can be included"
            )
        target = path.parent / name
        try:
            found = target.is_file()
            resolved = target.resolve()
        except OSError as exc:  # a name too long for the file system, say
            raise PriorsError(file, "scenario.include", f"{shown!r}: {exc.strerror}") from None
        if not found:
            raise PriorsError(
                file, "scenario.include", f"included file {shown!r} not found (looked for {target})"
            )
        if resolved in chain:
            loop = " → ".join(p.name for p in (*chain, resolved))
            raise PriorsError(file, "scenario.include", f"include cycle: {loop}")
        try:
            included, raw = _read(target)
        except PriorsError as exc:  # unreadable or not TOML: say which include it was
            raise PriorsError(file, "scenario.include", f"{shown!r}: {exc.message}") from None
        digest.update(raw)
        _check_included(included, str(target))
        schema.validate(included, str(target))
        own = {
            key: (section, value, str(target))
            for section in ("assumptions", "derived")
            for key, value in included.get(section, {}).items()
        }
        for key, value in {
            **_includes(included, target, digest, (*chain, resolved)),
            **own,
        }.items():
            if key in merged and merged[key][2] != value[2]:
                raise PriorsError(
                    file,
                    "scenario.include",
                    f"'{key}' is declared by both {merged[key][2]} and {value[2]}; "
                    "declare it in this file to choose",
                )
            merged[key] = value
    return merged


def _check_included(document: dict[str, Any], file: str) -> None:
    allowed = {"scenario", "assumptions", "derived"}
    for key in document:
        if key not in allowed:
            raise PriorsError(file, key, "an included file holds [assumptions] and [derived]")
    header = _table(document.get("scenario", {}), file, "scenario")
    for key in header:
        if key not in INCLUDED_SCENARIO_KEYS:
            raise PriorsError(
                file,
                f"scenario.{key}",
                f"an included file may set only {', '.join(sorted(INCLUDED_SCENARIO_KEYS))}",
            )
    _table(document.get("assumptions", {}), file, "assumptions")
    _table(document.get("derived", {}), file, "derived")


def _scenario(
    document: dict[str, Any], file: str, digest: Any, included: dict[str, tuple[str, Any, str]]
) -> Scenario:
    header = document.get("scenario", {})
    if "scenario" not in document:
        raise PriorsError(
            file,
            "scenario",
            "no [scenario] table: nothing to simulate (a file of assumptions to share is "
            "included by a scenario's [scenario] include)",
        )
    version = header.get("format", schema.FORMAT_VERSION)
    if type(version) is not int:  # TOML's 1.0 is a float, which JSON Schema calls an integer
        raise PriorsError(
            file,
            "scenario.format",
            f"this version of simulate reads format {schema.FORMAT_VERSION}, got {version!r}",
        )
    name = header.get("name", Path(file).stem)
    if len(name) > MAX_NAME_LENGTH or not re.fullmatch(schema.SCENARIO_NAME_PATTERN, name):
        # a declared name is checked by the schema; this is the file's name standing in
        raise PriorsError(
            file,
            "scenario.name",
            f"expected up to {MAX_NAME_LENGTH} letters, digits, '-', '_' or '.', usable as a "
            f"file name, got {name[:80]!r}",
        )
    models = _models(header.get("models", []), file)
    known_units = {port.name: port.unit for port in vocabulary().values()}

    year = header.get("year")
    if year is not None and "years" in header:
        raise PriorsError(
            file, "scenario.year",
            "a scenario is about one year (year = ...) or several (years = [...]), not both",
        )  # fmt: skip
    if year is not None and _grows(document, included):
        # a trajectory evaluated in the scenario's one year: an axis of that year alone
        header = {**header, "years": [year]}
    years = header.get("years")

    def of_its_year(key: str, entry: Any, source: str) -> Any:
        if years is None:
            return by_year.select(key, entry, year, source)
        return by_year.along(key, entry, years, source)

    own: dict[str, Assumption] = {}
    for key, entry in _table(document.get("assumptions", {}), file, "assumptions").items():
        _check_name(key, file, "assumptions")
        own[key] = _assumption(key, of_its_year(key, entry, file), file, known_units.get(key))
    for key, (section, entry, source_file) in list(included.items()):
        if section == "assumptions" and by_year.years_listed(entry):
            if key in own:  # the scenario's own declaration replaces it: not read at all
                included = {k: v for k, v in included.items() if k != key}
            else:
                picked = of_its_year(key, entry, source_file)
                included = {**included, key: (section, picked, source_file)}
    sets, members, tables, joint_copulas = spec_joint.joint_sets(
        document.get("joint", {}), file, known_units, _check_name
    )
    for joint_set in sets:  # the tables a run draws from are part of what it depends on
        digest.update(joint_set.content)
    for member in members:
        if member.name in own:
            label = next(s.label for s in sets if member.name in s.names)
            raise PriorsError(
                file, f"joint.{label}.names", f"'{member.name}' is also declared in [assumptions]"
            )
        own[member.name] = Assumption(
            name=member.name,
            distribution=member.distribution,
            unit=member.unit,
            declared_unit=member.unit,
            declaration=member.declaration,
            source=member.source,
            description=member.description,
            file=file,
        )
    derived: dict[str, Derived] = {}
    for key, entry in _table(document.get("derived", {}), file, "derived").items():
        _check_name(key, file, "derived")
        derived[key] = _derived(key, entry, file, known_units.get(key))
    assumptions, derived = _with_included(own, derived, models, included, known_units)
    assumptions = spec_axis.with_growth(assumptions, header, file, _assumption)
    sampled = {n for n, a in assumptions.items() if not a.distribution.is_fixed}
    correlated = spec_joint.correlations(
        document.get("correlations", {}), file, sampled, {m.name for m in members}
    )
    dependence = Dependence(
        copulas=(*correlated.copulas, *joint_copulas),
        tables=tuple(tables),
        declared=correlated.declared,
    )

    try:
        steps = plan(list(assumptions), {k: d.expression.names for k, d in derived.items()}, models)
    except GraphError as exc:
        section = "derived" if exc.name in derived else "assumptions"
        key = f"{section}.{exc.name}"
        key = next((f"joint.{j.label}.names" for j in sets if exc.name in j.names), key)
        raise PriorsError(file, key, str(exc)) from None
    if not assumptions and not steps:
        raise PriorsError(
            file, "scenario", "nothing to simulate: no assumptions, derived quantities or models"
        )
    derived, input_factors, warnings = spec_units.carry(assumptions, derived, models, steps)
    outputs = [name for step in steps for name in step.provides]
    available = set(assumptions) | set(derived) | set(outputs)
    notes: list[str] = []
    read = {n for d in derived.values() for n in d.expression.names}
    read |= {p.name for m in models for p in (*m.inputs, *m.optional)}
    for threshold in (
        header.get("thresholds", []) if isinstance(header.get("thresholds"), list) else []
    ):
        read |= set(re.findall(r"[a-z][a-z0-9_]*", str(threshold)))
    # a file of building blocks (no models key: it is meant to be included) reads nothing
    unread = [declared for declared in own if declared not in read] if "models" in header else []
    if len(unread) == 1:
        warnings = [
            *warnings,
            f"{file}: assumptions.{unread[0]} is declared but nothing reads it (no model "
            "input or [derived] expression uses it); check its name, or remove it",
        ]
    elif unread:
        named = ", ".join(unread[:8]) + (f" … ({len(unread):,} in all)" if len(unread) > 8 else "")
        warnings = [
            *warnings,
            f"{file}: assumptions {named} are declared but nothing reads them (no model "
            "input or [derived] expression uses them); check their names, or remove them",
        ]
    for model in models:
        _check_choices(model, assumptions, available, file)
        if model.advice is not None:
            fixed = {
                n: a.distribution.point * input_factors.get(n, 1.0)
                for n, a in assumptions.items()
                if a.distribution.is_fixed
            }
            ports = {p.name for p in (*model.inputs, *model.optional)}
            notes = [*notes, *model.advice(frozenset(ports & available), fixed)]

    report = header.get("report", [])
    for item in report:
        if item not in outputs:
            raise PriorsError(
                file,
                "scenario.report",
                f"'{item}' is not an output of this scenario; outputs: {outputs}",
            )
    thresholds = header.get("thresholds", [])
    parsed = [parse_threshold(t, file, "scenario.thresholds") for t in thresholds]
    known = set(outputs) | set(assumptions)
    for threshold in parsed:
        for reference in (threshold.name, threshold.value):
            if isinstance(reference, str) and reference not in known:
                raise PriorsError(
                    file, "scenario.thresholds", f"'{reference}' is not a quantity of this scenario"
                )
    scenario = Scenario(
        name=name,
        title=_text(header, "title", file, "scenario", default=name),
        description=_text(header, "description", file, "scenario", default=""),
        path=file,
        sha256=digest.hexdigest(),
        assumptions=assumptions,
        derived=derived,
        models=tuple(models),
        steps=tuple(steps),
        report=tuple(report),
        thresholds=tuple(parsed),
        input_factors=input_factors,
        warnings=tuple(warnings),
        notes=tuple(notes),
        dependence=dependence,
        joint_sets=tuple(sets),
        year=year,
    )
    for threshold in parsed:
        threshold_factor(threshold, scenario.unit, file, "scenario.thresholds")
    axis = spec_axis.axis(header, document.get("sweep", {}), scenario, file)
    if axis is not None:
        scenario = dataclasses.replace(scenario, axis=axis)
    _check_domains(scenario)
    spec_axis.check_domains_along(scenario, file, _check_domains)
    if "implied_mfu" in outputs:
        _check_implied_mfu(scenario)
    if "observations" in document:
        if scenario.axis is not None:
            raise PriorsError(file, "observations", _not_along(scenario))
        observed = spec_observations.from_file(document["observations"], scenario, file)
        scenario = dataclasses.replace(scenario, observations=tuple(observed))
    return scenario


def _check_choices(
    model: Model, assumptions: dict[str, Assumption], available: set[str], file: str
) -> None:
    """An input that takes one of a few values (an accelerator's arithmetic precision) is
    declared as a fixed value or a choice among them, and each value's needs are met."""
    for name, allowed in model.choices.items():
        if name not in available:
            continue
        said = ", ".join(f"{v:g}" for v in allowed)
        if name not in assumptions:
            raise PriorsError(
                file, f"derived.{name}", f"declare {name} as an assumption: one of {said}"
            )
        assumption = assumptions[name]
        key = f"assumptions.{name}"
        distribution = assumption.distribution
        if distribution.is_fixed:
            values = [distribution.point]
        elif distribution.family in ("choice", "empirical"):
            values = list(distribution.params["values"])
        else:
            raise PriorsError(
                assumption.file, key, f"expected a fixed value or a choice among {said}"
            )
        for value in values:
            if value not in allowed:
                raise PriorsError(assumption.file, key, f"expected one of {said}, got {value:g}")
            needed = allowed[value]
            if needed is not None and needed not in available:
                raise PriorsError(
                    assumption.file,
                    key,
                    f"{name} = {value:g} needs {needed}, which no assumption, derived quantity "
                    "or model provides: this accelerator has no such arithmetic, or its "
                    "hardware file does not say (declare it, or choose another precision)",
                )


def _check_domains(scenario: Scenario) -> None:
    """Refuse a model input whose declared values fall outside its domain (a negative price,
    an MFU of 40 meant as 40 %): an assumption by its distribution's values or support, a
    derived quantity or another model's output by its value in the base case."""
    ports = [(m, p) for m in scenario.models for p in (*m.inputs, *m.optional) if p.domain]
    base: dict[str, Any] | None = None
    for model, port in ports:
        domain = DOMAINS[port.domain]
        factor = scenario.input_factors.get(port.name, 1.0)
        if port.name in scenario.assumptions:
            _check_assumption_domain(scenario.assumptions[port.name], port, domain, factor)
            continue
        if port.name not in scenario.derived:
            continue  # another model's output, or an optional input nobody gives
        if base is None:
            base = base_case(scenario)
        value = float(base[port.name]) * factor
        if not math.isnan(value) and not domain.holds(value):
            derived = scenario.derived[port.name]
            raise PriorsError(
                derived.file,
                f"derived.{port.name}",
                f"the base case gives {value:.4g} {port.unit}, but model '{model.name}' reads "
                f"{port.name} ({port.description}), which must be {domain.words}; check what "
                f"its expression reads ({derived.expression.text})",
            )


def _check_assumption_domain(assumption: Assumption, port: Any, domain: Any, factor: float) -> None:
    distribution = assumption.distribution
    key = f"assumptions.{assumption.name}"
    what = f"{assumption.name} ({port.description}) must be {domain.words}"
    if distribution.is_fixed or distribution.family in ("choice", "empirical"):
        values = (
            [distribution.point]
            if distribution.is_fixed
            else list(distribution.params.get("values", [distribution.point]))
        )
        for value in values:
            if domain.holds(value * factor):
                continue
            hint = ""
            if domain.share and 5 <= value * factor <= 100:
                hint = (
                    f"; did you mean {value * factor / 100:g}? shares are fractions "
                    '(40 % is 0.40, or declare unit = "%")'
                )
            shown = f"{value:g}" if assumption.unit == "1" else f"{value:g} {assumption.unit}"
            raise PriorsError(assumption.file, key, f"{shown}: {what}{hint}")
        return
    # a tail thinner than one draw in a billion is no belief about the bound (a normal loss
    # constant 60 sd above zero); a wider one is (a price of normal = [-1, 5])
    tail = np.array([TAIL, 1.0 - TAIL])
    low, high = (float(q) * factor for q in distribution.ppf(tail))
    if low >= domain.low and high <= domain.high:
        return
    if domain.share:
        advice = "use beta = [lo, hi], or truncate with min and max"
    elif domain.low == 1.0:
        advice = "truncate with min = 1"
    else:
        advice = "use lognormal or loguniform, or truncate with min = 0"
    unit = "" if port.unit == "1" else f" {port.unit}"
    reach = f"down to {low:.4g}" if low < domain.low else f"up to {high:.4g}"
    reach += f"{unit} (one draw in a billion)"
    raise PriorsError(
        assumption.file,
        key,
        f"{assumption.declaration} reaches {reach}, but {what}: {advice}",
    )


def _check_implied_mfu(scenario: Scenario) -> None:
    """Refuse facts whose base case implies more FLOPs than the accelerators can deliver."""
    mfu = float(base_case(scenario)["implied_mfu"])
    if mfu > 1:
        compute = (
            "training_flops"
            if "training_flops" in scenario.assumptions
            else ("params × training_tokens")
        )
        hours = (
            "accelerator_hours"
            if "accelerator_hours" in scenario.assumptions
            else ("n_accelerators × training_days")
        )
        raise PriorsError(
            scenario.path,
            "assumptions",
            f"{compute} over {hours} at peak_flops_per_s implies an MFU of {mfu:.3g} in the "
            "base case; above 1 the facts cannot all hold (check the compute, the hours, "
            "and the accelerator's peak)",
        )


def _with_included(
    own: dict[str, Assumption],
    derived: dict[str, Derived],
    models: list[Model],
    included: dict[str, tuple[str, Any, str]],
    known_units: dict[str, str],
) -> tuple[dict[str, Assumption], dict[str, Derived]]:
    """Own quantities, then the included ones this scenario reads and does not define.

    Everything the including file defines wins: its assumptions, derived quantities and model
    outputs. Included quantities nobody reads are left out (a hardware file declares more
    than one scenario needs), but every one is validated.
    """
    # a model output that is also one of the model's optional inputs (training_days: computed
    # only when not given) is not defined by the model when a file gives it
    computed = {
        p.name for m in models for p in m.outputs if p.name not in {q.name for q in m.optional}
    }
    defined = set(own) | set(derived) | computed
    candidates_a: dict[str, Assumption] = {}
    candidates_d: dict[str, Derived] = {}
    for key, (section, entry, source_file) in included.items():
        _check_name(key, source_file, section)
        if section == "assumptions":
            candidates_a[key] = _assumption(key, entry, source_file, known_units.get(key))
        else:
            candidates_d[key] = _derived(key, entry, source_file, known_units.get(key))
    read = {n for d in derived.values() for n in d.expression.names}
    read |= {p.name for m in models for p in (*m.inputs, *m.optional)}
    kept_derived: dict[str, Derived] = {}
    changed = True
    while changed:  # an included derived quantity that is read brings in what it reads
        changed = False
        for key, candidate in candidates_d.items():
            if key in read and key not in defined and key not in kept_derived:
                kept_derived[key] = candidate
                read |= candidate.expression.names
                changed = True
    defined |= set(kept_derived)
    assumptions = dict(own)
    assumptions.update({k: a for k, a in candidates_a.items() if k in read and k not in defined})
    return assumptions, {**kept_derived, **derived}


def _table(value: Any, file: str, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise PriorsError(file, key, f"expected a table, got {value!r}")
    return value


def _text(table: dict[str, Any], key: str, file: str, section: str, default: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise PriorsError(file, f"{section}.{key}", f"expected a string, got {value!r}")
    return value


def _check_name(name: str, file: str, section: str) -> None:
    if not NAME_PATTERN.match(name) or name in RESERVED:
        raise PriorsError(
            file,
            f"{section}.{name}",
            "a quantity's name is lower-case letters, digits and '_', starting with a letter, "
            f"and not one of {sorted(RESERVED)}",
        )


def _models(value: Any, file: str) -> list[Model]:
    models = []
    for name in value:  # model names the schema knows
        if MODELS[name] in models:
            raise PriorsError(file, "scenario.models", f"model '{name}' is listed twice")
        models.append(MODELS[name])
    return models


def _unit(entry: dict[str, Any], file: str, key: str, expected: str | None) -> str | None:
    """The declared unit (``None`` if none), checked against the unit a model reads."""
    if "unit" not in entry:
        return None
    declared = entry["unit"]
    try:
        units.quantity(declared)
        if expected is not None:
            units.conversion_factor(declared, expected)
    except units.UnitError as exc:
        hint = units.hint(expected, declared) if expected is not None else ""
        raise PriorsError(file, f"{key}.unit", f"{exc}{hint}") from None
    return declared


def _optional_number(entry: dict[str, Any], name: str, file: str, key: str) -> float | None:
    if name not in entry:
        return None
    value = distributions.finite_number(entry[name])
    if value is None:
        raise PriorsError(file, f"{key}.{name}", f"expected a finite number, got {entry[name]!r}")
    return value


def _assumption(
    name: str, entry: Any, file: str, expected_unit: str | None, key: str | None = None
) -> Assumption:
    key = key or f"assumptions.{name}"
    if isinstance(entry, int | float) and not isinstance(entry, bool):
        entry = {"fixed": entry}
    if by_year.ALONG in entry:
        return _listed_by_year(name, entry, file, expected_unit, key)
    family = next(k for k in entry if k in families.FAMILIES)  # one, as the schema says
    declared = _unit(entry, file, key, expected_unit)
    unit = declared if declared is not None else (expected_unit or "1")
    if family == "beta" and not (
        units.same_dimension(unit, "1") and units.conversion_factor(unit, "1") == 1.0
    ):
        raise PriorsError(
            file, f"{key}.unit", f'a beta is a rate in (0, 1): declare unit "1", not {unit!r}'
        )
    for text_key in ("source", "description"):
        if text_key in entry and not isinstance(entry[text_key], str):
            raise PriorsError(file, f"{key}.{text_key}", "expected a string")
    interval = _optional_number(entry, "interval", file, key)
    try:
        distribution = families.build(
            family,
            entry[family],
            interval=interval,
            point=_optional_number(entry, "point", file, key),
            minimum=_optional_number(entry, "min", file, key),
            maximum=_optional_number(entry, "max", file, key),
        )
    except DistributionError as exc:
        raise PriorsError(file, f"{key}.{exc.key or family}", str(exc)) from None
    trajectory = None
    if ("base_year" in entry) != ("growth_per_year" in entry):
        missing = "base_year" if "base_year" not in entry else "growth_per_year"
        raise PriorsError(
            file, f"{key}.{missing}",
            "growth_per_year and base_year go together: the value in year y is the "
            "distribution's (which describes base_year) × (1 + growth_per_year)^(y − base_year)",
        )  # fmt: skip
    if "base_year" in entry:
        trajectory = Trajectory(int(entry["base_year"]), f"{name}_growth_per_year")
    return Assumption(
        name=name,
        distribution=distribution,
        unit=unit,
        declared_unit=unit,
        declaration=f"{family} = {entry[family]!r}",
        source=entry.get("source", ""),
        description=entry.get("description", ""),
        file=file,
        trajectory=trajectory,
        growth=entry.get("growth_per_year"),
    )


def _not_along(scenario: Scenario) -> str:
    """Why observations are refused along years or a sweep."""
    if scenario.year is not None and scenario.axis is not None and not scenario.axis.swept:
        return (
            f"observations with trajectories evaluated in [scenario] year = {scenario.year} "
            "are not supported: calibrate the scenario in the year its distributions were "
            "stated for (without year)"
        )
    return (
        "observations with [scenario] years or a [sweep] are not supported: calibrate one "
        "year or one value at a time"
    )


def _grows(document: dict[str, Any], included: dict[str, tuple[str, Any, str]]) -> bool:
    """Whether an assumption, the file's own or an included one, has a growth_per_year."""
    own = document.get("assumptions", {})
    entries = [*own.values()]
    entries += [
        entry
        for key, (section, entry, _) in included.items()
        if section == "assumptions" and key not in own
    ]
    return any(isinstance(entry, dict) and "growth_per_year" in entry for entry in entries)


def _listed_by_year(
    name: str, entry: dict[str, Any], file: str, expected_unit: str | None, key: str
) -> Assumption:
    """An assumption listed by year, in a scenario with years: the first year's belief is
    drawn, and its trajectory holds each year's."""
    each = entry[by_year.ALONG]
    beliefs = [(listed, _assumption(name, e, file, expected_unit, key)) for _, listed, e in each]
    first = beliefs[0][1]
    for listed, belief in beliefs:
        if belief.unit != first.unit:
            raise PriorsError(
                file, f"{key}.by_year.{listed}.unit",
                f"along the years every belief is in one unit: {listed}'s is {belief.unit!r}, "
                f"{beliefs[0][0]}'s {first.unit!r}",
            )  # fmt: skip
        if first.distribution.cdf is None and not belief.distribution.is_fixed:
            raise PriorsError(
                file, f"{key}.by_year.{beliefs[0][0]}",
                f"{first.declaration} has no range for a draw to keep its place in: a draw "
                f"cannot follow it into {listed}'s {belief.declaration}; give the first year a "
                "continuous distribution",
            )  # fmt: skip
    trajectory = Trajectory(
        base_year=int(each[0][0]),
        by_year=tuple(belief.distribution for _, belief in beliefs),
        held_from=tuple(int(listed) for listed, _ in beliefs),
    )
    return dataclasses.replace(first, source=entry["source"], trajectory=trajectory)


def _derived(name: str, entry: Any, file: str, expected_unit: str | None) -> Derived:
    key = f"derived.{name}"
    if isinstance(entry, str):
        entry = {"expr": entry}
    try:
        expression = expressions.parse(entry["expr"])
    except expressions.ExpressionError as exc:
        raise PriorsError(file, f"{key}.expr", str(exc)) from None
    declared = _unit(entry, file, key, expected_unit)
    return Derived(
        name=name,
        expression=expression,
        unit=declared or "",  # settled with the other units once the scenario is planned
        factor=1.0,
        declared_unit=declared,
        source=str(entry.get("source", "")),
        description=str(entry.get("description", "")),
        file=file,
    )
