"""Same seed, same numbers — whatever the chunk size or number of workers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simulate
from simulate.core.families import build
from simulate.core.sampling import BLOCK_SIZE, Sampler
from tests.conftest import PRIORS

SCENARIO = PRIORS / "gpt3-training.toml"


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_json_is_identical_for_different_chunk_sizes(method, invoke):
    outputs = set()
    for chunk in ("65536", "100000", "1e6"):
        result = invoke(
            "run",
            SCENARIO,
            "--draws",
            "300000",
            "--seed",
            "7",
            "--method",
            method,
            "--chunk-size",
            chunk,
            "--format",
            "json",
        )
        assert result.exit_code == 0, result.stderr
        outputs.add(result.stdout)
    assert len(outputs) == 1


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_arrays_are_bit_identical_across_chunks_and_workers(method):
    scenario = simulate.load(SCENARIO)
    reference = simulate.run(scenario, 200_001, seed=3, method=method)
    other = simulate.run(scenario, 200_001, seed=3, method=method, chunk_size=1, workers=2)
    for name in reference.outputs:
        assert np.array_equal(reference.outputs[name], other.outputs[name]), name
    for name in scenario.sampled:
        assert np.array_equal(reference.inputs[name], other.inputs[name]), name


def test_different_seeds_give_different_draws():
    scenario = simulate.load(SCENARIO)
    a = simulate.run(scenario, 1000, seed=0).inputs["training_mfu"]
    b = simulate.run(scenario, 1000, seed=1).inputs["training_mfu"]
    assert not np.array_equal(a, b)


def test_a_draw_depends_only_on_seed_index_and_name():
    """Common random numbers: an assumption's draws do not depend on the others, nor on N."""
    one = Sampler({"x": build("uniform", [0, 1])}, BLOCK_SIZE + 10, seed=5)
    two = Sampler(
        {"y": build("normal", [0, 1]), "x": build("uniform", [0, 1])}, 3 * BLOCK_SIZE, seed=5
    )
    assert np.array_equal(one.block(0)["x"], two.block(0)["x"])
    assert np.array_equal(one.block(1)["x"], two.block(1)["x"][:10])


def test_latin_hypercube_puts_one_draw_in_each_stratum():
    draws = 5000
    sampler = Sampler(
        {"x": build("uniform", [0, 1]), "y": build("uniform", [0, 1])}, draws, 0, "lhs"
    )
    values = sampler.block(0)
    for name in ("x", "y"):
        strata = np.floor(values[name] * draws).astype(int)
        assert np.array_equal(np.sort(strata), np.arange(draws))


def test_latin_hypercube_strata_span_blocks():
    draws = BLOCK_SIZE + 1000
    sampler = Sampler({"x": build("uniform", [0, 1])}, draws, 0, "lhs")
    values = np.concatenate([sampler.block(0)["x"], sampler.block(1)["x"]])
    assert np.array_equal(np.sort(np.floor(values * draws).astype(int)), np.arange(draws))


def test_sobol_blocks_continue_one_sequence():
    from scipy.stats import qmc

    sampler = Sampler(
        {"x": build("uniform", [0, 1]), "y": build("uniform", [0, 1])}, 2 * BLOCK_SIZE, 0, "sobol"
    )
    values = np.concatenate([sampler.block(0)["x"], sampler.block(1)["x"]])
    # a scrambled Sobol sequence of 2^17 points has one point in each of 2^17 strata per axis
    assert np.array_equal(
        np.sort(np.floor(values * 2 * BLOCK_SIZE).astype(int)), np.arange(2 * BLOCK_SIZE)
    )
    assert (
        qmc.discrepancy(
            np.column_stack(
                [values, np.concatenate([sampler.block(0)["y"], sampler.block(1)["y"]])]
            )[:4096]
        )
        < 1e-4
    )


def test_quasi_random_methods_estimate_the_mean_better_than_mc():
    scenario = simulate.load(SCENARIO)
    exact = build("beta", [0.30, 0.55])
    true_mean = exact.params["a"] / (exact.params["a"] + exact.params["b"])
    errors = {}
    for method in ("mc", "lhs", "sobol"):
        values = simulate.run(scenario, 2**14, seed=11, method=method).inputs["training_mfu"]
        errors[method] = abs(values.mean() - true_mean)
    assert errors["lhs"] < 1e-4 and errors["sobol"] < 1e-4
    assert max(errors["lhs"], errors["sobol"]) < errors["mc"]


def test_no_python_loop_over_draws_memory_is_the_results():
    """Outputs are preallocated once: a run of N draws holds N floats per sampled quantity."""
    scenario = simulate.load(SCENARIO)
    result = simulate.run(scenario, 100_000, seed=0, chunk_size=BLOCK_SIZE)
    assert all(v.shape == (100_000,) for v in result.outputs.values())
    assert all(
        result.inputs[n].shape == ()
        for n in scenario.assumptions
        if scenario.assumptions[n].distribution.is_fixed
    )


@settings(max_examples=12, deadline=None)
@given(
    draws=st.integers(1, 3 * BLOCK_SIZE + 7),
    chunk=st.integers(1, 4 * BLOCK_SIZE),
    workers=st.integers(1, 3),
    method=st.sampled_from(["mc", "lhs", "sobol"]),
)
def test_property_results_do_not_depend_on_chunking(draws, chunk, workers, method):
    scenario = simulate.load(SCENARIO)
    reference = simulate.run(scenario, draws, seed=5, method=method)
    other = simulate.run(scenario, draws, seed=5, method=method, chunk_size=chunk, workers=workers)
    for name, values in reference.outputs.items():
        assert np.array_equal(values, other.outputs[name])
