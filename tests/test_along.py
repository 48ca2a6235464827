"""Runs along a second dimension: [scenario] years with trajectories, and [sweep]. A draw's
trajectory is coherent (one growth per draw); a sweep equals separate runs with --set, bit for
bit; streamed equals kept within the histogram's bound and does not depend on chunking; bad
declarations exit 2 naming the key."""

from __future__ import annotations

import itertools
import json
import math
import re

import numpy as np
import pytest
import xarray as xr

import simulate
from simulate.analysis import results
from simulate.core import along, engine
from simulate.core.statistics import RELATIVE_ERROR
from simulate.core.thresholds import Threshold

YEARS = {
    "scenario": {"name": "years", "models": ["inference"], "years": [2024, 2025, 2027]},
    "assumptions": {
        "active_params": {"fixed": 175e9, "unit": "parameter"},
        "peak_flops_per_s": {"fixed": 312, "unit": "TFLOP/s"},
        "inference_mfu": {"beta": [0.1, 0.3]},
        "accelerator_hour_usd": {
            "lognormal": [1.5, 3.0], "unit": "USD/hour", "base_year": 2025,
            "growth_per_year": {"normal": [-0.4, -0.1]},
        },
    },
}  # fmt: skip


def _years(**changes) -> simulate.Scenario:
    document = json.loads(json.dumps(YEARS))
    for key, value in changes.items():
        section, name = key.split("__")
        if value is None:
            document[section].pop(name)
        else:
            document.setdefault(section, {})[name] = value
    return simulate.load(document)


def test_a_trajectory_is_one_coherent_future_per_draw():
    scenario = _years()
    per = along.run(scenario, 100_000, 4)
    growth = per[0].inputs["accelerator_hour_usd_growth_per_year"]
    # one growth per draw, the same in every year
    for draws in per[1:]:
        assert draws.inputs["accelerator_hour_usd_growth_per_year"] is growth
    base = per[1].inputs["accelerator_hour_usd"]  # 2025, the base year: the drawn value
    plain = engine.run(scenario, 100_000, seed=4)  # one evaluation per draw: the base year
    np.testing.assert_array_equal(base, plain.inputs["accelerator_hour_usd"])
    np.testing.assert_allclose(
        per[0].inputs["accelerator_hour_usd"], base / (1 + growth), rtol=1e-15
    )
    np.testing.assert_allclose(
        per[2].inputs["accelerator_hour_usd"], base * (1 + growth) ** 2, rtol=1e-15
    )
    # and the cost follows: twice the years at the same rate is the rate squared
    cost = [d.outputs["inference_cost_per_1k_tokens_usd"] for d in per]
    np.testing.assert_allclose(cost[2] / cost[1], (1 + growth) ** 2, rtol=1e-12)


def test_a_sweep_equals_separate_runs_with_set_bit_for_bit(priors_file):
    path = priors_file(
        """
        [scenario]
        name = "sweep"
        models = ["inference"]
        [assumptions]
        active_params = { fixed = 175e9, unit = "parameter" }
        peak_flops_per_s = { fixed = 312, unit = "TFLOP/s" }
        inference_mfu = { beta = [0.1, 0.3] }
        accelerator_hour_usd = { lognormal = [1.5, 3.0], unit = "USD/hour" }
        [sweep]
        inference_mfu = [0.1, 0.25, 0.4]
        """
    )
    scenario = simulate.load(path)
    text = path.read_text()
    single = priors_file(text[: text.index("[sweep]")], "single.toml")  # the file, no sweep
    for method in ("mc", "lhs"):
        per = along.run(scenario, 70_000, 9, method)
        for value, draws in zip((0.1, 0.25, 0.4), per, strict=True):
            alone = simulate.run(
                simulate.load(single, {"inference_mfu": str(value)}), 70_000, 9, method
            )
            for name, values in alone.outputs.items():
                np.testing.assert_array_equal(draws.outputs[name], values)
            np.testing.assert_array_equal(
                draws.inputs["accelerator_hour_usd"], alone.inputs["accelerator_hour_usd"]
            )
            assert float(draws.inputs["inference_mfu"]) == value


def streamed_and_kept(scenario, name: str, draws: int, seed: int) -> list[tuple]:
    """A streamed run along the axis equals itself whatever the chunking and workers, and
    the kept run within the sketch's error: each coordinate's (kept, streamed) summary."""
    kept = results.summarize_along(scenario, along.run(scenario, draws, seed), (5, 50, 95))
    one = results.summarize_along(
        scenario, along.stream(scenario, draws, seed, chunk_size=65_536, workers=1), (5, 50, 95)
    )
    other = results.summarize_along(
        scenario,
        along.stream(scenario, draws, seed, chunk_size=2 * 65_536, workers=2),
        (5, 50, 95),
    )
    assert one == other
    pairs = list(zip(kept.series(name), one.series(name), strict=True))
    for exact, streamed in pairs:
        for (_, a), (_, b) in zip(exact.percentiles, streamed.percentiles, strict=True):
            assert b == pytest.approx(a, rel=2 * RELATIVE_ERROR)
    return pairs


def test_streamed_along_is_the_kept_one_whatever_the_chunking():
    pairs = streamed_and_kept(_years(), "inference_cost_per_1k_tokens_usd", 3 * 65_536 + 11, 2)
    for exact, streamed in pairs:
        assert streamed.mean == pytest.approx(exact.mean, rel=1e-12)


