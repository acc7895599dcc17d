"""Export a run to TensorBoard event files: one run directory per trial.

    DIR/<run id>/trial-<hash[:12]>/events.out.tfevents.*

Each trial's metric series are scalars under their own names at their steps; its numeric
results are scalars `result/<name>` at the trial's last step; its parameters (flattened,
`model.width`) and results go into the HParams plugin's format (an experiment summary, the
session's start info with the hyperparameter values, and its end info), so TensorBoard's
HPARAMS tab lists the trials side by side. Written with tensorboardX (a light writer: numpy
and protobuf, no TensorFlow); TensorBoard stores scalars as float32.
A trial whose directory already exists is skipped, so exporting again (or streaming during a
run) adds only new trials.
"""

from __future__ import annotations

from pathlib import Path

from riskscope.report.trackers.common import finished_trials, missing_extra
from riskscope.store import Store

__all__ = ["TensorBoardExporter"]


class TensorBoardExporter:
    def __init__(self, directory: str | Path):
        try:
            import tensorboardX  # noqa: F401
        except ImportError as exc:
            raise missing_extra("tensorboardX", "tensorboard", exc) from None
        self.directory = Path(directory)

    def run_directory(self, run_id: str) -> Path:
        return self.directory / run_id

    def export(self, store: Store, run_id: str) -> int:
        """Write the trials of `run_id` not yet exported; return how many were written."""
        from tensorboardX import SummaryWriter
        from tensorboardX.summary import hparams

        root = self.run_directory(run_id)
        root.mkdir(parents=True, exist_ok=True)
        done = {p.name for p in root.iterdir() if p.is_dir()}
        written = 0
        for trial in finished_trials(store, run_id):
            if trial.label in done:
                continue
            with SummaryWriter(logdir=str(root / trial.label), flush_secs=1) as writer:
                last = 0
                for name, (steps, values) in sorted(trial.series.items()):
                    for step, value in zip(steps, values):
                        writer.add_scalar(name, value, step)
                    last = max(last, steps[-1])
                for name, value in sorted(trial.results.items()):
                    writer.add_scalar(f"result/{name}", value, last)
                hp = {**trial.params, "status": trial.status}
                metrics = {f"result/{k}": v for k, v in trial.results.items()}
                for summary in hparams(hp, metrics):
                    writer.file_writer.add_summary(summary)
            written += 1
        return written
