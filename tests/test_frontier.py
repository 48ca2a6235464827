"""Frontier runs from public facts: nine scenarios, both costs, and the table that sums them up."""

from __future__ import annotations

import json

import numpy as np
import pytest

import simulate
from simulate.analysis.frontier import RUNS
from simulate.models.training import training
from tests.conftest import PRIORS, ROOT

FRONTIER = PRIORS / "frontier"


@pytest.mark.parametrize("run", RUNS, ids=[r.file for r in RUNS])
def test_every_run_gives_a_cloud_and_an_owned_cost_with_intervals(run):
    scenario = simulate.load(FRONTIER / run.file)
    assert set(scenario.report) == {"training_cost_usd", "owned_training_cost_usd"}
    summary = simulate.summarize(scenario, simulate.run(scenario, 50_000, seed=3), (5, 50, 95))
    for name in scenario.report:
        entry = summary.outputs[name]
        assert 0 < entry.percentile(5) < entry.percentile(50) < entry.percentile(95), name
    # owning is cheaper than renting at the median for every run (no cloud margin)
    assert summary.outputs["owned_training_cost_usd"].percentile(50) < summary.outputs[
        "training_cost_usd"
    ].percentile(50)
    for name, assumption in scenario.assumptions.items():
        assert assumption.source.strip(), f"{run.file}: {name}"
    mfu = simulate.run_point(scenario).outputs.get("implied_mfu")
    if mfu is not None:  # runs known by their hours: a plausible wall-clock MFU
        assert 0.15 < float(mfu) < 0.5


def test_the_point_values_follow_the_published_facts():
    point = {r.file: simulate.run_point(simulate.load(FRONTIER / r.file)) for r in RUNS}
    # LLaMA-65B: 1,022,362 GPU-hours at the 1-year AWS price $3.00
    assert point["llama-65b.toml"].outputs["training_cost_usd"] == pytest.approx(1_022_362 * 3.0)
    # PaLM: 6,144 × 1,200 + 3,072 × 336 chip-hours at $2.03; the implied MFU is 30.4 %
    palm = point["palm-540b.toml"].outputs
    assert point["palm-540b.toml"].inputs["accelerator_hours"] == 6144 * 1200 + 3072 * 336
    assert palm["training_cost_usd"] == pytest.approx(8_404_992 * 2.03)
    assert float(palm["implied_mfu"]) == pytest.approx(0.304, abs=0.001)
    # Gopher: 4,096 chips × 920 hours
    gopher = point["gopher-280b.toml"].outputs
    assert float(gopher["accelerator_hours"]) == pytest.approx(4096 * 920, rel=1e-4)
    # DeepSeek-V3: the report's own $5.576M at its assumed $2 per H800-hour
    assert point["deepseek-v3.toml"].outputs["training_cost_usd"] == pytest.approx(5.576e6)


def test_the_seed_figures_in_the_table_reproduce_from_their_own_assumptions():
    # PaLM $11.2M: 6·540e9·780e9 FLOPs at 46.2 % of 275 TFLOP/s, $2.03 per chip-hour
    palm = training(540e9, 780e9, 275e12, 0.462, 2.03)["training_cost_usd"]
    assert palm == pytest.approx(11.2e6, rel=0.005)
    # LLaMA-65B $4.05M = 2,048 A100 × 21 days × $3.93/h
    llama = training(
        peak_flops_per_s=312e12, accelerator_hour_usd=3.93, training_flops=5.48e23,
        n_accelerators=2048, training_days=21.0,
    )["training_cost_usd"]  # fmt: skip
    assert llama == pytest.approx(4.05e6, rel=0.005)
    seeds = {r.label: r.seed_usd for r in RUNS if r.seed_usd}
    assert seeds == {"GPT-3 175B": 1.4e6, "PaLM 540B": 11.2e6, "LLaMA-65B": 4.05e6}


def test_the_committed_frontier_table_regenerates(invoke, tmp_path):
    out = tmp_path / "frontier.md"
    result = invoke("frontier", "--priors", FRONTIER, "--out", out)
    assert result.exit_code == 0, result.stderr
    committed = (ROOT / "results" / "frontier.md").read_text()
    fresh = out.read_text().replace(str(out), "results/frontier.md")
    fresh = fresh.replace(str(FRONTIER), "priors/frontier")
    assert fresh == committed
    assert (tmp_path / "frontier.png").stat().st_size > 10_000
    rows = [line for line in committed.splitlines() if line.startswith("| ") and "$" in line]
    assert len(rows) == len(RUNS)
    trained = {r.file: simulate.load(FRONTIER / r.file).year for r in RUNS}
    for line, run in zip(rows, RUNS, strict=True):
        assert line.startswith(f"| {run.label} | {int(run.year)} | {trained[run.file]} |")
    # priced the year each run trained, not when it was published
    assert trained["gpt4.toml"] == 2022 and trained["llama-65b.toml"] == 2023


def test_the_combined_seed_case_is_0_008_a_query_and_17_percent_of_revenue(invoke):
    path = PRIORS / "search-two-stage-combined-seed.toml"
    point = json.loads(invoke("run", path, "--point", "--format", "json").stdout)["outputs"]
    # $0.0656 × 1/4 × 1/2 = $0.0082, over $100B / 2.1T = $0.0476 a search = 17.2 %
    assert point["combined_query_cost_usd"]["value"] == pytest.approx(0.0656 / 8, rel=0.002)
    assert point["combined_cost_share_of_revenue"]["value"] == pytest.approx(0.172, abs=0.001)
    scenario = simulate.load(path)
    draws = simulate.run(scenario, 100_000, seed=1).outputs["combined_query_cost_usd"]
    p5, p95 = np.percentile(draws, [5, 95])
    assert p5 < 0.0082 < p95 and p95 / p5 > 5  # widened honestly: the factors are round numbers
