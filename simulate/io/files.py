"""Writing files so that nothing is lost: each file is written beside its target and renamed
into place (atomically), and files that belong together move into place together."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from simulate.core import interrupts
from simulate.io import temporaries


def unwritable_reason(path: str | Path) -> str | None:
    """Why ``path`` cannot be written as a regular file (``None`` if it can), found before a
    run spends minutes: an empty name, a name too long, a parent that is a file or cannot be
    created or written, or something that is not a regular file already at ``path``."""
    if not str(path).strip():
        return "expected a file name, got an empty one"
    path = Path(path)
    try:
        limit = os.pathconf(path.parent if path.parent.exists() else ".", "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if len(path.name.encode()) > limit:
        return f"the file name is longer than {limit} bytes"
    try:
        if path.exists() and not path.is_file():
            return f"{path} exists and is not a regular file; it will not be replaced"
        ancestor = path.parent
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            return f"{ancestor} is a file, so it cannot hold {path}"
    except OSError as exc:
        return f"cannot use {path}: {exc.strerror}"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"cannot write in {ancestor} (permission denied)"
    return None


def _write_atomically(path: str | Path, write: Callable[[str], None]) -> Path:
    """Call ``write(temporary)`` on a file beside ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = ""
    try:
        with interrupts.deferred():  # a signal now is raised once the name is known
            temporary = temporaries.make_file(path)
        write(temporary)
        interrupts.place([(temporary, path)])
    except BaseException:
        if temporary:
            Path(temporary).unlink(missing_ok=True)
        raise
    return path


def write_netcdf(dataset: Any, path: str | Path, then: Callable[[str], None] | None = None) -> Path:
    """Write ``dataset`` to ``path`` as NetCDF 4, atomically; ``then(temporary)`` may add to
    the file before it moves into place."""
    # Constant variables (fixed assumptions) compress to almost nothing.
    encoding = {
        name: {"zlib": True, "complevel": 1}
        for name, variable in dataset.items()
        if variable.attrs.get("distribution", "").startswith("fixed")
    }

    def write(temporary: str) -> None:
        dataset.to_netcdf(temporary, engine="h5netcdf", encoding=encoding)
        if then is not None:
            then(temporary)

    return _write_atomically(path, write)


def write_text(text: str, path: str | Path) -> Path:
    """Write ``text`` to ``path`` atomically."""
    return _write_atomically(
        path, lambda temporary: Path(temporary).write_text(text, encoding="utf-8")
    )


def write_together(writers: Sequence[tuple[Path, Callable[[Path], None]]]) -> None:
    """Write several files that belong together (a table and its chart): each writer fills a
    temporary path in a staging folder beside its target, and the files move into place only
    once all are written. An interruption before the moves leaves the old set untouched; a
    move that fails removes the new files already moved, so a new file never stands beside
    an old one (the targets are then missing, never mismatched). The staging folder is named
    after the last target, the document the others belong to."""
    if not writers:
        return
    folder = writers[0][0].parent
    made = [parent for parent in (folder, *folder.parents) if not parent.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    staging: Path | None = None
    complete = False
    try:
        with interrupts.deferred():  # a signal now is raised once the folder's name is known
            staging = temporaries.make_folder(writers[-1][0])
        for target, write in writers:
            write(staging / target.name)
        interrupts.place([(staging / target.name, target) for target, _ in writers])
        complete = True
    finally:
        if staging is not None:
            with interrupts.deferred():  # a signal now must not leave half a folder behind
                shutil.rmtree(staging, ignore_errors=True)
        if not complete:
            for parent in made:  # folders made for a set that never arrived: no empty shells
                try:
                    parent.rmdir()
                except OSError:
                    break


def write_with_chart(
    out: str | Path, text_for: Callable[[str], str], draw: Callable[[Path], None]
) -> tuple[Path, Path]:
    """A Markdown document ``out`` and its chart ``<stem>.png`` beside it, into place together:
    ``text_for`` gets the chart's file name to link to, ``draw`` fills the chart's path."""
    out = Path(out)
    figure = out.with_name(f"{out.stem}.png")
    text = text_for(figure.name)
    write_together([(figure, draw), (out, lambda path: write_text(text, path))])
    return out, figure
