"""Export a run to MLflow: the study is an experiment, the run a parent MLflow run, each trial
a child run nested under it (tag `mlflow.parentRunId`).

Tracking URI: a local SQLite database (`sqlite:///path/mlflow.db`, a path ending in .db, or
a directory, which then holds `mlflow.db`; artifacts beside the database in
`<db name>-artifacts/`), or MLflow's file store (`file:///path/mlruns`, which MLflow 3 keeps in
maintenance mode; riskscope opts in when a file: URI is named); no server. Per trial: its
flattened parameters as params (`model.width`), its metric series as step-indexed metrics,
its numeric results as metrics `result.<name>` at its last step, text results and its status
as tags (`riskscope.trial_hash`, `riskscope.status`). The parent run carries the run's id, study and
preset as tags and the run's report (built from the store) as artifacts under `report/`.
Trials already exported (found by their trial-hash tag under the parent run) are skipped, so
exporting again (or streaming during a run) adds only new trials.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from riskscope.report.trackers.common import finished_trials, missing_extra
from riskscope.store import Store

__all__ = ["MlflowExporter", "tracking_uri"]

_KEY = re.compile(r"[^A-Za-z0-9_\-. /]")
_BATCH = 900


def tracking_uri(text: str) -> str:
    """`sqlite:///PATH.db` and `file:` URIs are kept; a path ending in .db becomes a SQLite
    URI, any other path a directory holding `mlflow.db`. Remote URIs are refused."""
    from riskscope.core.errors import SpecError

    if text.startswith(("sqlite:///", "file:")):
        return text
    if "://" in text:
        raise SpecError("--to mlflow URI", text, "a local tracking store: sqlite:///PATH.db, "
                        "file:///DIR or a path")
    path = Path(text).expanduser().absolute()
    if path.suffix != ".db":
        path.mkdir(parents=True, exist_ok=True)
        path = path / "mlflow.db"
    return f"sqlite:///{path}"


def artifact_root(uri: str, study: str) -> str | None:
    """Where an experiment's artifacts go: beside a SQLite database (`<db>-artifacts/`),
    never the working directory (MLflow's default); inside the store for `file:` URIs."""
    if uri.startswith("sqlite:///"):
        db = Path(uri.removeprefix("sqlite:///"))
        return (db.parent / f"{db.stem}-artifacts" / _key(study)).absolute().as_uri()
    return None


def _key(name: str) -> str:
    return _KEY.sub("_", name)[:250]


class MlflowExporter:
    def __init__(self, uri: str):
        try:
            from mlflow.tracking import MlflowClient
        except ImportError as exc:
            raise missing_extra("mlflow", "mlflow", exc) from None
        self.uri = tracking_uri(uri)
        if self.uri.startswith("file:"):
            # MLflow 3 keeps its file store in maintenance mode behind this switch; a user who
            # names a file: URI asks for that store explicitly
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        self.client = MlflowClient(tracking_uri=self.uri)

    def _experiment(self, study: str) -> str:
        found = self.client.get_experiment_by_name(study)
        if found:
            return found.experiment_id
        return self.client.create_experiment(study, artifact_location=artifact_root(self.uri,
                                                                                   study))

    def parent_run(self, store: Store, run_id: str) -> tuple[str, str]:
        """(experiment id, MLflow run id) of the riskscope run, created when absent."""
        run = store.run(run_id)
        experiment = self._experiment(str(run.get("study") or "riskscope"))
        hits = self.client.search_runs([experiment],
                                       f"tags.`riskscope.run_id` = '{run_id}'")
        if hits:
            return experiment, hits[0].info.run_id
        parent = self.client.create_run(experiment, run_name=run_id, tags={
            "riskscope.run_id": run_id, "riskscope.study": str(run.get("study")),
            "riskscope.preset": str(run.get("preset"))})
        return experiment, parent.info.run_id

    def exported(self, experiment: str, parent: str) -> set[str]:
        runs = self.client.search_runs([experiment], f"tags.mlflow.parentRunId = '{parent}'",
                                       max_results=50000)
        return {r.data.tags.get("riskscope.trial_hash") for r in runs}

    def export(self, store: Store, run_id: str, report: bool = True) -> int:
        """Log the trials of `run_id` not yet logged; with `report`, attach the report."""
        from mlflow.entities import Metric, Param

        experiment, parent = self.parent_run(store, run_id)
        skip = self.exported(experiment, parent)
        written = 0
        for trial in finished_trials(store, run_id, skip):
            child = self.client.create_run(experiment, run_name=trial.label, tags={
                "mlflow.parentRunId": parent, "riskscope.trial_hash": trial.trial_hash,
                "riskscope.status": trial.status,
                **{f"result.{k}": v[:5000] for k, v in trial.text_results.items()}})
            cid = child.info.run_id
            now = int(time.time() * 1000)
            params = [Param(_key(k), str(v)[:6000]) for k, v in trial.params.items()]
            metrics, last = [], 0
            for name, (steps, values) in trial.series.items():
                metrics += [Metric(_key(name), v, now, s) for s, v in zip(steps, values)]
                last = max(last, steps[-1])
            metrics += [Metric(_key(f"result.{k}"), v, now, last)
                        for k, v in trial.results.items()]
            for i in range(0, len(params), 100):
                self.client.log_batch(cid, params=params[i:i + 100])
            for i in range(0, len(metrics), _BATCH):
                self.client.log_batch(cid, metrics=metrics[i:i + _BATCH])
            self.client.set_terminated(cid, "FINISHED" if trial.status == "done" else "FAILED")
            written += 1
        if report:
            self._attach_report(store, run_id, parent)
        return written

    def _attach_report(self, store: Store, run_id: str, parent: str) -> None:
        from riskscope.report.build import build_report

        index = build_report(store, run_id, formats=("png",))
        self.client.log_artifacts(parent, str(index.parent), "report")
        self.client.set_terminated(parent, "FINISHED")
