"""Impossible inputs are refused by key: every model input has a domain (positive, zero or
more, a share, at least 1), checked against what a file or --set declares."""

from __future__ import annotations

import numpy as np
import pytest

import simulate
from simulate.core.errors import PriorsError
from simulate.models import MODELS
from simulate.models.base import DOMAINS
from tests.conftest import PRIORS

TRAINING = PRIORS / "gpt3-training.toml"
SEARCH = PRIORS / "search-two-stage.toml"


def test_every_model_input_declares_its_domain():
    undeclared = {
        (m.name, p.name)
        for m in MODELS.values()
        for p in (*m.inputs, *m.optional)
        if p.domain is None
    }
    # a value decline may be negative (hardware that gains value); the precision is a choice
    assert undeclared == {
        ("owned_cluster", "value_decline_per_year"),
        ("serving", "compute_precision_bits"),
    }
    for model in MODELS.values():
        for port in (*model.inputs, *model.optional):
            assert port.domain is None or port.domain in DOMAINS


@pytest.mark.parametrize(
    ("path", "setting", "words"),
    [
        (TRAINING, "accelerator_hour_usd=-2.99", "must be positive"),
        (TRAINING, "accelerator_hour_usd=normal:[-1,5]", "use lognormal"),
        (TRAINING, "training_mfu=40", "did you mean 0.4? shares are fractions"),
        (TRAINING, "training_mfu=1.5", "a share above 0 and at most 1"),
        (TRAINING, "training_mfu=2", "a share above 0 and at most 1"),
        (TRAINING, "training_mfu=-1", "a share above 0 and at most 1"),
        (TRAINING, "training_mfu=0", "a share above 0 and at most 1"),
        (TRAINING, "params=-175e9", "must be positive"),
        (SEARCH, "prompt_words=-50", "derived.prompt_tokens: the base case gives -66.6"),
        (SEARCH, "gross_margin=2", "derived.cost_per_1k_tokens_usd: the base case gives -0.02"),
        (SEARCH, "cache_hit_rate=1.5", "a share from 0 to 1"),
        (SEARCH, "results_per_query=0", "at least 1"),
    ],
)
def test_an_impossible_value_set_on_the_command_line_is_refused(invoke, path, setting, words):
    result = invoke("run", path, "--point", "--set", setting)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: --set: {setting}:"), result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_an_impossible_value_in_a_file_names_the_file_and_key(priors_file):
    text = """[scenario]
models = ["training"]
[assumptions]
params = { fixed = 30, unit = "Gparameter" }
training_tokens = { fixed = 3, unit = "Ttoken" }
peak_flops_per_s = { fixed = 989, unit = "TFLOP/s" }
training_mfu = 40
accelerator_hour_usd = { fixed = 2.99, unit = "USD/hour" }
"""
    with pytest.raises(PriorsError) as error:
        simulate.load(priors_file(text))
    assert error.value.key == "assumptions.training_mfu"
    assert "did you mean 0.4?" in error.value.message
    # 40 % said as a percentage is 0.40
    fine = simulate.load(
        priors_file(text.replace("training_mfu = 40", 'training_mfu = { fixed = 40, unit = "%" }'))
    )
    assert float(simulate.run_point(fine).outputs["training_cost_usd"]) > 0


def test_a_thin_tail_across_a_bound_is_a_belief_about_the_value_not_the_bound(priors_file):
    # a normal 60 sd above zero is not refused; one whose 90 % interval crosses zero is
    text = """[scenario]
models = ["inference"]
[assumptions]
active_params = { fixed = 70, unit = "Gparameter" }
peak_flops_per_s = { fixed = 989, unit = "TFLOP/s" }
inference_mfu = { beta = [0.3, 0.6] }
accelerator_hour_usd = { normal = { mean = 3.0, sd = 0.05 }, unit = "USD/hour" }
"""
    assert simulate.load(priors_file(text))
    wide = text.replace("{ mean = 3.0, sd = 0.05 }", "{ mean = 3.0, sd = 2.0 }")
    with pytest.raises(PriorsError, match=r"down to .* USD/hour .*must be positive"):
        simulate.load(priors_file(wide))
    truncated = wide.replace('unit = "USD/hour" }', 'unit = "USD/hour", min = 0 }')
    assert simulate.load(priors_file(truncated))


def test_a_name_set_twice_is_refused(invoke):
    result = invoke(
        "run", TRAINING, "--point", "--set", "training_mfu=0.3", "--set", "training_mfu=0.9"
    )
    assert result.exit_code == 2
    assert "training_mfu set more than once" in result.stderr


@pytest.mark.parametrize("statistics", ["exact", "streamed"])
def test_sampled_draws_of_a_derived_input_outside_its_domain_are_counted(invoke, statistics):
    # a margin above 100 % makes the provider's cost per token negative in those draws
    setting = "gross_margin=uniform:[0.5,1.2]"
    result = invoke("run", SEARCH, "-n", "20000", "--statistics", statistics, "--set", setting,
                    "--format", "json")  # fmt: skip
    assert result.exit_code == 0
    assert "model 'query' reads cost_per_1k_tokens_usd" in result.stderr
    if statistics == "exact":
        scenario = simulate.load(SEARCH, {"gross_margin": "uniform:[0.5,1.2]"})
        draws = simulate.run(scenario, 20000, seed=42)
        outside = int(np.count_nonzero(draws.outputs["cost_per_1k_tokens_usd"] < 0))
        assert 0.2 * 20000 < outside < 0.35 * 20000  # P(margin > 1) = 0.2 / 0.7 ≈ 29 %
        assert f"{outside:,} of 20,000 draws" in result.stderr
    else:
        assert "some draws" in result.stderr
    fine = invoke("run", SEARCH, "-n", "20000", "--statistics", statistics, "--format", "json")
    assert "reads cost_per_1k_tokens_usd" not in fine.stderr
