"""The ``simulate`` command's entry point.

Signals are routed (:mod:`simulate.core.interrupts`) before the command line's modules are
imported, so Ctrl-C in the first moments of a run ends it with 130 and one word, not a
traceback from inside an import.
"""

from __future__ import annotations

import sys

from simulate.core import interrupts


def main() -> None:
    interrupts.install()
    try:
        from simulate.cli.app import main as command_line
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except interrupts.Terminated:
        print("terminated", file=sys.stderr)
        sys.exit(143)
    command_line()
