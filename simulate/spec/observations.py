"""``[observations]`` and ``--observe``: what was measured of a scenario's quantities.

In a priors file, each key names a quantity (an assumption, a derived quantity or a model
output) and holds one measurement, or a list of them (they combine)::

    [observations]
    price_per_1m_tokens_usd = { normal = [0.80, 0.96], source = "Together price list" }
    training_cost_usd = { lognormal = [3e6, 6e6], unit = "USD" }
    tokens_per_s = { value = 1339, relative_error = 0.1 }

``normal``/``lognormal = [lo, hi]`` is a 90 % interval for the measured value, with a normal
error or an error on its logarithm; ``value`` with ``relative_error`` (a share of the value) or
``error`` (in the quantity's unit) is a measurement with that standard error. ``unit`` is the
unit of the numbers (default: the quantity's). On the command line, ``--observe
NAME=VALUE±REL%`` (or ``+-``; without ``%`` the error is in the quantity's unit) is the same
as ``{ value = VALUE, relative_error = REL/100 }``.
"""

from __future__ import annotations

import re
from typing import Any

from simulate.core import units
from simulate.core.distributions import finite_number, fmt
from simulate.core.errors import PriorsError
from simulate.core.observations import LOGNORMAL, NORMAL, Observation, from_interval
from simulate.core.scenario import Scenario
from simulate.models.base import DOMAINS

OPTION = "--observe"
KINDS = (NORMAL, LOGNORMAL, "value")
_COMMAND_LINE = re.compile(
    # the last ±, +/- or +- splits value from error: 1e+6±5% and +13+-1 both read
    r"^\s*(?P<name>[a-z][a-z0-9_]*)\s*=\s*(?P<value>.+)(?:±|\+/-|\+-)\s*"
    r"(?P<error>[^%±]+?)\s*(?P<percent>%)?\s*$"
)


def from_file(table: dict[str, Any], scenario: Scenario, file: str) -> list[Observation]:
    """The observations of a file's ``[observations]`` (its shape already checked by the
    schema), in the units of the quantities they observe."""
    observed = []
    for name, entries in table.items():
        key = f"observations.{name}"
        _check_quantity(name, scenario, file, key)
        for i, entry in enumerate(entries if isinstance(entries, list) else [entries]):
            where = f"{key}[{i}]" if isinstance(entries, list) else key
            observed.append(_one(name, entry, scenario, file, where))
    return observed


def from_command_line(texts: tuple[str, ...] | list[str], scenario: Scenario) -> list[Observation]:
    """``--observe NAME=VALUE±ERROR[%]`` values, in the quantities' units."""
    observed = []
    for text in texts:
        match = _COMMAND_LINE.match(text)
        if match is None:
            raise PriorsError(
                None, OPTION, f"expected NAME=VALUE±REL% such as price_usd=0.88±10%, got {text!r}"
            )
        name = match["name"]
        _check_quantity(name, scenario, None, OPTION)
        value, error = (_number(match[k], text) for k in ("value", "error"))
        spread = abs(value) * error / 100.0 if match["percent"] else error
        if not spread > 0:
            raise PriorsError(None, OPTION, f"{text!r}: the error must be above 0")
        declaration = f"{fmt(value)} ± {fmt(error)}{' %' if match['percent'] else ''}"
        _check_domain(name, scenario, value, (value, value), None, OPTION)
        observed.append(Observation(name, NORMAL, value, spread, declaration, "", OPTION))
    return observed


def _check_domain(
    name: str,
    scenario: Scenario,
    center: float,
    ends: tuple[float, float],
    file: str | None,
    key: str,
) -> None:
    """A measurement of a model input must lie in the input's domain: an MFU observed as 40
    is refused (did you mean 0.40?), not silently pushed towards the prior's edge."""
    for model in scenario.models:
        for port in (*model.inputs, *model.optional):
            if port.name != name or port.domain is None:
                continue
            domain = DOMAINS[port.domain]
            factor = scenario.input_factors.get(name, 1.0)
            if all(domain.holds(v * factor) for v in (center, *ends)):
                return
            hint = ""
            if domain.share and 5 <= center * factor <= 100:
                hint = f"; did you mean {center * factor / 100:g}? shares are fractions"
            raise PriorsError(
                file, key, f"{name} ({port.description}) must be {domain.words}, but the "
                f"measurement says {fmt(center)}{hint}",
            )  # fmt: skip


