"""Sobol indices for 20 inputs at 2^14 base samples, against one plain Monte Carlo run.

Usage: .venv/bin/python benchmarks/bench_sobol.py [--base 16384] [--repeat 3]

The Saltelli design has N·(d + 2) rows (360,448 for N = 2^14, d = 20). The ratio compares the
whole Sobol analysis (design, inverse CDFs, evaluation, SALib's estimates with 100 bootstrap
resamples) with `simulate.run` + summary on the same number of scenarios. Quote the ratio.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from timing import timed

import simulate
from simulate.analysis import sensitivity

SCENARIO = Path(__file__).resolve().parent / "sobol-20.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=2**14)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    scenario = simulate.load(SCENARIO)
    d = len(scenario.sampled)
    evaluations = args.base * (d + 2)
    sobol = timed(lambda: sensitivity.sobol(scenario, ["cost"], args.base, seed=1), args.repeat)
    sobol_2 = timed(
        lambda: sensitivity.sobol(scenario, ["cost"], args.base, seed=1, workers=2), args.repeat
    )
    monte_carlo = timed(
        lambda: simulate.summarize(scenario, simulate.run(scenario, evaluations, seed=1)),
        args.repeat,
    )
    print(
        f"{d} inputs, {args.base:,} base samples = {evaluations:,} evaluations "
        f"(best of {args.repeat})"
    )
    print(f"Sobol analysis (100 bootstrap resamples)  {sobol:7.3f} s")
    print(f"Sobol analysis, --workers 2                       {sobol_2:7.3f} s")
    print(f"one Monte Carlo run of {evaluations:,} + summary   {monte_carlo:7.3f} s")
    print(
        f"ratio Sobol / Monte Carlo: {sobol / monte_carlo:.2f} "
        f"(with 2 workers: {sobol_2 / monte_carlo:.2f})"
    )


if __name__ == "__main__":
    main()
