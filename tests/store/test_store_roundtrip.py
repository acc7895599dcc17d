"""Round trips through the store: records, runs, DataFrame queries, run references."""

from __future__ import annotations

import math
import pickle
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
import torch

from riskscope.core.errors import SpecError, StoreError
from riskscope.store import Store, TrialRecord, open_store
from tests.store.store_helpers import RUN_ID, make_record, setup_run, trial_hash, trial_params


def _bits(t: torch.Tensor) -> bytes:
    return t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()


def test_record_round_trip_is_exact(tmp_path):
    base = torch.randn(6, 5)
    tensors = {
        "nan": torch.tensor([1.0, math.nan, -math.inf, -0.0]),
        "bf16": torch.randn(3, 3).to(torch.bfloat16),
        "int": torch.arange(10, dtype=torch.int64),
        "mask": torch.tensor([True, False, True]),
        "transposed": base.t(),  # not contiguous
        "alias": base[:2],  # shares storage with "transposed"
    }
    record = make_record(3)
    record.artifacts = {"weights": tensors, "extra": {"x": torch.ones(2)}}
    with Store(tmp_path) as store:
        setup_run(store, 1)
        assert store.commit_trial(record)
        back = store.load_record(record.trial_hash)
        loaded = store.load_artifact(record.trial_hash, "weights")
    assert back.params == record.params and back.environment == record.environment
    assert back.result["risk"] == record.result["risk"] and math.isnan(back.result["gap"])
    assert back.result["bound"] == math.inf
    assert back.metrics == {k: (list(s), list(v)) for k, (s, v) in record.metrics.items()}
    assert (back.status, back.group_id, back.run_id) == ("done", record.group_id, RUN_ID)
    assert (back.started_at, back.finished_at) == (record.started_at, record.finished_at)
    assert set(loaded) == set(tensors)
    for name, tensor in tensors.items():
        assert loaded[name].dtype == tensor.dtype and loaded[name].shape == tensor.shape
        assert _bits(loaded[name]) == _bits(tensor), name
    assert sorted(back.artifacts) == ["extra", "weights"]
    assert (tmp_path / "artifacts" / record.trial_hash / "weights.safetensors").is_file()


def test_metric_nan_and_inf_round_trip(tmp_path):
    record = make_record(0)
    record.metrics = {"loss": ([0, 10, 100], [0.5, math.nan, math.inf])}
    with Store(tmp_path) as store:
        setup_run(store, 1)
        store.commit_trial(record)
        frame = store.metrics(RUN_ID)
    assert frame["step"].tolist() == [0, 10, 100]
    values = frame["value"].tolist()
    assert values[0] == 0.5 and math.isnan(values[1]) and values[2] == math.inf


def test_queries_and_empty_frames(tmp_path):
    with Store(tmp_path) as store:
        assert list(store.runs().columns) == [
            "run_id", "name", "study", "preset", "status", "created_at",
            "n_trials", "n_finished", "n_diverged", "n_failed",
        ]  # fmt: skip
        store.create_run(RUN_ID, "demo", "study", "quick", {"n": 0}, "h")
        assert store.trials(RUN_ID).columns[:7].tolist() == [
            "trial_hash", "status", "group_id", "started_at", "finished_at", "duration_s", "error",
        ]  # fmt: skip
        empty = store.metrics(RUN_ID)
        assert empty.empty and list(empty.columns) == ["trial_hash", "name", "step", "value"]
        store.add_trials(RUN_ID, [(trial_hash(i), trial_params(i)) for i in range(4)])
        store.commit_trials([make_record(0), make_record(1, status="diverged")])
        store.commit_trial(make_record(2, status="failed"))
        runs = store.runs().set_index("run_id")
        assert runs.loc[RUN_ID, ["n_trials", "n_finished", "n_diverged", "n_failed"]].tolist() == [
            4, 2, 1, 1,
        ]  # fmt: skip
        trials = store.trials(RUN_ID)
        assert trials["trial_hash"].tolist() == [trial_hash(i) for i in range(4)]
        assert trials["status"].tolist() == ["done", "diverged", "failed", "pending"]
        assert trials["model.width"].tolist() == [8, 16, 24, 32]
        assert trials.loc[0, "duration_s"] == pytest.approx(10.5)
        assert math.isnan(trials.loc[0, "result.gap"]) and trials.loc[0, "result.risk"] == 1.0
        assert trials.loc[2, "error"] == "boom"
        assert "environment" in trials.columns
        some = store.metrics(RUN_ID, names=["test_loss"], trial_hashes=[trial_hash(1)])
        assert set(some["name"]) == {"test_loss"} and set(some["trial_hash"]) == {trial_hash(1)}
        assert len(some) == len(make_record(1).metrics["test_loss"][0])
        assert store.environment(trial_hash(0)) == {"device": "cpu", "i": 0}
        assert store.environment(trial_hash(3)) == {}


