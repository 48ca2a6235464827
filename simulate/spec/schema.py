"""The priors file's structure, declared once as a JSON Schema (draft 7).

The reader validates every file it reads against :func:`schema` (fastjsonschema compiles it
once per process), and ``simulate schema`` prints it so that editors (Even Better TOML /
taplo, VS Code's JSON Schema support) check and complete priors files as people type. The
schema holds the shape of a file: its tables and keys, the distribution families and the
forms of their parameters, the model names. What needs units, domains or the graph of
quantities (a unit pint cannot read, an MFU written as 40, an unknown name in an expression)
is checked by the reader in code, after the schema.

A schema error becomes a :class:`~simulate.core.errors.PriorsError` naming the file, the dotted
key and what was expected — a sub-schema's ``x-message`` where it has one, else its
``description``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import marshal
import os
import re
import sys
from typing import Any

from simulate.core import cache
from simulate.core.distributions import MAX_INTERVAL, MIN_INTERVAL
from simulate.core.errors import PriorsError
from simulate.core.families import FAMILIES, REGISTRY
from simulate.models import MODELS

DRAFT = "http://json-schema.org/draft-07/schema#"
FORMAT_VERSION = 1
MAX_NAME_LENGTH = 100
NAME_PATTERN = "^[a-z][a-z0-9_]*$"
SCENARIO_NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.-]*$"
TRAJECTORY_KEYS = ("base_year", "growth_per_year", "by_year")
OPTION_KEYS = ("point", "unit", "source", "description", "min", "max", "interval", *TRAJECTORY_KEYS)
MAX_COORDINATES = 1000  # years or swept values in one run
JOINT_KEYS = ("names", "table", "multivariate_normal", "point", "units", "source", "description")

_TEXT = {"type": "string"}
_NUMBER = {"type": "number"}


def _text(description: str) -> dict[str, Any]:
    return {**_TEXT, "description": description}


def _names_of(description: str) -> dict[str, Any]:
    return {"type": "array", "items": _TEXT, "description": description}


def _quantity_names(entry: dict[str, Any], what: str) -> dict[str, Any]:
    """A table of quantities keyed by their names (lower-case, digits, '_')."""
    return {
        "type": "object",
        "description": what,
        "propertyNames": {
            "pattern": NAME_PATTERN,
            "maxLength": MAX_NAME_LENGTH,
            "x-message": "a quantity's name is lower-case letters, digits and '_', starting "
            "with a letter",
        },
        "additionalProperties": entry,
    }


def _scenario() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "what to simulate: its name, the models it runs, what to report",
        "properties": {
            "format": {
                "type": "integer",
                "const": FORMAT_VERSION,
                "description": f"the priors file format, {FORMAT_VERSION}",
                "x-message": f"this version of simulate reads format {FORMAT_VERSION}",
            },
            "name": {
                **_text("a name usable as a file name (results/<name>.nc)"),
                "pattern": SCENARIO_NAME_PATTERN,
                "maxLength": MAX_NAME_LENGTH,
                "x-message": f"expected up to {MAX_NAME_LENGTH} letters, digits, '-', '_' or "
                "'.', usable as a file name",
            },
            "title": _text("a title for tables and reports"),
            "description": _text("what the scenario answers"),
            "models": {
                "type": "array",
                "description": "the cost models to run (see `simulate models`)",
                "items": {
                    "type": "string",
                    "enum": list(MODELS),
                    "x-message": f"unknown model {{value}}; the models are {', '.join(MODELS)} "
                    "(see `simulate models`)",
                },
                "x-message": "expected a list of model names",
            },
            "report": {
                **_names_of("the outputs a report is about (default: every model output)"),
                "x-message": "expected a list of output names",
            },
            "include": {
                **_names_of(
                    "priors files (.toml) whose assumptions and derived quantities "
                    "this file uses, relative to it"
                ),
                "x-message": "expected a list of file names",
            },
            "thresholds": {
                **_names_of('conditions whose probability is reported, e.g. "cost_usd>2e6"'),
                "x-message": 'expected a list such as ["query_cost_usd>revenue_per_query_usd"]',
            },
            "year": {
                "type": "integer",
                "minimum": 1900,
                "maximum": 2200,
                "description": "the year the scenario is about: assumptions given by_year take "
                "the value listed for it",
                "x-message": "expected a year such as 2023",
            },
            "years": {
                "type": "array",
                "description": "evaluate every draw in each of these years (assumptions with "
                "growth_per_year move with them): results gain a year dimension",
                "items": {"type": "integer", "minimum": 1900, "maximum": 2200},
                "minItems": 1,
                "maxItems": MAX_COORDINATES,
                "x-message": "expected a list of years such as [2024, 2025, 2026]",
            },
        },
        "additionalProperties": False,
    }


def _assumption(trajectory: bool = True) -> dict[str, Any]:
    finite = {**_NUMBER, "x-message": "expected a finite number"}
    options = {
        "point": {**finite, "description": "the base case (default: the median)"},
        "unit": {
            **_text('the unit of the numbers, e.g. "USD/hour" (default: the model\'s)'),
            "x-message": 'expected a unit as a string such as "USD/hour"',
        },
        "source": _text("where the numbers come from"),
        "description": _text("why the distribution has this shape"),
        "min": {**finite, "description": "truncate below (continuous families)"},
        "max": {**finite, "description": "truncate above (continuous families)"},
        "interval": {
            **finite,
            "description": f"the credibility of a two-number form, {MIN_INTERVAL} to "
            f"{MAX_INTERVAL} (default 0.9)",
        },
    }
    if trajectory:
        options["by_year"] = {
            "type": "object",
            "description": "a distribution for each year it holds from, e.g. { 2021 = { pert "
            "= [...] }, 2023 = { ... } }; [scenario] year picks one (default: the latest)",
            "propertyNames": {
                "pattern": "^(19|20|21)[0-9][0-9]$",
                "x-message": "a year such as 2023",
            },
            "minProperties": 1,
            "additionalProperties": _assumption(trajectory=False),
            "x-message": "expected a table of years, each with a distribution",
        }
        options["base_year"] = {
            "type": "integer",
            "minimum": 1900,
            "maximum": 2200,
            "description": "the year the distribution describes (with growth_per_year)",
            "x-message": "expected a year such as 2024",
        }
        options["growth_per_year"] = {
            **_assumption(trajectory=False),
            "description": "how the value moves each year, as a share (-0.3 is 30 % less a "
            "year): a number or a distribution, drawn once per draw; with base_year",
        }
    families = {name: {**family.schema} for name, family in REGISTRY.items()}
    keys = sorted(OPTION_KEYS if trajectory else set(OPTION_KEYS) - set(TRAJECTORY_KEYS))
    table = {  # keys are checked before the count of families: a misspelt family is named
        "type": "object",
        "allOf": [
            {
                "properties": {**families, **options},
                "additionalProperties": False,
                "x-unknown": f"unknown key; a distribution is one of {', '.join(FAMILIES)} "
                f"and the options are {', '.join(keys)}",
            },
            {
                "oneOf": [
                    *({"required": [name], "not": {"required": ["by_year"]}} for name in FAMILIES),
                    {
                        "required": ["by_year"],
                        "not": {"anyOf": [{"required": [f]} for f in FAMILIES]},
                    },
                ]
                if trajectory
                else [{"required": [name]} for name in FAMILIES],
                "x-message": "expected exactly one distribution key",
            },
        ],
    }
    return {
        "type": ["number", "object"],
        "description": "a number (fixed), or one distribution key and options, e.g. "
        '{ lognormal = [1.5, 4.0], unit = "USD/hour", source = "..." }',
        "x-message": "expected a number or a table such as "
        '{ lognormal = [1.5, 4.0], unit = "USD/hour", source = "..." }',
        "if": {"type": "object"},
        "then": table,
    }


def _derived() -> dict[str, Any]:
    table = {
        "type": "object",
        "properties": {
            "expr": _text("an expression of other quantities, e.g. 2 * params * tokens"),
            "unit": _text("the unit the expression should give"),
            "source": _text("where the formula comes from"),
            "description": _text("what the quantity is"),
        },
        "required": ["expr"],
        "additionalProperties": False,
        "x-unknown": "unknown key; expected description, expr, source, unit",
        "x-message": 'expected an expression string or a table { expr = "...", unit = "..." }',
    }
    return {
        "type": ["string", "object"],
        "description": 'an expression string, or a table { expr = "...", unit = "..." }',
        "x-message": 'expected an expression string or a table { expr = "...", unit = "..." }',
        "if": {"type": "object"},
        "then": table,
    }


def _joint() -> dict[str, Any]:
    return {
        "type": "object",
        "description": "assumptions drawn together: rows of a table, or a multivariate normal",
        "properties": {
            "names": {**_names_of("the quantities of the set"), "minItems": 1},
            "table": _text("a CSV file of rows, relative to this file"),
            "multivariate_normal": {
                "type": "object",
                "description": "{ mean = [...], covariance = [[...]] }",
            },
            "point": {"description": "the base case of each name"},
            "units": {"description": "the unit of each name"},
            "source": _text("where the rows come from"),
            "description": _text("why these move together"),
        },
        "additionalProperties": False,
        "x-message": "expected a table with names and a table or covariance",
    }


def _observations() -> dict[str, Any]:
    """One measurement, or a list of them (they combine)."""
    interval = {"type": "array", "items": _NUMBER, "minItems": 2, "maxItems": 2}
    one = {
        "type": "object",
        "allOf": [
            {
                "properties": {
                    "normal": {**interval, "description": "a 90 % interval [lo, hi] for the "
                               "measured value, with a normal error"},
                    "lognormal": {**interval, "description": "a 90 % interval [lo, hi] with 0 < "
                                  "lo, with an error on the logarithm"},
                    "value": {**_NUMBER, "description": "the measured value"},
                    "relative_error": {**_NUMBER, "description": "its standard error, as a "
                                       "share of the value"},
                    "error": {**_NUMBER, "description": "its standard error, in the unit"},
                    "unit": _text("the unit of the numbers (default: the quantity's)"),
                    "source": _text("who measured it, where"),
                    "description": _text("what the measurement is"),
                },
                "additionalProperties": False,
                "x-unknown": "unknown key; expected normal or lognormal = [lo, hi], or value "
                "with relative_error or error; options unit, source, description",
            },
            {
                "oneOf": [{"required": [k]} for k in ("normal", "lognormal", "value")],
                "x-message": "expected exactly one of normal = [lo, hi], lognormal = [lo, hi] "
                "or value = x",
            },
        ],
    }  # fmt: skip
    return {
        "type": ["object", "array"],
        "description": "one measurement { normal = [lo, hi] } / { lognormal = [lo, hi] } / "
        "{ value = x, relative_error = 0.1 }, or a list of them",
        "x-message": 'expected a table such as { normal = [0.80, 0.96], source = "..." } '
        "or a list of them",
        "if": {"type": "object"},
        "then": one,
        "else": {"items": one, "minItems": 1, "x-message": "expected at least one measurement"},
    }


def _correlation() -> dict[str, Any]:
    return {
        "description": 'a rank correlation: "a, b" = 0.5, { rho = 0.5, source = "..." }, or '
        "a matrix table { names = [...], matrix = [[...]] }",
        "anyOf": [_NUMBER, {"type": "object"}],
    }


@functools.cache
def schema() -> dict[str, Any]:
    """The JSON Schema of a priors file (and of an included one)."""
    return {
        "$schema": DRAFT,
        "title": "llm-econ-simulate priors file",
        "description": "Assumptions as probability distributions, with units and sources; "
        "derived quantities; correlations and joint sets. Read by `simulate run FILE`.",
        "type": "object",
        "properties": {
            "scenario": _scenario(),
            "assumptions": _quantity_names(_assumption(), "the uncertain inputs, by name"),
            "derived": _quantity_names(_derived(), "quantities computed from others"),
            "correlations": {
                "type": "object",
                "description": "rank correlations between sampled assumptions",
                "x-message": 'expected a table such as "a, b" = 0.5',
                "additionalProperties": _correlation(),
            },
            "joint": {
                "type": "object",
                "description": "joint parameter sets, by label",
                "additionalProperties": _joint(),
            },
            "observations": _quantity_names(
                _observations(), "what was measured of the scenario's quantities, by name"
            ),
            "sweep": _quantity_names(
                {
                    "type": "array",
                    "items": {**_NUMBER, "x-message": "expected a finite number"},
                    "minItems": 1,
                    "maxItems": MAX_COORDINATES,
                    "description": "the values, in the assumption's unit",
                    "x-message": "expected a list of values such as [1, 2, 4, 8]",
                },
                "an assumption to evaluate at each of these values, with the same draws of "
                "the others: results gain that dimension",
            ),
        },
        "additionalProperties": False,
        "x-unknown": "unknown table; expected "
        + str(
            sorted(
                (
                    "scenario",
                    "assumptions",
                    "derived",
                    "correlations",
                    "joint",
                    "observations",
                    "sweep",
                )
            )
        ),
    }


def text() -> str:
    """The schema as JSON, for ``simulate schema``."""
    return json.dumps(schema(), indent=2, ensure_ascii=False) + "\n"


@functools.cache
def _validator() -> Any:
    """The compiled validator: fastjsonschema's generated code, byte-compiled once and kept in
    the cache folder (compiling it costs more than the rest of reading a file), else built in
    memory. The code is generated from :func:`schema` alone, never from a priors file."""
    import fastjsonschema

    text = json.dumps(schema(), sort_keys=True)
    key = f"{fastjsonschema.VERSION}\0{sys.implementation.cache_tag}\0{text}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    folder = cache.folder("schema")
    path = folder / f"priors-{digest}.code" if folder is not None else None
    code = None
    if path is not None and path.is_file():
        try:
            code = marshal.loads(path.read_bytes())
        except (EOFError, ValueError, TypeError):  # a damaged cache: build it again
            code = None
    if code is None:
        source = fastjsonschema.compile_to_code(schema())
        code = compile(source, f"<priors schema {digest}>", "exec")
        if path is not None:
            try:
                temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                temporary.write_bytes(marshal.dumps(code))
                os.replace(temporary, path)  # two processes may write it: either is whole
                for stale in path.parent.glob("priors-*.code"):
                    if stale != path:
                        stale.unlink(missing_ok=True)
            except OSError:
                pass  # no cache: the next run compiles again
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # fastjsonschema's code for our own schema
    return namespace["validate"]


def validate(document: dict[str, Any], file: str) -> None:
    """Raise :class:`PriorsError` (file, dotted key, what was expected) where ``document``
    does not follow the schema."""
    import fastjsonschema

    try:
        _validator()(document)
    except fastjsonschema.JsonSchemaValueException as exc:
        key, message = _explain(exc, document)
        raise PriorsError(file, key, message) from None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _explain(exc: Any, document: dict[str, Any]) -> tuple[str | None, str]:
    """The dotted key and the words for one schema error."""
    path = [str(p) for p in exc.path[1:] if not str(p).isdigit()]  # a list is named whole
    node = exc.definition if isinstance(exc.definition, dict) else {}
    value = exc.value
    if exc.rule == "additionalProperties" and isinstance(value, dict):
        allowed = node.get("properties", {})
        extra = sorted(k for k in value if k not in allowed)
        if extra:
            words = node.get("x-unknown") or f"unknown key; expected one of {sorted(allowed)}"
            return _dotted([*path, extra[0]]), words
    if "propertyNames" in node and isinstance(value, dict):
        rule = node["propertyNames"]
        bad = [k for k in value if not re.match(rule["pattern"], k) or len(k) > rule["maxLength"]]
        if bad:
            return _dotted([*path, bad[0]]), rule["x-message"]
    if exc.rule == "oneOf" and "x-message" in node and isinstance(value, dict):
        choices = {k for option in node["oneOf"] for k in option.get("required", ())}
        named = [k for k in value if k in choices]
        found = f"got {', '.join(named)}" if named else "got none"
        return _dotted(path), f"{node['x-message']} ({found})"
    words = node.get("x-message")
    if words is not None and "{value}" in words:
        return _dotted(path), words.replace("{value}", _shown(value))
    if words is None:
        family = next((p for p in reversed(path) if p in FAMILIES), None)
        if exc.rule == "type":
            words = f"expected {_type_words(node)}" + (f" in {family}" if family else "")
        else:
            what = node.get("description") or _type_words(node)
            words = f"expected {family} = {what}" if family else f"expected {what}"
    return _dotted(path), f"{words}, got {_shown(value)}"


def _dotted(path: list[str]) -> str | None:
    return ".".join(path) or None


def _type_words(node: dict[str, Any]) -> str:
    kind = node.get("type")
    return {
        "number": "a number",
        "integer": "an integer",
        "string": "a string",
        "array": "a list",
        "object": "a table",
    }.get(kind if isinstance(kind, str) else "", "another value")