def test_run_prints_a_row_per_year_and_json_csv_and_netcdf_carry_the_dimension(invoke, tmp_path):
    path = "priors/gpt3-inference-2020-2030.toml"
    table = invoke("run", path, "--draws", "20000", "--percentiles", "5,50,95")
    assert table.exit_code == 0, table.output
    section = table.stdout.split("cost_per_1m_tokens_usd [USD/Mtoken]:")[1].split("\n\n")[0]
    assert [line.split()[0] for line in section.strip().splitlines()[2:]] == [
        str(y) for y in range(2020, 2031)
    ]
    assert "the same at every year" in table.stdout
    shown = json.loads(invoke("run", path, "--draws", "20000", "--format", "json").stdout)
    assert shown["dimension"] == "year" and shown["year"] == list(range(2020, 2031))
    medians = [entry["outputs"]["cost_per_1m_tokens_usd"]["p50"] for entry in shown["along"]]
    assert all(b < a for a, b in itertools.pairwise(medians))  # cheaper every year
    assert shown["moving"] == ["accelerator_hour_usd"]
    rows = invoke("run", path, "--draws", "20000", "--format", "csv").stdout.splitlines()
    assert rows[0].startswith("year,section,name,unit,")
    assert sum(r.startswith("2030,outputs,cost_per_1m_tokens_usd,") for r in rows) == 1
    saved = tmp_path / "years.nc"
    assert invoke("run", path, "--draws", "20000", "--out", saved, "-q").exit_code == 0
    import arviz

    prior = arviz.from_netcdf(saved).prior  # arviz's layout: the draws are prior draws
    assert prior["cost_per_1m_tokens_usd"].dims == ("chain", "draw", "year")
    assert prior["year"].values.tolist() == list(range(2020, 2031))
    with xr.open_dataset(saved) as dataset:
        np.testing.assert_array_equal(
            prior["cost_per_1m_tokens_usd"].values, dataset["cost_per_1m_tokens_usd"].values
        )
        assert dataset["cost_per_1m_tokens_usd"].dims == ("chain", "draw", "year")
        assert dataset["inference_mfu"].dims == ("chain", "draw")
        assert dataset["year"].values.tolist() == list(range(2020, 2031))
        p50 = float(np.median(dataset["cost_per_1m_tokens_usd"].sel(year=2030)))
    assert p50 == pytest.approx(shown["along"][-1]["outputs"]["cost_per_1m_tokens_usd"]["p50"])
    with xr.open_dataset(saved, group="fixed") as fixed:
        assert float(fixed["active_params"]) == 175e9  # stored once, not once per draw
    # a streamed run writes the same file chunk by chunk, whatever the chunking and workers
    for options in (("--chunk-size", "65536", "--workers", "1"), ("--workers", "2")):
        also = tmp_path / f"streamed{len(options)}-{options[-1]}.nc"
        streamed = invoke(
            "run", path, "--draws", str(2 * 65_536 + 7), "--statistics", "streamed",
            "--out", also, "-q", *options,
        )  # fmt: skip
        assert streamed.exit_code == 0, streamed.stderr
        kept = tmp_path / "kept.nc"
        if not kept.exists():
            invoke("run", path, "--draws", str(2 * 65_536 + 7), "--out", kept, "-q")
        with xr.open_dataset(also) as one, xr.open_dataset(kept) as other:
            assert set(one.data_vars) == set(other.data_vars)
            for name in other.data_vars:
                np.testing.assert_array_equal(one[name].values, other[name].values)
            assert one["accelerator_hour_usd"].dims == ("chain", "draw", "year")
        assert arviz.from_netcdf(also).prior["year"].values.tolist() == list(range(2020, 2031))


def test_the_point_values_reproduce_the_seed_in_the_base_year(invoke):
    """2020 is GPT-3 on an A100 at the seed's price: ≈ $0.0035 per 1k tokens (DESIGN §6)."""
    shown = json.loads(
        invoke("run", "priors/gpt3-inference-2020-2030.toml", "--point", "--format", "json").stdout
    )
    per_1k = [e["outputs"]["inference_cost_per_1k_tokens_usd"]["value"] for e in shown["along"]]
    assert per_1k[0] == pytest.approx(0.0035, rel=0.01)
    assert per_1k[10] == pytest.approx(per_1k[0] * (1 - 0.24) ** 10, rel=1e-9)


