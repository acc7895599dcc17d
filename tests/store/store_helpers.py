"""Shared helpers of the store tests, and the child-process entry points they start.

Kept as a plain module (not conftest) so 'spawn' children and `python store_helpers.py ...`
subprocesses can import the same functions.
"""

from __future__ import annotations

import math
import os
import random
import signal
import sys

RUN_ID = "run-0001"
N_STEPS = 300


def trial_hash(i: int) -> str:
    return f"{i:064x}"


def trial_params(i: int) -> dict:
    return {"model": {"width": 8 * (i % 4 + 1), "depth": 2}, "seed": i}


def make_record(
    i: int,
    run_id: str = RUN_ID,
    status: str = "done",
    n_steps: int = N_STEPS,
    artifacts: bool = True,
):
    """A deterministic record: nested params, a NaN result, two metric series and (if asked)
    one artifact. Without artifacts torch is not imported, so child processes start fast."""
    from riskscope.store import TrialRecord

    rng = random.Random(i)
    steps = list(range(0, 2 * n_steps, 2))
    return TrialRecord(
        trial_hash=trial_hash(i),
        run_id=run_id,
        params=trial_params(i),
        status=status,
        started_at=1_700_000_000.0 + i,
        finished_at=1_700_000_010.5 + i,
        environment={"device": "cpu", "i": i},
        result={"risk": 1.0 / (i + 1), "gap": math.nan, "bound": math.inf},
        metrics={
            "train_loss": (steps, [rng.random() for _ in steps]),
            "test_loss": (steps, [rng.random() for _ in steps]),
        },
        artifacts=_weights(i) if artifacts else {},
        error="boom" if status == "failed" else None,
        group_id=f"group-{i // 4}",
    )


def _weights(i: int) -> dict:
    import torch

    g = torch.Generator().manual_seed(i)
    return {"weights": {"w": torch.randn(16, 8, generator=g), "b": torch.zeros(8)}}


def setup_run(store, n: int, run_id: str = RUN_ID) -> None:
    store.create_run(run_id, "demo", "study", None, {"n": n}, "spec-hash")
    store.add_trials(run_id, [(trial_hash(i), trial_params(i)) for i in range(n)])


def commit_worker(directory: str, indices: list[int], barrier, results) -> None:
    """Spawned child: register and commit `indices` (without artifacts, so that the child does
    not spend its time importing torch) once both children are ready."""
    from riskscope.store import Store

    with Store(directory) as store:
        store.add_trials(RUN_ID, [(trial_hash(i), trial_params(i)) for i in indices])
        barrier.wait(timeout=60)
        results.put(sum(store.commit_trial(make_record(i, artifacts=False)) for i in indices))


def _kill_mid_commit(directory: str, kill_at: int, n: int) -> None:
    """Commit trials 0..n-1 and SIGKILL this process inside the transaction of the kill_at-th,
    after all its rows are written but before COMMIT."""
    from riskscope.store import Store, commit

    original = commit.write_rows
    calls = []

    def write_rows(*args, **kwargs):
        original(*args, **kwargs)
        calls.append(1)
        if len(calls) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    commit.write_rows = write_rows
    store = Store(directory)
    for i in range(n):
        store.commit_trial(make_record(i))


def _commit_forever(directory: str, n: int) -> None:
    """Commit big trials, announcing each on stdout, until the parent kills this process."""
    from riskscope.store import Store

    store = Store(directory)
    for i in range(n):
        store.commit_trial(make_record(i, n_steps=20_000, artifacts=False))
        print(f"committed {i}", flush=True)


if __name__ == "__main__":
    command, directory, *numbers = sys.argv[1:]
    {"kill-mid-commit": _kill_mid_commit, "commit-forever": _commit_forever}[command](
        directory, *map(int, numbers)
    )
