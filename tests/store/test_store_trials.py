"""Trial lifecycle: pending -> done/diverged (final) or failed (retried); artifact integrity."""

from __future__ import annotations

import pytest
import torch

from riskscope.core.errors import StoreError
from riskscope.store import Store, commit
from tests.store.store_helpers import RUN_ID, make_record, setup_run, trial_hash


def test_finished_trials_and_pending(tmp_path):
    with Store(tmp_path) as store:
        setup_run(store, 4)
        hashes = [trial_hash(i) for i in range(4)]
        assert store.finished_trials(hashes) == set()
        store.commit_trial(make_record(0))
        store.commit_trial(make_record(1, status="diverged"))
        store.commit_trial(make_record(2, status="failed"))
        assert store.finished_trials(hashes) == {trial_hash(0), trial_hash(1)}
        assert store.finished_trials(iter(hashes * 300)) == {trial_hash(0), trial_hash(1)}


def test_second_commit_of_a_finished_trial_is_refused(tmp_path):
    with Store(tmp_path) as store:
        setup_run(store, 1)
        first = make_record(0)
        assert store.commit_trial(first) is True
        second = make_record(0)
        second.result = {"risk": -1.0}
        second.metrics = {"other": ([0], [1.0])}
        second.artifacts = {"weights": {"w": torch.full((2,), 7.0)}}
        assert store.commit_trial(second) is False
        kept = store.load_record(trial_hash(0))
        assert kept.result["risk"] == first.result["risk"]
        assert set(kept.metrics) == {"train_loss", "test_loss"}
        assert torch.equal(kept.artifacts["weights"]["w"], first.artifacts["weights"]["w"])
        directory = tmp_path / "artifacts" / trial_hash(0)
        assert [p.name for p in directory.iterdir()] == ["weights.safetensors"]


def test_failed_trials_are_retried_and_replaced(tmp_path):
    with Store(tmp_path) as store:
        setup_run(store, 1)
        failed = make_record(0, status="failed")
        failed.artifacts = {"partial": {"x": torch.ones(3)}}
        assert store.commit_trial(failed)
        assert store.finished_trials([trial_hash(0)]) == set()
        assert store.commit_trial(make_record(0))
        record = store.load_record(trial_hash(0))
        assert record.status == "done" and record.error is None
        assert store.artifact_names(trial_hash(0)) == ["weights"]
        assert not (tmp_path / "artifacts" / trial_hash(0) / "partial.safetensors").exists()
        assert len(store.metrics(RUN_ID)) == 2 * 300


def test_corrupted_or_missing_artifact_raises(tmp_path):
    with Store(tmp_path) as store:
        setup_run(store, 2)
        store.commit_trials([make_record(0), make_record(1)])
        path = tmp_path / "artifacts" / trial_hash(0) / "weights.safetensors"
        data = bytearray(path.read_bytes())
        data[-1] ^= 0xFF
        path.write_bytes(bytes(data))
        with pytest.raises(StoreError, match="corrupt") as info:
            store.load_artifact(trial_hash(0), "weights")
        assert str(path) in str(info.value)
        (tmp_path / "artifacts" / trial_hash(1) / "weights.safetensors").unlink()
        with pytest.raises(StoreError, match="cannot be read"):
            store.load_artifact(trial_hash(1), "weights")
        with pytest.raises(StoreError, match="it has: weights"):
            store.load_artifact(trial_hash(1), "nope")
        with pytest.raises(StoreError, match="no trial"):
            store.environment("f" * 64)


def test_loser_of_a_race_neither_writes_rows_nor_replaces_files(tmp_path, monkeypatch):
    """Process B passes the "already finished?" pre-check, then A commits the same trial while
    B stages its artifact: B must back off under the lock and leave A's file in place."""
    winner, loser = make_record(0), make_record(0)
    loser.artifacts = {"weights": {"w": torch.full((4,), 9.0)}}
    with Store(tmp_path) as a, Store(tmp_path) as b:
        setup_run(a, 1)
        stage = commit.artifacts.stage

        def stage_after_a_commits(*args, **kwargs):
            monkeypatch.setattr(commit.artifacts, "stage", stage)
            assert a.commit_trial(winner)
            return stage(*args, **kwargs)

        monkeypatch.setattr(commit.artifacts, "stage", stage_after_a_commits)
        assert b.commit_trial(loser) is False
        loaded = b.load_artifact(trial_hash(0), "weights")
        assert torch.equal(loaded["w"], winner.artifacts["weights"]["w"])
        directory = tmp_path / "artifacts" / trial_hash(0)
        assert [p.name for p in directory.iterdir()] == ["weights.safetensors"]
        assert len(b.metrics(RUN_ID)) == 2 * 300
