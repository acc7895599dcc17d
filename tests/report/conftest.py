"""Stores the report tests build from: a real smoke run, a run with a diverged trial, and a
fake store holding the decomposition results (written directly with `Store.commit_trial`)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from riskscope.store import Store, TrialRecord
from riskscope.studies import load_spec, run_study

SMALL = ["training.steps=20", "options.risk_samples=300", "data.eval_samples=256",
         "options.save_parameters=false"]
FAST = {"formats": ("png",), "n_resamples": 200}
WIDTHS, SIZES, SEEDS = (8, 64), (100, 1600), (0, 1)
COMPONENT_NAMES = ("approximation_error", "optimization_error", "generalization_gap",
                   "remainder")


def run_smoke(directory, *overrides) -> tuple[Store, str]:
    store = Store(directory)
    summary = run_study(load_spec("train", "smoke", [*SMALL, *overrides]), store, device="cpu",
                        preset="smoke")
    return store, summary.run_id


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    """The train study's smoke preset (widths 8 and 32, 2 seeds), 20 steps."""
    store, run_id = run_smoke(tmp_path_factory.mktemp("smoke"))
    yield store, run_id
    store.close()


@pytest.fixture(scope="session")
def smoke_report(smoke):
    """The smoke run's full report (all formats), built once."""
    from riskscope.report import build_report

    store, run_id = smoke
    return build_report(store, run_id, formats=("png", "svg", "pdf"))


@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
    """A run named with markup whose second learning rate diverges."""
    store, run_id = run_smoke(tmp_path_factory.mktemp("hostile"),
                              "name=<script>alert('x')</script>&amp;",
                              'grid={"training.lr" = [0.05, 1e5]}')
    yield store, run_id
    store.close()


def _decomposition_record(run_id, width, n, seed, gen, status="done") -> TrialRecord:
    approx = 2.0 / width
    optim = 0.02 * math.exp(0.3 * gen.standard_normal())
    gap = 1.5 / math.sqrt(n) * math.exp(0.1 * gen.standard_normal())
    remainder = 0.01 * gen.standard_normal()
    excess = approx + optim + gap + remainder
    result = dict(zip(COMPONENT_NAMES, (approx, optim, gap, remainder)))
    # (population and training risk left out to keep the test fast: fewer figures)
    result.update(excess_risk=excess, decomposition_residual=0.0, bayes_risk=0.01)
    steps = [0, 1, 3, 10, 30, 100]
    train = [1.0 / (1 + s) + excess + 0.01 - gap for s in steps]
    test = [t + gap * (1 - math.exp(-s / 10)) for t, s in zip(train, steps)]
    if status == "diverged":
        result = {k: math.nan for k in result}
        train[3:] = test[3:] = [math.inf] * 3
    return TrialRecord(
        trial_hash=f"{width:04d}{n:06d}{seed:02d}".ljust(64, "0"), run_id=run_id,
        params={"study": "decomposition", "model": {"width": width},
                "data": {"n_train": n}, "seed": seed},
        status=status, started_at=1.7e9, finished_at=1.7e9 + 5,
        environment={"device": "cpu", "torch": "2.x", "git_revision": "abc123"},
        result=result if status != "failed" else {},
        metrics={"train_risk": (steps, train), "test_risk": (steps, test)} if status != "failed"
        else {},
        error="Traceback: <b>boom</b>" if status == "failed" else None)


@pytest.fixture(scope="session")
def decomposition(tmp_path_factory):
    """A fake decomposition run: widths × sizes × 2 seeds, one diverged and one failed extra."""
    store = Store(tmp_path_factory.mktemp("decomposition"))
    run_id = "decomposition-test"
    spec = {"study": "decomposition", "options": {"expected_exponents": {
        "approximation_error:model.width": -1.0, "generalization_gap:data.n_train": -1.0}}}
    store.create_run(run_id, "decomposition", "decomposition", "smoke", spec, "0" * 64)
    gen = np.random.default_rng(0)
    records = [_decomposition_record(run_id, w, n, s, gen)
               for w in WIDTHS for n in SIZES for s in SEEDS]
    records.append(_decomposition_record(run_id, WIDTHS[0], SIZES[0], 7, gen, "diverged"))
    records.append(_decomposition_record(run_id, WIDTHS[1], SIZES[0], 8, gen, "failed"))
    store.add_trials(run_id, [(r.trial_hash, r.params) for r in records])
    store.commit_trials(records)
    store.set_run_status(run_id, "done")
    yield store, run_id
    store.close()


@pytest.fixture(scope="session")
def generic(tmp_path_factory):
    """A fake run of a study the report knows nothing about: one result, loss curves only."""
    store = Store(tmp_path_factory.mktemp("generic"))
    run_id = "custom-0001"
    store.create_run(run_id, "custom", "custom", None, {"study": "custom"}, "1" * 64)
    records = []
    for i, (lr, seed) in enumerate([(0.01, 0), (0.01, 1), (0.1, 0), (0.1, 1)]):
        steps = [0, 1, 2, 4, 8, 16]
        train = [1.0 / (1 + lr * s + seed) for s in steps]
        records.append(TrialRecord(
            trial_hash=f"{i:064x}", run_id=run_id,
            params={"study": "custom", "training": {"lr": lr}, "seed": seed},
            status="done", started_at=1.7e9, finished_at=1.7e9 + 1,
            environment={"device": "cpu"},
            result={"sharpness": 2 / lr + seed, "sharpness_ci_low": 1 / lr,
                    "sharpness_ci_high": 3 / lr, "steps_run": 16},
            metrics={"train_loss": (steps, train), "test_loss": (steps, [t + 0.1 for t in train])}))
    store.add_trials(run_id, [(r.trial_hash, r.params) for r in records])
    store.commit_trials(records)
    store.set_run_status(run_id, "done")
    yield store, run_id
    store.close()
