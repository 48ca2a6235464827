"""The exception types for a user's mistake.

Every module that reads user input raises :class:`PriorsError`, and a run that cannot
succeed as asked (too large for the memory, a file the disk cannot hold) raises
:class:`RunRefused`; the CLI catches both once and turns them into exit code 2 with a message
that names the file and the key, or the option.
"""

from __future__ import annotations


class PriorsError(ValueError):
    """Bad input in a priors file or on the command line.

    ``file`` is the path of the priors file (or ``None`` for a command-line option), ``key``
    the dotted key or option that is wrong, and ``message`` what was expected.
    """

    def __init__(self, file: str | None, key: str | None, message: str) -> None:
        self.file = file
        self.key = key
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.file, self.key) if part)
        return f"{where}: {self.message}" if where else self.message


class RunRefused(ValueError):
    """A run that cannot succeed as asked (see :mod:`simulate.analysis.checks`): ``parameter`` says
    which argument to change (``draws``, ``out``, ``sobol_samples``)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message

    @property
    def option(self) -> str:
        """The command line's name for the parameter."""
        return "--" + self.parameter.replace("_", "-")
