"""Scale: `simulate run` against numpy, squigglepy and monaco, 1e5 to 1e8 draws (1e9 opt-in).

The same 5-input model (benchmarks/query-cost.toml) written four ways, each timed as a whole
process (interpreter start-up and imports included) and measured for the peak memory of that
process:
  simulate        `simulate run query-cost.toml --draws N --format json --quiet`, with
                  `--workers 1` and `--workers 2` (the 2-over-1 speed-up)
  numpy           hand-written numpy (bench_run.py's hand_written): 7 quantities, each sorted once,
                  mean, sd, percentiles 5/25/50/75/95; without and with the 90 % HDI
  squigglepy      squigglepy 0.30 as in bench_squigglepy.py (summary of the cost only)
  monaco          monaco 0.23: a monaco.Sim, scipy.stats inputs, single-threaded, one Python call
                  per case (summary of the cost only)
simulate and numpy run in this project's environment; squigglepy and monaco are not project
dependencies and run in their own, made once with

    python3 -m venv benchmarks/.venv-competitors && benchmarks/.venv-competitors/bin/pip install -r benchmarks/requirements-competitors.txt

Usage:
    .venv/bin/python benchmarks/bench_scale.py                 # 1e5 1e6 1e7 1e8
    .venv/bin/python benchmarks/bench_scale.py --billion       # and simulate alone at 1e9
    .venv/bin/python benchmarks/bench_scale.py --sizes 1e5,1e6 --repeat 3

Each measured run is its own process started by a small wrapper, which times it and reads its
peak resident memory from getrusage(RUSAGE_CHILDREN).ru_maxrss, so the peak is that run's own.
A run projected (from the tool's previous sizes) to take longer than --budget seconds, or more
memory than the machine has free, is skipped with the reason printed; one that overruns twice
the budget is stopped. Prints a Markdown table, the ratios, and the median cost of every tool at
the largest size they all ran (they should agree to ~1 %). Quote the ratios, not the seconds:
the machine is shared and noisy.
"""  # noqa: E501 (the setup command above is kept on one line, to copy and paste)

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "query-cost.toml"
COMPETITORS = HERE / "competitors.py"
DEFAULT_COMPETITORS_PYTHON = HERE / ".venv-competitors" / "bin" / "python"
SETUP = (
    "python3 -m venv benchmarks/.venv-competitors && "
    "benchmarks/.venv-competitors/bin/pip install -r benchmarks/requirements-competitors.txt"
)
BIG = 10_000_000  # from this size on, --repeat-big applies
BILLION = 1_000_000_000
KEYS = ("simulate", "simulate2", "numpy", "numpy-hdi", "squigglepy", "monaco")

# Runs the command in argv[2:] with a timeout of argv[1] seconds; prints one JSON line with its
# exit code, wall time, peak RSS (bytes) and output. RUSAGE_CHILDREN covers the one child waited
# for (and whatever it waited for), so a fresh wrapper per run gives that run's own peak.
WRAPPER = """\
import json, resource, subprocess, sys, time
started = time.perf_counter()
try:
    done = subprocess.run(sys.argv[2:], capture_output=True, text=True, timeout=float(sys.argv[1]))
    rc, out, err = done.returncode, done.stdout, done.stderr
except subprocess.TimeoutExpired:
    rc, out, err = None, "", ""
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
peak *= 1 if sys.platform == "darwin" else 1024
json.dump({"rc": rc, "seconds": seconds, "peak": peak, "stdout": out, "stderr": err}, sys.stdout)
"""


@dataclass
class Tool:
    key: str
    label: str
    python: str | None  # None: runs the simulate command, not a competitors.py tool
    workers: int = 1
    unavailable: str | None = None  # why it cannot run at all
    results: dict[int, Result] = field(default_factory=dict)
    skipped: dict[int, str] = field(default_factory=dict)


@dataclass
class Result:
    seconds: float
    peak: int  # bytes
    median: float


def parse_size(text: str) -> int:
    value = float(text.replace("_", ""))
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"not a whole number of draws: {text}")
    return int(value)


def fmt_size(n: int) -> str:
    exponent = math.log10(n)
    return f"1e{int(exponent)}" if exponent == int(exponent) else f"{n:,}"


