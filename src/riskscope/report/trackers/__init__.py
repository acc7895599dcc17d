"""Export a run's trials to the trackers people use: TensorBoard event files and MLflow.

`export_run(store, run_ref, "tensorboard", DIR)` or `export_run(store, run_ref, "mlflow",
URI)`; both add only trials not exported before, so the same call streams a run that is still
going (`riskscope run ... --track`). The optional extras riskscope[tensorboard] and
riskscope[mlflow] install the writers; without them a SpecError says which to install.
"""

from __future__ import annotations

from riskscope.core.errors import SpecError
from riskscope.store import Store

__all__ = ["TRACKERS", "export_run", "make_exporter"]

TRACKERS = ("tensorboard", "mlflow")


def make_exporter(kind: str, target: str):
    if kind == "tensorboard":
        from riskscope.report.trackers.tensorboard import TensorBoardExporter

        return TensorBoardExporter(target)
    if kind == "mlflow":
        from riskscope.report.trackers.mlflow_export import MlflowExporter

        return MlflowExporter(target)
    raise SpecError("--to", kind, " or ".join(TRACKERS))


def export_run(store: Store, run_ref: str, to: str, target: str) -> int:
    """Export the finished trials of `run_ref` (id, prefix or name) not yet exported to the
    tracker `to` ("tensorboard" with a directory, "mlflow" with a tracking URI); return the
    number of trials written."""
    exporter = make_exporter(to, target)
    return exporter.export(store, store.resolve_run(run_ref))