def _number(text: str, whole: str) -> float:
    try:
        value = finite_number(float(text))
    except ValueError:
        value = None
    if value is None:
        raise PriorsError(None, OPTION, f"{whole!r}: {text.strip()!r} is not a finite number")
    return value


def _check_quantity(name: str, scenario: Scenario, file: str | None, key: str) -> None:
    known = [*scenario.assumptions, *scenario.outputs]
    if name not in known:
        raise PriorsError(file, key, f"'{name}' is not a quantity of this scenario")
    assumption = scenario.assumptions.get(name)
    if assumption is not None and assumption.distribution.is_fixed:
        raise PriorsError(
            file, key, f"'{name}' is fixed: an observation cannot move it (make it uncertain)"
        )


def _one(name: str, entry: dict[str, Any], scenario: Scenario, file: str, key: str) -> Observation:
    for option in ("value", "error", "relative_error", *(k for k in (NORMAL, LOGNORMAL))):
        numbers = entry.get(option)
        for number in numbers if isinstance(numbers, list) else [numbers]:
            if option in entry and finite_number(number) is None:
                raise PriorsError(
                    file, f"{key}.{option}", f"expected a finite number, got {number!r}"
                )
    kind = next(k for k in KINDS if k in entry)  # exactly one, as the schema says
    errors = [k for k in ("error", "relative_error") if k in entry]
    if kind != "value" and errors:
        raise PriorsError(
            file, f"{key}.{errors[0]}", f"an interval ({kind} = [lo, hi]) carries its own error"
        )
    if len(errors) > 1:
        raise PriorsError(file, f"{key}.error", "give error or relative_error, not both")
    unit = scenario.unit(name)
    factor = 1.0
    if "unit" in entry:
        try:
            factor = units.conversion_factor(entry["unit"], unit)
        except units.UnitError as exc:
            raise PriorsError(
                file, f"{key}.unit", f"{exc} (the unit of {name} is {unit!r})"
            ) from None
    source = entry.get("source", "")
    if kind == "value":
        value = entry["value"] * factor
        if "relative_error" in entry:
            share = entry["relative_error"]
            if not 0 < share:
                raise PriorsError(file, f"{key}.relative_error", "expected a share above 0")
            spread, said = abs(value) * share, f"{fmt(100 * share)} %"
        elif "error" in entry:
            spread = entry["error"] * factor
            if not spread > 0:
                raise PriorsError(file, f"{key}.error", "expected an error above 0")
            said = fmt(entry["error"])
        else:
            raise PriorsError(file, key, "a value needs relative_error (a share) or error")
        if not spread > 0:
            raise PriorsError(file, f"{key}.value", "a relative error of 0 needs a value ≠ 0")
        _check_domain(name, scenario, value, (value, value), file, f"{key}.value")
        return Observation(
            name, NORMAL, value, spread, f"{fmt(entry['value'])} ± {said}", source, file
        )
    lo, hi = (v * factor for v in entry[kind])
    if not lo < hi:
        raise PriorsError(file, f"{key}.{kind}", f"expected lo < hi, got [{fmt(lo)}, {fmt(hi)}]")
    if kind == LOGNORMAL and not lo > 0:
        raise PriorsError(file, f"{key}.{kind}", f"a lognormal error needs 0 < lo, got {fmt(lo)}")
    said = f"{kind} = [{fmt(entry[kind][0])}, {fmt(entry[kind][1])}]"
    observation = from_interval(name, kind, lo, hi, said, source, file)
    _check_domain(name, scenario, observation.center, (lo, hi), file, f"{key}.{kind}")
    return observation
