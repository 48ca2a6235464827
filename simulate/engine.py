"""Evaluate a scenario: sampled inputs → derived quantities and model outputs.

:func:`evaluate` is a pure function of arrays (any length, scalars included) that walks the
scenario's steps in dependency order. :func:`run` samples block by block, evaluates chunk by
chunk (optionally on several threads: numpy releases the GIL in its kernels) and writes into
arrays allocated once, so memory is the results themselves plus one chunk of temporaries.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from simulate.models import MODELS
from simulate.sampling import BLOCK_SIZE, Sampler, block_count
from simulate.spec import Scenario

DEFAULT_CHUNK_SIZE = 2**20


@dataclass
class Draws:
    """Every input and output of a run. Fixed assumptions are 0-d arrays."""

    inputs: dict[str, np.ndarray]
    outputs: dict[str, np.ndarray]
    draws: int
    seed: int | None
    method: str


def evaluate(scenario: Scenario, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Compute every derived quantity and model output from the assumptions' values."""
    env: dict[str, np.ndarray] = dict(inputs)
    with np.errstate(all="ignore"):  # non-finite results are counted and reported later
        for step in scenario.steps:
            if step.kind == "derived":
                env[step.name] = scenario.derived[step.name](env)
                continue
            model = MODELS[step.name]
            ports = [p.name for p in model.inputs]
            ports += [p.name for p in model.optional if p.name in env]
            # each input in the unit the model declares (a price per Mtoken → per ktoken)
            factors = scenario.input_factors
            arguments = {n: env[n] * factors[n] if n in factors else env[n] for n in ports}
            produced = model.kernel(**arguments)
            for name in step.provides:
                env[name] = produced[name]
    return {name: np.asarray(env[name], dtype=float) for name in scenario.outputs}


def point_values(scenario: Scenario) -> dict[str, np.ndarray]:
    """Every assumption at its point value (as 0-d arrays)."""
    return {
        name: np.asarray(a.distribution.point, dtype=float)
        for name, a in scenario.assumptions.items()
    }


def run_point(scenario: Scenario) -> Draws:
    """The base case: one evaluation with every assumption at its point value."""
    inputs = point_values(scenario)
    return Draws(
        inputs=inputs, outputs=evaluate(scenario, inputs), draws=1, seed=None, method="point"
    )


def run(
    scenario: Scenario,
    draws: int,
    seed: int,
    method: str = "mc",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Draws:
    """Sample ``draws`` scenarios and evaluate them.

    The numbers depend only on ``(scenario, draws, seed, method)``: ``chunk_size`` (rounded
    up to whole blocks of 65,536 draws) and ``workers`` change speed and memory, not results.
    ``progress`` is called with the number of draws finished after each chunk.
    """
    sampled = {n: scenario.assumptions[n].distribution for n in scenario.sampled}
    sampler = Sampler(sampled, draws, seed, method, scenario.dependence)
    inputs: dict[str, np.ndarray] = {
        name: np.asarray(a.distribution.point, dtype=float)
        for name, a in scenario.assumptions.items()
        if a.distribution.is_fixed
    }
    inputs.update({name: np.empty(draws) for name in sampled})
    outputs = {name: np.empty(draws) for name in scenario.outputs}
    blocks_per_chunk = max(1, -(-chunk_size // BLOCK_SIZE))
    n_blocks = block_count(draws)
    chunks = [
        range(b, min(b + blocks_per_chunk, n_blocks)) for b in range(0, n_blocks, blocks_per_chunk)
    ]

    def work(blocks: range) -> int:
        start = blocks[0] * BLOCK_SIZE
        stop = min((blocks[-1] + 1) * BLOCK_SIZE, draws)
        for index in blocks:
            offset = index * BLOCK_SIZE
            for name, values in sampler.block(index).items():
                inputs[name][offset : offset + len(values)] = values
        view = {name: (arr[start:stop] if arr.ndim else arr) for name, arr in inputs.items()}
        for name, values in evaluate(scenario, view).items():
            outputs[name][start:stop] = values
        return stop - start

    if workers <= 1 or len(chunks) == 1:
        for blocks in chunks:
            done = work(blocks)
            if progress:
                progress(done)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for done in pool.map(work, chunks):
                if progress:
                    progress(done)
    return Draws(inputs=inputs, outputs=outputs, draws=draws, seed=seed, method=method)


def achieved_correlations(
    scenario: Scenario, draws: int = 100_000, seed: int = 0
) -> list[tuple[str, str, float, float]]:
    """(name, name, declared ρ, Spearman's ρ of ``draws`` Monte Carlo draws) for every
    declared rank correlation: what ``simulate check`` shows."""
    from scipy import stats

    declared = scenario.dependence.declared
    if not declared:
        return []
    names = [n for n in scenario.sampled if n in scenario.dependence.copula_names]
    sampler = Sampler(
        {n: scenario.assumptions[n].distribution for n in names},
        draws,
        seed,
        "mc",
        scenario.dependence,
    )
    blocks = [sampler.block(i) for i in range(block_count(draws))]
    values = {n: np.concatenate([b[n] for b in blocks]) for n in names}
    return [
        (a, b, rho, float(stats.spearmanr(values[a], values[b]).statistic))
        for a, b, rho in declared
    ]


def bytes_needed(scenario: Scenario, draws: int, method: str = "mc", rows: int = 0) -> int:
    """Memory a run of ``draws`` keeps, estimated before anything is allocated.

    Every sampled assumption and every output is kept as ``draws`` float64 values; the summary
    sorts one copy at a time; a chunk of temporaries comes on top; Latin hypercube keeps one
    permutation of all draws per uniform stream. ``rows`` adds a Sobol design's evaluations
    (its uniforms and outputs) for sensitivity.
    """
    keys = len(scenario.dependence.uniform_keys(scenario.sampled))
    kept = len(scenario.sampled) + len(scenario.outputs)
    per_draw = 8 * (kept + 1) + (8 * keys if method == "lhs" else 0)
    chunk = 8 * min(draws, DEFAULT_CHUNK_SIZE) * (kept + len(scenario.steps) + 4)
    design = 8 * rows * (keys + len(scenario.outputs) + 2)
    return per_draw * draws + chunk + design


def bytes_available() -> int | None:
    """Memory the system can give without swapping (Linux ``MemAvailable``), if known."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
