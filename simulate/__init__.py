"""An uncertainty simulator for the economics of large language models.

The public API follows the data flow: ``load`` a priors file into a validated scenario,
``run`` it (or ``run_point``), ``summarize`` the draws, turn them into an xarray Dataset with
``to_dataset`` and save it with ``write_netcdf``::

    import simulate
    scenario = simulate.load("priors/gpt3-training.toml")   # or a dict of the file's content
    draws = simulate.run(scenario, draws=1_000_000, seed=42)
    simulate.summarize(scenario, draws).outputs["training_cost_usd"].percentile(50)
    simulate.to_dataset(scenario, draws), draws.to_dataframe()
    simulate.summarize(scenario, draws).to_dataframe()

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
    "RunRefused": "simulate.errors",
    "run": "simulate.runs",
    "run_point": "simulate.engine",
    "evaluate": "simulate.engine",
    "stream": "simulate.runs",
    "summarize": "simulate.results",
    "summarize_stream": "simulate.results",
    "Summary": "simulate.summary",
    "QuantitySummary": "simulate.summary",
    "ThresholdResult": "simulate.summary",
    "UnknownQuantity": "simulate.summary",
    "to_dataset": "simulate.netcdf",
    "write_netcdf": "simulate.files",
    "MODELS": "simulate.models",
    "Draws": "simulate.engine",
    "QuantityError": "simulate.summary",
    "Sensitivity": "simulate.summary",
    "analyze": "simulate.sensitivity",
    "Comparison": "simulate.compare",
    "write_report": "simulate.report",
    "findings": "simulate.findings",
}


def __dir__() -> list[str]:
    return sorted(__all__)


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'simulate' has no attribute {name!r}")


__all__ = [*_API, "__version__"]
