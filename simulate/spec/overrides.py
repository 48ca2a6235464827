"""What-if from the command line: ``--set NAME=VALUE`` replaces one assumption's distribution.

VALUE is a number (the assumption becomes fixed at it), ``FAMILY:VALUE`` in the file's own
syntax (``beta:[0.6,0.8]``, ``pert:[1,2,4]``, ``choice:{values=[1,2]}``), or an inline table
(``{ beta = [0.6, 0.8], point = 0.7 }``). The assumption keeps its unit, description and
source (the source then says it was set on the command line). The result is validated exactly
like the file, and errors name ``--set``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from typing import Any

from simulate.core.errors import PriorsError

OPTION = "--set"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FAMILY = re.compile(r"^([a-z]+)\s*:\s*(.+)$", re.S)
# kept from the declaration a --set replaces: its words, and how it moves with the years
_KEPT = ("unit", "source", "description", "base_year", "growth_per_year")
GROWTH = "_growth_per_year"


def parse(text: str) -> tuple[str, str]:
    """``NAME=VALUE`` → (name, value text); a :class:`PriorsError` naming ``--set`` else."""
    name, sep, value = text.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not _NAME.match(name) or not value:
        raise PriorsError(
            None, OPTION, f"expected NAME=VALUE such as gross_margin=0.7, got {text!r}"
        )
    return name, value


def _toml_value(text: str, whole: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        raise PriorsError(
            None,
            OPTION,
            f"{whole!r}: expected a number, FAMILY:VALUE such as beta:[0.6,0.8], or an "
            "inline table such as { beta = [0.6, 0.8], point = 0.7 }",
        ) from None


def declaration(name: str, text: str) -> dict[str, Any]:
    """The distribution part of an assumption's entry from ``--set``'s value."""
    whole = f"{name}={text}"
    match = _FAMILY.match(text)
    if match and not text.lstrip().startswith("{"):
        return {match.group(1): _toml_value(match.group(2), whole)}
    value = _toml_value(text, whole)
    if isinstance(value, dict):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PriorsError(
            None, OPTION, f"{whole!r}: a bare value must be a number (the assumption is fixed)"
        )
    return {"fixed": value}


def apply(
    document: dict[str, Any],
    included: Mapping[str, tuple[str, Any, str]],
    overrides: Mapping[str, str],
    file: str,
) -> dict[str, Any]:
    """``document`` with each overridden assumption replaced (its unit and words kept)."""
    own = document.get("assumptions", {})
    if not isinstance(own, dict):
        return document
    known = set(own) | {n for n, (section, _, _) in included.items() if section == "assumptions"}
    changed = dict(own)
    for name, text in overrides.items():
        moving = name.removesuffix(GROWTH)
        if name.endswith(GROWTH) and moving in known:  # an assumption's growth per year
            base = own[moving] if moving in own else included[moving][1]
            if isinstance(base, dict) and "growth_per_year" in base:
                entry = {**base, "growth_per_year": declaration(name, text)}
                changed[moving] = entry
                continue
        if name not in known:
            raise PriorsError(
                None,
                OPTION,
                f"'{name}' is not an assumption of {file}; assumptions: "
                f"{', '.join(sorted(known)) or '(none)'}",
            )
        old = own[name] if name in own else included[name][1]
        old = old if isinstance(old, dict) else {}
        entry = declaration(name, text)
        for key in _KEPT:
            if key in old and key not in entry:
                entry[key] = old[key]
        was = f"; was: {old['source']}" if old.get("source") else ""
        entry["source"] = f"set on the command line: --set {name}={text}{was}"
        changed[name] = entry
    return {**document, "assumptions": changed}


def error_for(exc: PriorsError, overrides: Mapping[str, str]) -> PriorsError | None:
    """The error naming ``--set`` if ``exc`` is about an overridden assumption."""
    for name, text in overrides.items():
        key = f"assumptions.{name}"
        if exc.key == key or (exc.key or "").startswith(key + "."):
            return PriorsError(None, OPTION, f"{name}={text}: {exc.message}")
    return None
