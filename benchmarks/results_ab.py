"""Bit-for-bit check of study results between two source trees (a refactor's regression net).

Runs each study's smoke preset from tree A and from tree B (fresh processes, one thread, CPU)
and compares every trial's stored results by trial hash: equal hashes mean a store made by A
resumes under B; equal values mean B reproduces A bit for bit. Timing fields (`seconds_*`,
`*_wall_s`) are ignored.

    python benchmarks/results_ab.py --a /path/to/old/src --b src --studies train grokking
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import json, math, sys, tempfile, torch
torch.set_num_threads(1)
from riskscope.store import Store
from riskscope.studies import load_spec, run_study
with Store(tempfile.mkdtemp()) as store:
    summary = run_study(load_spec(sys.argv[1], "smoke"), store, device="cpu")
    frame = store.trials(summary.run_id)
cols = [c for c in frame.columns if c.startswith("result.") and "seconds" not in c
        and not c.endswith("wall_s")]
out = {h: {c: (None if isinstance(v, float) and math.isnan(v) else
               v if isinstance(v, (int, float)) else str(v)) for c, v in row.items()}
       for h, row in zip(frame["trial_hash"], frame[cols].to_dict("records"))}
print(json.dumps(out))
"""


def results(src: str, study: str) -> dict:
    env = dict(os.environ, PYTHONPATH=os.path.abspath(src), OMP_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as cwd:
        done = subprocess.run([sys.executable, "-c", CHILD, study], env=env, cwd=cwd,
                              capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--a", required=True)
    parser.add_argument("--b", required=True)
    parser.add_argument("--studies", nargs="+", required=True)
    args = parser.parse_args()
    print("| study | trials | same trial hashes | differing result values |")
    print("|---|---|---|---|")
    for study in args.studies:
        a, b = results(args.a, study), results(args.b, study)
        diffs = [(h, k) for h in set(a) & set(b) for k in set(a[h]) | set(b[h])
                 if a[h].get(k) != b[h].get(k)]
        print(f"| {study} | {len(a)} | {set(a) == set(b)} | {len(diffs)} "
              f"{sorted({k for _, k in diffs})[:3] if diffs else ''} |", flush=True)


if __name__ == "__main__":
    main()