def model_params() -> dict[str, list[float]]:
    """Distribution parameters of query-cost.toml, solved with the project's own code."""
    from bench_run import beta_params, lognormal_params

    assumptions = tomllib.loads(SCENARIO.read_text(encoding="utf-8"))["assumptions"]

    def interval(name: str, kind: str) -> tuple[float, float]:
        lo, hi = assumptions[name][kind]
        return float(lo), float(hi)

    return {
        "prompt": list(lognormal_params(*interval("prompt_tokens", "lognormal"))),
        "output": list(lognormal_params(*interval("output_tokens", "lognormal"))),
        "price": list(interval("api_price_per_1k_tokens_usd", "uniform")),
        "margin": list(beta_params(*interval("gross_margin", "beta"))),
        "cache": list(beta_params(*interval("cache_hit_rate", "beta"))),
    }


def self_check(params: dict[str, list[float]]) -> None:
    """competitors.hand_written must be bench_run.hand_written: same draws, same summary."""
    import bench_run
    import competitors

    ours = competitors.hand_written(10_000, 1, params, hdi=True)
    reference = bench_run.hand_written(10_000, 1)
    for name, summary in reference.items():
        mine = ours[name]
        same = all(math.isclose(mine[k], summary[k], rel_tol=1e-12) for k in ("mean", "p50"))
        same = same and mine["hdi_90"] == list(summary["hdi"])
        if not same:
            sys.exit(f"competitors.hand_written differs from bench_run.hand_written on {name}")


def command(tool: Tool, draws: int, seed: int, simulate: str, params: str) -> list[str]:
    if tool.python is None:
        return [
            simulate,
            "run",
            str(SCENARIO),
            "--draws",
            str(draws),
            "--seed",
            str(seed),
            "--format",
            "json",
            "--quiet",
            "--workers",
            str(tool.workers),
        ]
    return [
        tool.python,
        str(COMPETITORS),
        tool.key,
        "--draws",
        str(draws),
        "--seed",
        str(seed),
        "--params",
        params,
    ]


def median_of(tool: Tool, stdout: str) -> float:
    summary = json.loads(stdout)
    if tool.python is None:
        return float(summary["outputs"]["query_cost_usd"]["p50"])
    return float(summary["cost"]["p50"])


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def measure(
    tool: Tool, draws: int, repeat: int, timeout: float, args: argparse.Namespace, params: str
) -> Result | str:
    """Best wall time and highest peak of ``repeat`` fresh runs, or why there is none."""
    argv = command(tool, draws, args.seed, args.simulate, params)
    best: Result | None = None
    for _ in range(repeat):
        wrapped = subprocess.run(
            [sys.executable, "-c", WRAPPER, str(timeout), *argv], capture_output=True, text=True
        )
        if wrapped.returncode != 0:
            return f"could not be started: {last_line(wrapped.stderr)}"
        run = json.loads(wrapped.stdout)
        if run["rc"] is None:
            return f"stopped after {timeout:,.0f} s (twice --budget)"
        if run["rc"] != 0:
            return f"failed (exit {run['rc']}): {last_line(run['stderr'])}"
        result = Result(run["seconds"], run["peak"], median_of(tool, run["stdout"]))
        if best is None:
            best = result
        else:
            best = Result(
                min(best.seconds, result.seconds), max(best.peak, result.peak), best.median
            )
    assert best is not None
    return best


def project(points: list[tuple[int, float]], draws: int) -> float:
    """Linear in the draws through the last two points (through the origin with only one)."""
    (n2, y2) = points[-1]
    if len(points) == 1:
        return y2 * draws / n2
    (n1, y1) = points[-2]
    slope = max((y2 - y1) / (n2 - n1), 0.0)
    return y2 + slope * (draws - n2)


def why_skip(tool: Tool, draws: int, budget: float) -> str | None:
    """A reason not to start this run: projected too slow, or too big for the free memory."""
    earlier = [n for n in tool.skipped if n < draws]
    if earlier:
        return f"no run at {fmt_size(max(earlier))} already"
    done = sorted(tool.results.items())
    if not done:
        return None
    seconds = project([(n, r.seconds) for n, r in done], draws)
    if seconds > budget:
        last = done[-1]
        rate = last[1].seconds / last[0] * 1e9
        return (
            f"projected {seconds:,.0f} s > --budget {budget:,.0f} s "
            f"(from {rate:,.0f} ns/scenario at {fmt_size(last[0])})"
        )
    from simulate.core.engine import bytes_available  # the estimate the CLI itself uses

    available = bytes_available()
    # simulate refuses on its own, before allocating, a run that would not fit (and says so)
    if tool.python is not None and available is not None:
        peak = project([(n, float(r.peak)) for n, r in done], draws)
        if peak > 0.8 * available:
            return (
                f"projected peak memory {peak / 2**30:,.1f} GiB > 80 % of the "
                f"{available / 2**30:,.1f} GiB available"
            )
    return None


