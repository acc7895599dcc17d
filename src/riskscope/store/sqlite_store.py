"""`Store`: the results store of one directory, `riskscope.sqlite` plus `artifacts/`.

Append-only in spirit: a finished trial (done or diverged) is written once and never replaced
(unless a rerun of stale results asks for it: `commit_trial(record, replace=True)`); a failed
one is replaced when it is retried. Every write is one `BEGIN IMMEDIATE` transaction,
so a killed process loses at most the trial it was committing, and two processes sharing a
store commit each trial exactly once (the second sees it finished and backs off).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from riskscope.core.errors import StoreError
from riskscope.store import artifacts, claims, codec, commit, frames, provenance, runs
from riskscope.store.code_fingerprint import is_current
from riskscope.store.connection import cannot_write, open_connection, write_transaction
from riskscope.store.guard import guarded
from riskscope.store.records import TrialRecord
from riskscope.store.schema import DB_FILENAME, FINISHED_STATUSES
from riskscope.store.trial_reads import TrialReads

if TYPE_CHECKING:
    import pandas as pd

_FINISHED_SQL = "('" + "', '".join(FINISHED_STATUSES) + "')"


class Store(TrialReads):
    """The SQLite results store of `directory` (created when absent unless create=False).

    Use as a context manager or call `close()`. Safe to share between threads; after a fork
    the child opens its own connection; pickling sends only the directory.
    """

    def __init__(self, directory: str | os.PathLike, create: bool = True):
        self.directory = Path(directory).expanduser().resolve()
        self.path = self.directory / DB_FILENAME
        if self.directory.exists() and not self.directory.is_dir():
            raise StoreError(f"{self.directory} is a file, not a results directory")
        if not self.directory.exists():
            if not create:
                raise StoreError(f"no riskscope store at {self.directory}: no such directory")
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the results directory {self.directory}: "
                                 f"{exc.strerror or exc}") from exc
        self._lock = threading.RLock()
        self.read_only = self.path.exists() and cannot_write(self.path)
        self._conn: sqlite3.Connection | None = open_connection(self.path, create)
        self._identity = _file_identity(self.path)
        self._pid = os.getpid()

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"the store {self.path} is closed")
        if self._pid != os.getpid():  # an SQLite connection must not be used across a fork
            self._conn = open_connection(self.path, create=False)
            self._pid = os.getpid()
        return self._conn

    def check_present(self) -> None:
        """StoreError if the results directory or its database file was deleted, unmounted or
        replaced since this store was opened (SQLite would go on writing to a file nobody can
        reach, and the run would report trials that no longer exist)."""
        if _file_identity(self.path) != self._identity:
            raise StoreError(
                f"the results store {self.path} was deleted, unmounted or replaced while this "
                "process was using it; trials committed since then are lost. Rerun into a "
                "results directory that stays in place")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __reduce__(self):
        return (Store, (str(self.directory), False))

    def __repr__(self) -> str:
        return f"Store({str(self.directory)!r})"

    # -- runs --------------------------------------------------------------------------------
    @guarded
    def create_run(
        self, run_id: str, name: str, study: str, preset: str | None, spec: dict, spec_hash: str
    ) -> bool:
        """Record a run; False if it already exists with the same spec_hash, StoreError if not."""
        return runs.create_run(self._db, self.path, run_id, name, study, preset, spec, spec_hash)

    @guarded
    def set_run_status(self, run_id: str, status: str, **info) -> None:
        """Set the status (running, done, interrupted, failed); merge `info` into the run's."""
        runs.set_run_status(self._db, self.path, run_id, status, info)

    @guarded
    def runs(self) -> pd.DataFrame:
        """run_id, name, study, preset, status, created_at, n_trials, n_finished (done or
        diverged), n_diverged, n_failed; oldest first. A run recorded as running whose process
        is gone (killed) shows as interrupted (see `effective_status`)."""
        frame = frames.runs_frame(self._db)
        running = frame["status"] == "running"
        if running.any():
            infos = dict(self._db.execute("SELECT run_id, info_json FROM runs WHERE status = ?",
                                          ("running",)).fetchall())
            frame.loc[running, "status"] = [
                effective_status("running", codec.loads(infos.get(rid), {}, "runs.info_json"))
                for rid in frame.loc[running, "run_id"]]
        return frame

    @guarded
    def run_rows(self) -> list[dict]:
        """The columns of `runs()` as one dict per run, oldest first (no pandas needed)."""
        return frames.run_rows(self._db)

    @guarded
    def resolve_run(self, run_ref: str) -> str:
        """Run id from an exact id, a run name (its latest run) or a unique id prefix."""
        return runs.resolve_run(self._db, self.path, run_ref)

    @guarded
    def run(self, run_id: str) -> dict:
        """The run's row, with `spec` and `info` parsed from their JSON columns."""
        row = runs.run_row(self._db, self.path, run_id)
        row["spec"] = codec.loads(row.pop("spec_json"), {}, f"runs.spec_json of {run_id}")
        row["info"] = codec.loads(row.pop("info_json"), {}, f"runs.info_json of {run_id}")
        row["status"] = effective_status(row["status"], row["info"])
        return row

    # -- trials ------------------------------------------------------------------------------
    @guarded
    def add_trials(self, run_id: str, trials: Iterable[tuple[str, dict]]) -> None:
        """Register (trial_hash, params) as members of the run; new trials start "pending".

        A trial already in the store (from this or another run) keeps its row and status.
        """
        rows = [
            (artifacts.check_name("trial_hash", th), codec.dumps(p, f"params of {th}"))
            for th, p in trials
        ]
        now = time.time()
        with write_transaction(self._db) as db:
            runs.run_row(db, self.path, run_id)
            start = db.execute(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM run_trials WHERE run_id = ?", (run_id,)
            ).fetchone()[0]
            db.executemany(
                """INSERT OR IGNORE INTO trials (trial_hash, params_json, status, registered_at)
                   VALUES (?, ?, 'pending', ?)""",
                [(th, params, now) for th, params in rows],
            )
            db.executemany(
                "INSERT OR IGNORE INTO run_trials (run_id, trial_hash, position) VALUES (?,?,?)",
                [(run_id, th, start + i) for i, (th, _) in enumerate(rows)],
            )

    @guarded
    def finished_trials(self, trial_hashes: Iterable[str]) -> set[str]:
        """The given trials that are done or diverged (failed and pending ones are retried)."""
        hashes = [trial_hashes] if isinstance(trial_hashes, str) else trial_hashes
        found: set[str] = set()
        for batch in frames.chunks(dict.fromkeys(hashes)):
            query = (
                f"SELECT trial_hash FROM trials WHERE status IN {_FINISHED_SQL} "
                f"AND trial_hash IN ({frames.placeholders(len(batch))})"
            )
            found.update(r[0] for r in self._db.execute(query, batch))
        return found

    @guarded
    def commit_trial(self, record: TrialRecord, replace: bool = False) -> bool:
        """Write one trial atomically (see `riskscope.store.commit`); False, writing nothing,
        if it is already finished, e.g. because another process got there first. With
        `replace`, a finished trial is overwritten (recomputing a stale result). Drops this
        process's claim on the trial. StoreError if the store vanished (`check_present`)."""
        self.check_present()
        written = commit.commit_record(self._db, self.directory, self.path, record, replace)
        self.check_present()  # a commit into a deleted file "succeeds"; it is lost all the same
        return written

    # -- claims (concurrent runners split the work) -------------------------------------------
    @guarded
    def claim_trials(self, trial_hashes: Iterable[str], run_id: str | None = None,
                     replace: Iterable[str] = ()) -> tuple[set[str], set[str]]:
        """Claim unfinished trials (and finished ones in `replace`) for this process:
        (claimed, held by another live process). See `riskscope.store.claims`."""
        self.check_present()
        return claims.claim_trials(self._db, trial_hashes, run_id, replace)

    @guarded
    def release_claims(self, trial_hashes: Iterable[str] | None = None) -> None:
        """Drop this process's claims (all, or on the given trials)."""
        if self._conn is not None and not self.read_only:
            claims.release_trials(self._db, trial_hashes)

    @guarded
    def live_claims(self, trial_hashes: Iterable[str]) -> dict[str, tuple]:
        """trial_hash -> (owner, host, pid), for the given trials claimed by another live
        process."""
        return claims.live_claims(self._db, trial_hashes)

    # -- code fingerprints ---------------------------------------------------------------------
    @guarded
    def code_status(self, run_id: str) -> dict[str, bool | None]:
        """For each finished trial of the run: True if the code that computed it is unchanged
        now, False if it changed (the result is stale), None if no fingerprint was recorded.
        See `riskscope.store.code_fingerprint`."""
        runs.run_row(self._db, self.path, run_id)
        rows = self._db.execute(
            f"""SELECT t.trial_hash, t.environment_json FROM run_trials rt
                JOIN trials t ON t.trial_hash = rt.trial_hash
                WHERE rt.run_id = ? AND t.status IN {_FINISHED_SQL}""", (run_id,))
        out = {}
        for th, env in rows:
            environment = codec.loads(env, {}, f"environment of trial {th}")
            out[th] = is_current(environment.get("code") if isinstance(environment, dict)
                                 else None)
        return out

    def commit_trials(self, records: Iterable[TrialRecord]) -> int:
        """Commit several records, each in its own transaction; the number actually written."""
        return sum(self.commit_trial(record) for record in records)

    # -- results from elsewhere (schema version 2) -------------------------------------------
    @guarded
    def merge_imported(self, run: dict, trials: list[provenance.ImportedTrial],
                       source: provenance.ImportSource) -> provenance.MergeCounts:
        """Merge a run and its trials from another store atomically, keeping every differing
        result with its provenance (see `riskscope.store.provenance`)."""
        return provenance.merge_trials(self._db, self.directory, self.path, run, trials, source)

    @guarded
    def trial_variants(self, trial_hash: str) -> list[dict]:
        """Every result this trial hash has been given, primary first, with their sources."""
        return provenance.trial_variants(self._db, self.directory, trial_hash)

    @guarded
    def imported_bundles(self) -> list[dict]:
        """The bundles merged into this store (digest, run_id, author, note, versions, time)."""
        return provenance.bundles(self._db)



def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def effective_status(status: str, info: dict) -> str:
    """A run recorded as "running" whose runner process (info pid/host, this host) is gone was
    killed without a chance to say so: it is "interrupted"."""
    if status != "running" or not isinstance(info, dict):
        return status
    pid, host = info.get("pid"), info.get("host")
    if not isinstance(pid, int) or not isinstance(host, str):
        return status
    return "interrupted" if claims.process_alive(host, pid) is False else status


def open_store(path: str | os.PathLike, create: bool = True) -> Store:
    """A Store from a results directory or from the path of its riskscope.sqlite file."""
    path = Path(path).expanduser()
    if path.is_file() and path.name == DB_FILENAME:
        path = path.parent
    return Store(path, create=create)
