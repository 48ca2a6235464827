"""Beliefs listed by year, along a scenario's years: each year takes the belief listed for it,
and a draw keeps its place (its quantile) from one year's range to the next."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

import simulate

LISTED = {
    "scenario": {"name": "listed", "models": ["training"], "years": [2021, 2022, 2023, 2024]},
    "assumptions": {
        "training_flops": {"fixed": 1e24, "unit": "FLOP"},
        "training_mfu": {"beta": [0.3, 0.5]},
        "peak_flops_per_s": {"fixed": 312, "unit": "TFLOP/s"},
        "accelerator_hour_usd": {
            "unit": "USD/hour", "source": "price lists",
            "by_year": {
                "2021": {"lognormal": [1.09, 4.10], "point": 2.40, "source": "2021 list"},
                "2023": {"lognormal": [1.20, 5.12], "point": 3.00, "source": "2023 list"},
            },
        },
    },
}  # fmt: skip
PRICE = "accelerator_hour_usd"


def _document(**changes) -> dict:
    document = json.loads(json.dumps(LISTED))
    for key, value in changes.items():
        section, name = key.split("__")
        if value is None:
            document[section].pop(name)
        else:
            document.setdefault(section, {})[name] = value
    return document


def _one_year(year: int) -> simulate.Scenario:
    return simulate.load(_document(scenario__years=None, scenario__year=year))


def test_each_year_is_the_run_of_that_year_with_common_random_numbers():
    scenario = simulate.load(_document())
    assert scenario.along == [PRICE]
    per_year = simulate.run_along(scenario, 40_000, seed=7)
    for year, draws in zip((2021, 2022, 2023, 2024), per_year, strict=True):
        alone = simulate.run(_one_year(year), 40_000, seed=7)
        if year < 2023:  # the drawn belief itself: bit for bit
            np.testing.assert_array_equal(draws.inputs[PRICE], alone.inputs[PRICE])
        else:  # 2023's belief reached through the quantile: equal to rounding
            np.testing.assert_allclose(draws.inputs[PRICE], alone.inputs[PRICE], rtol=1e-9)
        np.testing.assert_allclose(
            draws.outputs["training_cost_usd"], alone.outputs["training_cost_usd"], rtol=1e-9
        )
        # the MFU does not move: the same draws in every year
        np.testing.assert_array_equal(
            draws.inputs["training_mfu"], per_year[0].inputs["training_mfu"]
        )


def test_a_draw_keeps_its_quantile_across_families():
    listed = LISTED["assumptions"][PRICE]["by_year"]
    document = _document()
    document["assumptions"][PRICE]["by_year"] = {
        "2021": {"pert": [1.0, 2.4, 4.1], "source": "a"},
        "2023": listed["2023"],
    }
    per_year = simulate.run_along(simulate.load(document), 20_000, seed=3)
    early, late = per_year[0].inputs[PRICE], per_year[2].inputs[PRICE]
    width = 4.1 - 1.0
    a, b = 1 + 4 * (2.4 - 1.0) / width, 1 + 4 * (4.1 - 2.4) / width
    mu = (np.log(1.20) + np.log(5.12)) / 2
    sigma = (np.log(5.12) - np.log(1.20)) / (2 * stats.norm.ppf(0.95))
    np.testing.assert_allclose(
        stats.lognorm.cdf(late, sigma, scale=np.exp(mu)),
        stats.beta.cdf(early, a, b, loc=1.0, scale=width),
        atol=1e-9,
    )
    assert np.array_equal(np.argsort(early), np.argsort(late))  # the same order of draws
    assert late.min() > 0 and not np.array_equal(early, late)


def test_the_point_run_takes_each_years_own_point(invoke, priors_file):
    path = priors_file(json_to_toml(_document()))
    shown = json.loads(invoke("run", path, "--point", "--format", "json").stdout)
    by_year = [a["outputs"]["training_cost_usd"]["value"] for a in shown["along"]]
    hours = 1e24 / (312e12 * 0.4) / 3600  # the beta's point is its median, 0.4 here
    assert by_year[0] == pytest.approx(hours * 2.40, rel=0.01)
    assert by_year[1] == by_year[0] and by_year[3] == by_year[2]
    assert by_year[2] / by_year[0] == pytest.approx(3.00 / 2.40, rel=1e-12)


def test_check_and_json_say_which_belief_holds_each_year(invoke, priors_file):
    path = priors_file(json_to_toml(_document()))
    checked = invoke("check", path)
    assert checked.exit_code == 0, checked.stderr
    assert (
        "accelerator_hour_usd listed by year (2021's in 2021–2022, 2023's in 2023–2024), each "
        "draw at the same quantile" in checked.stdout
    )
    shown = json.loads(invoke("check", path, "--format", "json").stdout)
    listed = shown["trajectories"][PRICE]["by_year"]
    assert listed == {"2021": 2021, "2022": 2021, "2023": 2023, "2024": 2023}
    source = simulate.load(path).assumptions[PRICE].source
    assert (
        source
        == "by_year 2021 for 2021–2022, 2023 for 2023–2024: 2021 list; 2023 list; price lists"
    )


def test_set_replaces_every_years_belief(invoke, priors_file):
    path = priors_file(json_to_toml(_document()))
    shown = json.loads(
        invoke("run", path, "--draws", "2000", "--set", "accelerator_hour_usd=2", "--format",
               "json").stdout
    )  # fmt: skip
    assert shown["moving"] == []
    for year in shown["along"]:
        assert year["inputs"][PRICE]["p5"] == year["inputs"][PRICE]["p95"] == 2


def test_streamed_is_the_kept_run_whatever_the_chunking():
    from tests.test_along import streamed_and_kept

    assert len(streamed_and_kept(simulate.load(_document()), PRICE, 2 * 65_536 + 5, 4)) == 4


@pytest.mark.parametrize(
    ("entry", "key", "words"),
    [
        ({"base_year": 2021, "growth_per_year": -0.1}, "assumptions.accelerator_hour_usd.base_year",
         "either by_year or base_year with growth_per_year"),
        ({"by_year": {"2021": {"fixed": 2.0}, "2023": {"lognormal": [1.2, 5.12]}}},
         "assumptions.accelerator_hour_usd.by_year.2021", "give the first year a continuous"),
        ({"by_year": {"2021": {"lognormal": [1.09, 4.1]},
                      "2023": {"lognormal": [0.02, 0.09], "unit": "USD/minute"}}},
         "assumptions.accelerator_hour_usd.by_year.2023.unit", "every belief is in one unit"),
        ({"by_year": {"2021": {"lognormal": [1.09, 4.1]}, "2023": {"uniform": [-1, 3]}}},
         "assumptions.accelerator_hour_usd.by_year.2023",
         "uniform on [-1, 3] (listed for 2023) reaches down to -1 USD/hour"),
        ({"by_year": {"2022": {"lognormal": [1.09, 4.1]}}},
         "assumptions.accelerator_hour_usd.by_year", "nothing is listed for 2021"),
    ],
)  # fmt: skip
def test_a_listed_belief_that_cannot_move_along_is_refused_naming_the_key(entry, key, words):
    document = _document()
    price = {"unit": "USD/hour", "source": "s", **entry}
    if "by_year" not in price:
        price["by_year"] = LISTED["assumptions"][PRICE]["by_year"]
    document["assumptions"][PRICE] = price
    with pytest.raises(simulate.PriorsError) as raised:
        simulate.load(document)
    assert raised.value.key == key
    assert words in raised.value.message


def json_to_toml(document: dict) -> str:
    """The document as a priors file (tables of tables, strings and numbers only)."""
    lines: list[str] = []

    def value(v) -> str:
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return repr(v)

    def table(prefix: str, entries: dict) -> None:
        lines.append(f"[{prefix}]")
        nested = {k: v for k, v in entries.items() if isinstance(v, dict)}
        for k, v in entries.items():
            if not isinstance(v, dict):
                lines.append(f"{k} = {value(v)}")
        for k, v in nested.items():
            table(f"{prefix}.{k}", v)

    for section, entries in document.items():
        table(section, entries)
    return "\n".join(lines) + "\n"


def test_through_the_inverse_cdf_each_year_is_that_years_run_whatever_the_family():
    """Latin hypercube draws every belief through its inverse CDF, so a year of a PERT listed
    after another PERT is that year's run to rounding; Monte Carlo draws a PERT natively, so
    there only the distribution is the same (the claim README makes)."""

    def document(**scenario) -> dict:
        listed = _document()
        listed["assumptions"][PRICE]["by_year"] = {
            "2021": {"pert": [1.0, 2.4, 4.1], "source": "a"},
            "2023": {"pert": [1.2, 3.0, 5.12], "source": "b"},
        }
        listed["scenario"].pop("years")
        listed["scenario"].update(scenario)
        return listed

    along_years = simulate.load(document(years=[2021, 2022, 2023, 2024]))
    alone = simulate.load(document(year=2024))
    per_year = simulate.run_along(along_years, 8192, seed=9, method="lhs")
    by_itself = simulate.run(alone, 8192, seed=9, method="lhs").inputs[PRICE]
    np.testing.assert_allclose(per_year[3].inputs[PRICE], by_itself, rtol=1e-9)
    carried = simulate.run_along(along_years, 20_000, seed=9)[3].inputs[PRICE]
    drawn = simulate.run(alone, 20_000, seed=10).inputs[PRICE]
    assert not np.allclose(carried, simulate.run(alone, 20_000, seed=9).inputs[PRICE])
    assert stats.ks_2samp(carried, drawn).pvalue > 1e-3  # the same distribution


def test_a_streamed_run_saves_the_years_beliefs_as_a_kept_one(invoke, priors_file, tmp_path):
    import xarray as xr

    path = priors_file(json_to_toml(_document()))
    saved = {}
    for statistics, options in (("exact", ()), ("streamed", ("--chunk-size", "65536"))):
        saved[statistics] = tmp_path / f"{statistics}.nc"
        result = invoke("run", path, "--draws", str(3 * 65_536), "--statistics", statistics,
                        "--out", saved[statistics], "-q", *options)  # fmt: skip
        assert result.exit_code == 0, result.stderr
    with xr.open_dataset(saved["exact"]) as kept, xr.open_dataset(saved["streamed"]) as streamed:
        assert kept[PRICE].dims == ("chain", "draw", "year")
        for name in kept.data_vars:
            np.testing.assert_array_equal(kept[name].values, streamed[name].values)
        ranks = np.argsort(kept[PRICE].sel(year=2021).values[0])
        assert np.array_equal(ranks, np.argsort(kept[PRICE].sel(year=2024).values[0]))


def test_an_own_price_replaces_a_listed_one_whatever_the_year(priors_file):
    from tests.conftest import PRIORS

    path = priors_file(
        "[scenario]\nname = 'own'\nmodels = ['training']\nyear = 2019\n"
        f"include = ['{PRIORS / 'hardware' / 'a100-40gb.toml'}']\n[assumptions]\n"
        "training_flops = 1e24\ntraining_mfu = 0.4\n"
        "accelerator_hour_usd = { fixed = 2.0, unit = 'USD/hour', source = 'mine' }\n"
    )  # the file lists nothing before 2021, but its price is not read
    assert simulate.load(path).assumptions[PRICE].source == "mine"
