"""A/B timing of study presets: the same presets run from two source trees, alternately.

Used to check that a refactor (here: the one trainer with recorders, model families) slows no
study's preset by more than 5%. Each (tree, study) run is a fresh subprocess that imports
riskscope from its `src` folder and times `run_study` alone (wall and process CPU time), into
a throw-away store; runs alternate A, B, A, B, ... so machine load drifts hit both. Reported:
the median of each side's CPU times and their ratio B/A (< 1.05 passes).

    python benchmarks/preset_timing_ab.py --a /path/to/old/src --b src \\
        --studies train edge-of-stability --preset smoke --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import json, sys, tempfile, time, torch
torch.set_num_threads(1)
from riskscope.store import Store
from riskscope.studies import load_spec, run_study
study, preset = sys.argv[1], sys.argv[2]
spec = load_spec(study, preset)
with Store(tempfile.mkdtemp()) as store:
    w, c = time.perf_counter(), time.process_time()
    summary = run_study(spec, store, device="cpu")
    print(json.dumps({"wall": time.perf_counter() - w, "cpu": time.process_time() - c,
                      "failed": summary.failed}))
"""


def run(src: str, study: str, preset: str) -> dict:
    env = dict(os.environ, PYTHONPATH=os.path.abspath(src), OMP_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as cwd:
        out = subprocess.run([sys.executable, "-c", CHILD, study, preset], env=env, cwd=cwd,
                             capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--a", required=True, help="src folder of the baseline")
    parser.add_argument("--b", required=True, help="src folder of the candidate")
    parser.add_argument("--studies", nargs="+", required=True)
    parser.add_argument("--preset", default="smoke")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"# load {os.getloadavg()[0]:.1f}; preset {args.preset}; median of {args.repeats}")
    print("| study | A cpu s | B cpu s | B/A cpu | A wall s | B wall s |")
    print("|---|---|---|---|---|---|")
    for study in args.studies:
        runs = {"a": [], "b": []}
        for _ in range(args.repeats):
            for side in ("a", "b"):
                runs[side].append(run(getattr(args, side), study, args.preset))
        med = {s: {k: statistics.median(r[k] for r in runs[s]) for k in ("cpu", "wall")}
               for s in runs}
        print(f"| {study} | {med['a']['cpu']:.2f} | {med['b']['cpu']:.2f} | "
              f"{med['b']['cpu'] / med['a']['cpu']:.3f} | {med['a']['wall']:.2f} | "
              f"{med['b']['wall']:.2f} |", flush=True)
    print(f"# load after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
