"""Fixtures of the exchange tests: real smoke runs of the `train` study (built once per
session), a declaration written into their info as the runner will, and their bundles."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from riskscope.core.declared_results import DeclaredResult, ResultDeclaration
from riskscope.store import Store
from riskscope.studies import load_spec, run_study

FAST = ["training.steps=30", "options.risk_samples=300", "data.eval_samples=256"]

DECLARATION = ResultDeclaration((
    DeclaredResult("population_risk", "risk on fresh samples", low=0.0, headline=True),
    DeclaredResult("train_risk", "risk on the training set", low=0.0),
    DeclaredResult("generalization_gap", "population minus training risk"),
    DeclaredResult("excess_risk", "population minus Bayes risk"),
    DeclaredResult("train_loss", "training loss over steps", kind="series", low=0.0),
))


def smoke_run(directory: Path, *overrides: str) -> tuple[Store, str]:
    store = Store(directory)
    spec = load_spec("train", "smoke", [*FAST, *overrides])
    run_id = run_study(spec, store, device="cpu", preset="smoke").run_id
    store.set_run_status(run_id, "done", declaration=DECLARATION.to_json())
    return store, run_id


def copy_store(source: Store, target: Path) -> Store:
    """A byte copy of a store directory (WAL checkpointed first)."""
    conn = sqlite3.connect(source.path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    shutil.copytree(source.directory, target, ignore=shutil.ignore_patterns("reports",
                                                                            "bundles"))
    return Store(target)


def table_dump(store_dir: Path) -> dict:
    """Every row of every table of a store file, plus the files under artifacts/."""
    path = Path(store_dir) / "riskscope.sqlite"
    if not path.exists():
        return {"absent": True}
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    dump = {t: sorted(map(repr, conn.execute(f"SELECT * FROM {t}"))) for t in tables}
    conn.close()
    dump["files"] = sorted(str(p.relative_to(store_dir)) for p in
                           (Path(store_dir) / "artifacts").rglob("*")) \
        if (Path(store_dir) / "artifacts").exists() else []
    return dump


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    """The train smoke run (widths 8 and 32, seeds 0 and 1), with a declaration."""
    store, run_id = smoke_run(tmp_path_factory.mktemp("exchange-smoke"))
    yield store, run_id
    store.close()


@pytest.fixture(scope="session")
def smoke_bundle(smoke, tmp_path_factory):
    """The smoke run's bundle (with its report), written once."""
    from riskscope.exchange import write_bundle

    store, run_id = smoke
    return write_bundle(store, run_id, tmp_path_factory.mktemp("bundles") / "smoke.rsbundle",
                        author="Ada <ada@example.org>", note="smoke run for the tests")
