"""The built-in cost models, by name. Each module holds one pure kernel and its metadata."""

from __future__ import annotations

from simulate.models import (
    api_workload,
    breakeven,
    development,
    inference,
    inhouse,
    memory,
    owned,
    query,
    scaling,
    serving,
    training,
)
from simulate.models.base import Model, Port

MODELS: dict[str, Model] = {
    m.MODEL.name: m.MODEL
    for m in (
        training,
        inference,
        query,
        inhouse,
        owned,
        memory,
        breakeven,
        serving,
        scaling,
        development,
        api_workload,
    )
}


def vocabulary() -> dict[str, Port]:
    """Every input and output name of the built-in models with its canonical unit.

    A name means the same thing in every model, so a name has one unit wherever it appears.
    """
    names: dict[str, Port] = {}
    for model in MODELS.values():
        for port in (*model.inputs, *model.optional, *model.outputs):
            known = names.setdefault(port.name, port)
            if known.unit != port.unit:  # a programming error in this package, not user input
                raise RuntimeError(f"{port.name} has units {known.unit} and {port.unit}")
    return names


__all__ = ["MODELS", "Model", "Port", "vocabulary"]
