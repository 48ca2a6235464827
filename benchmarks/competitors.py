"""The query-cost model of benchmarks/query-cost.toml written without `simulate`, one way a run.

Run by benchmarks/bench_scale.py, each call in a fresh process so that its wall time and peak
memory are those of the whole process (interpreter start-up and imports included):

    PYTHON benchmarks/competitors.py TOOL --draws N --seed S --params JSON

TOOL is one of
  numpy       hand-written numpy: draw, compute, sort each of the 7 quantities once; mean, sd
              and percentiles 5/25/50/75/95 (what `simulate run` reports, less the HDI)
  numpy-hdi   the same plus the 90 % HDI of each quantity: bench_run.py's `hand_written`
  squigglepy  squigglepy 0.30, written as in bench_squigglepy.py (summary of the cost only)
  monaco      monaco 0.23: a `monaco.Sim` whose inputs are scipy.stats distributions and whose
              run function evaluates one case at a time, single-threaded (summary of the cost)

JSON holds the distribution parameters, solved once by bench_scale.py with the project's own
code so that every tool draws the same model:
  {"prompt": [mu, sigma], "output": [mu, sigma], "price": [lo, hi],
   "margin": [a, b], "cache": [a, b]}
(lognormal mu and sigma of the logarithm; uniform bounds; beta shapes).

Prints one JSON line: {"tool", "draws", "cost": {"mean", "sd", "p5", ..., "p95"[, "hdi_90"]}}.
Only numpy is imported at module level, so the numpy tools run in the project's environment
and add nothing to its dependencies; squigglepy, scipy and monaco are imported by their tools.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

import numpy as np

PERCENTILES = (5, 25, 50, 75, 95)
TOOLS = ("numpy", "numpy-hdi", "squigglepy", "monaco")


def describe(ordered: np.ndarray, hdi: bool) -> dict[str, Any]:
    """mean, sd, percentiles (and the 90 % HDI) of an already sorted array."""
    n = len(ordered)
    summary: dict[str, Any] = {
        "mean": float(ordered.mean()),
        "sd": float(ordered.std(ddof=1)),
        **{
            f"p{q}": float(v)
            for q, v in zip(PERCENTILES, np.percentile(ordered, PERCENTILES), strict=True)
        },
    }
    if hdi:  # the narrowest window holding 90 % of the draws, as bench_run.hand_written
        k = math.floor(0.9 * n)
        widths = ordered[k:] - ordered[: n - k]
        i = int(np.argmin(widths))
        summary["hdi_90"] = [float(ordered[i]), float(ordered[i + k])]
    return summary


def hand_written(draws: int, seed: int, params: dict, hdi: bool) -> dict[str, dict[str, Any]]:
    """bench_run.hand_written with the parameters given: the same draws in the same order,
    the same arithmetic, each quantity sorted once; ``hdi=False`` leaves out the HDI scan."""
    rng = np.random.default_rng(seed)
    prompt = rng.lognormal(*params["prompt"], draws)
    output = rng.lognormal(*params["output"], draws)
    price = rng.uniform(*params["price"], draws)
    margin = rng.beta(*params["margin"], draws)
    cache = rng.beta(*params["cache"], draws)
    tokens = prompt + 5 * output
    cost = tokens / 1000 * price * (1 - margin) * (1 - cache)
    quantities = {
        "prompt": prompt,
        "output": output,
        "price": price,
        "margin": margin,
        "cache": cache,
        "tokens": tokens,
        "cost": cost,
    }
    return {name: describe(np.sort(values), hdi) for name, values in quantities.items()}


def squiggle(draws: int, seed: int, params: dict) -> dict[str, Any]:
    """As bench_squigglepy.squiggle, seeded; the lognormals by the parameters of their logarithm
    (the same as its ``sq.lognorm(30, 200)``, whose two numbers are a 90 % interval)."""
    import squigglepy as sq

    sq.set_seed(seed)
    prompt = sq.lognorm(norm_mean=params["prompt"][0], norm_sd=params["prompt"][1])
    output = sq.lognorm(norm_mean=params["output"][0], norm_sd=params["output"][1])
    price = sq.uniform(*params["price"])
    margin = sq.beta(*params["margin"])
    cache = sq.beta(*params["cache"])
    cost = (prompt + 5 * output) / 1000 * price * (1 - margin) * (1 - cache)
    values = np.asarray(sq.sample(cost, n=draws))
    return describe(np.sort(values), hdi=False)


def monaco_sim(draws: int, seed: int, params: dict) -> dict[str, Any]:
    """A monaco Sim: scipy.stats inputs, one Python call per case, no plots, nothing saved."""
    import monaco as mc
    from scipy import stats

    def preprocess(case):
        v = case.invals
        return (
            v["prompt_tokens"].val,
            v["output_tokens"].val,
            v["price"].val,
            v["gross_margin"].val,
            v["cache_hit_rate"].val,
        )

    def run(prompt, output, price, margin, cache):
        tokens = prompt + 5 * output
        return (tokens / 1000 * price * (1 - margin) * (1 - cache),)

    def postprocess(case, cost):
        case.addOutVal("query_cost_usd", cost)

    sim = mc.Sim(
        name="query_cost",
        ndraws=draws,
        fcns={
            mc.SimFunctions.PREPROCESS: preprocess,
            mc.SimFunctions.RUN: run,
            mc.SimFunctions.POSTPROCESS: postprocess,
        },
        samplemethod=mc.SampleMethod.RANDOM,  # plain Monte Carlo, as the other tools
        seed=seed,
        singlethreaded=True,  # its documented serial mode; its parallel modes pickle each case
        verbose=False,  # no progress bars
        savesimdata=False,
        savecasedata=False,
        keepsiminput=False,
        keepsimrawoutput=False,
    )
    (mu_p, s_p), (mu_o, s_o) = params["prompt"], params["output"]
    lo, hi = params["price"]
    sim.addInVar("prompt_tokens", stats.lognorm, {"s": s_p, "scale": math.exp(mu_p)})
    sim.addInVar("output_tokens", stats.lognorm, {"s": s_o, "scale": math.exp(mu_o)})
    sim.addInVar("price", stats.uniform, {"loc": lo, "scale": hi - lo})
    sim.addInVar("gross_margin", stats.beta, dict(zip("ab", params["margin"], strict=True)))
    sim.addInVar("cache_hit_rate", stats.beta, dict(zip("ab", params["cache"], strict=True)))
    sim.runSim()
    values = np.asarray(sim.outvars["query_cost_usd"].nums, dtype=float)
    return describe(np.sort(values), hdi=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tool", choices=TOOLS)
    parser.add_argument("--draws", type=float, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--params", required=True, help="distribution parameters, as JSON")
    args = parser.parse_args(argv)
    draws, params = int(args.draws), json.loads(args.params)
    if args.tool in ("numpy", "numpy-hdi"):
        cost = hand_written(draws, args.seed, params, hdi=args.tool == "numpy-hdi")["cost"]
    elif args.tool == "squigglepy":
        cost = squiggle(draws, args.seed, params)
    else:
        cost = monaco_sim(draws, args.seed, params)
    json.dump({"tool": args.tool, "draws": draws, "cost": cost}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
