"""Synthetic runs for the hub's tests and load benchmark: small, honest runs written through
the ordinary store API (create_run, add_trials, commit_trial) with a result declaration, so
their bundles are written and verified by the exchange exactly like a trained run's.

Each run looks like a `train` study sweeping `model.width`: per trial a population risk, a
training risk, their gap and the excess risk over a known Bayes risk, plus a short training
curve; values are drawn from `rng` so every run differs.
"""

from __future__ import annotations

import time

import numpy as np

from riskscope.core.declared_results import DeclaredResult, ResultDeclaration
from riskscope.store import Store, TrialRecord
from riskscope.studies.canonical import spec_hash

DECLARATION = ResultDeclaration((
    DeclaredResult("population_risk", "risk on fresh samples", low=0.0, headline=True),
    DeclaredResult("train_risk", "risk on the training set", low=0.0),
    DeclaredResult("generalization_gap", "population risk minus training risk",
                   headline=True),
    DeclaredResult("excess_risk", "population risk minus the Bayes risk", headline=True),
    DeclaredResult("train_loss", "training loss over steps", kind="series", low=0.0),
))


def synthetic_spec(name: str, seeds: list[int], widths: list[int], n_train: int = 64) -> dict:
    return {"study": "train", "name": name, "seeds": seeds, "device": "cpu",
            "max_group_size": 1024,
            "task": {"name": "teacher-student-regression", "input_dim": 4, "noise_std": 0.1},
            "model": {"family": "mlp", "width": widths[0], "depth": 2, "activation": "relu",
                      "parameterization": "standard"},
            "training": {"optimizer": "sgd", "lr": 0.05, "steps": 150},
            "data": {"n_train": n_train, "eval_samples": 1024}, "options": {},
            "grid": {"product": {"model.width": widths}, "zip": {}}}


def synthetic_run(store: Store, name: str, rng: np.random.Generator,
                  seeds: tuple[int, ...] = (0, 1), widths: tuple[int, ...] = (8, 32),
                  n_train: int = 64) -> str:
    """Write one finished synthetic run into `store`; return its run id."""
    spec = synthetic_spec(name, list(seeds), list(widths), n_train)
    digest = spec_hash(spec)
    run_id = f"synthetic-{digest[:12]}"
    store.create_run(run_id, name, "train", "synthetic", spec, digest)
    trials = []
    for width in widths:
        for seed in seeds:
            params = {"study": "train", "seed": seed, "data_seed": seed,
                      "task": spec["task"], "model": {**spec["model"], "width": width},
                      "training": spec["training"], "data": spec["data"], "options": {}}
            trials.append((spec_hash(params), params))
    store.add_trials(run_id, trials)
    now = time.time()
    for trial_hash, params in trials:
        width = params["model"]["width"]
        population = 0.01 + 0.5 / width + float(rng.normal(0, 0.005))
        train = max(0.0, population - 0.05 + float(rng.normal(0, 0.005)))
        steps = np.arange(0, 151, 30)
        curve = np.exp(-steps / 50.0) + train
        store.commit_trial(TrialRecord(
            trial_hash=trial_hash, run_id=run_id, params=params, status="done",
            started_at=now, finished_at=now, environment={"device": "cpu", "synthetic": True},
            result={"population_risk": population, "train_risk": train,
                    "generalization_gap": population - train, "excess_risk": population - 0.01,
                    "bayes_risk": 0.01},
            metrics={"train_loss": (steps, curve)}))
    store.set_run_status(run_id, "done", declaration=DECLARATION.to_json())
    return run_id


__all__ = ["DECLARATION", "synthetic_run", "synthetic_spec"]
