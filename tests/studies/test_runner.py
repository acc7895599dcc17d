"""The runner: grouping, resuming, divergence, and what lands in the store."""

import math

import numpy as np
import pytest
import torch

from riskscope.store import Store
from riskscope.studies import GroupJob, LocalExecutor, group_trials, load_spec, run_study
from riskscope.studies.expand import expand_trials

from .conftest import tiny_spec


def test_grouping_puts_equal_shapes_in_one_ensemble():
    spec = load_spec(tiny_spec(seeds=3, grid={"model.width": [4, 8],
                                              "training.lr": [0.1, 0.01]}))
    trials = expand_trials(spec)
    groups = group_trials(trials, ("seed", "data_seed", "training.lr",
                                   "training.weight_decay"), max_size=1024)
    assert sorted(len(g) for g in groups) == [6, 6]
    assert all(len({t.params["model"]["width"] for t in g}) == 1 for g in groups)
    small = group_trials(trials, ("seed", "data_seed"), max_size=2)
    assert max(len(g) for g in small) == 2 and sum(len(g) for g in small) == 12


def test_run_records_everything_and_a_rerun_skips(tmp_path):
    spec = load_spec(tiny_spec())
    with Store(tmp_path) as store:
        first = run_study(spec, store, device="cpu")
        assert (first.trials, first.skipped, first.finished, first.failed) == (4, 0, 4, 0)
        trials = store.trials(first.run_id)
        assert set(trials["status"]) == {"done"}
        row = trials.iloc[0]
        assert row["result.bayes_risk"] == pytest.approx(0.01)
        assert row["result.population_risk_ci_low"] <= row["result.population_risk"] <= \
            row["result.population_risk_ci_high"]
        assert math.isclose(row["result.excess_risk"],
                            row["result.population_risk"] - 0.01, rel_tol=1e-9)
        metrics = store.metrics(first.run_id)
        assert {"train_loss", "test_loss", "weight_norm"} <= set(metrics["name"])
        params = store.load_artifact(row["trial_hash"], "parameters")
        assert params["layers.0.weight"].shape[1] == 3
        second = run_study(spec, store, device="cpu")
        assert (second.skipped, second.finished) == (4, 0)
        assert len(store.trials(first.run_id)) == 4


class _InterruptAfterFirstGroup(LocalExecutor):
    def run(self, jobs, progress=None):
        for k, result in enumerate(super().run(jobs, progress)):
            if k == 1:
                raise KeyboardInterrupt
            yield result


def test_interrupted_run_resumes_without_duplicates(tmp_path):
    spec = load_spec(tiny_spec())
    with Store(tmp_path) as store:
        with pytest.raises(KeyboardInterrupt):
            run_study(spec, store, device="cpu", executor=_InterruptAfterFirstGroup())
        runs = store.runs()
        assert runs.iloc[0]["status"] == "interrupted" and runs.iloc[0]["n_finished"] == 2
        resumed = run_study(spec, store, device="cpu")
        assert (resumed.skipped, resumed.finished) == (2, 2)
        trials = store.trials(resumed.run_id)
        assert len(trials) == 4 and trials["trial_hash"].is_unique
        assert store.runs().iloc[0]["status"] == "done"


def test_diverging_learning_rate_marks_members_and_others_finish(tmp_path):
    spec = load_spec(tiny_spec(grid={"training.lr": [0.05, 1e5]}))
    with Store(tmp_path) as store:
        summary = run_study(spec, store, device="cpu")
        assert summary.diverged == 2 and summary.finished == 4 and summary.failed == 0
        trials = store.trials(summary.run_id)
        bad = trials[trials["training.lr"] == 1e5]
        good = trials[trials["training.lr"] == 0.05]
        assert set(bad["status"]) == {"diverged"}
        assert set(bad["result.stop_reason"]) == {"diverged"}
        assert set(good["status"]) == {"done"}
        assert np.isfinite(good["result.population_risk"]).all()


def test_a_failing_group_fails_only_its_trials(tmp_path, monkeypatch):
    from riskscope.studies.builtin import train

    original = train.TrainStudy.run_group

    def flaky(self, trials, ctx):
        if trials[0].params["model"]["width"] == 4:
            raise RuntimeError("boom")
        return original(self, trials, ctx)

    monkeypatch.setattr(train.TrainStudy, "run_group", flaky)
    with Store(tmp_path) as store:
        summary = run_study(load_spec(tiny_spec()), store, device="cpu")
        assert summary.failed == 2 and summary.finished == 2
        assert "boom" in summary.failures[0]
        monkeypatch.setattr(train.TrainStudy, "run_group", original)
        again = run_study(load_spec(tiny_spec()), store, device="cpu")
        assert again.skipped == 2 and again.finished == 2  # failed trials are retried


def test_jobs_are_plain_data():
    import json

    spec = load_spec(tiny_spec())
    trial = expand_trials(spec)[0]
    job = GroupJob("train", (trial.params,), "cpu")
    assert json.loads(json.dumps(job.trials)) == [trial.params]


def test_per_member_training_sets_when_data_seeds_differ(tmp_path):
    spec = load_spec(tiny_spec(seeds=1, grid={"data_seed": [10, 11, 12]}))
    with Store(tmp_path) as store:
        summary = run_study(spec, store, device="cpu")
        trials = store.trials(summary.run_id)
        assert trials["group_id"].nunique() == 1  # one ensemble, three training sets
        assert trials["result.train_loss"].nunique() == 3
    assert torch.get_default_dtype() == torch.float32
