"""Wall time of the `decomposition` study and its split into training and analysis.

    .venv/bin/python benchmarks/decomposition_timing.py smoke|full [--threads 1]

Runs the preset into a temporary store, then sums the per-phase wall times every trial
records (`seconds_*`: each design member carries its share of its ensemble's time):
training of the design ensembles, the longer restarts behind the optimization error, the
online best-in-class runs, the analysis (population risks on fresh samples, bias/variance,
the split), and what is left of the run's wall time (spec expansion, the store's commits,
progress). The report is built afterwards and timed on its own.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch

from riskscope.report import build_report
from riskscope.store import Store
from riskscope.studies import load_spec, run_study

PHASES = {
    "training (design ensembles)": ["seconds_training"],
    "training (longer restarts, optimization error)": ["seconds_restarts"],
    "training (online best-in-class)": ["seconds_best_in_class_training"],
    "analysis (population risk, bias/variance, split)": ["seconds_analysis",
                                                          "seconds_best_in_class_analysis"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("preset", choices=["smoke", "full"])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    spec = load_spec({"study": "decomposition"}, args.preset)
    with tempfile.TemporaryDirectory() as directory, Store(directory) as store:
        start, cpu_start = time.perf_counter(), time.process_time()
        summary = run_study(spec, store, device="cpu", threads=args.threads)
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        trials = store.trials(summary.run_id)
        report_start = time.perf_counter()
        build_report(store, summary.run_id)
        report_wall = time.perf_counter() - report_start
    total_in_phases = 0.0
    print(f"decomposition {args.preset}: {len(trials)} trials, run wall {wall:.1f} s "
          f"(process CPU {cpu:.1f} s), {args.threads} thread(s)")
    print("| phase | seconds | share of run wall |")
    print("|---|---|---|")
    for label, columns in PHASES.items():
        seconds = sum(float(trials[f"result.{c}"].sum()) for c in columns
                      if f"result.{c}" in trials)
        total_in_phases += seconds
        print(f"| {label} | {seconds:.1f} | {seconds / wall:.1%} |")
    rest = wall - total_in_phases
    print(f"| other (expansion, store commits, progress) | {rest:.1f} | {rest / wall:.1%} |")
    print(f"| report (built after the run: PNG, SVG, PDF, CSV, LaTeX) | {report_wall:.1f} | — |")


if __name__ == "__main__":
    main()