def test_a_sweep_says_which_values_leave_draws_infeasible(invoke):
    shown = invoke(
        "run", "priors/serving/chat-llama70b-h100-batch-sweep.toml", "--draws", "20000",
        "--percentiles", "50",
    )  # fmt: skip
    assert shown.exit_code == 0, shown.output
    section = shown.stdout.split("cost_per_1m_output_tokens_usd [USD/Mtoken]:")[1].split("\n\n")[0]
    rows = {
        line.split()[0]: line.split() for line in section.splitlines()[2:] if line[:1].isdigit()
    }
    assert rows["1"][-2:] == ["0", "%"]  # batch 1 always fits
    assert float(rows["512"][-2]) > 90  # batch 512 rarely fits in 2 × H100 with chat's KV cache
    medians = [float(rows[b][3].strip("$")) for b in ("1", "8", "64")]
    assert medians[0] > 5 * medians[1] > 5 * medians[2] / 5  # bigger batches, cheaper tokens


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        ({"scenario__years": [2025, 2024]}, "scenario.years", "increasing"),
        ({"assumptions__accelerator_hour_usd": {"lognormal": [1.5, 3.0], "base_year": 2025}},
         "assumptions.accelerator_hour_usd.growth_per_year", "go together"),
        ({"assumptions__accelerator_hour_usd": {"lognormal": [1.5, 3.0], "base_year": 2025,
                                                "growth_per_year": {"normal": [-1.2, 0.1]}}},
         "assumptions.accelerator_hour_usd.growth_per_year", "−100 %"),
        ({"assumptions__accelerator_hour_usd": {"lognormal": [1.5, 3.0], "base_year": 2025,
                                                "growth_per_year": {"fixed": 0.1, "unit": "%"}}},
         "assumptions.accelerator_hour_usd.growth_per_year.unit", "share per year"),
        ({"assumptions__inference_mfu": {
            "beta": [0.1, 0.3], "base_year": 2024, "growth_per_year": {"fixed": 0.5}}},
         "assumptions.inference_mfu.growth_per_year", "in 2027 inference_mfu reaches"),
        ({"sweep__inference_mfu": [0.2]}, "sweep", "not both"),
    ],
)  # fmt: skip
def test_bad_years_and_trajectories_exit_2_naming_the_key(changes, key, words):
    with pytest.raises(simulate.PriorsError) as raised:
        _years(**changes)
    assert raised.value.key == key and words in raised.value.message


@pytest.mark.parametrize(
    ("sweep", "key", "words"),
    [
        ("nothing = [1, 2]", "sweep.nothing", "not an assumption"),
        ("inference_mfu = [0.2, 40]", "sweep.inference_mfu", "did you mean 0.4"),
        ("inference_mfu = [0.2, 0.2]", "sweep.inference_mfu", "listed twice"),
        ("inference_mfu = [0.2]\naccelerator_hour_usd = [1]", "sweep", "one assumption"),
        ("inference_mfu = []", "sweep.inference_mfu", "expected"),
    ],
)
def test_bad_sweeps_exit_2_naming_the_key(invoke, priors_file, sweep, key, words):
    path = priors_file(
        "[scenario]\nname = 's'\nmodels = ['inference']\n[assumptions]\n"
        "active_params = 1e9\npeak_flops_per_s = { fixed = 312, unit = 'TFLOP/s' }\n"
        "inference_mfu = { beta = [0.1, 0.3] }\naccelerator_hour_usd = 2\n[sweep]\n" + sweep + "\n"
    )
    result = invoke("run", path, "--draws", "1000")
    assert result.exit_code == 2
    assert key in result.stderr and words in result.stderr


def test_observations_and_a_second_dimension_are_refused(invoke, priors_file):
    result = invoke(
        "run", "priors/gpt3-inference-2020-2030.toml", "--observe", "inference_mfu=0.2±10%"
    )
    assert result.exit_code == 2 and "--observe" in result.stderr


def test_memory_is_charged_per_year_and_a_streamed_run_stays_bounded():
    scenario = simulate.load("priors/gpt3-inference-2020-2030.toml")
    plain = simulate.load("priors/gpt3-inference.toml")
    kept = engine.bytes_needed(scenario, 10**6)
    assert kept > 8 * 10**6 * len(scenario.outputs) * 11  # every output in each of 11 years
    assert engine.bytes_needed(scenario, 10**7, streamed=True) == engine.bytes_needed(
        scenario, 10**9, streamed=True
    )
    assert engine.bytes_needed(scenario, 10**7, streamed=True) > engine.bytes_needed(
        plain, 10**7, streamed=True
    )
    assert not results.keeps_every_draw(scenario, 10**7)
    assert math.isfinite(kept)


def test_the_python_api_runs_along_and_refuses_a_plain_run():
    scenario = _years()
    summary = simulate.summarize_along(scenario, simulate.run_along(scenario, 20_000, seed=1))
    assert [s.draws for s in summary.summaries] == [20_000] * 3
    assert summary.to_dict()["year"] == [2024, 2025, 2027]
    streamed = simulate.summarize_along(scenario, simulate.stream_along(scenario, 20_000, seed=1))
    assert streamed.series("accelerator_hour_usd")[1].percentile(50) == pytest.approx(
        summary.series("accelerator_hour_usd")[1].percentile(50), rel=1e-3
    )
    with pytest.raises(simulate.PriorsError, match="run_along"):
        simulate.run(scenario, 1000, seed=1)
    per = simulate.run_along(scenario, 1000, seed=1)
    dataset = simulate.to_dataset_along(scenario, per)
    assert dataset["accelerator_hour_usd"].dims == ("chain", "draw", "year")
    assert dataset["inference_mfu"].dims == ("chain", "draw")
    np.testing.assert_array_equal(
        dataset["accelerator_hour_usd"].sel(year=2027).values[0],
        per[2].inputs["accelerator_hour_usd"],
    )


def test_commands_that_do_not_go_along_say_what_they_describe(invoke, tmp_path):
    years = invoke(
        "compare", "priors/gpt3-inference-2020-2030.toml", "priors/gpt3-inference.toml",
        "--output", "inference_cost_per_1k_tokens_usd", "--draws", "2000",
    )  # fmt: skip
    assert "compare describes the scenario in the year of its distributions (2020)" in years.stderr
    swept = invoke(
        "sensitivity", "priors/serving/chat-llama70b-h100-batch-sweep.toml", "--output",
        "cost_per_1m_output_tokens_usd", "--method", "tornado",
    )  # fmt: skip
    assert "without its [sweep]: batch_size as declared (fixed 64)" in swept.stderr


