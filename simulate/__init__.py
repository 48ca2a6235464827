"""An uncertainty simulator for the economics of large language models.

The public API follows the data flow: ``load`` a priors file into a validated scenario,
``run`` it (or ``run_point``), ``summarize`` the draws, turn them into an xarray Dataset with
``to_dataset`` and save it with ``write_netcdf``::

    import simulate
    scenario = simulate.load("priors/gpt3-training.toml")
    draws = simulate.run(scenario, draws=1_000_000, seed=42)
    simulate.summarize(scenario, draws).outputs["training_cost_usd"].percentile(50)

Names are imported lazily so that ``simulate --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API = {
    "load": "simulate.spec",
    "Scenario": "simulate.spec",
    "PriorsError": "simulate.errors",
    "run": "simulate.engine",
    "run_point": "simulate.engine",
    "evaluate": "simulate.engine",
    "stream": "simulate.engine",
    "summarize": "simulate.results",
    "summarize_stream": "simulate.results",
    "Summary": "simulate.summary",
    "QuantitySummary": "simulate.summary",
    "ThresholdResult": "simulate.summary",
    "UnknownQuantity": "simulate.summary",
    "to_dataset": "simulate.results",
    "write_netcdf": "simulate.results",
    "MODELS": "simulate.models",
}


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'simulate' has no attribute {name!r}")


__all__ = [*_API, "__version__"]
