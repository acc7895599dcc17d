"""Running a study's preset in a test: one torch thread (as the CLI), the CPU, a fresh store."""

from __future__ import annotations

from contextlib import contextmanager

import torch

from riskscope.store import Store
from riskscope.studies import load_spec, run_study


@contextmanager
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def run_preset(directory, study: str, preset: str = "smoke", overrides=()):
    """(summary, trials frame) of `study`'s preset run into a new store at `directory`."""
    with one_torch_thread():
        spec = load_spec(study, preset, list(overrides))
        with Store(directory) as store:
            summary = run_study(spec, store, device="cpu")
            return summary, store.trials(summary.run_id)


def open_preset_run(directory, study: str, preset: str = "smoke"):
    """(open store, summary) of `study`'s preset run at `directory`; the caller closes it."""
    with one_torch_thread():
        store = Store(directory)
        return store, run_study(load_spec(study, preset), store, device="cpu", preset=preset)