def test_the_readme_quotes_what_the_runs_print(invoke):
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in (
        "simulate run priors/gpt3-inference-2020-2030.toml --draws 1e5 --percentiles 5,50,95",
        "simulate run priors/serving/chat-llama70b-h100-batch-sweep.toml --draws 1e5 "
        "--percentiles 5,50,95",
        "simulate run priors/llama2-70b-rented-2022-2025.toml --draws 1e5 --percentiles 5,50,95",
    ):
        block = readme.split(f"$ {command}\n")[1].split("```")[0]
        quoted = [line.strip() for line in block.splitlines() if line.strip()[:1].isdigit()]
        assert len(quoted) == 3
        printed = invoke(*command.split()[1:]).stdout.splitlines()
        for line in quoted:
            assert line in printed, line


def test_a_streamed_sweep_judges_thresholds_on_the_swept_value_too(priors_file):
    path = priors_file(
        "[scenario]\nname = 's'\nmodels = ['inference']\n[assumptions]\n"
        "active_params = 1e9\npeak_flops_per_s = { fixed = 312, unit = 'TFLOP/s' }\n"
        "inference_mfu = { beta = [0.1, 0.3] }\naccelerator_hour_usd = { lognormal = [1, 3] }\n"
        "limit = { uniform = [0.15, 0.35] }\n[derived]\nuse = 'limit'\n"
        "[sweep]\ninference_mfu = [0.1, 0.3]\n"
    )
    scenario = simulate.load(path)
    above = [Threshold("inference_mfu", ">", "limit"), Threshold("inference_mfu", ">", 0.2)]
    streamed = results.summarize_along(
        scenario, along.stream(scenario, 70_000, 1, thresholds=above)
    )
    kept = results.summarize_along(scenario, along.run(scenario, 70_000, 1), thresholds=above)
    for index, share in ((0, 0.0), (1, 0.75)):  # P(U(0.15, 0.35) < 0.3) = 0.75
        for summary in (streamed, kept):
            found = [
                t.probability for t in summary.summaries[index].inputs["inference_mfu"].thresholds
            ]
            assert found[0] == pytest.approx(share, abs=0.01)
            assert found[1] == float(index == 1)


def test_choices_draw_by_draw_by_hand():
    from simulate.core.choices import Choice, tally

    cost = [np.array([3.0, 1.0, np.nan, 5.0]), np.array([2.0, 1.0, 4.0, 6.0]),
            np.array([2.0, 0.5, 3.0, 7.0])]  # fmt: skip
    latency = [np.array([1.0, 1.0, 1.0, 1.0]), np.array([1.0, 1.0, 1.0, 9.0]),
               np.array([1.0, 9.0, 1.0, 9.0])]  # fmt: skip
    per = [{"cost": c, "latency": t} for c, t in zip(cost, latency, strict=True)]
    fast = (Threshold("latency", "<", 5.0),)
    found = tally(
        [
            Choice("minimize", "cost"),  # draw 0 ties 1 and 2: the earlier; NaN is no choice
            Choice("minimize", "cost", fast),  # draw 1's cheapest is too slow
            Choice("maximize", "cost", fast),
            Choice("first", Threshold("cost", "<", 2.5)),
            Choice("first", Threshold("cost", "<", 0.1)),
        ],
        per, 4, {},
    )  # fmt: skip
    # per coordinate, then none. Draws (cost at 0, 1, 2): d0 3, 2, 2; d1 1, 1, 0.5;
    # d2 NaN, 4, 3; d3 5, 6, 7 — and d1 is slow at 2, d3 at 1 and 2
    assert [c.tolist() for c in found] == [
        [1, 1, 2, 0],  # d3→0, d0→1 (the tie with 2 goes to the earlier), d1 and d2→2
        [2, 1, 1, 0],  # d1→0 (0.5 is too slow; 0 and 1 tie), d3→0, d0→1, d2→2
        [3, 1, 0, 0],  # d0→0, d1→0 (tie), d3→0, d2→1 (NaN is no choice)
        [1, 1, 0, 2],  # cost < 2.5 first: d1 at 0, d0 at 1, d2 and d3 never
        [0, 0, 0, 4],
    ]  # fmt: skip


def test_kept_and_streamed_choices_agree_with_numpy_and_do_not_depend_on_chunking(invoke):
    from simulate.core.choices import Choice

    scenario = simulate.load("priors/serving/chat-llama70b-h100-batch-sweep.toml")
    draws = 2 * 65_536 + 7
    wanted = [Choice("minimize", "cost_per_1m_output_tokens_usd",
                     (Threshold("time_per_output_token_s", "<", 0.03),))]  # fmt: skip
    per = along.run(scenario, draws, 3)
    kept = results.summarize_along(scenario, per, choices=wanted).choices[0]
    counted = []
    for chunk_size, workers in ((65_536, 1), (3 * 65_536, 2)):
        streamed = along.stream(
            scenario, draws, 3, chunk_size=chunk_size, workers=workers, choices=wanted,
            chosen=counted.append,
        )  # fmt: skip
        assert len(streamed) == len(per)
    assert counted[0][0].tolist() == counted[1][0].tolist() == [*kept.counts, kept.none]
    cost = np.stack([d.outputs["cost_per_1m_output_tokens_usd"] for d in per], 1)
    slow = np.stack([d.outputs["time_per_output_token_s"] for d in per], 1) >= 0.03
    cost = np.where(slow | np.isnan(cost), np.inf, cost)
    best = np.where(np.isinf(cost).all(1), -1, np.argmin(cost, 1))
    expected = np.bincount(best + 1, minlength=len(per) + 1)
    assert list(kept.counts) == expected[1:].tolist() and kept.none == expected[0]
    assert sum(kept.counts) + kept.none == draws


