"""Sensitivity: tornado, rank correlation and Sobol indices against known answers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import simulate
from simulate.analysis import sensitivity
from tests.conftest import PRIORS

ISHIGAMI = Path(__file__).parent / "data" / "ishigami.toml"
# Analytic indices of the Ishigami function with a = 7, b = 0.1 (Saltelli et al. 2008, §4.5)
S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}

OBVIOUS = """
[scenario]
name = "obvious"
[assumptions]
wide = { uniform = [1, 100], source = "test" }
narrow = { uniform = [1, 1.1], source = "test" }
constant = { fixed = 3, source = "test" }
[derived]
y = "wide * narrow * constant"
z = "constant / narrow"
"""


def test_ishigami_sobol_indices_match_the_analytic_values(invoke):
    result = invoke(
        "sensitivity",
        ISHIGAMI,
        "--output",
        "y",
        "--method",
        "sobol",
        "--draws",
        str(2**13),
        "--seed",
        "1",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    sobol = json.loads(result.stdout)["sobol"]
    for name in ("x1", "x2", "x3"):
        # the analytic value lies inside the reported 95 % bootstrap interval …
        assert abs(sobol["S1"][name] - S1[name]) <= sobol["S1_conf"][name], name
        assert abs(sobol["ST"][name] - ST[name]) <= sobol["ST_conf"][name], name
        # … and the estimate is close in absolute terms
        assert sobol["S1"][name] == pytest.approx(S1[name], abs=0.03)
        assert sobol["ST"][name] == pytest.approx(ST[name], abs=0.03)


def test_tornado_puts_the_obvious_driver_first_and_leaves_fixed_inputs_out(priors_file):
    scenario = simulate.load(priors_file(OBVIOUS))
    rows = sensitivity.tornado(scenario, ["y"])["y"]
    assert [r.input for r in rows] == ["wide", "narrow"]
    base = sensitivity.base_value(scenario, "y")
    assert base == pytest.approx(50.5 * 1.05 * 3)
    wide = rows[0]
    # wide at its P10 / P90 (10.9 / 90.1), the rest at their points
    assert wide.low == pytest.approx(10.9 * 1.05 * 3)
    assert wide.high == pytest.approx(90.1 * 1.05 * 3)
    assert wide.swing == pytest.approx(abs(wide.high - wide.low))
    # an output that does not depend on an input has zero swing for it
    z = {r.input: r.swing for r in sensitivity.tornado(scenario, ["z"])["z"]}
    assert z["wide"] == 0.0 and z["narrow"] > 0


def test_tornado_of_a_shipped_scenario_is_deterministic_and_honours_swing(invoke):
    args = (
        "sensitivity",
        PRIORS / "gpt3-training.toml",
        "-o",
        "training_cost_usd",
        "--method",
        "tornado",
        "--format",
        "json",
    )
    first, second = invoke(*args).stdout, invoke(*args, "--seed", "7").stdout
    assert first == second  # no sampling: the seed does not matter
    data = json.loads(first)
    assert [r["input"] for r in data["tornado"]] == ["training_mfu", "accelerator_hour_usd"]
    narrow = json.loads(invoke(*args, "--swing", "40,60").stdout)["tornado"]
    assert all(n["swing"] < w["swing"] for n, w in zip(narrow, data["tornado"], strict=True))
    assert set(data) == {"output", "unit", "base", "tornado", "swing_percentiles"}


def test_spearman_sign_and_strength(priors_file):
    scenario = simulate.load(priors_file(OBVIOUS))
    rho = sensitivity.spearman(scenario, ["y", "z"], draws=20_000, seed=0)
    assert rho["y"]["wide"] > 0.95
    assert rho["z"]["narrow"] == pytest.approx(-1.0)
    assert abs(rho["z"]["wide"]) < 0.03


def test_methods_are_reported_only_when_asked(invoke):
    result = invoke(
        "sensitivity",
        PRIORS / "search-two-stage.toml",
        "-o",
        "query_cost_usd",
        "--method",
        "spearman",
        "--method",
        "tornado",
        "--draws",
        "4096",
        "--format",
        "json",
    )
    data = json.loads(result.stdout)
    assert "sobol" not in data and "spearman" in data and "tornado" in data
    assert data["unit"] == "USD" and data["base"] == pytest.approx(0.0656, rel=0.01)


def test_sobol_of_a_shipped_scenario_ranks_as_the_tornado_does(invoke):
    data = json.loads(
        invoke(
            "sensitivity",
            PRIORS / "gpt3-training.toml",
            "-o",
            "training_cost_usd",
            "--draws",
            "4096",
            "--format",
            "json",
        ).stdout
    )
    st = data["sobol"]["ST"]
    assert st["training_mfu"] > st["accelerator_hour_usd"] > 0.2
    assert sum(data["sobol"]["S1"].values()) == pytest.approx(1.0, abs=0.1)  # near-additive


def test_table_and_csv(invoke):
    args = ("sensitivity", ISHIGAMI, "-o", "y", "--draws", "1024")
    table = invoke(*args).stdout
    assert "tornado" in table and "Spearman" in table and "Sobol indices" in table
    rows = invoke(*args, "--format", "csv").stdout.strip().splitlines()
    assert rows[0] == "output,method,input,measure,value"
    assert any(r.startswith("y,sobol,x3,ST,") for r in rows)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("-o", "nothing"), "not an output"),
        (("-o", "training_mfu"), "not an output"),
        (("-o", "training_cost_usd", "--swing", "90,10"), "0 < LO < HI < 100"),
        (("-o", "training_cost_usd", "--method", "morris"), "morris"),
        (("-o", "training_cost_usd", "--out", "x.txt"), ".json or .csv"),
    ],
)
def test_bad_sensitivity_options_exit_2(args, fragment, invoke):
    result = invoke("sensitivity", PRIORS / "gpt3-training.toml", *args)
    assert result.exit_code == 2
    assert fragment in result.stderr and "Traceback" not in result.stderr


def test_sobol_refuses_non_finite_outputs_with_a_clear_error(priors_file, invoke):
    text = (
        "[scenario]\nname='d'\n[assumptions]\nx = { uniform = [-1, 1] }\n"
        "[derived]\ny = '1 / where(x > 0.5, 0, x)'\n"
    )
    result = invoke(
        "sensitivity", priors_file(text), "-o", "y", "--method", "sobol", "--draws", "1024"
    )
    assert result.exit_code == 2
    assert "not finite" in result.stderr


@pytest.mark.parametrize(("dimensions", "samples", "seed"), [(1, 8, 0), (3, 64, 1), (20, 256, 7)])
def test_our_saltelli_design_is_salibs_row_for_row(dimensions, samples, seed):
    import warnings

    import numpy as np
    from SALib.sample import sobol as salib_sobol

    problem = {
        "num_vars": dimensions,
        "names": [f"x{i}" for i in range(dimensions)],
        "bounds": [[0.0, 1.0]] * dimensions,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = salib_sobol.sample(problem, samples, calc_second_order=False, seed=seed)
    assert np.array_equal(sensitivity.saltelli_design(dimensions, samples, seed), theirs)


@pytest.mark.parametrize("seed", [0, 5])
def test_sobol_confidence_intervals_repeat_for_every_seed_including_0(seed):
    # SALib treats an integer seed of 0 as "no seed"; the intervals must still repeat
    scenario = simulate.load(PRIORS / "search-two-stage.toml")
    first = sensitivity.sobol(scenario, ["query_cost_usd"], 256, seed=seed)
    again = sensitivity.sobol(scenario, ["query_cost_usd"], 256, seed=seed)
    assert first == again
    assert first["query_cost_usd"].ST_conf["cache_hit_rate"] > 0


def test_sobol_workers_do_not_change_numbers():
    scenario = simulate.load(PRIORS / "search-two-stage.toml")
    one = sensitivity.sobol(scenario, ["query_cost_usd"], 512, seed=3)
    two = sensitivity.sobol(scenario, ["query_cost_usd"], 512, seed=3, workers=2)
    assert one == two


@pytest.mark.parametrize(("factors", "groups"), [(3, None), (6, None), (3, [0, 0, 1, 2, 2])])
def test_our_sobol_estimates_are_salib_s_bit_for_bit(factors, groups):
    from SALib.analyze import sobol as salib

    from simulate.analysis import sobol_indices

    y = np.random.default_rng(factors).lognormal(0, 1, 512 * (factors + 2))
    names = [f"x{i}" for i in range(len(groups) if groups else factors)]
    problem = {"num_vars": len(names), "names": names, "bounds": [[0, 1]] * len(names)}
    if groups:
        problem["groups"] = [f"g{g}" for g in groups]
    expected = salib.analyze(
        problem, y, calc_second_order=False, num_resamples=100, seed=np.random.default_rng(5)
    )
    for workers in (1, 2):
        got = sobol_indices.analyze(y, factors, 100, 5, workers=workers)
        for key in ("S1", "ST", "S1_conf", "ST_conf"):
            assert got[key] == [float(v) for v in expected[key]], key
