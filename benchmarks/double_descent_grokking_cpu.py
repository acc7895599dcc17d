"""Measure on this CPU: (1) Gromov's quadratic MLP grokking modular addition (the step at which
test accuracy passes 0.99) and (2) a reduced double-descent width sweep on MNIST-1D.

    .venv/bin/python benchmarks/double_descent_grokking_cpu.py grokking
    .venv/bin/python benchmarks/double_descent_grokking_cpu.py double-descent [widths...]
    .venv/bin/python benchmarks/double_descent_grokking_cpu.py random-features
    .venv/bin/python benchmarks/double_descent_grokking_cpu.py transformer [p] [steps] [frac] [lr]

The `full` preset of `double-descent` itself is run with the CLI (see benchmarks/RESULTS.md):
    OMP_NUM_THREADS=1 .venv/bin/riskscope run double-descent --preset full --out DIR

Prints one JSON line per measured configuration (mean over seeds) and the wall time.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time

import torch

from riskscope.store import Store
from riskscope.studies import load_spec, run_study


def run(study: str, preset: str, overrides: dict) -> tuple[float, object]:
    spec = load_spec({"study": study, **overrides}, preset)
    with tempfile.TemporaryDirectory() as directory, Store(directory) as store:
        start = time.perf_counter()
        summary = run_study(spec, store, device="cpu", threads=torch.get_num_threads())
        wall = time.perf_counter() - start
        return wall, store.trials(summary.run_id)


def main() -> None:
    torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[1] == "grokking"
                          else 1)
    what = sys.argv[1]
    if what == "grokking":
        wall, trials = run("grokking", "full", {
            "seeds": 1, "grid": {"task.train_fraction": [0.5], "training.weight_decay": [1.0]},
            "training": {"steps": 3000, "log_points": 60}})
        cols = ["result.steps_to_fit", "result.steps_to_generalize", "result.final_test_accuracy",
                "result.final_weight_norm", "result.final_neuron_fourier_concentration",
                "result.final_restricted_loss", "result.final_excluded_loss"]
        print(json.dumps({"wall_s": wall, **trials[cols].iloc[0].to_dict()}))
    elif what == "double-descent":
        widths = [int(w) for w in sys.argv[2:]] or [4, 16, 64, 128, 512]
        wall, trials = run("double-descent", "full", {
            "seeds": 2, "grid": {"model.width": widths},
            "training": {"steps": 3000, "log_points": 30}, "data": {"n_train": 300,
                                                                     "eval_samples": 2000}})
        cols = ["result.num_parameters", "result.parameters_per_threshold", "result.train_risk",
                "result.test_risk", "result.test_risk_min", "result.bias2", "result.variance"]
        print(trials.groupby("model.width")[cols].mean().to_string())
        print(json.dumps({"wall_s": wall}))
    elif what == "transformer":  # transformer [p] [steps] [train fraction] [lr]
        args = sys.argv[2:] + [None] * 4
        p, steps = int(args[0] or 31), int(args[1] or 3000)
        fraction, lr = float(args[2] or 0.5), float(args[3] or 0.001)
        wall, trials = run("grokking", "full", {
            "seeds": 1,
            "task": {"name": "modular-addition", "modulus": p, "train_fraction": fraction},
            "grid": {"training.weight_decay": [1.0, 3.0]},
            "options": {"architecture": "transformer", "d_model": 64, "num_heads": 4,
                        "d_mlp": 256},
            "training": {"steps": steps, "log_points": 50, "lr": lr}})
        cols = ["result.steps_to_fit", "result.steps_to_generalize", "result.final_test_accuracy",
                "result.final_weight_norm", "result.final_fourier_concentration",
                "result.final_restricted_loss", "result.final_excluded_loss",
                "result.num_parameters"]
        print(trials[["training.weight_decay", *cols]].to_string())
        print(json.dumps({"wall_s": wall}))
    else:
        wall, trials = run("double-descent", "random-features", {})
        cols = ["result.parameters_per_threshold", "result.test_risk", "result.predicted_risk",
                "result.variance"]
        table = trials.groupby(["options.ridge", "model.width"])[cols].median()
        print(table.to_string())
        print(json.dumps({"wall_s": wall}))


if __name__ == "__main__":
    main()
