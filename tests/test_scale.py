"""Scale: streamed statistics, bounded-memory runs, O(1)-memory Latin hypercube, Dask.

The contract under test: a streamed summary is within 0.05 % of the exact one (percentiles),
its counts are exact, and no number depends on chunk size, workers or scheduler.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

import simulate
from simulate.analysis import results
from simulate.analysis.summary import UnknownQuantity
from simulate.core import engine
from simulate.core.statistics import RELATIVE_ERROR, Sketch, exact_statistics
from simulate.core.thresholds import Threshold
from tests.conftest import PRIORS

PERCENTILES = (0.0, 0.5, 5.0, 25.0, 50.0, 75.0, 95.0, 99.5, 100.0)


def _sketch(values: np.ndarray, block: int = 65_536) -> Sketch:
    sketch = Sketch()
    for index, start in enumerate(range(0, len(values), block)):
        sketch.add(index, values[start : start + block])
    return sketch


SAMPLES = {
    "lognormal": lambda rng, n: rng.lognormal(3.0, 0.8, n),
    "normal around 0": lambda rng, n: rng.normal(0.0, 1.0, n),
    "negative": lambda rng, n: -rng.lognormal(-2.0, 1.5, n),
    "beta": lambda rng, n: rng.beta(20.0, 30.0, n),
    "heavy tail": lambda rng, n: rng.pareto(1.5, n) * 1e6,
    "two modes across 0": lambda rng, n: np.where(
        rng.random(n) < 0.5, rng.normal(-5.0, 1.0, n), rng.lognormal(0.0, 2.0, n)
    ),
    # a loss floored at zero: a point mass at 0 must read exactly 0, not 1e-312
    "point mass at zero": lambda rng, n: np.maximum(1.0 - rng.normal(0.0, 2.0, n), 0.0),
    "a 0/1 flag": lambda rng, n: (rng.normal(0.0, 2.0, n) > 1.5).astype(float),
    # a few values near 1e-300 beside a bulk near 1: sparse buckets, not a dense span
    "a few tiny values": lambda rng, n: (
        np.where(rng.random(n) < 0.001, 1e-300, 1.0) * rng.lognormal(0.0, 0.1, n)
    ),
}


@pytest.mark.parametrize("kind", SAMPLES)
def test_streamed_percentiles_are_within_the_documented_bound_of_exact(kind):
    values = SAMPLES[kind](np.random.default_rng(7), 400_000)
    sketch = _sketch(values)
    streamed, hdi = sketch.statistics(PERCENTILES)
    exact, exact_hdi = exact_statistics(values, PERCENTILES)
    for q, got, want in zip(PERCENTILES, streamed, exact, strict=True):
        assert abs(got - want) <= RELATIVE_ERROR * abs(want), (q, got, want)
    assert (streamed[0], streamed[-1]) == (values.min(), values.max())
    sides = (sketch.negative, sketch.positive)
    assert all(len(side.counts) <= 2**20 + 1 for side in sides)  # bounded, whatever the span
    # the HDI: as narrow as the exact one (within the bound) and holding 90 % of the draws
    width, exact_width = hdi[1] - hdi[0], exact_hdi[1] - exact_hdi[0]
    assert abs(width - exact_width) <= 2 * RELATIVE_ERROR * max(map(abs, exact_hdi))
    inside = np.count_nonzero((values >= hdi[0]) & (values <= hdi[1])) / len(values)
    ties = np.count_nonzero(values == hdi[0]) + np.count_nonzero(values == hdi[1])
    assert 0.899 <= inside <= 0.901 + ties / len(values)  # a point mass at an end adds to it


def test_streamed_mean_sd_and_counts_match_numpy_whatever_the_blocks():
    rng = np.random.default_rng(3)
    values = rng.lognormal(0.0, 1.0, 300_000)
    values[::1000] = np.nan
    values[5] = np.inf
    finite = values[np.isfinite(values)]
    whole = _sketch(values)
    assert whole.count == len(finite) and whole.nonfinite == 301
    mean, sd = whole.mean_sd()
    assert mean == pytest.approx(finite.mean(), rel=1e-13)
    assert sd == pytest.approx(finite.std(ddof=1), rel=1e-12)
    # merging sketches of the same blocks in any grouping gives identical numbers
    parts = [Sketch() for _ in range(3)]
    for index, start in enumerate(range(0, len(values), 65_536)):
        parts[index % 3].add(index, values[start : start + 65_536])
    merged = Sketch()
    for part in reversed(parts):
        merged.merge(part)
    assert merged.mean_sd() == whole.mean_sd()
    assert merged.statistics(PERCENTILES) == whole.statistics(PERCENTILES)


def test_a_constant_is_summarised_exactly():
    sketch = Sketch.constant(-2.5, 1_000)
    assert sketch.statistics((5, 50, 95)) == ([-2.5] * 3, (-2.5, -2.5))
    assert sketch.mean_sd() == (-2.5, 0.0)


def _scenario(name: str = "search-two-stage.toml"):
    return simulate.load(PRIORS / name)


def test_a_streamed_run_agrees_with_the_exact_run_and_its_counts_are_identical():
    scenario = _scenario()
    thresholds = [
        Threshold("query_cost_usd", ">", "revenue_per_query_usd"),
        Threshold("query_cost_usd", "<", 0.05),
    ]
    draws = 200_000
    exact = results.summarize(scenario, engine.run(scenario, draws, 5), PERCENTILES, thresholds)
    streamed = results.summarize_stream(
        scenario,
        engine.stream(scenario, draws, 5, thresholds=thresholds),
        PERCENTILES,
    )
    assert streamed.quantiles == "histogram" and exact.quantiles == "exact"
    for name, entry in exact.outputs.items():
        other = streamed.outputs[name]
        assert other.thresholds == entry.thresholds  # counts are exact, not estimated
        assert other.nonfinite == entry.nonfinite
        assert other.mean == pytest.approx(entry.mean, rel=1e-12)
        for (_, a), (_, b) in zip(entry.percentiles, other.percentiles, strict=True):
            assert b == pytest.approx(a, rel=RELATIVE_ERROR)


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_streamed_numbers_do_not_depend_on_chunks_or_workers(method):
    scenario = _scenario("breakeven-frontier-per-token.toml")  # correlated assumptions
    draws = 3 * 65_536 + 1_234
    reference = results.summarize_stream(
        scenario, engine.stream(scenario, draws, 11, method, chunk_size=10**6, workers=1)
    ).to_dict()
    for chunk_size, workers in ((65_536, 1), (131_072, 2), (65_536, 3)):
        again = engine.stream(scenario, draws, 11, method, chunk_size=chunk_size, workers=workers)
        assert results.summarize_stream(scenario, again).to_dict() == reference


def test_latin_hypercube_strata_are_a_permutation_in_every_dimension():
    scenario = _scenario("gpt3-training.toml")
    draws = 2 * 65_536 + 17  # not a whole number of blocks
    sampler = engine.make_sampler(scenario, draws, 4, "lhs")
    blocks = [sampler.uniforms(i) for i in range(2 + 1)]
    for key in sampler.keys:
        uniforms = np.concatenate([b[key] for b in blocks])
        strata = np.floor(uniforms * draws).astype(np.int64)
        assert np.array_equal(np.sort(strata), np.arange(draws)), key
        assert abs(np.corrcoef(np.arange(draws), strata)[0, 1]) < 0.02  # shuffled, not in order


def test_an_unknown_threshold_is_refused_before_anything_is_sampled(invoke, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("sampled before validating --threshold")

    monkeypatch.setattr(engine, "run", never)
    monkeypatch.setattr(engine, "stream", never)
    result = invoke("run", PRIORS / "gpt3-training.toml", "--threshold", "training_cost_usdd>1e6")
    assert result.exit_code == 2
    assert "--threshold" in result.stderr and "'training_cost_usdd' is not a quantity" in (
        result.stderr
    )
    scenario = _scenario("gpt3-training.toml")
    with pytest.raises(UnknownQuantity) as caught:
        results.check_thresholds(scenario, [Threshold("nope", ">", 1.0)])
    assert caught.value.name == "nope" and "training_cost_usd" in caught.value.known
    assert "--threshold" not in str(caught.value)  # the library speaks of quantities


def test_the_engine_takes_its_models_from_the_scenario():
    scenario = _scenario("gpt3-training.toml")
    (training,) = [m for m in scenario.models if m.name == "training"]

    def doubled(**inputs):
        produced = training.kernel(**inputs)
        return {k: v * 2 for k, v in produced.items()}

    changed = dataclasses.replace(
        scenario, models=tuple(dataclasses.replace(training, kernel=doubled) if m is training
                               else m for m in scenario.models)
    )  # fmt: skip
    base = engine.run_point(scenario).outputs["training_cost_usd"]
    assert engine.run_point(changed).outputs["training_cost_usd"] == 2 * base


def test_streamed_run_writes_every_draw_and_stores_fixed_inputs_once(invoke, tmp_path):
    import arviz as az
    import xarray as xr

    out = tmp_path / "run.nc"
    args = ("run", PRIORS / "gpt3-training.toml", "--draws", "150000", "--seed", "3")
    result = invoke(*args, "--statistics", "streamed", "--out", out, "--format", "json", "-q")
    assert result.exit_code == 0, result.stderr
    streamed = json.loads(result.stdout)
    assert streamed["quantiles"] == "histogram"
    scenario = _scenario("gpt3-training.toml")
    kept = engine.run(scenario, 150_000, 3)
    with xr.open_dataset(out) as dataset:
        for name in [*scenario.sampled, *scenario.outputs]:
            assert dataset[name].dims == ("chain", "draw")
            np.testing.assert_array_equal(dataset[name].values[0], np.broadcast_to(
                {**kept.inputs, **kept.outputs}[name], (150_000,)))  # fmt: skip
        fixed = [n for n, a in scenario.assumptions.items() if a.distribution.is_fixed]
        assert fixed and not set(fixed) & set(dataset.data_vars)
        stats = az.summary(dataset, kind="stats")
        assert stats.loc["training_cost_usd", "mean"] == pytest.approx(
            streamed["outputs"]["training_cost_usd"]["mean"], rel=1e-3
        )
    with xr.open_dataset(out, group="fixed") as group:
        for name in fixed:
            assert group[name].shape == ()
            assert float(group[name]) == scenario.assumptions[name].distribution.point
    exact = json.loads(invoke(*args, "--statistics", "exact", "--format", "json", "-q").stdout)
    for name, entry in exact["outputs"].items():
        assert streamed["outputs"][name]["p50"] == pytest.approx(entry["p50"], rel=RELATIVE_ERROR)


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_numbers_as_a_local_run():
    distributed = pytest.importorskip("distributed")
    scenario = _scenario("breakeven-frontier-per-token.toml")
    draws = 3 * 65_536 + 5
    thresholds = [Threshold("breakeven_tokens_per_month", ">", 1e12)]
    local = engine.stream(scenario, draws, 9, "lhs", chunk_size=65_536, workers=1,
                          thresholds=thresholds)  # fmt: skip
    kept = engine.run(scenario, draws, 9, "lhs", workers=1)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        remote = engine.stream(scenario, draws, 9, "lhs", chunk_size=65_536, scheduler=address,
                               thresholds=thresholds)  # fmt: skip
        remote_kept = engine.run(scenario, draws, 9, "lhs", chunk_size=131_072, scheduler=address)
    assert (
        results.summarize_stream(scenario, remote).to_dict()
        == results.summarize_stream(scenario, local).to_dict()
    )
    for name, values in kept.outputs.items():
        np.testing.assert_array_equal(remote_kept.outputs[name], values)


def test_a_scheduler_that_cannot_be_used_is_exit_2_naming_the_option(invoke):
    result = invoke(
        "run", PRIORS / "gpt3-training.toml", "--draws", "1000", "--scheduler", "nonsense"
    )
    assert result.exit_code == 2
    assert "--scheduler" in result.stderr and "tcp://" in result.stderr


def test_library_errors_name_quantities_and_the_cli_names_the_option(invoke):
    from simulate.analysis import compare, sensitivity

    a, b = _scenario("gpt3-training.toml"), _scenario("gpt3-training-owned-h100.toml")
    with pytest.raises(UnknownQuantity) as caught:
        compare.compare(a, b, "training_cost_eur", 1_000, 0)
    assert "--output" not in str(caught.value) and "training_cost_usd" in caught.value.known
    with pytest.raises(UnknownQuantity, match="is not an output"):
        sensitivity.analyze(a, "training_mfu", ("tornado",))
    result = invoke("sensitivity", PRIORS / "gpt3-training.toml", "-o", "nope")
    assert result.exit_code == 2 and result.stderr.startswith("error: --output: 'nope'")


def test_every_shipped_scenario_travels_to_another_process_intact(tmp_path):
    """What a Dask worker gets: the scenario pickled here, unpickled in a fresh interpreter
    (pint units travel as text and are rebuilt in this project's registry)."""
    import subprocess
    import sys

    import cloudpickle

    paths = sorted(PRIORS.glob("*.toml")) + sorted(PRIORS.glob("frontier/*-*.toml"))
    scenarios = [simulate.load(p) for p in paths]
    (tmp_path / "s.pkl").write_bytes(cloudpickle.dumps(scenarios))
    code = (
        "import json, pickle, sys; from simulate.core import engine;"
        f"s = pickle.loads(open({str(tmp_path / 's.pkl')!r}, 'rb').read());"
        "print(json.dumps([{k: float(v) for k, v in engine.run_point(x).outputs.items()}"
        " for x in s]))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    here = [{k: float(v) for k, v in engine.run_point(s).outputs.items()} for s in scenarios]
    assert json.loads(done.stdout) == json.loads(json.dumps(here))


@pytest.mark.slow
def test_a_process_based_cluster_runs_a_scenario_with_units_in_its_expressions():
    distributed = pytest.importorskip("distributed")
    scenario = _scenario("search-two-stage.toml")
    local = engine.stream(scenario, 2 * 65_536, 4, workers=1)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        remote = engine.stream(scenario, 2 * 65_536, 4, scheduler=cluster.scheduler_address)
    assert (
        results.summarize_stream(scenario, remote).to_dict()
        == results.summarize_stream(scenario, local).to_dict()
    )