def test_create_run_is_idempotent_and_checks_the_spec_hash(tmp_path):
    with Store(tmp_path) as store:
        assert store.create_run("r1", "demo", "study", None, {"a": 1}, "hash-a") is True
        assert store.create_run("r1", "demo", "study", None, {"a": 1}, "hash-a") is False
        with pytest.raises(StoreError, match="hash-a"):
            store.create_run("r1", "demo", "study", None, {"a": 2}, "hash-b")
        assert store.run("r1")["spec"] == {"a": 1}
        store.set_run_status("r1", "running", pid=1)
        store.set_run_status("r1", "done", wall_s=2.5)
        run = store.run("r1")
        assert run["status"] == "done" and run["info"] == {"pid": 1, "wall_s": 2.5}
        with pytest.raises(SpecError):
            store.set_run_status("r1", "finished")


def test_resolve_run_by_id_prefix_and_name(tmp_path):
    with Store(tmp_path) as store:
        store.create_run("20240101-aaaa", "sweep", "s", None, {}, "h1")
        store.create_run("20240101-abbb", "other", "s", None, {}, "h2")
        store.create_run("20240102-cccc", "sweep", "s", None, {}, "h3")
        assert store.resolve_run("20240101-aaaa") == "20240101-aaaa"
        assert store.resolve_run("20240102") == "20240102-cccc"
        assert store.resolve_run("sweep") == "20240102-cccc"  # the latest of that name
        with pytest.raises(StoreError, match="ambiguous"):
            store.resolve_run("20240101-a")
        with pytest.raises(StoreError) as info:
            store.resolve_run("nope")
        assert "20240101-abbb (other)" in str(info.value) and str(store.path) in str(info.value)


def test_a_trial_in_two_runs_is_stored_once(tmp_path):
    with open_store(tmp_path) as store:
        setup_run(store, 2)
        store.commit_trial(make_record(0))
        store.create_run("run-2", "again", "study", None, {}, "h")
        store.add_trials("run-2", [(trial_hash(0), {}), (trial_hash(5), {})])
        assert store.finished_trials([trial_hash(0), trial_hash(5)]) == {trial_hash(0)}
        assert store.trials("run-2")["status"].tolist() == ["done", "pending"]
    with open_store(tmp_path / "riskscope.sqlite", create=False) as store:
        assert len(store.metrics("run-2")) == 2 * 300


def test_bad_records_write_nothing(tmp_path):
    with Store(tmp_path) as store:
        setup_run(store, 1)
        bad = make_record(0)
        bad.metrics = {"loss": ([0, 1], [1.0])}
        with pytest.raises(SpecError, match="loss"):
            store.commit_trial(bad)
        with pytest.raises(SpecError, match="status"):
            store.commit_trial(make_record(0, status="ok"))
        with pytest.raises(StoreError, match="no run"):
            store.commit_trial(make_record(0, run_id="missing"))
        with pytest.raises(SpecError, match="trial_hash"):
            store.commit_trial(TrialRecord("../x", RUN_ID, {}, "done", 0.0, 1.0))
        assert store.trials(RUN_ID)["status"].tolist() == ["pending"]
        assert store.metrics(RUN_ID).empty
        assert not list((tmp_path / "artifacts").rglob("*.safetensors"))
        assert isinstance(store.runs(), pd.DataFrame)


def test_pickled_store_reopens_and_concurrent_creation_is_safe(tmp_path):
    fresh = tmp_path / "fresh"
    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: Store(fresh), range(4)))
    for store in stores:
        assert store.integrity_check() == []
        store.close()
    with Store(fresh) as store:
        setup_run(store, 1)
        store.commit_trial(make_record(0, artifacts=False))
        clone = pickle.loads(pickle.dumps(store))
    with clone:
        assert clone.directory == store.directory
        assert clone.finished_trials([trial_hash(0)]) == {trial_hash(0)}
        nan_only = make_record(1, artifacts=False)
        nan_only.metrics = {"loss": ([1, 2], [math.nan, math.nan])}
        clone.commit_trial(nan_only)
        values = clone.metrics(RUN_ID, names="loss")["value"]
        assert values.dtype == "float64" and values.isna().all()
