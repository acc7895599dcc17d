"""Start-up latency of the commands that do not train (issue 18's target: < 0.5 s each).

    .venv/bin/python benchmarks/cli_latency.py [--repeat 10] [--baseline-src DIR]

Each command runs as a whole new process (`python -m riskscope ...`, what a user waits for),
`--repeat` times; the median and the spread are printed. A small store with one `train`
smoke run is made first so `ls` and `show` have something to read. With `--baseline-src`
(the `src/` folder of an older checkout, e.g. a `git worktree` at an earlier commit) every
command is also timed against that code in the same process, interleaved run by run so both
see the same machine load, and the ratio is printed. The load average is printed beside the
table: the figures are only comparable at similar load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")

COMMANDS = [
    ["--help"],
    ["studies"],
    ["tasks"],
    ["describe", "decomposition"],
    ["ls", "--out", "{store}"],
    ["show", "train-smoke", "--out", "{store}"],
    ["show", "train-smoke", "--out", "{store}", "--json"],
]


def _run(src: str, argv: list[str]) -> tuple[float, int]:
    env = {**os.environ, "PYTHONPATH": src, "OMP_NUM_THREADS": "1"}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "riskscope", *argv], env=env,
                          capture_output=True, text=True)
    return time.perf_counter() - start, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--baseline-src", default=None,
                        help="src/ of an older checkout to time side by side")
    args = parser.parse_args()
    sides = {"now": SRC} | ({"baseline": args.baseline_src} if args.baseline_src else {})
    with tempfile.TemporaryDirectory() as root:
        stores = {}
        for side, src in sides.items():  # each side reads a store its own code wrote
            stores[side] = str(Path(root) / side)
            made = subprocess.run(
                [sys.executable, "-m", "riskscope", "run", "train", "--preset", "smoke",
                 "--out", stores[side], "--no-report", "--threads", "1"],
                env={**os.environ, "PYTHONPATH": src}, capture_output=True, text=True)
            if made.returncode:
                sys.exit(f"could not make the {side} store: {made.stderr}")
        print(f"load average before: {os.getloadavg()[0]:.2f}")
        print(f"{'command':44s} " + " ".join(f"{s + ' median':>14s}" for s in sides)
              + (f" {'ratio':>7s}" if len(sides) > 1 else "") + "   min–max (now)")
        for argv in COMMANDS:
            label = " ".join(argv).replace("{store}", "STORE")
            times: dict[str, list[float]] = {s: [] for s in sides}
            codes: dict[str, set[int]] = {s: set() for s in sides}
            for _ in range(args.repeat):
                for side, src in sides.items():
                    seconds, code = _run(src, [a.format(store=stores[side]) for a in argv])
                    times[side].append(seconds)
                    codes[side].add(code)
            medians = {s: statistics.median(t) for s, t in times.items()}
            cells = " ".join(f"{medians[s]:>12.3f} s" if codes[s] == {0}
                             else f"{'exit ' + str(sorted(codes[s])):>14s}" for s in sides)
            ratio = (f" {medians['baseline'] / medians['now']:>6.1f}×"
                     if len(sides) > 1 and codes["baseline"] == {0} else
                     (f" {'–':>7s}" if len(sides) > 1 else ""))
            print(f"{label:44s} {cells}{ratio}   "
                  f"{min(times['now']):.3f}–{max(times['now']):.3f}")
        print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
