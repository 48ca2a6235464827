"""Correlated assumptions and joint parameter sets: declared, imposed, reproducible, refused."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from scipy import stats

import simulate
from simulate.analysis import sensitivity
from simulate.core.dependence import normal_to_rank, rank_to_normal

# Two lognormals with known parameters (90 % intervals → mu, sigma) and two bounded inputs.
CORRELATED = """
[scenario]
name = "correlated"
[assumptions]
price = { lognormal = [1.0, 10.0], unit = "USD/hour" }
hours = { lognormal = [100.0, 400.0], unit = "hour" }
mfu = { beta = [0.3, 0.55] }
margin = { pert = [0.5, 0.7, 0.85] }
flat = { fixed = 3 }
[correlations]
"price, hours" = 0.6
"mfu, margin" = -0.45
[derived]
cost = { expr = "price * hours", unit = "USD" }
"""
Z90 = stats.norm.ppf(0.95)


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    return float(stats.spearmanr(a, b).statistic)


@pytest.mark.parametrize(("method", "draws"), [("mc", 100_000), ("lhs", 100_000), ("sobol", 2**17)])
def test_achieved_rank_correlation_is_within_0_02_of_declared(priors_file, method, draws):
    scenario = simulate.load(priors_file(CORRELATED))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inputs = simulate.run(scenario, draws, seed=11, method=method).inputs
    assert _spearman(inputs["price"], inputs["hours"]) == pytest.approx(0.6, abs=0.02)
    assert _spearman(inputs["mfu"], inputs["margin"]) == pytest.approx(-0.45, abs=0.02)
    # pairs not declared stay independent
    assert abs(_spearman(inputs["price"], inputs["mfu"])) < 0.02


def test_the_rank_correlation_is_imposed_exactly_not_as_a_pearson_one(priors_file):
    # Imposing 0.6 on the normal scores would give Spearman 6/π·asin(0.3) = 0.582; the
    # estimate's standard error at 200,000 draws is ≈ 0.0015.
    inputs = simulate.run(simulate.load(priors_file(CORRELATED)), 200_000, seed=21).inputs
    assert _spearman(inputs["price"], inputs["hours"]) == pytest.approx(0.6, abs=0.006)
    assert normal_to_rank(0.6) == pytest.approx(0.5819, abs=1e-4)


def test_marginals_are_unchanged_by_the_correlation(priors_file):
    inputs = simulate.run(simulate.load(priors_file(CORRELATED)), 100_000, seed=5).inputs
    mu, sigma = math.log(math.sqrt(10.0)), math.log(10.0) / (2 * Z90)
    price = stats.kstest(inputs["price"], stats.lognorm(s=sigma, scale=math.exp(mu)).cdf)
    assert price.pvalue > 0.01
    margin = stats.kstest(
        inputs["margin"],
        stats.beta(1 + 4 * 0.2 / 0.35, 1 + 4 * 0.15 / 0.35, loc=0.5, scale=0.35).cdf,
    )
    assert margin.pvalue > 0.01
    # the declared 90 % interval still holds 90 % of the draws
    inside = np.mean((inputs["hours"] > 100.0) & (inputs["hours"] < 400.0))
    assert inside == pytest.approx(0.90, abs=0.005)


def test_product_of_correlated_lognormals_widens_by_the_closed_form(priors_file):
    # log(price · hours) is normal with variance σ1² + σ2² + 2·r·σ1·σ2, r = 2 sin(π ρ / 6)
    sigma1, sigma2 = math.log(10.0) / (2 * Z90), math.log(4.0) / (2 * Z90)
    r = float(rank_to_normal(0.6))
    expected_sd = math.sqrt(sigma1**2 + sigma2**2 + 2 * r * sigma1 * sigma2)
    independent_sd = math.sqrt(sigma1**2 + sigma2**2)
    cost = simulate.run(simulate.load(priors_file(CORRELATED)), 200_000, seed=2).outputs["cost"]
    assert np.std(np.log(cost)) == pytest.approx(expected_sd, rel=0.01)
    assert expected_sd > 1.1 * independent_sd  # wide enough to tell the two apart
    # the 90 % interval of the product: exp(mu ± z·sd), mu = log(√10 · 200)
    p5, p95 = np.percentile(cost, [5, 95])
    median = math.sqrt(10.0) * 200.0
    assert p5 == pytest.approx(median * math.exp(-Z90 * expected_sd), rel=0.02)
    assert p95 == pytest.approx(median * math.exp(Z90 * expected_sd), rel=0.02)


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_same_seed_same_numbers_whatever_chunks_and_workers(priors_file, method):
    priors_file(TABLE, "fits.csv")
    scenario = simulate.load(priors_file(CORRELATED + JOINT_TABLE_TEXT, "joint.toml"))
    runs = [
        simulate.run(scenario, 200_000, 9, method, chunk_size=size, workers=workers)
        for size, workers in ((2**16, 1), (3 * 2**16, 2), (2**20, 2))
    ]
    for other in runs[1:]:
        for name, values in runs[0].inputs.items():
            assert np.array_equal(values, other.inputs[name]), name
        for name, values in runs[0].outputs.items():
            assert np.array_equal(values, other.outputs[name]), name


@pytest.mark.parametrize(
    ("correlations", "key", "message"),
    [
        (
            '"price, hours" = 0.9\n"hours, mfu" = 0.9\n"price, mfu" = -0.9',
            "correlations",
            "cannot hold together",
        ),
        ('"price, nothing" = 0.5', "correlations.price, nothing", "not a sampled assumption"),
        ('"price, flat" = 0.5', "correlations.price, flat", "not a sampled assumption"),
        ('"price, cost" = 0.5', "correlations.price, cost", "not a sampled assumption"),
        ('"price, hours" = 1.5', "correlations.price, hours", "lies in [-1, 1]"),
        ('"price, hours" = "high"', "correlations.price, hours", "expected a rank correlation"),
        ('"price, price" = 0.5', "correlations.price, price", "not correlated with itself"),
        (
            '"price, hours" = 0.5\n"hours, price" = 0.2',
            "correlations.hours, price",
            "declared twice",
        ),
        ('"price hours" = 0.5', "correlations.price hours", "a pair is written"),
        (
            'm = { names = ["price", "hours"], matrix = [[1, 0.5], [0.4, 1]] }',
            "correlations.m.matrix",
            "not symmetric",
        ),
        (
            'm = { names = ["price", "hours"], matrix = [[1, 0.5], [0.5, 0.9]] }',
            "correlations.m.matrix",
            "diagonal",
        ),
        (  # a matrix's errors name the matrix, not a pair key that is not in the file
            'm = { names = ["price", "flat"], matrix = [[1, 0.5], [0.5, 1]] }',
            "correlations.m",
            "'flat' is not a sampled assumption",
        ),
        (  # a zero in a matrix is a declaration too: it conflicts with a pair
            'm = { names = ["price", "hours"], matrix = [[1, 0], [0, 1]] }\n"price, hours" = 0.7',
            "correlations.price, hours",
            "declared twice (also in correlations.m)",
        ),
    ],
)
def test_bad_correlations_are_refused_by_key(priors_file, invoke, correlations, key, message):
    text = CORRELATED.replace('"price, hours" = 0.6\n"mfu, margin" = -0.45', correlations)
    result = invoke("check", priors_file(text))
    assert result.exit_code == 2, result.stdout
    assert f"scenario.toml: {key}: " in result.stderr
    assert message in result.stderr


def test_an_impossible_matrix_names_its_pairs_and_a_valid_alternative(priors_file, invoke):
    text = CORRELATED.replace(
        '"price, hours" = 0.6\n"mfu, margin" = -0.45',
        '"price, hours" = 0.9\n"hours, mfu" = 0.9\n"price, mfu" = -0.9',
    )
    stderr = invoke("check", priors_file(text)).stderr
    for pair in ('"price, hours" = 0.9', '"hours, mfu" = 0.9', '"price, mfu" = -0.9'):
        assert pair in stderr
    # the suggestion is itself a valid set
    suggested = [
        float(x)
        for x in stderr.split("close to it:")[1].replace(",", " ").split()
        if x.lstrip("-").replace(".", "").isdigit()
    ]
    assert len(suggested) == 3
    matrix = np.eye(3)
    matrix[0, 1] = matrix[1, 0] = rank_to_normal(suggested[0])
    matrix[1, 2] = matrix[2, 1] = rank_to_normal(suggested[1])
    matrix[0, 2] = matrix[2, 0] = rank_to_normal(suggested[2])
    assert np.linalg.eigvalsh(matrix).min() > -1e-3


def test_a_named_matrix_is_the_same_as_its_pairs(priors_file):
    matrix = (
        'm = { names = ["price", "hours", "mfu"], '
        "matrix = [[1, 0.6, 0], [0.6, 1, 0.2], [0, 0.2, 1]] }"
    )
    pairs = '"price, hours" = 0.6\n"hours, mfu" = 0.2'
    runs = []
    for i, body in enumerate((matrix, pairs)):
        text = CORRELATED.replace('"price, hours" = 0.6\n"mfu, margin" = -0.45', body)
        runs.append(simulate.run(simulate.load(priors_file(text, f"s{i}.toml")), 70_000, 4))
    for name in ("price", "hours", "mfu"):
        assert np.array_equal(runs[0].inputs[name], runs[1].inputs[name])


def test_check_shows_declared_and_achieved_correlations(priors_file, invoke):
    path = priors_file(CORRELATED)
    data = json.loads(invoke("check", path, "--format", "json").stdout)
    pairs = {tuple(c["names"]): c for c in data["correlations"]}
    assert pairs[("price", "hours")]["declared"] == 0.6
    assert pairs[("price", "hours")]["achieved"] == pytest.approx(0.6, abs=0.02)
    assert pairs[("mfu", "margin")]["achieved"] == pytest.approx(-0.45, abs=0.02)
    table = invoke("check", path).stdout
    assert "rank correlations" in table and "price, hours" in table


def test_rank_and_normal_scales_invert_each_other():
    rho = np.linspace(-1, 1, 21)
    assert np.allclose(normal_to_rank(rank_to_normal(rho)), rho)
    assert rank_to_normal(1.0) == pytest.approx(1.0)


# ---------------------------------------------------------------- joint parameter sets

TABLE = "# bootstrap fits\nalpha,scale,offset\n" + "\n".join(
    f"{0.1 * i:.1f},{1000 + i},{-i}" for i in range(1, 21)
)
JOINT_TABLE_TEXT = """
[joint.fit]
table = "fits.csv"
names = ["alpha", "scale"]
source = "a table of fits"
"""


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_rows_of_a_joint_set_stay_together(priors_file, method):
    priors_file(TABLE, "fits.csv")
    scenario = simulate.load(priors_file("[scenario]\nname='j'\n" + JOINT_TABLE_TEXT))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inputs = simulate.run(scenario, 40_000, seed=1, method=method).inputs
    alpha, scale = inputs["alpha"], inputs["scale"]
    # each draw is one row: scale = 1000 + 10·alpha on every row of the table
    assert np.allclose(scale, 1000 + 10 * alpha)
    rows, counts = np.unique(scale, return_counts=True)
    assert len(rows) == 20
    assert counts.min() > 0.8 * 40_000 / 20  # every row equally likely
    assert "offset" not in inputs  # only the columns named


def test_a_joint_set_is_one_factor_in_sobol_and_keeps_its_point(priors_file, invoke):
    priors_file(TABLE, "fits.csv")
    text = (
        "[scenario]\nname='j'\n"
        + JOINT_TABLE_TEXT.replace('source = "a table of fits"', "point = [1.0, 1010]")
        + "[assumptions]\nnoise = { uniform = [0, 1] }\n"
        + '[derived]\ny = "scale - 10 * alpha + noise"\n'
    )
    scenario = simulate.load(priors_file(text))
    assert simulate.run_point(scenario).outputs["y"] == pytest.approx(1000.5)
    indices = sensitivity.sobol(scenario, ["y"], 1024, seed=3)["y"]
    # scale - 10·alpha is 1000 on every row: the joint set explains nothing, noise everything
    assert set(indices.ST) == {"fit", "noise"}
    assert indices.ST["fit"] == pytest.approx(0.0, abs=1e-9)
    assert indices.ST["noise"] == pytest.approx(1.0, abs=0.05)
    result = invoke("sensitivity", priors_file(text), "-o", "y", "--draws", "256")
    assert result.exit_code == 0
    assert "Inputs drawn together: fit (alpha, scale)" in result.stdout


def test_multivariate_normal_gives_its_mean_and_covariance(priors_file):
    text = """
    [scenario]
    name = "mvn"
    [joint.fit]
    names = ["a", "b"]
    multivariate_normal = { mean = [1.0, 10.0], covariance = [[0.04, -0.05], [-0.05, 0.25]] }
    """
    inputs = simulate.run(simulate.load(priors_file(text)), 200_000, seed=8).inputs
    sample = np.vstack([inputs["a"], inputs["b"]])
    assert sample.mean(axis=1) == pytest.approx([1.0, 10.0], abs=0.005)
    assert np.cov(sample) == pytest.approx(np.array([[0.04, -0.05], [-0.05, 0.25]]), abs=0.003)


@pytest.mark.parametrize(
    ("joint", "key", "message"),
    [
        ('[joint.fit]\ntable = "missing.csv"', "joint.fit.table", "no such file"),
        ('[joint.fit]\ntable = "fits.txt"', "joint.fit.table", ".csv file"),
        (
            '[joint.fit]\ntable = "fits.csv"\nnames = ["alpha", "beta"]',
            "joint.fit.names",
            "no column 'beta'",
        ),
        ('[joint.fit]\ntable = "fits.csv"\npoint = [1]', "joint.fit.point", "expected 3 numbers"),
        ('[joint.fit]\ntable = "fits.csv"\npoint = [9, 1000, 0]', "joint.fit.point", "outside"),
        ('[joint.fit]\nnames = ["a"]', "joint.fit", "exactly one of"),
        ('[joint.fit]\ntable = "fits.csv"\nsauce = 1', "joint.fit.sauce", "unknown key"),
        (
            '[joint.fit]\nnames = ["a", "b"]\nmultivariate_normal = { mean = [0, 0], '
            "covariance = [[1, 2], [2, 1]] }",
            "joint.fit.multivariate_normal.covariance",
            "positive semi-definite",
        ),
        (
            '[joint.fit]\nnames = ["a", "b"]\nmultivariate_normal = { mean = [0], '
            "covariance = [[1, 0], [0, 1]] }",
            "joint.fit.multivariate_normal.mean",
            "2 numbers",
        ),
        (
            '[assumptions]\nalpha = 1\n[joint.fit]\ntable = "fits.csv"',
            "joint.fit.names",
            "also declared in [assumptions]",
        ),
        (
            '[joint.fit]\ntable = "fits.csv"\n[correlations]\n"alpha, scale" = 0.3',
            "correlations.alpha, scale",
            "joint set",
        ),
        ('[joint.fit]\ntable = "bad.csv"', "joint.fit.table", "'x' is not a number"),
        (
            'models = ["api_workload"]\n[joint.fit]\nnames = ["request_cost_usd", '
            '"b"]\nmultivariate_normal = { mean = [0, 0], covariance = [[1, 0], [0, 1]] }',
            "joint.fit.names",
            "provided twice",
        ),
    ],
)
def test_bad_joint_sets_are_refused_by_key(priors_file, invoke, joint, key, message):
    priors_file(TABLE, "fits.csv")
    priors_file("a,b\n1,2\nx,3\n", "bad.csv")
    result = invoke("check", priors_file("[scenario]\nname = 'j'\n" + joint))
    assert result.exit_code == 2, result.stdout
    assert f"scenario.toml: {key}: " in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("groups", "samples", "seed"), [([0, 0, 1], 64, 1), ([0, 1, 1, 2, 0], 128, 5), ([0], 8, 2)]
)
def test_grouped_saltelli_design_is_salibs_row_for_row(groups, samples, seed):
    from SALib.sample import sobol as salib_sobol

    labels = [f"g{g}" for g in groups]
    problem = {
        "num_vars": len(groups),
        "names": [f"x{i}" for i in range(len(groups))],
        "bounds": [[0.0, 1.0]] * len(groups),
        "groups": labels,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = salib_sobol.sample(problem, samples, calc_second_order=False, seed=seed)
    ours = sensitivity.saltelli_design(len(groups), samples, seed, groups)
    assert np.array_equal(ours, theirs)


def test_sobol_groups_correlated_inputs_into_one_factor(priors_file):
    scenario = simulate.load(priors_file(CORRELATED))
    indices = sensitivity.sobol(scenario, ["cost"], 2048, seed=1)["cost"]
    # price and hours are one factor; mfu + margin another; cost depends on the first only
    assert set(indices.ST) == {"price + hours", "mfu + margin"}
    assert indices.ST["price + hours"] == pytest.approx(1.0, abs=0.05)
    assert indices.ST["mfu + margin"] == pytest.approx(0.0, abs=1e-9)


def test_the_pair_form_with_a_source_is_the_same_correlation(priors_file, invoke):
    plain = simulate.load(priors_file(CORRELATED, "plain.toml"))
    text = CORRELATED.replace(
        '"price, hours" = 0.6',
        '"price, hours" = { rho = 0.6, source = "a price list", description = "why" }',
    )
    sourced = simulate.load(priors_file(text, "sourced.toml"))
    assert sourced.dependence.declared == plain.dependence.declared
    bad = priors_file(text.replace("description =", "descrption ="), "bad.toml")
    result = invoke("check", bad)
    assert result.exit_code == 2 and "correlations.price, hours.descrption" in result.stderr


def test_compare_and_report_work_with_correlated_assumptions(priors_file, invoke, tmp_path):
    correlated = priors_file(CORRELATED, "correlated.toml")
    independent = priors_file(
        CORRELATED.replace('name = "correlated"', 'name = "independent"').replace(
            '"price, hours" = 0.6\n', ""
        ),
        "independent.toml",
    )
    result = invoke(
        "compare",
        independent,
        correlated,
        "--output",
        "cost",
        "--draws",
        "50000",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    # same marginals, so the medians agree; the correlated product has the wider tails
    assert data["b"]["p50"] == pytest.approx(data["a"]["p50"], rel=0.03)
    assert data["b"]["p95"] > 1.1 * data["a"]["p95"]
    # price and hours are drawn through the copula in one file only: not the same draws
    assert data["shared_assumptions"] == ["margin", "mfu"]
    out = tmp_path / "report" / "correlated.md"
    result = invoke("report", correlated, "--draws", "5000", "--sobol-samples", "256", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "Inputs drawn together: price + hours; mfu + margin" in out.read_text()


def test_shipped_breakeven_scenario_correlates_serving_cost_and_price():
    from tests.conftest import PRIORS

    scenario = simulate.load(PRIORS / "breakeven-frontier-per-token.toml")
    assert scenario.dependence.declared == (
        ("inference_cost_per_1k_tokens_usd", "price_per_1k_tokens_usd", 0.5),
    )
    inputs = simulate.run(scenario, 100_000, seed=42).inputs
    rho = _spearman(inputs["inference_cost_per_1k_tokens_usd"], inputs["price_per_1k_tokens_usd"])
    assert rho == pytest.approx(0.5, abs=0.02)


def test_a_joint_table_is_part_of_the_scenario_hash(priors_file):
    table = priors_file(TABLE, "fits.csv")
    path = priors_file("[scenario]\nname='j'\n" + JOINT_TABLE_TEXT)
    before = simulate.load(path).sha256
    table.write_text(TABLE.replace("1001", "1001.5"))
    assert simulate.load(path).sha256 != before


def test_an_assumption_in_another_unit_is_not_shared_in_compare(priors_file, invoke):
    text = '[scenario]\nname = "{0}"\n[assumptions]\nx = {{ uniform = [1, 3], unit = "{1}" }}\n'
    text += '[derived]\ny = {{ expr = "x", unit = "USD/hour" }}\n'
    a = priors_file(text.format("a", "USD/hour"), "a.toml")
    b = priors_file(text.format("b", "USD/month"), "b.toml")
    result = invoke("compare", a, b, "--output", "y", "--draws", "1000", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["shared_assumptions"] == []


def test_the_netcdf_file_records_how_assumptions_were_drawn_together(priors_file, tmp_path):
    import xarray as xr

    priors_file(TABLE, "fits.csv")
    scenario = simulate.load(priors_file(CORRELATED + JOINT_TABLE_TEXT))
    path = simulate.write_netcdf(
        simulate.to_dataset(scenario, simulate.run(scenario, 1000, seed=1)), tmp_path / "c.nc"
    )
    with xr.open_dataset(path) as dataset:
        assert json.loads(dataset.attrs["rank_correlations"]) == [
            ["price", "hours", 0.6],
            ["mfu", "margin", -0.45],
        ]
        joint = json.loads(dataset.attrs["joint_sets"])
        assert joint == {"fit": {"names": ["alpha", "scale"], "from": "fits.csv (20 rows)"}}


def test_the_tornado_moves_a_joint_set_as_one_row():
    from tests.conftest import PRIORS

    scenario = simulate.load(PRIORS / "chinchilla-compute-optimal.toml")
    (row,) = sensitivity.tornado(scenario, ["optimal_params"])["optimal_params"]
    assert row.input == "loss_fit"
    assert row.joint == ("loss_e", "loss_a", "loss_b", "loss_alpha", "loss_beta")
    # every row is one refit: P10 and P90 over the rows lie inside the joint run's spread,
    # where moving loss_beta alone to its P90 would give about 2e11 parameters
    draws = simulate.run(scenario, 100_000, seed=2).outputs["optimal_params"]
    p5, p95 = np.percentile(draws, [5, 95])
    assert p5 < row.low < row.high < p95
    assert row.low == pytest.approx(np.percentile(draws, 10), rel=0.03)
    assert row.high == pytest.approx(np.percentile(draws, 90), rel=0.03)
