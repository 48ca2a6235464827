"""Input that is merely extreme or hostile: exit 2 naming the file and the key, never exit 1.

Regression tests for the classes of the hardening issue that are fixed (one row per example).
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import PRIORS

HEAD = '[scenario]\nname = "hostile"\n'
BIG = "9" * 400  # a TOML integer no float can hold


@pytest.mark.parametrize(
    ("body", "key", "message"),
    [
        ("[assumptions]\nx = " + "[" * 900 + "]" * 900, None, "nested too deeply"),
        ("[assumptions]\nx = " + "{a = " * 900 + "1" + "}" * 900, None, "nested too deeply"),
        ('[derived]\nx = "' + "+".join(["1"] * 1000) + '"', "derived.x.expr", "levels deep"),
        ('[derived]\nx = "' + "-" * 990 + '1"', "derived.x.expr", "levels deep"),
        (f"[assumptions]\nx = {BIG}", "assumptions.x.fixed", "fits a float"),
        (f"[assumptions]\nx = {{ uniform = [1, {BIG}] }}", "assumptions.x.uniform", "fits a float"),
        (
            f"[assumptions]\nx = {{ uniform = [1, 2], point = {BIG} }}",
            "assumptions.x.point",
            "finite number",
        ),
        (
            f"[assumptions]\nx = {{ normal = [1, 2], max = {BIG} }}",
            "assumptions.x.max",
            "finite number",
        ),
        (
            "[assumptions]\nx = { lognormal = { mu = 1e308, sigma = 1 } }",
            "assumptions.x.mu",
            "beyond any float",
        ),
        (
            "[assumptions]\nx = { normal = [1, 2], interval = 1e-300 }",
            "assumptions.x.interval",
            "from 0.01 to 0.999",
        ),
        (
            "[assumptions]\nx = { lognormal = [1, 2], interval = 0.9999999999999999 }",
            "assumptions.x.interval",
            "from 0.01 to 0.999",
        ),
        (
            "[assumptions]\nx = { beta = [0.1, 0.2], interval = 1e-300 }",
            "assumptions.x.interval",
            "from 0.01 to 0.999",
        ),
        ('[assumptions]\nx = { fixed = 1, unit = ["USD"] }', "assumptions.x.unit", "as a string"),
        (
            "[assumptions]\nx = { choice = { values = [1, 2, 4] }, point = 3 }",
            "assumptions.x.point",
            "one of its values",
        ),
        (
            '[assumptions]\nx = 1\ny = 2\n[correlations]\n"x, y" = ' + BIG,
            "correlations.x, y",
            "rank correlation",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None,
)
def test_extreme_values_exit_2_naming_the_key(priors_file, invoke, body, key, message):
    result = invoke("check", priors_file(HEAD + body))
    assert result.exit_code == 2, result.stdout
    assert "Traceback" not in result.stderr
    assert "scenario.toml: " + (f"{key}: " if key else "") in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("", "scenario", "nothing to simulate"),
        ("   \n\n# only a comment\n", "scenario", "nothing to simulate"),
        ("[assumptions]\nx = 1\n", "scenario", "no [scenario] table"),
        ("[scenario]\nmodels = []\n", "scenario", "nothing to simulate"),
        ("[scenario]\nformat = true\n[assumptions]\nx = 1", "scenario.format", "format 1"),
        ("[scenario]\nformat = 1.0\n[assumptions]\nx = 1", "scenario.format", "format 1"),
        (
            f'[scenario]\nname = "{"a" * 10_000}"\n[assumptions]\nx = 1',
            "scenario.name",
            "up to 100",
        ),
    ],
)
def test_files_with_nothing_to_simulate_or_a_bad_header_are_refused(
    priors_file, invoke, text, key, message
):
    result = invoke("check", priors_file(text))
    assert result.exit_code == 2, result.stdout
    assert f"scenario.toml: {key}: " in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("include", "message"),
    [
        ("/etc/passwd", "only .toml priors files can be included"),
        ("/proc/self/environ", "only .toml priors files can be included"),
        ("x" * 5000 + ".toml", "too long"),
        ("broken.toml", "'broken.toml': TOML syntax error"),
        ("fifo.toml", "not found"),
    ],
)
def test_every_include_error_names_the_including_file_and_key(
    priors_file, invoke, tmp_path, include, message
):
    import os

    priors_file("[assumptions\nx = 1", "broken.toml")
    os.mkfifo(tmp_path / "fifo.toml")
    text = f'[scenario]\ninclude = ["{include}"]\n[assumptions]\ny = 1\n'
    result = invoke("check", priors_file(text))
    assert result.exit_code == 2
    assert "scenario.toml: scenario.include: " in result.stderr
    assert message in result.stderr


def test_a_long_chain_of_includes_is_refused_not_a_recursion_error(priors_file, invoke):
    for i in range(1200):
        priors_file(f'[scenario]\ninclude = ["c{i + 1}.toml"]\n', f"c{i}.toml")
    priors_file("[assumptions]\nx = 1\n", "c1200.toml")
    result = invoke("check", priors_file('[scenario]\ninclude = ["c0.toml"]\n[assumptions]\ny=1\n'))
    assert result.exit_code == 2
    assert "scenario.include: includes nest more than 16 files deep" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        # a run streams beyond 4,194,304 draws (bounded memory); kept, it cannot fit
        ("run", "priors/gpt3-training.toml", "--draws", "1e9", "--statistics", "exact"),
        ("run", "priors/gpt3-training.toml", "--draws", "1e15", "--statistics", "exact"),
        (
            "run",
            "priors/gpt3-training.toml",
            "--draws",
            "1e12",
            "--method",
            "lhs",
            "--statistics",
            "exact",
        ),
        (
            "compare",
            "priors/gpt3-training-owned-v100.toml",
            "priors/gpt3-training-owned-h100.toml",
            "-o",
            "training_cost_usd",
            "--draws",
            "1e9",
        ),
        ("sensitivity", "priors/search-two-stage.toml", "-o", "query_cost_usd", "--draws", "2e9"),
        ("report", "priors/search-two-stage.toml", "--draws", "1e10"),
        ("report", "priors/search-two-stage.toml", "--sobol-samples", "1e10"),
    ],
)
def test_runs_too_large_for_memory_are_refused_up_front(invoke, monkeypatch, args):
    from simulate.core import engine
    from tests.conftest import ROOT

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(engine, "bytes_available", lambda: 24 * 2**30)  # this machine's size
    result = invoke(*args)
    assert result.exit_code == 2
    option = "--sobol-samples" if "--sobol-samples" in args else "--draws"
    assert f"error: {option}: " in result.stderr
    assert "GiB of memory" in result.stderr and "24.0 GiB is available" in result.stderr


def test_the_memory_estimate_grows_with_kept_draws_only(monkeypatch):
    import simulate
    from simulate.core import engine
    from tests.conftest import PRIORS

    monkeypatch.setattr(engine, "default_workers", lambda: 2)
    scenario = simulate.load(PRIORS / "gpt3-training.toml")
    # 2 sampled assumptions and 4 outputs, 8 bytes each, plus a sort copy per worker
    per_draw = (
        engine.bytes_needed(scenario, 2 * 10**8) - engine.bytes_needed(scenario, 10**8)
    ) / 10**8
    assert per_draw == 8 * (6 + 2)
    # Latin hypercube strata come from a keyed bijection: no permutation of all draws
    lhs = engine.bytes_needed(scenario, 2 * 10**8, "lhs") - engine.bytes_needed(
        scenario, 10**8, "lhs"
    )
    assert lhs / 10**8 == per_draw
    # a streamed run needs the same memory for a million draws as for a trillion
    streamed = [engine.bytes_needed(scenario, n, streamed=True) for n in (10**7, 10**12)]
    assert streamed[0] == streamed[1] < 2**30


def test_more_draws_than_the_contract_allows_is_a_clear_error(invoke):
    result = invoke("run", "priors/gpt3-training.toml", "--draws", "99999999999999999999999")
    assert result.exit_code == 2 and "at most 1e15" in result.stderr


@pytest.mark.parametrize("command", ["run", "sensitivity"])
def test_values_near_the_float_limit_still_give_strict_json(priors_file, invoke, command):
    import json

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    text = HEAD + '[assumptions]\nx = { uniform = [1, 1e308] }\n[derived]\ny = "x * 10"\n'
    args = ["--draws", "1000", "--format", "json"]
    if command == "sensitivity":
        args += ["-o", "y", "--method", "tornado"]
    result = invoke(command, priors_file(text), *args)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout, parse_constant=refuse)
    if command == "run":
        entry = data["outputs"]["y"]
        # the finite draws are uniform on [10, 1.8e308]: their mean and sd are floats even
        # though their sum is not, so both are computed (on scaled values)
        assert entry["mean"] == pytest.approx(1.797e308 / 2, rel=0.1)
        assert entry["sd"] == pytest.approx(1.797e308 / 12**0.5, rel=0.1)
        assert "overflow" not in entry
        assert entry["nonfinite"] > 0 and entry["p5"] > 1e306
        assert "is not finite" in result.stderr and "RuntimeWarning" not in result.stderr
    else:
        assert data["tornado"][0]["high"] is None  # 10 × 9e307 is not a float


def _out_cases(folder, suffix):
    import os

    folder.mkdir()
    (folder / "a-file").write_text("x")
    os.mkfifo(folder / f"fifo{suffix}")
    (folder / f"dir{suffix}").mkdir()
    return [
        (folder / "a-file" / f"x{suffix}", "is a file, so it cannot hold"),
        ("", "expected a path ending in"),
        (folder / ("a" * 300 + suffix), "longer than"),
        (folder / f"fifo{suffix}", "not a regular file"),
        (folder / f"dir{suffix}", "is a directory"),
        (f"/proc/x{suffix}", f"cannot write /proc/x{suffix}"),
    ]


@pytest.mark.parametrize("command", ["run", "sensitivity", "report"])
def test_unusable_out_paths_exit_2_naming_out(invoke, tmp_path, command):
    from tests.conftest import PRIORS

    scenario = PRIORS / "gpt3-training.toml"
    suffix = ".md" if command == "report" else ".json"
    folder = tmp_path / "out"
    for out, message in _out_cases(folder, suffix):
        if command == "report":
            args = ("report", scenario, "--draws", "1000", "--sobol-samples", "64", "--out", out)
        elif command == "sensitivity":
            args = ("sensitivity", scenario, "-o", "training_cost_usd", "--method", "tornado")
            args += ("--out", out)
        else:
            args = ("run", scenario, "--draws", "1000", "--out", out)
        result = invoke(*args)
        assert result.exit_code == 2, (out, result.stderr)
        assert "--out" in result.stderr and message in result.stderr, (out, result.stderr)
    # nothing was written beside them
    assert sorted(p.name for p in folder.iterdir()) == ["a-file", f"dir{suffix}", f"fifo{suffix}"]


def test_sobol_sample_sizes_too_small_for_the_estimator_are_refused(invoke):
    from tests.conftest import PRIORS

    scenario = PRIORS / "search-two-stage.toml"
    result = invoke("sensitivity", scenario, "-o", "query_cost_usd", "--method", "sobol",
                    "--draws", "1")  # fmt: skip
    assert result.exit_code == 2 and "--draws: Sobol indices need at least 64" in result.stderr
    result = invoke("report", scenario, "--sobol-samples", "3", "--out", "never.md")
    assert result.exit_code == 2 and "--sobol-samples: " in result.stderr


def test_an_index_outside_0_1_beyond_its_interval_is_flagged_not_reported_as_a_finding():
    from simulate.analysis.summary import SobolIndices

    indices = SobolIndices(
        S1={"a": 1.399, "b": 0.2, "c": -0.03},
        ST={"a": 1.01, "b": 0.3, "c": 0.01},
        S1_conf={"a": 0.1, "b": 0.05, "c": 0.05},
        ST_conf={"a": 0.02, "b": 0.05, "c": 0.01},
    )
    assert indices.out_of_range() == ["S1 of a = 1.4"]


@pytest.mark.parametrize(
    "args",
    [
        ("run", "priors/search-two-stage.toml", "--draws", "5000", "--format", "json"),
        ("run", "priors/search-two-stage.toml", "--draws", "4096", "--method", "sobol",
         "--format", "json"),
        ("compare", "priors/search-two-stage.toml", "priors/search-chatgpt-equivalent.toml",
         "-o", "query_cost_usd", "--draws", "5000", "--format", "json"),
        ("sensitivity", "priors/search-two-stage.toml", "-o", "query_cost_usd", "--draws", "256",
         "--format", "json"),
    ],
)  # fmt: skip
def test_seed_0_repeats_in_every_command(invoke, monkeypatch, args):
    from tests.conftest import ROOT

    monkeypatch.chdir(ROOT)
    first, again = (invoke(*args, "--seed", "0") for _ in range(2))
    assert first.exit_code == 0, first.stderr
    assert first.stdout == again.stdout
    assert first.stdout != invoke(*args, "--seed", "1").stdout


def test_seed_0_repeats_in_report(invoke, tmp_path):
    from tests.conftest import PRIORS

    texts = []
    for name in ("a", "b"):
        out = tmp_path / name / "r.md"
        args = ("report", PRIORS / "search-two-stage.toml", "--draws", "5000", "--seed", "0")
        result = invoke(*args, "--sobol-samples", "128", "--out", out)
        assert result.exit_code == 0, result.stderr
        texts.append(out.read_text().replace(str(out), "OUT"))
    assert texts[0] == texts[1]


def test_an_integer_literal_beyond_a_float_is_exit_2_naming_the_key(priors_file, invoke):
    path = priors_file(
        '[scenario]\nname = "big"\n[assumptions]\nx = { fixed = 2, source = "s" }\n'
        f'[derived]\ny = "x * 1{"0" * 400}"\n'
    )
    result = invoke("check", path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}: derived.y")
    assert "401 digits) is beyond what a float holds" in result.stderr


def test_a_reader_that_stops_early_is_not_an_error_and_the_file_is_still_written(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "run.json"
    process = subprocess.Popen(
        [sys.executable, "-c", "from simulate.launch import main; main()", "run",
         str(PRIORS / "gpt3-training.toml"), "--draws", "2e4", "--out", str(out), "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0, stderr
    assert stderr == ""
    assert json.loads(out.read_text())["draws"] == 20000


def test_more_workers_than_quantities_do_not_multiply_the_memory_estimate():
    import simulate
    from simulate.core import engine

    scenario = simulate.load(PRIORS / "gpt3-training.toml")
    many = engine.bytes_needed(scenario, 10**6, workers=100_000)
    two = engine.bytes_needed(scenario, 10**6, workers=2)
    assert many < 2 * two


def test_the_library_refuses_a_run_too_large_for_memory_as_the_command_line_does(monkeypatch):
    import simulate
    from simulate.core import engine

    monkeypatch.setattr(engine, "bytes_available", lambda: 24 * 2**30)
    scenario = simulate.load(PRIORS / "gpt3-training.toml")
    with pytest.raises(simulate.RunRefused) as refused:
        simulate.run(scenario, 10**11, seed=1)
    assert refused.value.parameter == "draws" and "GiB of memory" in refused.value.message
    assert "24.0 GiB is available" in refused.value.message
    # streamed, the same draws fit: the memory no longer grows with them
    streamed = simulate.stream(scenario, 10**6, seed=1, workers=1)
    assert streamed.draws == 10**6
    small = simulate.run(scenario, 1000, seed=1)
    assert small.draws == 1000  # and a run that fits is the engine's, unchanged
    assert (
        small.outputs["training_cost_usd"]
        == engine.run(scenario, 1000, seed=1).outputs["training_cost_usd"]
    ).all()
