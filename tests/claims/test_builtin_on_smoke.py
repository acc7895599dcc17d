"""Every built-in claim validates and runs on its study's smoke preset (any verdict, no
error). The presets are shrunk with overrides where a claim needs nothing more (fewer steps),
and widened where a claim's selection is outside the smoke grid (k = 2 parities, ridge > 0
random features, MNIST-1D certificates)."""

from __future__ import annotations

import json
import math

import pytest

from riskscope.claims import VERDICTS, builtin_claims, check_claim, verdicts_for_run
from riskscope.store import Store
from riskscope.studies import load_spec, run_study
from tests.cli_runner import run_cli

SMOKE_RUNS = [
    ("lazy-vs-rich", "smoke", ["training.steps=20"]),
    ("edge-of-stability", "smoke", ["training.steps=60", "options.sharpness_every=20"]),
    ("decomposition", "smoke", [
        "training.steps=100", "options.best_in_class_steps=200", "options.risk_samples=2000",
        "options.extra_restarts=0", "data.eval_samples=256",
        'grid={"model.width" = [1, 3], "data.n_train" = [16, 160], "data_seed" = [100, 101]}']),
    ("sparse-parity", "smoke", [
        "training.steps=600",
        'grid={"task.n_bits" = [6, 8], "task.k" = [2, 3], "data_seed" = [0]}']),
    ("double-descent", "random-features-smoke", [
        'grid={"model.width" = [6, 24, 96], "options.ridge" = [0.0, 0.01]}']),
    ("pac-bayes", "smoke", ["task.name=mnist1d", 'grid={"options.prior" = ["data-free"]}',
                            "training.steps=50"]),
    ("neural-collapse", "smoke", ["seeds=1"]),
]


@pytest.fixture(scope="module")
def smoke_store(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("claims-smoke"))
    runs = {}
    for study, preset, overrides in SMOKE_RUNS:
        summary = run_study(load_spec(study, preset, overrides), store, device="cpu",
                            preset=preset)
        runs[study] = summary.run_id
    yield store, runs
    store.close()


@pytest.mark.slow
@pytest.mark.parametrize("claim", builtin_claims(), ids=lambda c: c.id)
def test_every_builtin_claim_runs_on_its_smoke_preset(smoke_store, claim):
    store, runs = smoke_store
    verdicts = check_claim(claim, store)
    assert [v.run_id for v in verdicts] == [runs[claim.study]]
    v = verdicts[0]
    assert v.verdict in VERDICTS
    assert v.evidence, v.detail  # the selection found trials with the result
    assert v.n >= 1 or math.isnan(v.estimate)
    json.dumps(v.to_dict(), allow_nan=False)
    assert v.claim_id in {w.claim_id for w in verdicts_for_run(store, v.run_id)}


@pytest.mark.slow
def test_cli_ledger_on_the_smoke_runs(smoke_store, capsys):
    store, _ = smoke_store
    code, out, err = run_cli(["claims", "check", "--out", str(store.directory), "--json"],
                             capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["claims_without_runs"] == []
    assert len(data["verdicts"]) == len(builtin_claims())
