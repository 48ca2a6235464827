"""The memory a run is refused for is the memory it would hold: the estimate made before a
run is within 2× of the peak a real process reaches, for a small and a wide scenario, kept
and streamed, whatever --chunk-size and --workers say (measured as the peak resident size
of a child process above the same command's --point run)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

import simulate
from simulate.analysis import results
from simulate.core import engine
from tests.conftest import PRIORS

if not os.path.exists("/proc/self/status"):
    pytest.skip("the peak memory of a process is read from /proc", allow_module_level=True)


def _peak_bytes(args: list[str]) -> int:
    """The child's own high-water mark (VmHWM, which starts afresh at exec; ``ru_maxrss``
    would count the pages of the large test process it was forked from)."""
    with tempfile.TemporaryDirectory() as folder:
        report = os.path.join(folder, "peak")
        script = (
            "import atexit\n"
            "def peak():\n"
            "    line = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
            f"    open({report!r}, 'w').write(line.split()[1])\n"
            "atexit.register(peak)\n"
            "from simulate.launch import main\n"
            "main()\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script, *args, "-q"], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        with open(report) as file:
            return int(file.read()) * 1024


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    """gpt3-training with 1,000 more sampled assumptions (nothing reads them: a warning)."""
    text = (PRIORS / "gpt3-training.toml").read_text()
    at = text.index("[assumptions]\n") + len("[assumptions]\n")
    extra = "".join(f'x{i} = {{ lognormal = [1, 10], source = "filler" }}\n' for i in range(1000))
    path = tmp_path_factory.mktemp("wide") / "wide.toml"
    path.write_text(text[:at] + extra + text[at:])
    return path


@pytest.mark.slow
@pytest.mark.parametrize(
    ("which", "options"),
    [
        ("small", ["--draws", "1e7"]),  # streamed
        ("small", ["--draws", "1e7", "--workers", "1", "--chunk-size", "4e6"]),
        ("small", ["--draws", "2e6", "--statistics", "exact"]),
        ("wide", ["--draws", "2e4"]),  # kept
        ("wide", ["--draws", "131072", "--statistics", "streamed", "--chunk-size", "65536"]),
    ],
)
def test_the_estimate_is_within_twice_the_measured_peak(which, options, wide):
    path = PRIORS / "gpt3-training.toml" if which == "small" else wide
    scenario = simulate.load(path)
    given = dict(zip(options[::2], options[1::2], strict=True))
    draws = int(float(given["--draws"]))
    streamed = not results.keeps_every_draw(scenario, draws, given.get("--statistics", "auto"))
    estimate = engine.bytes_needed(
        scenario, draws, streamed=streamed,
        chunk_size=int(float(given.get("--chunk-size", engine.DEFAULT_CHUNK_SIZE))),
        workers=int(given["--workers"]) if "--workers" in given else None,
    )  # fmt: skip
    # the peak of two runs (threads overlap more or less), above the smaller of two baselines
    baseline = min(_peak_bytes(["run", str(path), "--point"]) for _ in range(2))
    measured = max(_peak_bytes(["run", str(path), *options]) for _ in range(2)) - baseline
    assert measured > 0, (baseline / 2**20, measured / 2**20)
    assert 0.5 <= estimate / measured <= 2.0, (estimate / 2**20, measured / 2**20)


def test_the_estimate_follows_chunk_size_and_workers():
    scenario = simulate.load(PRIORS / "gpt3-training.toml")
    one = engine.bytes_needed(scenario, 10**8, streamed=True, workers=1)
    four = engine.bytes_needed(scenario, 10**8, streamed=True, workers=4)
    bigger_chunks = engine.bytes_needed(scenario, 10**8, streamed=True, workers=1, chunk_size=2**23)
    assert 3.5 < four / one < 4.5  # a chunk running per worker, and their sketches waiting
    assert 6 < bigger_chunks / one < 9  # eight times the chunk's arrays, the same sketches
    # a histogram per quantity: an assumption spanning more octaves needs more of it
    assert engine.sketch_bytes(scenario) < 2**23
