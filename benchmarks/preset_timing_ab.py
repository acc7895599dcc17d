"""A/B timing of study presets: the same presets run from two source trees, alternately.

Used to check that a refactor (here: the one trainer with recorders, model families) slows no
study's preset by more than 5%. Each (tree, study) run is a fresh subprocess that imports
riskscope from its `src` folder and times `run_study` alone (wall and process CPU time), into
a throw-away store; runs alternate A, B, A, B, ... so machine load drifts hit both. Reported:
the median of each side's CPU times and their ratio B/A (< 1.05 passes); and the same with
riskscope's own imports counted ("cpu+imports": from just after `import torch` to the end),
because an import made lazy moves its cost from start-up into `run_study` without changing
what a user pays.

    python benchmarks/preset_timing_ab.py --a /path/to/old/src --b src \\
        --studies train edge-of-stability --preset smoke --repeats 3

`--trials K` (or `--trials study=K ...`, a number per study) runs only the first K trials of
the expanded preset on both sides (the runner's `expand_trials` cut to its first K distinct
trials, their prerequisites and grouping as usual), for presets too long to time whole. The
two sides' first K trials are checked to agree on every parameter both trees know (a
parameter only one side has, e.g. a later field with its default, is not compared).
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
c_imports = time.process_time()  # riskscope's own imports count in "cpu_all", torch's not
from riskscope.store import Store
from riskscope.studies import load_spec, run_study
import riskscope.studies.runner as runner
study, preset, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
spec = load_spec(study, preset)
chosen = []
if first > 0:
    expand = runner.expand_trials
    def first_trials(spec):
        trials = list({t.hash: t for t in expand(spec)}.values())[:first]
        chosen.extend(trials)
        return trials
    runner.expand_trials = first_trials
def flat(tree, prefix=""):
    out = {}
    for k, v in tree.items():
        if isinstance(v, dict):
            out.update(flat(v, prefix + k + "."))
        else:
            out[prefix + k] = v
    return out
with Store(tempfile.mkdtemp()) as store:
    w, c = time.perf_counter(), time.process_time()
    summary = run_study(spec, store, device="cpu")
    print(json.dumps({"wall": time.perf_counter() - w, "cpu": time.process_time() - c,
                      "cpu_all": time.process_time() - c_imports,
                      "failed": summary.failed, "trials": summary.trials,
                      "chosen": [flat(t.params) for t in chosen]}, default=str))
"""


def run(src: str, study: str, preset: str, first: int = 0) -> dict:
    env = dict(os.environ, PYTHONPATH=os.path.abspath(src), OMP_NUM_THREADS="1")
    with tempfile.TemporaryDirectory() as cwd:
        out = subprocess.run([sys.executable, "-c", CHILD, study, preset, str(first)], env=env,
                             cwd=cwd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{study} from {src} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def disagreements(a: list[dict], b: list[dict]) -> list[str]:
    """Parameters both sides know on which their chosen trials differ (none expected)."""
    if len(a) != len(b):
        return [f"{len(a)} vs {len(b)} trials"]
    return [f"trial {i}: {k} = {x[k]!r} vs {y[k]!r}" for i, (x, y) in enumerate(zip(a, b))
            for k in sorted(x.keys() & y.keys()) if x[k] != y[k]]


def trials_per_study(values: list[str], studies: list[str]) -> dict[str, int]:
    """`--trials 4` (every study) or `--trials train=4 grokking=2` (0 = the whole preset)."""
    out = dict.fromkeys(studies, 0)
    for v in values:
        if "=" in v:
            name, k = v.split("=", 1)
            out[name] = int(k)
        else:
            out = dict.fromkeys(studies, int(v))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--a", required=True, help="src folder of the baseline")
    parser.add_argument("--b", required=True, help="src folder of the candidate")
    parser.add_argument("--studies", nargs="+", required=True)
    parser.add_argument("--preset", default="smoke")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--trials", nargs="+", default=["0"],
                        help="only the first K trials: K for all, or STUDY=K (0 = all)")
    args = parser.parse_args()
    first = trials_per_study(args.trials, args.studies)
    print(f"# load {os.getloadavg()[0]:.1f}; preset {args.preset}; median of {args.repeats}")
    print("| study | K | A cpu s | B cpu s | B/A cpu | A wall s | B wall s | A cpu+imports | "
          "B cpu+imports | B/A |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for study in args.studies:
        runs = {"a": [], "b": []}
        for _ in range(args.repeats):
            for side in ("a", "b"):
                runs[side].append(run(getattr(args, side), study, args.preset, first[study]))
        differ = disagreements(runs["a"][0]["chosen"], runs["b"][0]["chosen"])
        if differ:
            print(f"# {study}: the two sides' first trials differ: {differ[:5]}")
        med = {s: {k: statistics.median(r[k] for r in runs[s]) for k in ("cpu", "wall", "cpu_all")}
               for s in runs}
        k = first[study] or "all"
        print(f"| {study} | {k} | {med['a']['cpu']:.2f} | {med['b']['cpu']:.2f} | "
              f"{med['b']['cpu'] / med['a']['cpu']:.3f} | {med['a']['wall']:.2f} | "
              f"{med['b']['wall']:.2f} | {med['a']['cpu_all']:.2f} | {med['b']['cpu_all']:.2f} | "
              f"{med['b']['cpu_all'] / med['a']['cpu_all']:.3f} |", flush=True)
    print(f"# load after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