def test_run_says_which_batch_is_cheapest_and_the_year_a_cost_falls_below(invoke):
    sweep = "priors/serving/chat-llama70b-h100-batch-sweep.toml"
    args = ("run", sweep, "--draws", "30000", "--minimize", "cost_per_1m_output_tokens_usd",
            "--subject-to", "time_per_output_token_s<0.03")  # fmt: skip
    table = invoke(*args).stdout
    assert "the batch_size that minimizes cost_per_1m_output_tokens_usd (only where " in table
    assert "most often 64: in " in table
    shown = json.loads(invoke(*args, "--format", "json").stdout)["choices"][0]
    assert shown["kind"] == "minimize" and shown["subject_to"] == ["time_per_output_token_s<0.03"]
    assert sum(shown["shares"].values()) + shown["none"] == pytest.approx(1.0)
    assert max(shown["shares"], key=shown["shares"].get) == "64"
    rows = invoke(*args, "--format", "csv").stdout.splitlines()
    assert "kind,target,subject_to,batch_size,share" in rows
    years = invoke(
        "run", "priors/gpt3-inference-2020-2030.toml", "--draws", "30000",
        "--first", "cost_per_1m_tokens_usd<0.5", "--format", "json",
    )  # fmt: skip
    first = json.loads(years.stdout)["choices"][0]
    assert first["shares"]["2020"] == 0.0 and 0.1 < first["none"] < 0.4  # never by 2030


@pytest.mark.parametrize(
    ("args", "option", "words"),
    [
        (("priors/gpt3-training.toml", "--minimize", "training_cost_usd"), "--minimize",
         "neither"),
        (("priors/gpt3-inference-2020-2030.toml", "--maximize", "nothing"), "--maximize",
         "'nothing'"),
        (("priors/gpt3-inference-2020-2030.toml", "--subject-to", "inference_mfu<0.2"),
         "--subject-to", "none given"),
        (("priors/gpt3-inference-2020-2030.toml", "--first", "cost<<1"), "--first", ""),
        (("priors/gpt3-inference-2020-2030.toml", "--first", "nothing<1"), "--first", "nothing"),
        (("priors/gpt3-inference-2020-2030.toml", "--first", "cost_per_1m_tokens_usd<1",
          "--point"), "--point", "base case"),
    ],
)  # fmt: skip
def test_bad_choices_exit_2_naming_the_option(invoke, args, option, words):
    result = invoke("run", *args, "--draws", "1000")
    assert result.exit_code == 2
    assert option in result.stderr and words in result.stderr


def test_the_readme_quotes_what_the_choices_print(invoke):
    import shlex

    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for flag in ("--minimize", "--first"):
        start = next(
            i for i in range(len(readme))
            if readme.startswith("$ simulate run", i) and flag in readme[i : readme.index("\n", i)]
        )  # fmt: skip
        command, block = readme[start + 2 :].split("\n", 1)
        block = block.split("\n\n")[0].split("```")[0]
        quoted = [line for line in block.splitlines() if line and line != "…"]
        printed = invoke(*shlex.split(command)[1:]).stdout.splitlines()
        assert len(quoted) >= 2
        for line in quoted:
            assert line in printed, line


