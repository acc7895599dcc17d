"""Time of `riskscope claims check` (the built-in claims) on a store of many runs.

    .venv/bin/python benchmarks/claims_check.py [--runs 50] [--repeats 3]

Synthesizes a store of `--runs` runs written directly through the Store API, cycling through
the shapes of the full presets the built-in claims concern (trial counts and parameters as in
those presets, results drawn at random): lazy-vs-rich (36 trials), decomposition (184),
double-descent random-features (288), edge-of-stability (6), sparse-parity (80), pac-bayes
(2). Then times, in this process: loading and validating the built-in claims (the first time
includes importing the studies), `check_claims` over the store (best of `--repeats`), and
`riskscope claims check --json` end to end in a subprocess (Python start and imports
included). Prints the load average beside each figure: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

from riskscope.store import Store, TrialRecord


def _nested(flat: dict) -> dict:
    out: dict = {}
    for key, value in flat.items():
        node = out
        *head, last = key.split(".")
        for p in head:
            node = node.setdefault(p, {})
        node[last] = value
    return out


def _lazy(gen):
    for p in ("ntk", "mean-field", "standard"):
        for w in (64, 256, 1024, 4096):
            for s in range(3):
                yield ({"model.parameterization": p, "model.width": w, "seed": s},
                       {"relative_weight_change": 2 * w ** -0.5 * gen.lognormal(0, 0.05),
                        "relative_ntk_drift": 3 * w ** -0.8 * gen.lognormal(0, 0.1)})


def _decomposition(gen):
    for w in (2, 4, 8, 32):
        yield ({"options.role": "best-in-class", "model.width": w, "task.teacher_width": 8,
                "data.n_train": 1, "seed": 0},
               {"approximation_error": max(0.0, 0.3 - 0.04 * w), "approximation_error_ci_low":
                -0.002, "approximation_error_ci_high": 0.004})
        for n in (32, 100, 316, 1000, 3162):
            for s in range(3):
                for d in (100, 101, 102):
                    yield ({"options.role": "main", "model.width": w, "task.teacher_width": 8,
                            "data.n_train": n, "seed": s, "data_seed": d},
                           {"generalization_gap": 3 / n * gen.lognormal(0, 0.3)})


def _random_features(gen):
    for w in (10, 25, 50, 75, 90, 100, 110, 125, 150, 200, 400, 1000):
        for ridge in (0.0, 0.001, 0.1):
            for s in range(8):
                risk = (30 if w == 100 and ridge == 0 else 1.0) * gen.lognormal(0, 0.2)
                yield ({"options.regime": "random-features", "options.ridge": ridge,
                        "model.width": w, "data.n_train": 100, "seed": s},
                       {"test_risk": risk, "predicted_risk": risk * gen.lognormal(0, 0.05)})


def _eos(gen):
    for lr in (0.03, 0.04, 0.06):
        for s in range(2):
            yield ({"training.lr": lr, "seed": s},
                   {"sharpness_ratio_late": gen.normal(1.0, 0.03)})


def _parity(gen):
    for k in (2, 3):
        for n in (10, 14, 20, 28, 40):
            for s in range(8):
                yield ({"task.k": k, "task.n_bits": n, "seed": s},
                       {"steps_to_learn": 50 * n ** (k - 1) * gen.lognormal(0, 0.2)})


def _pac_bayes(gen):
    for name in ("digits", "mnist1d"):
        yield ({"task.name": name, "seed": 0}, {"bound": gen.uniform(0.1, 0.4)})


SHAPES = [("lazy-vs-rich", _lazy), ("decomposition", _decomposition),
          ("double-descent", _random_features), ("edge-of-stability", _eos),
          ("sparse-parity", _parity), ("pac-bayes", _pac_bayes)]


def synthesize(directory, n_runs: int, seed: int = 0) -> int:
    gen = np.random.default_rng(seed)
    trials = 0
    with Store(directory) as store:
        for i in range(n_runs):
            study, rows = SHAPES[i % len(SHAPES)]
            run_id = f"{study}-full-{i:04d}"
            store.create_run(run_id, run_id, study, "full", {"study": study}, f"{i:064x}")
            records = []
            for j, (params, result) in enumerate(rows(gen)):
                params = _nested({"study": study, **params})
                th = hashlib.sha256(f"{run_id}/{j}".encode()).hexdigest()
                records.append(TrialRecord(th, run_id, params, "done", 1.7e9, 1.7e9 + 1,
                                           {"device": "cpu"}, result))
            store.add_trials(run_id, [(r.trial_hash, r.params) for r in records])
            store.commit_trials(records)
            store.set_run_status(run_id, "done")
            trials += len(records)
    return trials


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        trials = synthesize(tmp, args.runs)
        print(f"store: {args.runs} runs, {trials} trials, written in "
              f"{time.perf_counter() - t0:.1f} s (load {_load()})")
        from riskscope.claims import builtin_claims, check_claims

        t0, c0 = time.perf_counter(), time.process_time()
        claims = builtin_claims()
        print(f"load + validate {len(claims)} built-in claims (first, with imports): "
              f"{time.perf_counter() - t0:.2f} s, {time.process_time() - c0:.2f} s CPU "
              f"(load {_load()})")
        best, cpu, verdicts = float("inf"), float("inf"), []
        with Store(tmp, create=False) as store:
            for _ in range(args.repeats):
                t0, c0 = time.perf_counter(), time.process_time()
                verdicts = check_claims(claims, store)
                best = min(best, time.perf_counter() - t0)
                cpu = min(cpu, time.process_time() - c0)
        counts = {k: sum(v.verdict == k for v in verdicts)
                  for k in ("holds", "fails", "inconclusive")}
        print(f"check_claims: {len(verdicts)} verdicts {counts} in {best:.2f} s, best of "
              f"{args.repeats}, {cpu:.2f} s CPU ({1000 * best / args.runs:.0f} ms per run; "
              f"load {_load()})")
        t0 = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run([sys.executable, "-m", "riskscope", "claims", "check", "--out",
                               tmp, "--json"], capture_output=True, text=True, check=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        n = len(json.loads(proc.stdout)["verdicts"])
        print(f"riskscope claims check --json (subprocess, end to end): {wall:.2f} s, "
              f"{cpu:.2f} s CPU, {n} verdicts (load {_load()})")


if __name__ == "__main__":
    main()
