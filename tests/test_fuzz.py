"""Fuzzing: hostile priors files through the real CLI entry point.

Every generated file must end in exit 0 with valid output, or exit 2 with a message that names
the file (and a key or option) — never a traceback, an exit 1 or a hang. The files mix valid
declarations with wrong types, extreme numbers, deep nesting, unicode and dunder names,
expression injection, include loops and traversal, special files and broken TOML.

1,000 cases per run (``SIMULATE_FUZZ_CASES`` to change), in-process through click's runner. The
seed is printed and taken from ``SIMULATE_FUZZ_SEED`` when set, so a failure replays with
``SIMULATE_FUZZ_SEED=<seed> pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from simulate.cli.app import cli

CASES = int(os.environ.get("SIMULATE_FUZZ_CASES", "1000"))
SEED = int(os.environ.get("SIMULATE_FUZZ_SEED", str(random.SystemRandom().randrange(2**32))))
TIME_LIMIT_S = 10.0

FAMILIES = [
    "fixed", "uniform", "loguniform", "normal", "lognormal", "beta", "pert", "triangular",
    "choice", "empirical", "gamma", "__class__",
]  # fmt: skip
MODELS = ["training", "inference", "query", "memory", "scaling", "api_workload", "nope"]
VOCABULARY = [
    "params", "training_tokens", "peak_flops_per_s", "training_mfu", "accelerator_hour_usd",
    "active_params", "inference_mfu", "cost_per_1k_tokens_usd", "loss_a", "n_accelerators",
]  # fmt: skip
UNITS = [
    "USD", "USD/hour", "USD/Mtoken", "TFLOP/s", "TFLOP/s/s", "GiB", "token", "parameter", "1",
    "", "%", "degC", "furlong", "USD**2", "hour**1000", "kUSD/year", "B/parameter", "1/0",
    "__import__('os')", "ñ",
]  # fmt: skip
NUMBERS = [
    "0", "1", "-1", "0.5", "1e308", "-1e308", "1e-320", "nan", "inf", "-inf", "9" * 400,
    "0.9999999999999999", "1e-300", "3", "175e9", "2.03", "true", '"1"', "[]", "{}",
]  # fmt: skip
EXPRESSIONS = [
    "x + y", "x * y / 2", "log(x)", "exp(x) ** y", "where(x > 0, x, y)", "clip(x, 0, 1)",
    "x ** y", "sqrt(x) ** 2", "x + 1", "maximum(x, y)", "__import__('os').system('true')",
    "x.__class__", "().__class__.__bases__", "lambda: 1", "x if y else 1", "x[0]",
    "open('/etc/passwd')", "eval('1')", "'a' * 10", "1 +", "(((((x)))))", "x ** 1e308",
    "-" * 990 + "1", "+".join(["1"] * 1000), "x < y < 1", "params * training_tokens",
    "training_cost_usd / params", "x * " + "9" * 400, "1" + "0" * 309 + " * x",
]  # fmt: skip
NAMES = [
    "x", "y", "z", "draw", "log", "__class__", "Über", "x\u200b", "a" * 300, "1x",
    *VOCABULARY,
]  # fmt: skip
INCLUDES = [
    "/etc/passwd", "/proc/self/environ", "../../../../etc/hosts.toml", "self.toml",
    "other.toml", "missing.toml", "fifo.toml", "x" * 5000 + ".toml", "", "dir.toml",
    "link.toml", "here/here/here/self.toml",
]  # fmt: skip


def _quote(text: str) -> str:
    return json.dumps(text)  # a TOML basic string is a JSON string for these characters


def hostile_assumption(rnd: random.Random) -> str:
    """A declaration with wrong types, extreme numbers, odd names or nesting."""
    name = rnd.choice(NAMES)
    if rnd.random() < 0.3:
        return f"{_quote(name)} = {rnd.choice(NUMBERS)}"
    family = rnd.choice(FAMILIES)
    numbers = [rnd.choice(NUMBERS[:14]) for _ in range(rnd.randint(0, 4))]
    shape = rnd.choice(["list", "table", "scalar", "nested"])
    if shape == "list":
        value = "[" + ", ".join(numbers) + "]"
    elif shape == "table":
        keys = rnd.sample(["mean", "sd", "mu", "sigma", "a", "b", "values", "weights", "x"], 2)
        value = "{ " + ", ".join(f"{k} = {rnd.choice(NUMBERS)}" for k in keys) + " }"
    elif shape == "nested":
        depth = rnd.choice([2, 50, 900])
        value = "[" * depth + "1" + "]" * depth
    else:
        value = rnd.choice(NUMBERS)
    options = [f"{family} = {value}"]
    for option in ("unit", "point", "min", "max", "interval", "source", "descrption"):
        if rnd.random() < 0.25:
            if option == "unit":
                options.append(f"unit = {_quote(rnd.choice(UNITS))}")
            elif option in ("source", "descrption"):
                options.append(f"{option} = {rnd.choice(['1', _quote('ok')])}")
            else:
                options.append(f"{option} = {rnd.choice(NUMBERS)}")
    return f"{_quote(name)} = {{ {', '.join(options)} }}"


VALID = [
    "fixed = 3", "uniform = [1, 4]", "lognormal = [1, 10]", "beta = [0.2, 0.6]",
    "pert = [1, 2, 5]", "triangular = [0, 1, 2]", "normal = { mean = 5, sd = 1 }",
    "choice = { values = [1, 2, 4], weights = [1, 1, 2] }", "empirical = [1, 2, 3]",
    "loguniform = [0.1, 10]", "normal = [1, 3], min = 0", "lognormal = [1, 9], interval = 0.8",
]  # fmt: skip
VALID_UNITS = ["1", "USD", "USD/hour", "USD/month", "hour", "token", "kUSD", "GiB"]


def valid_assumption(rnd: random.Random) -> str:
    """A declaration that loads (the fuzz cases need files that get as far as a run)."""
    body = rnd.choice(VALID)
    if not body.startswith("beta"):
        body += f", unit = {_quote(rnd.choice(VALID_UNITS))}"
    return f"{rnd.choice(['x', 'y', 'z', 'w'])} = {{ {body} }}"


def priors_text(rnd: random.Random) -> str:
    """One priors file: well formed (about 4 in 10), or with hostile parts mixed in."""
    rate = 0.0 if rnd.random() < 0.4 else 1.0  # how often a hostile part comes in

    def hostile(probability: float) -> bool:
        return rnd.random() < probability * rate

    lines = []
    if not hostile(0.05):
        lines.append("[scenario]")
        if hostile(0.1):
            lines.append(f"name = {_quote(rnd.choice(['ok', 'a' * 10_000, '../x', '']))}")
        if hostile(0.2):
            models = rnd.sample(MODELS, rnd.randint(0, 2))
            lines.append(f"models = {json.dumps(models)}")
        if hostile(0.15):
            lines.append(f"include = {json.dumps(rnd.sample(INCLUDES, rnd.randint(0, 2)))}")
        if hostile(0.1):
            version = rnd.choice(["1", "2", "true", "1.0", '"1"'])
            lines.append(f"format = {version}")
        if hostile(0.15):
            threshold = rnd.choice(["x>1", "x>y", "nope>1", "x>>1", "x>" + "9" * 400])
            lines.append(f"thresholds = [{_quote(threshold)}]")
    lines.append("[assumptions]")
    declared: dict[str, str] = {}
    for _ in range(rnd.randint(1, 6)):
        line = hostile_assumption(rnd) if hostile(0.25) else valid_assumption(rnd)
        declared.setdefault(line.split(" = ")[0], line)
    lines += declared.values()
    if rnd.random() < 0.4:
        lines.append("[derived]")
        for name in rnd.sample(["d", "e", "x", "__x", *VOCABULARY[:3]], rnd.randint(1, 3)):
            expr = rnd.choice(EXPRESSIONS) if hostile(0.5) else rnd.choice(EXPRESSIONS[:4])
            unit = rnd.choice(UNITS[:8]) if hostile(0.3) else None
            entry = f"{{ expr = {_quote(expr)}, unit = {_quote(unit)} }}" if unit else _quote(expr)
            lines.append(f"{name} = {entry}")
    if rnd.random() < 0.2:
        lines.append("[correlations]")
        pair = rnd.choice(["x, y", "x, x", "x, nope", "x", "y, z"]) if hostile(0.5) else "x, y"
        lines.append(f"{_quote(pair)} = {rnd.choice(NUMBERS) if hostile(0.5) else '-0.3'}")
    if rnd.random() < 0.15:
        lines.append("[joint.j]")
        if rnd.random() < 0.5:
            table = rnd.choice(["bad.csv", "no.csv", "fifo.csv"]) if hostile(0.5) else "t.csv"
            lines.append(f"table = {_quote(table)}")
        else:
            lines.append('names = ["p", "q"]')
            cov = (
                rnd.choice(["[[1, 2], [2, 1]]", "[[1]]", "1"])
                if hostile(0.5)
                else "[[1, 0.5], [0.5, 1]]"
            )
            lines.append(f"multivariate_normal = {{ mean = [0, 0], covariance = {cov} }}")
    text = "\n".join(lines) + "\n"
    if hostile(0.05):  # broken TOML: cut it anywhere
        text = text[: rnd.randint(0, len(text))]
    return text


def _folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="simulate-fuzz-"))
    (folder / "other.toml").write_text(
        '[scenario]\ninclude = ["self.toml"]\n[assumptions]\nx = 1\n'
    )
    (folder / "t.csv").write_text("x,y\n1,2\n3,4\n")
    (folder / "bad.csv").write_text("x,y\n1\nzz,4\n")
    (folder / "dir.toml").mkdir()
    (folder / "link.toml").symlink_to("self.toml")  # a loop through a symbolic link
    (folder / "here").symlink_to(".")  # here/here/here/self.toml is self.toml
    os.mkfifo(folder / "fifo.toml")
    os.mkfifo(folder / "fifo.csv")
    return folder


RUNNER = CliRunner()


def _invoke(*args: str) -> tuple[int, str, str]:
    started = time.perf_counter()
    result = RUNNER.invoke(cli, list(args), catch_exceptions=True)
    elapsed = time.perf_counter() - started
    assert elapsed < TIME_LIMIT_S, f"simulate {' '.join(args)[:200]} took {elapsed:.1f} s"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"uncaught {type(result.exception).__name__}: {result.exception}")
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.slow
def test_hostile_priors_files_exit_0_or_2_naming_the_file():
    print(f"fuzz seed {SEED} ({CASES} cases): replay with SIMULATE_FUZZ_SEED={SEED}")
    folder = _folder()
    outcomes: dict[str, int] = {}

    @seed(SEED)
    @settings(
        max_examples=CASES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(rnd=st.randoms(use_true_random=False))
    def case(rnd: random.Random) -> None:
        text = priors_text(rnd)
        path = folder / "self.toml"
        path.write_text(text, encoding="utf-8")
        code, out, err = _invoke("check", str(path), "--format", "json")
        context = f"seed {SEED}, file:\n{text[:2000]}\nstderr: {err[:500]}"
        outcomes[f"check {code}"] = outcomes.get(f"check {code}", 0) + 1
        assert "Traceback" not in err, context
        assert code in (0, 2), context
        if code == 2:
            # names a file of this case (the one given, or one it includes) or an option
            assert err.startswith("error: ") and (str(folder) in err or "--" in err), context
            return
        json.loads(out)
        code, out, err = _invoke("run", str(path), "--draws", "300", "--format", "json")
        outcomes[f"run {code}"] = outcomes.get(f"run {code}", 0) + 1
        assert code in (0, 2), context + f"\nrun: {err[:500]}"
        if code == 0:
            json.loads(out, parse_constant=lambda c: pytest.fail(f"{c} in JSON; {context}"))
        else:
            assert err.startswith("error: "), context

    case()
    print("outcomes:", outcomes)
    assert sum(v for k, v in outcomes.items() if k.startswith("check")) >= CASES
    assert outcomes.get("run 0", 0) > CASES // 20  # enough files valid to reach a run
