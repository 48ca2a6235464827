"""The order in which derived quantities and models are evaluated.

A scenario is a graph of named quantities. Assumptions are its sources; a derived quantity
depends on the names in its expression; a model depends on its inputs and provides its
outputs. Models chain by name (``inhouse`` provides ``accelerator_hour_usd``, which
``training`` reads). This module finds one order that respects every dependency, or says
which name is missing or which names form a cycle.
"""

from __future__ import annotations

import graphlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from simulate.models import Model


class GraphError(ValueError):
    """A missing name, a name provided twice, or a cycle; ``name`` is the quantity to fix."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


@dataclass(frozen=True)
class Step:
    """Evaluate one derived quantity (``kind == "derived"``) or one model."""

    kind: str
    name: str
    provides: tuple[str, ...]


def plan(
    assumptions: Sequence[str],
    derived: Mapping[str, frozenset[str]],
    models: Sequence[Model],
) -> list[Step]:
    """Return the evaluation steps in dependency order.

    ``derived`` maps each derived name to the names its expression reads.
    """
    provider: dict[str, str] = {name: "assumption" for name in assumptions}

    def claim(name: str, who: str) -> None:
        if name in provider:
            raise GraphError(name, f"'{name}' is provided twice: by {provider[name]} and by {who}")
        provider[name] = who

    for name in derived:
        claim(name, "a [derived] expression")
    available = set(assumptions) | set(derived)
    # Outputs of every model count as available, so optional inputs chain between models.
    for model in models:
        available |= {p.name for p in model.outputs}
    model_outputs: dict[str, tuple[str, ...]] = {}
    for model in models:
        others = set(assumptions) | set(derived)
        others |= {p.name for m in models if m is not model for p in m.outputs}
        if model.inconsistency is not None:
            mine = {p.name for p in model.optional} & others
            problem = model.inconsistency(frozenset(mine))
            if problem:
                raise GraphError(problem[0], f"model '{model.name}' {problem[1]}")
        outputs = tuple(p.name for p in model.outputs_given(available, others))
        model_outputs[model.name] = outputs
        for name in outputs:
            claim(name, f"model '{model.name}'")

    graph: dict[str, set[str]] = {}
    step_of: dict[str, Step] = {}
    for name, reads in derived.items():
        for read in sorted(reads):
            if read not in provider:
                raise GraphError(
                    name,
                    f"expression reads '{read}', which no assumption, derived quantity "
                    "or model provides",
                )
        node = f"derived:{name}"
        graph[node] = {_node_of(provider, r) for r in reads if provider[r] != "assumption"}
        step_of[node] = Step("derived", name, (name,))
    for model in models:
        needed = [p.name for p in model.inputs]
        for read in needed:
            if read not in provider:
                raise GraphError(
                    read,
                    f"model '{model.name}' needs '{read}', which no assumption, derived "
                    "quantity or model provides",
                )
        if model.needs_one_of and not any(
            all(name in provider for name in group) for group in model.needs_one_of
        ):
            options = " or ".join(" and ".join(group) for group in model.needs_one_of)
            first = model.needs_one_of[0][0]
            raise GraphError(first, f"model '{model.name}' needs {options}")
        mine = f"model '{model.name}'"
        reads = needed + [
            p.name for p in model.optional if p.name in provider and provider[p.name] != mine
        ]
        node = f"model:{model.name}"
        graph[node] = {_node_of(provider, r) for r in reads if provider[r] != "assumption"}
        step_of[node] = Step("model", model.name, model_outputs[model.name])

    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        cycle = [node.split(":", 1)[1] for node in exc.args[1]]
        raise GraphError(cycle[0], "cycle: " + " → ".join(cycle)) from None
    return [step_of[node] for node in order]


def _node_of(provider: Mapping[str, str], name: str) -> str:
    who = provider[name]
    if who.startswith("model '"):
        return f"model:{who[len('model ') :].strip(chr(39))}"
    return f"derived:{name}"
