#!/usr/bin/python3
"""Baseline for bench/opt_landscapes_bench: the original tool's Bayesian strategy.

Optuna TPE with 5 start-up trials; failed (infeasible) experiments are scored as a large constant, and
repeated configurations are run again (each counts as an experiment), as the original tool did. Each
observed score is multiplied by 1 + noise · N(0, 1) (--noise, default 1.5%: the exported landscapes carry
scores, not metrics, so the noise is on the score); a run reaches the target when the trial TPE reports as
best is truly within 2%. Reads the
landscapes exported by `opt_landscapes_bench --export`, writes per-seed experiment counts as JSON for
`opt_landscapes_bench --tpe`. Needs Debian's python3-optuna; run with /usr/bin/python3. Benchmark only: the
product never uses Python.

  /usr/bin/python3 bench/opt_tpe_baseline.py bench/data/opt_landscapes.json out.json [--seeds 20] [--cap 300]
      [--noise 0.015] [--only NAME,NAME...]

--only runs the named landscapes and keeps the other entries of an existing output file (rerunning one
landscape need not redo the rest).
"""

import argparse
import json
import os
import random
import sys

import optuna

FAILURE_SCORE = 1e9  # lower is better everywhere, so a failure ranks below every real score


def experiments_to_target(landscape, seed, cap, noise):
    dims = landscape["dimensions"]
    rng = random.Random(seed * 1000 + 77)
    outcomes = landscape["outcomes"]
    target = landscape["optimum"] + landscape["tolerance"]

    def index_of(params):
        index, stride = 0, 1
        for d in dims:
            if d["kind"] == "categorical":
                level = d["values"].index(params[d["name"]])
                size = len(d["values"])
            else:
                level = params[d["name"]] - int(d["low"])
                size = int(d["high"]) - int(d["low"]) + 1
            index += level * stride
            stride *= size
        return index

    def objective(trial):
        params = {}
        for d in dims:
            if d["kind"] == "categorical":
                params[d["name"]] = trial.suggest_categorical(d["name"], d["values"])
            else:
                params[d["name"]] = trial.suggest_int(d["name"], int(d["low"]), int(d["high"]))
        outcome = outcomes[index_of(params)]
        if isinstance(outcome, str):
            return FAILURE_SCORE
        return outcome * (1 + noise * rng.gauss(0, 1))

    sampler = optuna.samplers.TPESampler(n_startup_trials=5, seed=seed)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    for n in range(1, cap + 1):
        study.optimize(objective, n_trials=1)
        # The configuration TPE reports as best (by its noisy values), judged by its true score.
        best = outcomes[index_of(study.best_trial.params)]
        if not isinstance(best, str) and best <= target:
            return n
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("landscapes")
    parser.add_argument("output")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--cap", type=int, default=300)
    parser.add_argument("--only", default="", help="comma-separated landscape names")
    parser.add_argument("--noise", type=float, default=0.015,
                        help="multiplicative noise (standard deviation) on every observed score")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with open(args.landscapes) as f:
        landscapes = json.load(f)["landscapes"]
    results = {}
    if args.only:
        only = set(args.only.split(","))
        landscapes = [l for l in landscapes if l["name"] in only]
        if os.path.exists(args.output):
            with open(args.output) as f:
                results = json.load(f)
    for landscape in landscapes:
        counts = [experiments_to_target(landscape, seed, args.cap, args.noise) for seed in range(1, args.seeds + 1)]
        results[landscape["name"]] = {"cap": args.cap, "noise": args.noise, "experiments": counts}
        reached = sorted(c for c in counts if c is not None)
        print(f"{landscape['name']}: reached {len(reached)}/{len(counts)}, counts {counts}", file=sys.stderr)
    with open(args.output, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