def test_a_fan_chart_draws_both_bands_the_median_and_the_base_case(tmp_path):
    from matplotlib.collections import PolyCollection

    from simulate.core.along import run_point
    from simulate.present import figures

    scenario = simulate.load("priors/gpt3-inference-2020-2030.toml")
    name = "cost_per_1m_tokens_usd"
    summary = results.summarize_along(scenario, along.run(scenario, 20_000, 1), (5, 25, 50, 75, 95))
    entries = summary.series(name)
    base = [float(d.outputs[name]) for d in run_point(scenario)]
    labels = [summary.label(i) for i in range(11)]
    figure = figures.fan(
        entries, summary.coordinates, labels, base, name, "USD/Mtoken", "year", tmp_path / "f.png"
    )
    axes = figure.axes[0]
    bands = [c for c in axes.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2
    outer = bands[0].get_paths()[0].vertices[:, 1]
    assert np.isclose(outer.max(), max(e.percentile(95) for e in entries))
    assert np.isclose(outer.min(), min(e.percentile(5) for e in entries))
    median, base_line = axes.lines
    np.testing.assert_allclose(median.get_ydata(), [e.percentile(50) for e in entries])
    np.testing.assert_allclose(base_line.get_ydata(), base)
    np.testing.assert_allclose(median.get_xdata(), range(2020, 2031))
    assert axes.get_yscale() == "log"  # P5 in 2030 is over 30× below P95 in 2020
    assert [t.get_text() for t in axes.get_xticklabels()] == labels
    assert (tmp_path / "f.png").stat().st_size > 10_000


def test_a_report_goes_along_the_years_and_a_sweep(invoke, tmp_path):
    out = tmp_path / "years.md"
    result = invoke(
        "report", "priors/gpt3-inference-2020-2030.toml", "--out", out, "--draws", "20000",
        "--sobol-samples", "64",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    body = out.read_text()
    section = body.split("### Over the years")[1].split("###")[0]
    assert "(years-cost_per_1m_tokens_usd-fan.png)" in section
    assert (tmp_path / "years-cost_per_1m_tokens_usd-fan.png").exists()
    rows = [line for line in section.splitlines() if line.startswith("| 20")]
    assert [row.split(" | ")[0] for row in rows] == [f"| {y}" for y in range(2020, 2031)]
    assert rows[0].endswith("| $3.51/Mtoken |")  # the base case in 2020: the seed's figure
    out = tmp_path / "sweep.md"
    invoke(
        "report", "priors/serving/chat-llama70b-h100-batch-sweep.toml", "--out", out,
        "--draws", "20000", "--sobol-samples", "64",
    )  # fmt: skip
    section = out.read_text().split("### Across batch size")[1]
    assert "| batch_size | P5 | median | P95 | base case | no number |" in section
    rows = {line.split(" | ")[0]: line for line in section.splitlines() if line[:3] == "| 1"}
    assert rows["| 1"].endswith("| 0 % |")  # batch 1 always fits
    assert section.count("| n/a |") >= 1  # the base case's batch 256 does not fit: not priced
    last = next(line for line in section.splitlines() if line.startswith("| 512 |"))
    assert last.endswith("| > 99.9 % |") or last.endswith("| 100 % |")


@pytest.mark.slow
def test_the_same_numbers_along_the_years_on_a_dask_cluster():
    distributed = pytest.importorskip("distributed")
    from simulate.core.choices import Choice

    scenario = _years()
    draws = 2 * 65_536 + 3
    first = [Choice("first", Threshold("inference_cost_per_1k_tokens_usd", "<", 0.003))]
    local_counts: list = []
    local = along.stream(scenario, draws, 5, workers=1, choices=first, chosen=local_counts.extend)
    kept = along.run(scenario, draws, 5, workers=1)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        remote_counts: list = []
        remote = along.stream(
            scenario, draws, 5, chunk_size=65_536, scheduler=cluster.scheduler_address,
            choices=first, chosen=remote_counts.extend,
        )  # fmt: skip
        remote_kept = along.run(
            scenario, draws, 5, chunk_size=65_536, scheduler=cluster.scheduler_address
        )
    assert results.summarize_along(scenario, remote) == results.summarize_along(scenario, local)
    assert remote_counts[0].tolist() == local_counts[0].tolist()
    for a, b in zip(kept, remote_kept, strict=True):
        for name, values in a.outputs.items():
            np.testing.assert_array_equal(values, b.outputs[name])


def test_the_shipped_search_question_gets_a_year(invoke):
    shown = json.loads(
        invoke(
            "run", "priors/search-two-stage-2023-2030.toml", "--draws", "30000",
            "--first", "query_cost_share_of_revenue<0.1", "--format", "json",
        ).stdout
    )  # fmt: skip
    first = shown["choices"][0]
    assert first["shares"]["2023"] < 0.01  # the seed's year: an answer costs 138 % of revenue
    assert first["none"] < 0.01  # with the price of a capability falling 3–33× a year
    share_2023 = shown["along"][0]["outputs"]["query_cost_share_of_revenue"]
    assert share_2023["p50"] > 1.0


def test_a_frontier_run_grows_with_compute_and_cheapens_with_its_price(invoke):
    shown = json.loads(
        invoke(
            "run", "priors/frontier-training-2024-2030.toml", "--point", "--format", "json"
        ).stdout
    )
    cost = [e["outputs"]["training_cost_usd"]["value"] for e in shown["along"]]
    # at the point values: ×(1 + 3.5) compute and ×(1 − 0.24) price a year
    for earlier, later in itertools.pairwise(cost):
        assert later / earlier == pytest.approx(4.5 * 0.76, rel=1e-9)


def test_set_replaces_the_base_years_value_or_the_growth_and_keeps_the_trajectory(invoke):
    path = "priors/gpt3-inference-2020-2030.toml"

    def per_year(*sets: str) -> list[float]:
        args = [a for s in sets for a in ("--set", s)]
        shown = json.loads(invoke("run", path, "--point", "--format", "json", *args).stdout)
        return [e["inputs"]["accelerator_hour_usd"]["value"] for e in shown["along"]]

    assert per_year("accelerator_hour_usd=2")[:2] == pytest.approx([2.0, 2.0 * 0.76])
    assert per_year("accelerator_hour_usd_growth_per_year=-0.5")[:3] == pytest.approx(
        [2.4025, 2.4025 / 2, 2.4025 / 4]
    )


def test_a_sweep_of_a_correlated_assumption_is_refused_as_set_refuses_it(invoke, priors_file):
    path = priors_file(
        "[scenario]\nname = 'c'\nmodels = ['inference']\n[assumptions]\nactive_params = 1e9\n"
        "peak_flops_per_s = { fixed = 312, unit = 'TFLOP/s' }\n"
        "inference_mfu = { beta = [0.1, 0.3] }\naccelerator_hour_usd = { lognormal = [1, 3] }\n"
        '[correlations]\n"inference_mfu, accelerator_hour_usd" = 0.8\n'
        "[sweep]\ninference_mfu = [0.1, 0.3]\n"
    )
    result = invoke("run", path, "--draws", "1000")
    assert result.exit_code == 2
    assert "sweep.inference_mfu" in result.stderr and "drawn together" in result.stderr


def test_a_choice_that_cannot_move_says_so_and_a_first_crossing_gives_its_median_year(invoke):
    path = "priors/gpt3-inference-2020-2030.toml"
    tied = invoke("run", path, "--draws", "5000", "--minimize", "inference_flops_per_token", "-q")
    assert "note: inference_flops_per_token is the same at every year: every draw ties" in (
        tied.stdout
    )
    crossing = invoke("run", path, "--draws", "30000", "--first", "cost_per_1m_tokens_usd<0.5")
    shares = json.loads(
        invoke("run", path, "--draws", "30000", "--first", "cost_per_1m_tokens_usd<0.5",
               "--format", "json").stdout
    )["choices"][0]["shares"]  # fmt: skip
    reached, median = 0.0, None
    for year, share in shares.items():
        reached += share
        if reached >= 0.5 and median is None:
            median = year
    assert f"half the scenarios by {median}" in crossing.stdout


BY_YEAR = """
[assumptions.accelerator_hour_usd]
unit = "USD/hour"
source = "a price list"
[assumptions.accelerator_hour_usd.by_year.2020]
pert = [1.45, 2.40, 4.10]
source = "p4d, 2020"
[assumptions.accelerator_hour_usd.by_year.2023]
fixed = 1.29
source = "Lambda, 2023"
"""


def _priced(priors_file, header: str, name: str = "scenario.toml"):
    hardware = priors_file(BY_YEAR, "prices.toml")
    text = (
        f"[scenario]\nname = 's'\nmodels = ['inference']\ninclude = ['{hardware.name}']\n"
        f"{header}\n[assumptions]\nactive_params = 1e9\n"
        "peak_flops_per_s = { fixed = 312, unit = 'TFLOP/s' }\ninference_mfu = 0.2\n"
    )
    return simulate.load(priors_file(text, name))


@pytest.mark.parametrize(
    ("header", "shape", "words"),
    [
        ("year = 2020", "mode 2.4", "by_year 2020, for 2020: p4d, 2020; a price list"),
        ("year = 2022", "mode 2.4", "by_year 2020, for 2022"),  # a price holds until the next
        ("year = 2031", "fixed 1.29", "by_year 2023, for 2031: Lambda, 2023; a price list"),
        ("", "fixed 1.29", "by_year 2023: Lambda, 2023"),  # no year: the latest listed
    ],
)
def test_a_scenarios_year_picks_the_price_listed_for_it(priors_file, header, shape, words):
    scenario = _priced(priors_file, header)
    assumption = scenario.assumptions["accelerator_hour_usd"]
    assert shape in assumption.distribution.summary
    assert assumption.source.startswith(words)
    assert assumption.unit == "USD/hour"


def test_a_year_before_any_listed_price_or_year_with_years_is_refused(priors_file):
    for header in ("year = 2019", "years = [2019, 2020]"):
        with pytest.raises(simulate.PriorsError) as raised:
            _priced(priors_file, header)
        assert raised.value.key == "assumptions.accelerator_hour_usd.by_year"
        assert "nothing is listed for 2019: the earliest year given is 2020" in raised.value.message
    with pytest.raises(simulate.PriorsError) as raised:
        _priced(priors_file, "year = 2021\nyears = [2021, 2022]")
    assert raised.value.key == "scenario.year"


def test_by_year_and_a_distribution_together_are_refused_naming_the_key(invoke, priors_file):
    path = priors_file(
        "[scenario]\nname = 's'\n[assumptions.x]\nnormal = [1, 2]\n"
        "by_year = { 2020 = { normal = [1, 2] } }\n"
    )
    result = invoke("check", path)
    assert result.exit_code == 2 and "assumptions.x" in result.stderr
    assert "exactly one distribution key" in result.stderr


def test_a_scenarios_year_evaluates_its_trajectories_in_that_year(invoke, priors_file):
    one = _years(scenario__years=None, scenario__year=2027)
    assert one.axis is not None and one.axis.values == (2027.0,) and one.year == 2027
    alone = simulate.run_along(one, 20_000, seed=5)
    along_years = simulate.run_along(_years(), 20_000, seed=5)  # 2024, 2025, 2027
    name = "inference_cost_per_1k_tokens_usd"
    (in_2027,) = alone
    np.testing.assert_array_equal(in_2027.outputs[name], along_years[2].outputs[name])
    price = in_2027.inputs["accelerator_hour_usd"]
    growth = in_2027.inputs["accelerator_hour_usd_growth_per_year"]
    drawn = along_years[1].inputs["accelerator_hour_usd"]  # 2025, the base year
    np.testing.assert_allclose(price, drawn * (1 + growth) ** 2, rtol=1e-12)
    path = priors_file(
        "[scenario]\nname = 'one-year'\nmodels = ['inference']\nyear = 2027\n[assumptions]\n"
        "active_params = 1e9\npeak_flops_per_s = { fixed = 312, unit = 'TFLOP/s' }\n"
        "inference_mfu = 0.2\n[assumptions.accelerator_hour_usd]\nfixed = 2.0\n"
        "base_year = 2025\ngrowth_per_year = -0.5\n"
    )
    shown = invoke("run", path, "--point")
    assert shown.exit_code == 0, shown.stderr
    assert "by year 2027" in shown.stdout and "\nin 2027:\n" in shown.stdout
    assert "the same at every" not in shown.stdout
    point = json.loads(invoke("run", path, "--point", "--format", "json").stdout)
    (year,) = point["along"]
    assert year["inputs"]["accelerator_hour_usd"]["value"] == pytest.approx(2.0 * 0.5**2)


def test_a_sweep_saves_its_draws_streamed_as_kept(invoke, tmp_path):
    path = "priors/serving/chat-llama70b-h100-batch-sweep.toml"
    files = {}
    for statistics in ("exact", "streamed"):
        files[statistics] = tmp_path / f"{statistics}.nc"
        result = invoke("run", path, "--draws", "5000", "--statistics", statistics,
                        "--out", files[statistics], "-q")  # fmt: skip
        assert result.exit_code == 0, result.stderr
    with xr.open_dataset(files["exact"]) as kept, xr.open_dataset(files["streamed"]) as streamed:
        assert kept["batch_size"].values.tolist() == [2.0**k for k in range(10)]
        assert "batch_size" not in kept.data_vars  # the swept assumption is the coordinate
        assert set(kept.data_vars) == set(streamed.data_vars)
        for name in kept.data_vars:
            np.testing.assert_array_equal(kept[name].values, streamed[name].values)
        cost = kept["cost_per_1m_output_tokens_usd"]
        assert cost.dims == ("chain", "draw", "batch_size")
        assert float(cost.sel(batch_size=1).median()) > float(cost.sel(batch_size=64).median())
    scenario = simulate.load(path)
    plain = engine.bytes_needed(scenario, 10**7, streamed=True)
    saved = engine.bytes_needed(scenario, 10**7, streamed=True, sink=True)
    chunk = 8 * 2**20 * len(scenario.axis.values) * len(scenario.outputs)
    assert saved - plain > chunk  # every coordinate of a chunk is held until it is written


def test_a_report_about_one_year_gives_that_years_outputs(invoke, priors_file, tmp_path):
    path = priors_file(
        "[scenario]\nname = 'one-year'\nmodels = ['inference']\nyear = 2027\n"
        "report = ['inference_cost_per_1k_tokens_usd']\n[assumptions]\n"
        "active_params = 1e9\npeak_flops_per_s = { fixed = 312, unit = 'TFLOP/s' }\n"
        "inference_mfu = { beta = [0.1, 0.3] }\n[assumptions.accelerator_hour_usd]\n"
        "lognormal = [1.5, 3.0]\nbase_year = 2025\ngrowth_per_year = -0.5\n"
    )
    out = tmp_path / "one.md"
    result = invoke("report", path, "--draws", "20000", "--sobol-samples", "256", "--out", out)
    assert result.exit_code == 0, result.stderr
    body = out.read_text()
    assert '*Year*: the figures until "In 2027" are for 2025' in body
    row = next(line for line in body.split("### In 2027")[1].splitlines() if "| `inference" in line)
    shown = json.loads(invoke("run", path, "--draws", "20000", "--format", "json").stdout)
    (year,) = shown["along"]
    median = year["outputs"]["inference_cost_per_1k_tokens_usd"]["p50"]
    headline = float(re.search(r"\$([0-9.e+-]+)/ktoken median", body)[1])
    cells = row.split("|")
    assert float(cells[3].strip().lstrip("$").split("/")[0]) == pytest.approx(median, rel=0.01)
    assert headline == pytest.approx(4 * median, rel=0.01)  # the headline is 2025's: ×(1−0.5)^2


def test_a_sweep_of_a_sampled_assumption_saves_streamed_over_several_chunks(invoke, priors_file):
    path = priors_file(
        "[scenario]\nname = 's'\nmodels = ['training']\n[assumptions]\n"
        "training_flops = 1e24\ntraining_mfu = { beta = [0.3, 0.5] }\n"
        "peak_flops_per_s = { fixed = 312, unit = 'TFLOP/s' }\n"
        "accelerator_hour_usd = { lognormal = [1.5, 3.0], unit = 'USD/hour' }\n"
        "[sweep]\ntraining_mfu = [0.3, 0.4, 0.5]\n"
    )
    saved = {}
    for statistics in ("exact", "streamed"):
        saved[statistics] = path.with_name(f"{statistics}.nc")
        result = invoke("run", path, "--draws", str(2 * 65_536 + 3), "--statistics", statistics,
                        "--chunk-size", "65536", "--out", saved[statistics], "-q")  # fmt: skip
        assert result.exit_code == 0, result.stderr
    with xr.open_dataset(saved["exact"]) as kept, xr.open_dataset(saved["streamed"]) as streamed:
        assert kept["training_mfu"].values.tolist() == [0.3, 0.4, 0.5]  # the coordinate
        assert set(kept.data_vars) == set(streamed.data_vars) == {
            "accelerator_hour_usd", "accelerator_hours", "training_cost_usd",
        }  # fmt: skip
        for name in kept.data_vars:
            np.testing.assert_array_equal(kept[name].values, streamed[name].values)
        hours = kept["accelerator_hours"].values[0]
        np.testing.assert_allclose(hours[:, 0] * 0.3, hours[:, 2] * 0.5, rtol=1e-12)
