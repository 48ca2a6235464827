"""The user's cache folder for work worth keeping between runs (pint's parsed unit
definitions, the priors schema's compiled validator): ``SIMULATE_CACHE_DIR``, else
``$XDG_CACHE_HOME`` or ``~/.cache``, under ``llm-econ-simulate``. Nothing in it is needed: a
folder that cannot be written means the work is redone each run."""

from __future__ import annotations

import os
from pathlib import Path


def folder(name: str) -> Path | None:
    """``<cache>/llm-econ-simulate/<name>``, made if need be, or ``None`` if not writable."""
    base = os.environ.get("SIMULATE_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    path = (Path(base) if base else Path.home() / ".cache") / "llm-econ-simulate" / name
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK | os.X_OK) else None
