"""Shared by the benchmark scripts: best-of-N wall time of a call."""

from __future__ import annotations

import math
import time
from collections.abc import Callable


def timed(function: Callable[[], object], repeat: int) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed by a shared machine)."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best
