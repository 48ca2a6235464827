"""`simulate run` against squigglepy for the same 5-input query-cost model and summary.

squigglepy is not a dependency of this project: run this file with a Python that has it, and
point it at the project's `simulate` command, e.g.

    python3 -m venv /tmp/sq && /tmp/sq/bin/pip install squigglepy==0.30
    /tmp/sq/bin/python benchmarks/bench_squigglepy.py --simulate .venv/bin/simulate

squigglepy is timed in-process (import excluded: in its favour); `simulate run` as a whole
process, start-up included. Both draw the model of benchmarks/query-cost.toml and give mean, sd
and five percentiles (squigglepy has no HDI; simulate also computes it). Quote the ratio.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

import numpy as np
import squigglepy as sq

SCENARIO = Path(__file__).resolve().parent / "query-cost.toml"
# the beta shapes whose 90 % intervals are [0.5, 0.85] and [0.1, 0.5]
# (what `simulate check benchmarks/query-cost.toml` solves them to)
MARGIN_AB = (12.3218, 5.60929)
CACHE_AB = (3.47494, 8.97313)


def squiggle(draws: int) -> dict[str, float]:
    prompt = sq.lognorm(30, 200)  # squigglepy's two numbers are a 90 % interval too
    output = sq.lognorm(300, 1000)
    price = sq.uniform(0.01, 0.03)
    margin = sq.beta(*MARGIN_AB)
    cache = sq.beta(*CACHE_AB)
    cost = (prompt + 5 * output) / 1000 * price * (1 - margin) * (1 - cache)
    values = np.asarray(sq.sample(cost, n=draws))
    percentiles = np.percentile(values, [5, 25, 50, 75, 95])
    return {"mean": float(values.mean()), "sd": float(values.std(ddof=1)), "p50": percentiles[2]}


def best_of(repeat: int, work) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--simulate", required=True, help="path of the simulate command")
    parser.add_argument("--draws", type=float, default=1e7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    draws = int(args.draws)
    command = [args.simulate, "run", str(SCENARIO), "--draws", str(draws), "--quiet"]
    command += ["--format", "json"]
    ours = best_of(args.repeat, lambda: subprocess.run(command, check=True, capture_output=True))
    theirs = best_of(args.repeat, lambda: squiggle(draws))
    print(f"draws: {draws:,} (best of {args.repeat})")
    print(f"simulate run (whole process, with HDI)   {ours:8.3f} s")
    print(f"squigglepy (in-process, no HDI)          {theirs:8.3f} s")
    print(f"ratio squigglepy / simulate:             {theirs / ours:.2f}  (> 1: simulate faster)")


if __name__ == "__main__":
    main()
