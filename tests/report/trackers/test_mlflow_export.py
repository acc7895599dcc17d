"""MLflow export read back with MLflow's own client, value for value against the store: the
study is an experiment, the run a parent MLflow run with the report as artifacts, each trial a
nested child run with its params, step-indexed metrics and results."""

import math

import pytest

pytest.importorskip("mlflow")
from mlflow.tracking import MlflowClient

from riskscope.report.trackers import export_run
from riskscope.report.trackers.common import flatten
from tests.cli_runner import run_cli

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning",
                                        "ignore::FutureWarning", "ignore::UserWarning")


@pytest.mark.slow
def test_export_matches_the_store(smoke, tmp_path):
    store, run_id = smoke
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert export_run(store, run_id, "mlflow", uri) == 4
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("train")
    runs = client.search_runs([experiment.experiment_id])
    (parent,) = [r for r in runs if r.data.tags.get("riskscope.run_id") == run_id]
    children = {r.data.tags["riskscope.trial_hash"]: r for r in runs
                if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id}
    trials = store.trials(run_id)
    assert set(children) == set(trials["trial_hash"])
    artifacts = {a.path for a in client.list_artifacts(parent.info.run_id, "report")}
    assert "report/index.html" in artifacts
    for trial_hash, child in children.items():
        record = store.load_record(trial_hash, with_artifacts=False)
        assert child.data.params == {k: str(v) for k, v in flatten(record.params).items()}
        for name, (steps, values) in record.metrics.items():
            history = sorted((m.step, m.value) for m in
                             client.get_metric_history(child.info.run_id, name))
            finite = [(s, v) for s, v in zip(steps, values) if math.isfinite(v)]
            assert history == sorted(finite), name          # float64: exact
        for name, value in record.result.items():
            if isinstance(value, bool):
                assert child.data.metrics[f"result.{name}"] == float(value)
            elif isinstance(value, int | float) and math.isfinite(value):
                assert child.data.metrics[f"result.{name}"] == value, name
            elif isinstance(value, str):
                assert child.data.tags[f"result.{name}"] == value
        assert child.info.status == "FINISHED"
    # exporting again adds nothing and keeps one parent run
    assert export_run(store, run_id, "mlflow", uri) == 0
    assert len(client.search_runs([experiment.experiment_id])) == 5


def test_cli_missing_extra_and_remote_uri(smoke, tmp_path, capsys, monkeypatch):
    store, run_id = smoke
    code, _out, err = run_cli(["export", run_id, "--out", str(store.directory), "--to",
                              "mlflow", "http://example.org:5000"], capsys)
    assert code == 2 and "sqlite:///" in err
    monkeypatch.setitem(__import__("sys").modules, "mlflow.tracking", None)
    code, _out, err = run_cli(["export", run_id, "--out", str(store.directory), "--to",
                              "mlflow", str(tmp_path / "m")], capsys)
    assert code == 2 and "pip install 'riskscope[mlflow]'" in err


@pytest.mark.slow
def test_track_streams_to_a_directory_store_and_file_uris_work(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)          # MLflow's default artifact root would be ./mlruns
    code, _out, err = run_cli(["run", "train", "--preset", "smoke", "--out", "results",
                               "--set", "training.steps=20", "--set",
                               "options.risk_samples=300", "--no-report", "--threads", "1",
                               "--track", "mlflow:tracking"], capsys)
    assert code == 0, err
    uri = f"sqlite:///{tmp_path / 'tracking' / 'mlflow.db'}"
    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("train")
    runs = client.search_runs([experiment.experiment_id])
    assert sum("mlflow.parentRunId" in r.data.tags for r in runs) == 4
    assert not (tmp_path / "mlruns").exists() and not (tmp_path / "mlartifacts").exists()
    from riskscope.store import Store

    with Store(tmp_path / "results", create=False) as store:
        run_id = store.runs()["run_id"].iloc[0]
        file_uri = (tmp_path / "filestore").as_uri()
        monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
        assert export_run(store, run_id, "mlflow", file_uri) == 4
    file_runs = MlflowClient(tracking_uri=file_uri).search_runs(
        [MlflowClient(tracking_uri=file_uri).get_experiment_by_name("train").experiment_id])
    assert len(file_runs) == 5
