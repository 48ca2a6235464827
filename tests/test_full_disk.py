"""A disk that is full, or fills during a run: exit 2 naming --out, the old file intact,
nothing left behind; and a file whose space was reserved is written whole.

These mount a small tmpfs, which needs root (or CAP_SYS_ADMIN); elsewhere they are skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from simulate.core import engine
from simulate.io import netcdf
from simulate.spec.reader import load
from tests.conftest import PRIORS

SIMULATE = [sys.executable, "-c", "from simulate.launch import main; main()"]


@pytest.fixture
def small_disk(tmp_path):
    """A 64 MiB file system of its own at ``tmp_path / "disk"``."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small file system needs root")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder: Path, leave_bytes: int) -> None:
    free = shutil.disk_usage(folder).free
    with open(folder / "filler", "wb") as filler:
        os.posix_fallocate(filler.fileno(), 0, max(0, free - leave_bytes))


def test_a_disk_too_full_for_the_reservation_changes_nothing(small_disk):
    scenario = load(PRIORS / "gpt3-training.toml")
    draws = 1_000_000
    data = netcdf.file_bytes(scenario, draws)
    out = small_disk / "run.nc"
    out.write_bytes(b"the user's file")
    _fill(small_disk, leave_bytes=data // 2)
    kept = engine.run(scenario, 1000, seed=1)
    with pytest.raises(OSError) as raised:
        with netcdf.DrawWriter(out, scenario, draws, 1, "mc", engine.fixed_values(scenario)) as w:
            w.write(0, {**kept.inputs, **kept.outputs})
    assert raised.value.errno == 28  # ENOSPC, said before any draw reaches HDF5
    assert out.read_bytes() == b"the user's file"
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "run.nc"]


def test_run_says_the_disk_is_full_by_option_with_the_free_space(small_disk, invoke, monkeypatch):
    out = small_disk / "run.nc"
    out.write_bytes(b"the user's file")
    _fill(small_disk, leave_bytes=2 * 2**20)
    # past the pre-check, as when the disk fills between it and the write
    monkeypatch.setattr(netcdf, "short_of_space", lambda *args: None)
    result = invoke("run", PRIORS / "gpt3-training.toml", "--draws", "3e5", "--out", out, "-q")
    assert result.exit_code == 2, result.output
    assert "error: --out: cannot write" in result.stderr
    assert "No space left on device" in result.stderr and "MiB free in" in result.stderr
    assert out.read_bytes() == b"the user's file"
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler", "run.nc"]


@pytest.mark.slow
def test_a_disk_that_fills_while_the_draws_are_written_cannot_cut_the_file(small_disk):
    scenario = load(PRIORS / "gpt3-training.toml")
    draws = 400_000
    out = small_disk / "run.nc"
    args = [str(PRIORS / "gpt3-training.toml"), "--draws", str(draws), "--out", str(out), "-q"]
    process = subprocess.Popen([*SIMULATE, "run", *args], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    reserved = netcdf.file_bytes(scenario, draws)
    while not any(
        p.stat().st_size >= reserved for p in small_disk.glob(".run.nc.*.tmp") if p.exists()
    ):  # the space is claimed: now another program takes every byte left
        assert process.poll() is None and time.monotonic() < deadline, "the run ended first"
        time.sleep(0.002)
    _fill(small_disk, leave_bytes=0)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    import xarray as xr

    with xr.open_dataset(out) as dataset:
        costs = dataset["training_cost_usd"].values[0]
    assert costs.shape == (draws,) and np.isfinite(costs).all()
    assert out.stat().st_size < netcdf.reserved_bytes(reserved)  # HDF5 trimmed the reservation
