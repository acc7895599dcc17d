"""Reproduce: a smoke run's trials re-run bit for bit on the CPU with the same code; the record
is kept with the run and shown by `show` (and `show --json`); a re-run result inside its
interval is 'within interval', one outside or without an interval is 'differing'."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from riskscope.exchange import import_bundle, verify_bundle
from riskscope.exchange.reproduce import check_trial, reproduce_bundle
from riskscope.store import Store, TrialRecord
from riskscope.store.artifacts import content_sha256
from tests.cli_runner import run_cli


@pytest.fixture(scope="module")
def verified(smoke_bundle):
    return verify_bundle(smoke_bundle.path)


def test_a_smoke_run_is_reproduced_bit_for_bit(verified, tmp_path):
    with Store(tmp_path / "s") as store:
        import_bundle(verified, store)
        record = reproduce_bundle(verified, trials=len(verified.trials), rng=1, store=store)
        info = store.run(verified.run_id)["info"]
    assert record.expected == "bit for bit"
    assert record.trials_checked == 4 and record.count("identical") == 4, record.checks
    assert record.outcome == "reproduced bit for bit"
    (stored,) = info["reproductions"]
    assert stored == record.to_json()
    for key in ("at", "trials_checked", "identical", "within_interval", "differing",
                "code_fingerprint", "outcome"):
        assert key in stored


def test_the_choice_of_trials_follows_the_seed(verified):
    a = reproduce_bundle(verified, trials=1, rng=np.random.default_rng(7))
    b = reproduce_bundle(verified, trials=1, rng=np.random.default_rng(7))
    assert [c.trial_hash for c in a.checks] == [c.trial_hash for c in b.checks]


def _record(trial, **result_changes) -> TrialRecord:
    return TrialRecord(trial.trial_hash, "r", trial.params, trial.status, 0.0, 1.0,
                       trial.environment, {**trial.result, **result_changes}, trial.metrics)


def test_check_trial_verdicts(verified):
    trial = verified.trials[0]
    shas = {n: content_sha256(d) for n, d in trial.artifacts.items()}
    assert check_trial(verified, trial, _record(trial), shas).verdict == "identical"
    low, high = trial.result["population_risk_ci_low"], trial.result["population_risk_ci_high"]
    inside = check_trial(verified, trial, _record(trial, population_risk=(low + high) / 2 +
                                                  (high - low) / 4), shas)
    assert inside.verdict == "within_interval" and "population_risk" in inside.detail[0]
    outside = check_trial(verified, trial, _record(trial, population_risk=high + 1.0), shas)
    assert outside.verdict == "differing" and "outside" in outside.detail[0]
    status = check_trial(verified, trial, dataclasses.replace(_record(trial),
                                                              status="diverged"), shas)
    assert status.verdict == "differing"
    timing = check_trial(verified, trial, _record(trial, group_wall_s=123.0), shas)
    assert timing.verdict == "identical"  # elapsed time is not a result to reproduce
    changed = check_trial(verified, trial, _record(trial), {"parameters": "0" * 64})
    assert changed.verdict == "within_interval" and "artifacts differ" in changed.detail[0]


def test_cli_reproduce_records_and_show_displays(smoke_bundle, tmp_path, capsys):
    out_dir = str(tmp_path / "s")
    assert run_cli(["import", str(smoke_bundle.path), "--out", out_dir], capsys)[0] == 0
    code, out, err = run_cli(["reproduce", str(smoke_bundle.path), "--trials", "1",
                              "--seed", "3", "--out", out_dir], capsys)
    assert code == 0, err
    assert "reproduced bit for bit" in out and "recorded with run" in out
    run_id = verify_bundle(smoke_bundle.path).run_id
    code, out, _ = run_cli(["show", run_id, "--out", out_dir], capsys)
    assert code == 0 and "reproduction " in out and "1 identical" in out
    code, out, _ = run_cli(["show", run_id, "--out", out_dir, "--json"], capsys)
    (record,) = json.loads(out)["info"]["reproductions"]
    assert record["outcome"] == "reproduced bit for bit" and record["seed"] == 3
    code, out, _ = run_cli(["reproduce", str(smoke_bundle.path), "--trials", "1", "--out",
                            str(tmp_path / "elsewhere")], capsys)
    assert code == 0 and "not recorded" in out
