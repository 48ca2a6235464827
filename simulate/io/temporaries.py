"""Temporary files and folders beside the file they become, named so that leftovers are ours.

A run writes ``.NAME.PID-RANDOM.tmp`` beside ``NAME`` and moves it into place when complete
(:func:`simulate.core.interrupts.place`). A run killed outright (SIGKILL, a power cut) cannot remove
it, and such a file can hold gigabytes of draws. The next run that writes ``NAME`` removes the
leftovers whose process is gone, and says so; one whose writer may still run is only named.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

_OURS = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)-[A-Za-z0-9_]+\.tmp$")
_OLD = re.compile(r"^\.(?P<name>.+)\.[A-Za-z0-9_]{8}\.tmp$")  # before the PID was in the name


def _prefix(target: Path) -> str:
    return f".{target.name}.{os.getpid()}-"


def make_file(target: Path) -> str:
    """An empty temporary file beside ``target`` (its path)."""
    handle, temporary = tempfile.mkstemp(prefix=_prefix(target), suffix=".tmp", dir=target.parent)
    os.close(handle)
    return temporary


def make_folder(target: Path) -> Path:
    """An empty temporary folder beside ``target``, to stage it and the files beside it."""
    return Path(tempfile.mkdtemp(prefix=_prefix(target), suffix=".tmp", dir=target.parent))


def _started_after(pid: int, moment: float) -> bool:
    """Whether process ``pid`` started after ``moment`` (a time stamp); False when unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        started = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return False
    return started > moment + 1.0  # the clock ticks are coarse


def _writer_gone(pid: int, modified: float) -> bool:
    """Whether the process that wrote a temporary no longer runs (or its PID was reused)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):
        return False
    return _started_after(pid, modified)


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def clear_stale(target: str | Path) -> list[str]:
    """Remove the temporaries of ``target`` left by runs that no longer exist; a line for each
    removed, and for each that may still be in use by a running program."""
    target = Path(target)
    folder = target.parent
    if not folder.is_dir():
        return []
    said: list[str] = []
    for entry in sorted(folder.glob(f".{glob_escape(target.name)}.*.tmp")):
        try:
            size = _size(entry)
            ours = _OURS.match(entry.name)
            if ours and ours["name"] == target.name:
                if not _writer_gone(int(ours["pid"]), entry.stat().st_mtime):
                    said.append(
                        f"note: {entry} is being written by process {ours['pid']} "
                        f"({size / 2**20:,.0f} MiB)"
                    )
                    continue
                if entry.is_dir():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
                said.append(
                    f"note: removed {entry}, {size / 2**20:,.0f} MiB left by a run that was "
                    f"killed (process {ours['pid']} is gone)"
                )
            elif _OLD.match(entry.name):
                said.append(
                    f"note: {entry} ({size / 2**20:,.0f} MiB) looks like a file an interrupted "
                    "run left; remove it if nothing is writing "
                    f"{target.name}"
                )
        except OSError:  # it went away meanwhile, or cannot be read: not ours to judge
            continue
    return said


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)
