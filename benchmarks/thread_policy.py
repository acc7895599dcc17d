"""The default thread policy on a busy machine: a smoke study with the default (one torch
thread, riskscope.core.threads) vs torch's own default (one thread per core), side by side.

    .venv/bin/python benchmarks/thread_policy.py [--study decomposition] [--busy 1]

`--busy N` starts N processes that spin on a core for the whole measurement (the "one other
busy process" of a shared machine). Each setting runs the study's smoke preset into a fresh
temporary store; the load average is printed before and after (other users of the machine
count too).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import tempfile
import time

from riskscope.store import Store
from riskscope.studies import load_spec, run_study


def _spin() -> None:
    while True:
        pass


def timed(study: str, threads: int | None) -> float:
    spec = load_spec({"study": study}, "smoke")
    with tempfile.TemporaryDirectory() as directory, Store(directory) as store:
        start = time.perf_counter()
        run_study(spec, store, device="cpu", threads=threads)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", default="decomposition")
    parser.add_argument("--busy", type=int, default=1)
    args = parser.parse_args()
    busy = [mp.Process(target=_spin, daemon=True) for _ in range(args.busy)]
    for p in busy:
        p.start()
    try:
        print(f"{args.study} smoke, {args.busy} busy process(es), {os.cpu_count()} cores; "
              f"load average before: {os.getloadavg()}")
        policy = timed(args.study, None)
        print(f"default policy (1 thread): {policy:.1f} s; load {os.getloadavg()[0]:.1f}")
        torch_default = timed(args.study, os.cpu_count())
        print(f"torch default ({os.cpu_count()} threads): {torch_default:.1f} s; "
              f"load {os.getloadavg()[0]:.1f}")
        print(f"ratio torch default / policy: {torch_default / policy:.1f}x")
    finally:
        for p in busy:
            p.terminate()


if __name__ == "__main__":
    main()
