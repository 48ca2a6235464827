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
    "load": "simulate.spec.reader",
    "Scenario": "simulate.spec.reader",
    "PriorsError": "simulate.core.errors",
    "RunRefused": "simulate.core.errors",
    "run": "simulate.analysis.runs",
    "run_point": "simulate.core.engine",
    "evaluate": "simulate.core.engine",
    "stream": "simulate.analysis.runs",
    "summarize": "simulate.analysis.results",
    "summarize_stream": "simulate.analysis.results",
    "Summary": "simulate.analysis.summary",
    "PointSummary": "simulate.analysis.summary",
    "DrawSummary": "simulate.analysis.summary",
    "QuantitySummary": "simulate.analysis.summary",
    "ThresholdResult": "simulate.analysis.summary",
    "UnknownQuantity": "simulate.analysis.summary",
    "to_dataset": "simulate.io.netcdf",
    "write_netcdf": "simulate.io.files",
    "MODELS": "simulate.models",
    "Draws": "simulate.core.engine",
    "QuantityError": "simulate.analysis.summary",
    "Sensitivity": "simulate.analysis.summary",
    "analyze": "simulate.analysis.sensitivity",
    "Comparison": "simulate.analysis.compare",
    "write_report": "simulate.present.report",
    "findings": "simulate.analysis.findings",
    "calibrate": "simulate.analysis.calibration",
    "resample": "simulate.analysis.calibration",
    "Calibration": "simulate.analysis.calibration",
    "stream_posterior": "simulate.analysis.runs",
    "run_along": "simulate.analysis.runs",
    "stream_along": "simulate.analysis.runs",
    "summarize_along": "simulate.analysis.results",
    "to_dataset_along": "simulate.io.netcdf",
    "AlongSummary": "simulate.analysis.summary",
    "StreamedPosterior": "simulate.analysis.streamed_calibration",
}


def __dir__() -> list[str]:
    return sorted(__all__)


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'simulate' has no attribute {name!r}")


__all__ = [*_API, "__version__"]
