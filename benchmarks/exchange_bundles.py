"""Bundles: size and time of bundling a real run; verify and import times; importing 50 runs.

1. A real run (default: the decomposition full preset, made beforehand with
   `riskscope run decomposition --preset full --threads 1 --out /tmp/bundle-full`): the time
   to write its bundle (report build included, and without the report), the bundle's size
   against the store's (database + artifacts), the time to verify it and to import it into a
   fresh store, and the time of a second import (a no-op: same digest).
2. A store of 50 runs, synthesized (each: 12 trials = 3 widths × 4 seeds, 4 results, two
   series of 40 points, one small safetensors artifact per trial; written with the store's
   own commit): bundle each (no report, to time the exchange code), then import all 50 into a
   fresh store; the 50 runs share half their trials pairwise, so imports also merge overlaps.

    .venv/bin/python benchmarks/exchange_bundles.py [--store /tmp/bundle-full] [--run RUN]
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from riskscope.exchange import import_bundle, verify_bundle, write_bundle
from riskscope.store import Store, TrialRecord
from riskscope.studies.canonical import spec_hash


def _du(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()
               and "reports" not in p.parts and "bundles" not in p.parts)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def real_run(store_dir: str, run_ref: str | None, tmp: Path) -> None:
    with Store(store_dir, create=False) as store:
        run_id = store.resolve_run(run_ref) if run_ref else store.runs()["run_id"].iloc[-1]
        n = len(store.trials(run_id))
        t0 = time.perf_counter()
        with_report = write_bundle(store, run_id, tmp / "full.rsbundle")
        t1 = time.perf_counter()
        bare = write_bundle(store, run_id, tmp / "bare.rsbundle", with_report=False)
        t2 = time.perf_counter()
        size_store = _du(store.directory)
    v0 = time.perf_counter()
    verified = verify_bundle(with_report.path)
    v1 = time.perf_counter()
    with Store(tmp / "imported") as fresh:
        i0 = time.perf_counter()
        first = import_bundle(verified, fresh)
        i1 = time.perf_counter()
        again = import_bundle(with_report.path, fresh)
        i2 = time.perf_counter()
    print(f"## real run {run_id}: {n} trials (load average {_load()})")
    print(f"bundle with report: {t1 - t0:.2f} s, {with_report.size_bytes / 1e6:.2f} MB, "
          f"{with_report.members} members")
    print(f"bundle without report: {t2 - t1:.2f} s, {bare.size_bytes / 1e6:.2f} MB")
    print(f"store (database + artifacts): {size_store / 1e6:.2f} MB; expanded bundle "
          f"{verified.size_bytes / 1e6:.2f} MB")
    print(f"verify: {v1 - v0:.2f} s; import into a fresh store: {i1 - i0:.2f} s "
          f"({first.new} new trials); import again: {i2 - i1:.2f} s "
          f"(already imported: {again.already_imported})")


def _synthetic_run(store: Store, index: int, gen: np.random.Generator) -> str:
    spec = {"study": "synthetic", "name": f"synthetic-{index:02d}", "run": index}
    run_id = f"synthetic-{index:02d}"
    store.create_run(run_id, spec["name"], "synthetic", "bench", spec, spec_hash(spec))
    records = []
    for width in (8, 16, 32):
        for seed in range(4):
            # runs i and i+1 share the seeds 0-1 of every width: overlapping trials
            owner = index - (index % 2) if seed < 2 else index
            params = {"study": "synthetic", "model": {"width": width}, "seed": seed,
                      "data_seed": seed, "owner": owner}
            th = spec_hash(params)
            steps = list(range(0, 400, 10))
            loss = (1 / (1 + np.arange(40) * 0.1 * width / 8) + 0.01 * seed).tolist()
            records.append(TrialRecord(
                trial_hash=th, run_id=run_id, params=params, status="done",
                started_at=1.7e9, finished_at=1.7e9 + 1, environment={"device": "cpu"},
                result={"risk": float(1 / width + 0.01 * gen.standard_normal()),
                        "gap": float(0.1 / math.sqrt(width)), "norm": float(width),
                        "steps_run": 400},
                metrics={"train_loss": (steps, loss), "test_loss": (steps, loss)},
                artifacts={"parameters": {"w": torch.full((width, 4), float(seed))}}))
    store.add_trials(run_id, [(r.trial_hash, r.params) for r in records])
    for r in records:
        store.commit_trial(r)
    store.set_run_status(run_id, "done")
    return run_id


def fifty_runs(tmp: Path, n_runs: int = 50) -> None:
    gen = np.random.default_rng(0)
    paths = []
    with Store(tmp / "source") as source:
        s0 = time.perf_counter()
        runs = [_synthetic_run(source, i, gen) for i in range(n_runs)]
        s1 = time.perf_counter()
        for run_id in runs:
            paths.append(write_bundle(source, run_id, tmp / "b" / f"{run_id}.rsbundle",
                                      with_report=False).path)
        s2 = time.perf_counter()
        n_trials = sum(len(source.trials(r)) for r in runs)
    size = sum(p.stat().st_size for p in paths)
    with Store(tmp / "target") as target:
        i0 = time.perf_counter()
        reports = [import_bundle(p, target) for p in paths]
        i1 = time.perf_counter()
        again = [import_bundle(p, target) for p in paths]
        i2 = time.perf_counter()
        stored = len(target.runs())
        distinct = target._db.execute("SELECT COUNT(*) FROM trials").fetchone()[0]
    print(f"## {n_runs} synthetic runs (load average {_load()})")
    print(f"synthesize: {s1 - s0:.2f} s; bundle all (no report): {s2 - s1:.2f} s, "
          f"{size / 1e6:.2f} MB in all")
    print(f"import all {n_runs} into a fresh store: {i1 - i0:.2f} s "
          f"({(i1 - i0) / n_runs * 1000:.0f} ms per run; {n_trials} trials, "
          f"{sum(r.new for r in reports)} new, {sum(r.same for r in reports)} shared); "
          f"store now has {stored} runs, {distinct} distinct trials")
    print(f"import all again: {i2 - i1:.2f} s (no-ops: {sum(r.already_imported for r in again)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", default="/tmp/bundle-full")
    parser.add_argument("--run", default=None)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tmp = Path(tempfile.mkdtemp(prefix="riskscope-bench-exchange-"))
    try:
        if Path(args.store).is_dir():
            real_run(args.store, args.run, tmp)
        else:
            print(f"(no store at {args.store}: part 1 skipped)")
        fifty_runs(tmp, args.runs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
