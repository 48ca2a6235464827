"""What every built-in model declares: its kernel, its inputs and outputs with canonical units."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Kernel = Callable[..., dict[str, np.ndarray]]


@dataclass(frozen=True)
class Port:
    """One named input or output of a model, in its canonical unit."""

    name: str
    unit: str
    description: str
    requires: str | None = None  # an output computed only when this optional input is given


@dataclass(frozen=True)
class Model:
    """A cost model: a pure vectorized kernel and the names it reads and writes."""

    name: str
    kernel: Kernel
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    optional: tuple[Port, ...] = ()
    source: str = ""

    @property
    def summary(self) -> str:
        return (self.kernel.__doc__ or "").strip().splitlines()[0]

    def outputs_given(self, available: set[str]) -> list[Port]:
        """The outputs this model produces when ``available`` names are provided."""
        return [p for p in self.outputs if p.requires is None or p.requires in available]
