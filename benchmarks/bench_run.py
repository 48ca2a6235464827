"""Engine overhead: `simulate run` against hand-written numpy for the same model and summary.

Usage: .venv/bin/python benchmarks/bench_run.py [--draws 1e7] [--repeat 3]

Prints three timings measured in one run, and two ratios:
  engine / hand-written numpy   (target ≤ 2: the bookkeeping, HDI included, must stay cheap)
  engine / numpy drawing alone  (the floor: generating the same number of variates)
Quote the ratios, not the seconds: this machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
from scipy import special
from timing import timed

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "query-cost.toml"
PERCENTILES = (5, 25, 50, 75, 95)


def beta_params(lo: float, hi: float) -> tuple[float, float]:
    from simulate.core.distributions import fit_beta

    return fit_beta(lo, hi)


def lognormal_params(lo: float, hi: float) -> tuple[float, float]:
    z = special.ndtri(0.95)
    return (math.log(lo) + math.log(hi)) / 2, (math.log(hi) - math.log(lo)) / (2 * z)


def hand_written(draws: int, seed: int) -> dict[str, dict[str, float]]:
    """The same scenario as plain numpy: draw, compute, sort once, summarise with HDI."""
    rng = np.random.default_rng(seed)
    prompt = rng.lognormal(*lognormal_params(30, 200), draws)
    output = rng.lognormal(*lognormal_params(300, 1000), draws)
    price = rng.uniform(0.01, 0.03, draws)
    margin = rng.beta(*beta_params(0.5, 0.85), draws)
    cache = rng.beta(*beta_params(0.1, 0.5), draws)
    tokens = prompt + 5 * output
    cost = tokens / 1000 * price * (1 - margin) * (1 - cache)
    summary = {}
    for name, values in {
        "prompt": prompt,
        "output": output,
        "price": price,
        "margin": margin,
        "cache": cache,
        "tokens": tokens,
        "cost": cost,
    }.items():
        ordered = np.sort(values)
        k = math.floor(0.9 * draws)
        widths = ordered[k:] - ordered[: draws - k]
        i = int(np.argmin(widths))
        summary[name] = {
            "mean": float(ordered.mean()),
            "sd": float(ordered.std(ddof=1)),
            **{
                f"p{q}": float(v)
                for q, v in zip(PERCENTILES, np.percentile(ordered, PERCENTILES), strict=True)
            },
            "hdi": (float(ordered[i]), float(ordered[i + k])),
        }
    return summary


def draws_alone(draws: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(5):
        rng.random(draws)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=float, default=1e7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    draws = int(args.draws)
    simulate_bin = Path(sys.executable).with_name("simulate")
    command = [
        str(simulate_bin),
        "run",
        str(SCENARIO),
        "--draws",
        str(draws),
        "--format",
        "json",
        "--quiet",
    ]

    import simulate

    scenario = simulate.load(SCENARIO)

    def api() -> None:
        simulate.summarize(scenario, simulate.run(scenario, draws, seed=1))

    engine_cli = timed(
        lambda: subprocess.run(command, check=True, capture_output=True), args.repeat
    )
    engine_api = timed(api, args.repeat)
    numpy_script = timed(lambda: hand_written(draws, 1), args.repeat)
    floor = timed(lambda: draws_alone(draws, 1), args.repeat)
    print(f"draws: {draws:,} (best of {args.repeat})")
    print(
        f"simulate run (CLI, incl. start-up)  {engine_cli:8.3f} s  "
        f"{engine_cli / draws * 1e6:.3f} µs/scenario"
    )
    print(f"simulate API (load excluded)        {engine_api:8.3f} s")
    print(f"hand-written numpy, same summary    {numpy_script:8.3f} s")
    print(f"numpy drawing 5 x N uniforms alone  {floor:8.3f} s")
    print(f"ratio CLI / hand-written numpy:     {engine_cli / numpy_script:.2f}  (target ≤ 2)")
    print(f"ratio API / hand-written numpy:     {engine_api / numpy_script:.2f}")
    print(f"ratio CLI / numpy draws alone:      {engine_cli / floor:.2f}")


if __name__ == "__main__":
    main()
