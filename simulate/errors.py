"""The one exception type for a user's mistake.

Every module that reads user input raises :class:`PriorsError`; the CLI catches it once and
turns it into exit code 2 with a message that names the file and the key.
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