def probe(python: str, module: str) -> str | None:
    """The module's version in that Python, or None if it cannot be imported."""
    code = f"import importlib.metadata as m, {module}; print(m.version({module!r}))"
    done = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def tools_for(args: argparse.Namespace) -> list[Tool]:
    here = sys.executable
    tools = [
        Tool("simulate", "simulate run --workers 1", None, workers=1),
        Tool("simulate2", "simulate run --workers 2", None, workers=2),
        Tool("numpy", "numpy, no HDI", here),
        Tool("numpy-hdi", "numpy + 90 % HDI", here),
        Tool("squigglepy", "squigglepy", args.competitors_python),
        Tool("monaco", "monaco (single-threaded)", args.competitors_python),
    ]
    for tool in tools[4:]:
        if args.competitors_python is None:
            tool.unavailable = f"no competitors environment: {SETUP}"
            continue
        version = probe(args.competitors_python, tool.key)
        if version is None:
            tool.unavailable = f"{tool.key} not importable by {args.competitors_python}"
        else:
            tool.label += f" {version}"
    return tools


def cell(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def ratio(a: Result | None, b: Result | None) -> float | None:
    return None if a is None or b is None else a.seconds / b.seconds


def report(tools: list[Tool], sizes: list[int], billion: bool) -> None:
    by_key = {t.key: t for t in tools}
    print("\n| tool | draws | wall (s) | peak memory (MiB) | ns/scenario | median cost (USD) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    all_sizes = [*sizes, BILLION] if billion else sizes
    for draws in all_sizes:
        for tool in tools:
            result = tool.results.get(draws)
            if result is not None:
                print(
                    f"| {tool.label} | {fmt_size(draws)} | {result.seconds:.3f} | "
                    f"{result.peak / 2**20:,.0f} | {result.seconds / draws * 1e9:,.1f} | "
                    f"{result.median:.6g} |"
                )
            elif draws in tool.skipped:
                why = tool.skipped[draws]
                print(f"| {tool.label} | {fmt_size(draws)} | skipped: {why} | | | |")

    print("\nRatios of wall time (> 1: the first is slower):\n")
    print(
        "| draws | simulate ÷ numpy | simulate ÷ numpy+HDI | squigglepy ÷ simulate "
        "| monaco ÷ simulate | simulate 2-worker speed-up (1 ÷ 2) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for draws in sizes:
        get = {k: by_key[k].results.get(draws) if k in by_key else None for k in KEYS}
        one = get["simulate"]
        values = [
            ratio(one, get["numpy"]),
            ratio(one, get["numpy-hdi"]),
            ratio(get["squigglepy"], one),
            ratio(get["monaco"], one),
            ratio(one, get["simulate2"]),
        ]
        print(f"| {fmt_size(draws)} | " + " | ".join(cell(v, ".2f") for v in values) + " |")

    if billion and "simulate" in by_key:
        sim = by_key["simulate"]
        top, ref = sim.results.get(BILLION), sim.results.get(BIG)
        print()
        if top is None:
            why = sim.skipped.get(BILLION, "not run")
            print(f"simulate at 1e9: no result ({why})")
        else:
            print(f"simulate at 1e9: {top.seconds:,.1f} s, peak memory {top.peak / 2**30:.2f} GiB")
            if ref is not None:
                per = (top.seconds / BILLION) / (ref.seconds / BIG)
                print(f"ns/scenario at 1e9 ÷ ns/scenario at 1e7: {per:.2f}  (1 = linear)")

    ran = [t for t in tools if t.results]
    common = [n for n in sizes if all(n in t.results for t in ran)]
    if not common:
        print("\nno size ran for every tool: no cross-check of the medians")
        return
    draws = common[-1]
    reference = next((t for t in ran if t.key == "simulate"), ran[0]).results[draws]
    print(f"\nMedian cost at {fmt_size(draws)} draws, the largest size every tool ran:")
    for tool in ran:
        median = tool.results[draws].median
        off = median / reference.median - 1
        flag = "" if abs(off) <= 0.01 else "   <-- more than 1 % off"
        print(f"  {tool.label:<40} {median:.6g} USD  ({off:+.2%}){flag}")


def monaco_note(tools: list[Tool]) -> None:
    """What one monaco case costs, measured: why its sizes are capped."""
    monaco = next((t for t in tools if t.key == "monaco"), None)
    done = sorted(monaco.results.items()) if monaco else []
    if len(done) >= 2:
        (n1, r1), (n2, r2) = done[-2:]
        per_case = (r2.seconds - r1.seconds) / (n2 - n1) * 1e6
        memory = (r2.peak - r1.peak) / (n2 - n1) / 1024
        print(
            f"\nmonaco evaluates case by case in Python: about {per_case:.0f} µs and "
            f"{memory:.1f} KiB kept per case (from {fmt_size(n1)} to {fmt_size(n2)}); "
            "its larger sizes are skipped when projected past --budget or the free memory."
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=lambda s: [parse_size(x) for x in s.split(",")],
        default=[10**5, 10**6, 10**7, 10**8],
        help="comma-separated draws (default 1e5,1e6,1e7,1e8)",
    )
    parser.add_argument("--billion", action="store_true", help="also simulate alone at 1e9")
    parser.add_argument("--repeat", type=int, default=3, help="best of, below 1e7 (default 3)")
    parser.add_argument(
        "--repeat-big", type=int, default=1, help="best of, from 1e7 on (default 1)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--budget",
        type=float,
        default=600.0,
        help="skip a run projected to take longer, in seconds (default 600); stop one at twice",
    )
    parser.add_argument("--simulate", help="the simulate command (default: beside this Python)")
    parser.add_argument(
        "--competitors-python",
        help="Python of the squigglepy/monaco environment "
        "(default benchmarks/.venv-competitors/bin/python if it exists)",
    )
    parser.add_argument(
        "--tools",
        default=",".join(KEYS),
        help=f"comma-separated subset of {','.join(KEYS)} (default all)",
    )
    args = parser.parse_args()
    sizes = sorted(set(args.sizes))
    if args.simulate is None:
        beside = Path(sys.executable).with_name("simulate")
        args.simulate = str(beside) if beside.exists() else shutil.which("simulate")
    if args.simulate is None:
        sys.exit("no simulate command: run with the project's .venv/bin/python or --simulate")
    if args.competitors_python is None and DEFAULT_COMPETITORS_PYTHON.exists():
        args.competitors_python = str(DEFAULT_COMPETITORS_PYTHON)
    elif args.competitors_python is not None and not Path(args.competitors_python).exists():
        sys.exit(f"--competitors-python {args.competitors_python}: no such file")

    params = model_params()
    self_check(params)
    params_json = json.dumps(params)
    wanted = set(args.tools.split(","))
    if not wanted <= set(KEYS):
        sys.exit(f"--tools: unknown {', '.join(sorted(wanted - set(KEYS)))}")
    tools = [t for t in tools_for(args) if t.key in wanted]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"query-cost model, seed {args.seed}; {os.cpu_count()} CPUs, load average {load}")
    print(f"best of {args.repeat} below 1e7, of {args.repeat_big} from 1e7 on")
    for tool in (t for t in tools if t.unavailable):
        print(f"{tool.label}: skipped: {tool.unavailable}")

    plan = [(n, t) for n in sizes for t in tools if not t.unavailable]
    if args.billion:
        plan += [(BILLION, t) for t in tools if t.key == "simulate"]
    for draws, tool in plan:
        reason = why_skip(tool, draws, args.budget)
        if reason is None:
            repeat = args.repeat if draws < BIG else args.repeat_big
            print(f"  {tool.label} at {fmt_size(draws)} ...", end=" ", file=sys.stderr, flush=True)
            timeout = min(max(2 * args.budget, 60), 7 * 86400)
            outcome = measure(tool, draws, repeat, timeout, args, params_json)
            if isinstance(outcome, Result):
                tool.results[draws] = outcome
                print(f"{outcome.seconds:.2f} s", file=sys.stderr)
                continue
            reason = outcome
            print(reason, file=sys.stderr)
        tool.skipped[draws] = reason
        print(f"{tool.label} at {fmt_size(draws)}: skipped: {reason}")
    report(tools, sizes, args.billion)
    monaco_note(tools)


if __name__ == "__main__":
    main()
