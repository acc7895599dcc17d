"""`riskscope run` options for scale-out: which executor runs the groups, and the messages
about work shared with other processes or recomputed because the code changed."""

from __future__ import annotations

from riskscope.core.errors import SpecError
from riskscope.studies import Executor, LocalExecutor, RunSummary

EXECUTORS = ("local", "ray")


def make_executor(name: str | None, ray_address: str | None) -> Executor:
    """local (default) or ray; `--ray-address` implies ray. A clear error when Ray is missing
    (`pip install 'riskscope[ray]'`)."""
    name = name or ("ray" if ray_address else "local")
    if name == "local":
        if ray_address:
            raise SpecError("--ray-address", ray_address, "only with --executor ray")
        return LocalExecutor()
    from riskscope.studies.ray_executor import RayExecutor

    return RayExecutor(address=ray_address)


def run_notes(summary: RunSummary) -> list[str]:
    """Lines about trials another process computed and stale results recomputed."""
    notes = []
    if summary.elsewhere:
        notes.append(f"{summary.elsewhere} trials were computed (or are being computed) by "
                     "another process running this study into the same store; this process "
                     f"committed {summary.finished + summary.failed}.")
    if summary.blocked:
        notes.append(f"{summary.blocked} trials were not run: another process is still "
                     "computing a trial they need; rerun to complete them.")
    if summary.stale:
        notes.append(f"{summary.stale} stale results (computed by older code) were recomputed.")
    return notes


