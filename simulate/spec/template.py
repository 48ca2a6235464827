"""A commented priors file to start from: ``simulate init NAME --model MODEL``.

Every input the model needs gets a placeholder distribution in its unit and a ``source`` to
fill in; the file loads and runs as written, so a user edits numbers, not syntax.
"""

from __future__ import annotations

from simulate.models import MODELS, Model, Port

# a placeholder per kind of unit: wide on purpose, so nobody mistakes it for a fact
_SHARE = "beta = [0.3, 0.6]"
_POSITIVE = "lognormal = [1, 10]"


def _placeholder(port: Port) -> str:
    if port.domain in ("share", "fraction"):
        return _SHARE
    if port.name == "pue":
        return "pert = [1.1, 1.2, 1.6]"
    if port.domain == "count":
        return "pert = [1, 2, 8]"
    if port.unit == "1" and any(w in port.name for w in ("mfu", "rate", "margin", "share")):
        return _SHARE
    if port.unit == "1" and any(w in port.name for w in ("utilization", "fraction", "hit")):
        return _SHARE
    if port.name == "pue":
        return "pert = [1.1, 1.2, 1.6]"
    return _POSITIVE


def inputs_for(model: Model) -> list[Port]:
    """The inputs a template declares: the required ones, then one consistent set of the
    optional ones (the model's own choice, or the first group it needs)."""
    chosen = list(model.inputs)
    names = list(model.template) or (list(model.needs_one_of[0]) if model.needs_one_of else [])
    by_name = {p.name: p for p in model.optional}
    chosen += [by_name[n] for n in names if n in by_name]
    return chosen


def render(name: str, model_name: str) -> str:
    """The text of a priors file for one model, every input a placeholder."""
    model = MODELS[model_name]
    ports = inputs_for(model)
    others = [p for p in model.optional if p not in ports]
    lines = [
        f"# {name}: a scenario for the `{model_name}` model — {model.summary}",
        "# Every assumption below is a PLACEHOLDER: replace each distribution with what you",
        '# believe ("90 % sure it is between 1.5 and 4" is `lognormal = [1.5, 4]`), keep its',
        "# unit (or declare another of the same kind), and say where the numbers come from.",
        "# `simulate check` explains the file; `simulate run` samples it; `simulate models`",
        "# lists every model's inputs and outputs.",
        "[scenario]",
        "format = 1",
        f'name = "{name}"',
        f'title = "{name}"',
        f'models = ["{model_name}"]',
        "",
    ]
    for port in ports:
        lines += [
            f"[assumptions.{port.name}]",
            f"# {port.description}",
            _placeholder(port),
        ]
        if port.unit != "1":
            lines.append(f'unit = "{port.unit}"')
        lines += [
            'source = "TODO: where this number comes from (a paper, a price list, a datasheet)"',
            'description = "TODO: why it is uncertain, and how much"',
            "",
        ]
    if others:
        lines.append("# Also accepted by this model (see `simulate models`):")
        lines += [f"#   {p.name} [{p.unit}]: {p.description}" for p in others]
        lines.append("")
    return "\n".join(lines)
