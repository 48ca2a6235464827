"""What the command line says on stderr besides its results, in one voice.

Libraries speak for themselves otherwise: numpy's RuntimeWarnings with a source line,
matplotlib's UserWarnings, Dask's logging with whole tracebacks when a scheduler goes away.
:func:`install` turns each into one line of ours (``warning: …`` / ``dask: …``), and
:func:`silence` (``--quiet``) drops them: what matters is said by the run itself, in words
(non-finite draws, draws outside a domain, imprecise percentiles), and the exit status.
"""

from __future__ import annotations

import logging
import sys
import warnings
from typing import Any

from simulate.core import execution

quiet = False
installed = False

# loggers of libraries a run may use, and how their lines are labelled
LIBRARY_LOGGERS = {
    "distributed": "dask",
    "tornado": "dask",
    "bokeh": "dask",
    "matplotlib": "matplotlib",
}


def _one_line(message: Any, category: type, filename: str, lineno: int, *args: Any) -> None:
    if quiet:
        return
    text = str(message).strip().splitlines()[0] if str(message).strip() else category.__name__
    path = filename.replace("\\", "/")
    library = path.split("site-packages/")[1].split("/")[0] if "site-packages/" in path else ""
    origin = f" in {library}" if library else ""
    print(f"warning: {text} ({category.__name__}{origin})", file=sys.stderr)


class _OneLineHandler(logging.Handler):
    """A library's log record as one line, without its traceback."""

    def __init__(self, label: str) -> None:
        super().__init__(logging.WARNING)
        self.label = label

    def emit(self, record: logging.LogRecord) -> None:
        if quiet:
            return
        try:
            text = record.getMessage().strip().splitlines()
        except Exception:  # a malformed record says nothing rather than failing the run
            return
        if text:
            print(f"{self.label}: {text[0][:300]}", file=sys.stderr)


def route_logging() -> None:
    """Send the libraries' loggers through :class:`_OneLineHandler` (call it again after a
    library configures its own handlers on import, as distributed does)."""
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and name.split(".")[0] in LIBRARY_LOGGERS:
            logger.handlers = []  # distributed gives several of its loggers a handler each
            logger.propagate = True
    for name, label in LIBRARY_LOGGERS.items():
        logger = logging.getLogger(name)
        logger.handlers = [_OneLineHandler(label)]
        logger.propagate = False


def install() -> None:
    """Warnings and library logs in one line each (the command line only)."""
    global installed
    installed = True
    warnings.showwarning = _one_line
    route_logging()
    if route_logging not in execution.after_dask_import:
        execution.after_dask_import.append(route_logging)


def silence() -> None:
    """``--quiet``: nothing on stderr but errors — in the command line's process only (a
    program that imported the library keeps its own warnings)."""
    global quiet
    if installed:
        quiet = True
        warnings.simplefilter("ignore")
