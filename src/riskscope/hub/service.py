"""`Hub`: the operations on one hub root — publish, withdraw, add a claim, record a
reproduction — each all-or-nothing.

Publishing a bundle (`Hub.publish`):
1. the upload (already on disk under tmp/) is verified by the exchange, exactly as `riskscope
   import` verifies it; a refusal raises with the exchange's message and nothing is kept;
2. it is imported into a fresh store in a staging folder under tmp/, its report is written
   beside it, the hub's record (record.py) is built and every claim is checked on it;
3. under the commit lock: the staging folder becomes runs/<digest>/, the upload becomes
   bundles/<d[:2]>/<digest>.rsbundle, and the run, its verdicts and an audit event are inserted
   in one transaction; if that fails both are removed again.
A bundle is identified by its digest, so publishing the same bytes twice stores them once.
Published bundles are never changed; withdrawing hides a run and keeps everything (audit).
At start, folders and files that no database row names (a crash between 3's steps) go.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

from riskscope.core.errors import SpecError
from riskscope.hub import evidence
from riskscope.hub.database import connect, log_event, transaction
from riskscope.hub.errors import Conflict, Forbidden
from riskscope.hub.paths import BUNDLE_SUFFIX, HubPaths, check_digest
from riskscope.hub.queries import resolve_run, run_row
from riskscope.hub.record import build_record, model_text, pool_key, task_text

DEFAULT_MAX_UPLOAD_BYTES = 256 << 20
REPRODUCTION_KEYS = {"at": (int, float), "trials_checked": int, "identical": int,
                     "within_interval": int, "differing": int, "code_fingerprint": (str, dict),
                     "outcome": str}
REPRODUCTION_EXTRA = ("bundle_digest", "run_id", "seed", "device", "expected", "trials")
_OUTCOME = re.compile(r"^[a-z][a-z0-9 _-]{0,39}$")


def _num(value) -> float | None:
    if value is None or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


class Hub:
    """One hub root: its paths, database connections (one per thread) and operations."""

    def __init__(self, root: str | os.PathLike,
                 max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES, serving: bool = True):
        """serving: this process is the hub's server and may tidy up (empty tmp/, remove
        orphans) at start; the operator's commands beside a running server pass False."""
        self.paths = HubPaths(root)
        self.paths.prepare(clean_tmp=serving)
        self.max_upload_bytes = int(max_upload_bytes)
        self._local = threading.local()
        self._commit_lock = threading.Lock()
        self._claims: dict[str, object] = {}
        self._claims_lock = threading.Lock()
        connect(self.paths.db, create=True).close()
        if serving:
            self.remove_orphans()

    # -- connections -------------------------------------------------------------------------
    def db(self):
        """This thread's connection to the hub database."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = connect(self.paths.db)
        return db

    def new_upload_path(self) -> Path:
        handle, name = tempfile.mkstemp(dir=self.paths.tmp, prefix="upload-", suffix=".part")
        os.close(handle)
        return Path(name)

    # -- housekeeping ------------------------------------------------------------------------
    def remove_orphans(self) -> list[str]:
        """Delete run folders and bundle files that no published run names."""
        known = {r[0] for r in self.db().execute("SELECT digest FROM runs")}
        removed = []
        for folder in self.paths.runs.iterdir() if self.paths.runs.exists() else ():
            if folder.name not in known:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(str(folder))
        for file in self.paths.bundles.glob(f"*/*{BUNDLE_SUFFIX}"):
            if file.name[:-len(BUNDLE_SUFFIX)] not in known:
                file.unlink(missing_ok=True)
                removed.append(str(file))
        return removed

    # -- claims ------------------------------------------------------------------------------
    def claims(self) -> list:
        """Every claim on the hub, parsed (cached by id; claims never change once added)."""
        rows = self.db().execute("SELECT id, text FROM claims ORDER BY id").fetchall()
        with self._claims_lock:
            for row in rows:
                if row["id"] not in self._claims:
                    self._claims[row["id"]] = evidence.parse_claim_text(row["text"])
            return [self._claims[row["id"]] for row in rows]

    def _verdict_rows(self, verdicts: list, digest: str) -> list[tuple]:
        now = time.time()
        rows = []
        for v in verdicts:
            data = v.to_dict()
            low, high = data["interval"]
            rows.append((v.claim_id, digest, v.verdict, _num(v.estimate), low, high,
                         json.dumps(data, sort_keys=True), now))
        return rows

    def _insert_verdicts(self, db, rows: list[tuple]) -> None:
        db.executemany(
            "INSERT OR REPLACE INTO verdicts (claim_id, digest, verdict, estimate, low, high, "
            "detail_json, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def _check_claim_on_runs(self, claim, study_runs: list) -> list[tuple]:
        rows = []
        for run in study_runs:
            store_dir = self.paths.run_dir(run["digest"]) / "store"
            verdicts = evidence.check_claims_on_run([claim], store_dir, run["run_id"])
            rows += self._verdict_rows(verdicts, run["digest"])
        return rows

    def add_claim(self, text: str, user: str | None, origin: str = "published") -> dict:
        """Add a claim (TOML text) and check it on every run of its study. Claims are
        immutable: the same id again is accepted only with the same text."""
        if not isinstance(text, str) or not text.strip():
            raise SpecError("claim", text, "the TOML text of a claim file")
        claim = evidence.parse_claim_text(text)
        db = self.db()
        with self._commit_lock:
            row = db.execute("SELECT text FROM claims WHERE id = ?", (claim.id,)).fetchone()
            if row is not None:
                if row["text"] == text:
                    return {"id": claim.id, "created": False}
                raise Conflict(f"claim {claim.id!r} is already on this hub with other text; "
                               "claims are immutable: give the new claim a new id")
            runs = db.execute("SELECT digest, run_id FROM runs WHERE study = ?",
                              (claim.study,)).fetchall()
            rows = self._check_claim_on_runs(claim, runs)
            with transaction(db):
                db.execute(
                    "INSERT INTO claims (id, statement, source, study, origin, author, "
                    "published_at, text, claim_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (claim.id, claim.statement, claim.source, claim.study, origin, user,
                     time.time(), text, json.dumps(claim.to_dict(), sort_keys=True)))
                self._insert_verdicts(db, rows)
                log_event(db, user, f"add-claim ({origin})", claim.id)
        with self._claims_lock:
            self._claims[claim.id] = claim
        return {"id": claim.id, "created": True, "checked_runs": len(runs),
                "verdicts": len(rows)}

    def add_builtin_claims(self) -> list[str]:
        """Add the built-in claims the hub does not have yet (checked on every run)."""
        have = {r[0] for r in self.db().execute("SELECT id FROM claims")}
        added = []
        for claim, text in evidence.builtin_claims():
            if claim.id not in have:
                self.add_claim(text, None, origin="builtin")
                added.append(claim.id)
        return added

    # -- publishing --------------------------------------------------------------------------
    def publish(self, upload: Path, user: str) -> dict:
        """Verify, import and index the bundle file `upload` (see the module docstring).
        The upload file is moved into place or deleted; it never stays in tmp/."""
        try:
            return self._publish(Path(upload), user)
        finally:
            Path(upload).unlink(missing_ok=True)

    def _existing(self, digest: str) -> dict | None:
        row = self.db().execute("SELECT run_id, withdrawn_at FROM runs WHERE digest = ?",
                                (digest,)).fetchone()
        if row is None:
            return None
        if row["withdrawn_at"] is not None:
            raise Conflict(f"bundle {digest[:12]} was published and then withdrawn; "
                           "published bundles are immutable and it stays withdrawn")
        return {"digest": digest, "run_id": row["run_id"], "created": False}

    def _publish(self, upload: Path, user: str) -> dict:
        bundle = evidence.verify(upload)
        digest = check_digest(bundle.digest)
        existing = self._existing(digest)
        if existing:
            return existing
        stage = Path(tempfile.mkdtemp(dir=self.paths.tmp, prefix="stage-"))
        try:
            run_id = evidence.import_into(bundle, stage / "store")
            html = evidence.report_html(bundle)
            if html is not None:
                (stage / "report.html").write_bytes(html)
            from riskscope.store import Store

            with Store(stage / "store", create=False) as store:
                record = build_record(store, run_id)
                run = store.run(run_id)
            claims = self.claims()
            verdicts = evidence.check_claims_on_run(claims, stage / "store", run_id)
            meta = bundle.meta.get("run", {})
            row = (digest, run_id, str(run["name"]), str(run["study"]), run.get("preset"),
                   task_text(run["spec"]), model_text(run["spec"]), user, bundle.author,
                   bundle.note, run.get("status"), meta.get("created_at"), time.time(),
                   upload.stat().st_size, len(bundle.trials), run["spec_hash"],
                   pool_key(run["spec"]), evidence.code_version(bundle),
                   json.dumps(record, sort_keys=True, allow_nan=False))
            return self._commit(stage, upload, row, claims, verdicts, user)
        finally:
            shutil.rmtree(stage, ignore_errors=True)

    def _commit(self, stage: Path, upload: Path, row: tuple, claims: list, verdicts: list,
                user: str) -> dict:
        digest, run_id = row[0], row[1]
        db = self.db()
        with self._commit_lock:
            existing = self._existing(digest)
            if existing:
                return existing
            # claims added while this bundle was being checked are checked now
            known = {c.id for c in claims}
            late = [c for c in self.claims() if c.id not in known]
            if late:
                verdicts = verdicts + evidence.check_claims_on_run(late, stage / "store", run_id)
            run_dir, bundle_file = self.paths.run_dir(digest), self.paths.bundle_file(digest)
            shutil.rmtree(run_dir, ignore_errors=True)
            bundle_file.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(stage, run_dir)
                os.replace(upload, bundle_file)
                with transaction(db):
                    db.execute(
                        "INSERT INTO runs (digest, run_id, name, study, preset, task, model, "
                        "author, bundle_author, note, status, created_at, published_at, "
                        "size_bytes, n_trials, spec_hash, pool_key, code_version, record_json) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
                    self._insert_verdicts(db, self._verdict_rows(verdicts, digest))
                    log_event(db, user, "publish", digest, run_id)
            except BaseException:
                shutil.rmtree(run_dir, ignore_errors=True)
                bundle_file.unlink(missing_ok=True)
                raise
        return {"digest": digest, "run_id": run_id, "created": True,
                "verdicts": len(verdicts)}

    def withdraw(self, ref: str, user: str, reason: str | None = None) -> dict:
        """Hide a run from lists, counts and pools; keep its files and row (audit). Only the
        member who published it may withdraw it."""
        if reason is not None and (not isinstance(reason, str) or len(reason) > 2000):
            raise SpecError("reason", reason, "a text of at most 2000 characters")
        db = self.db()
        with transaction(db):
            row = resolve_run(db, ref)
            if row["author"] != user:
                raise Forbidden(f"run {row['digest'][:12]} was published by another member; "
                                "only its author can withdraw it")
            if row["withdrawn_at"] is not None:
                return {"digest": row["digest"], "withdrawn": True, "changed": False}
            db.execute("UPDATE runs SET withdrawn_at = ?, withdrawn_by = ?, withdraw_reason = ? "
                       "WHERE digest = ?", (time.time(), user, reason, row["digest"]))
            log_event(db, user, "withdraw", row["digest"], reason)
        return {"digest": row["digest"], "withdrawn": True, "changed": True}

    # -- reproduction ------------------------------------------------------------------------
    def add_reproduction(self, ref: str, user: str, record: dict) -> dict:
        """Record a reproduction of a run's trials (the exchange's reproduction record)."""
        if not isinstance(record, dict):
            raise SpecError("reproduction", type(record).__name__, "a JSON object")
        unknown = sorted(set(record) - set(REPRODUCTION_KEYS) - set(REPRODUCTION_EXTRA))
        if unknown:
            raise SpecError("reproduction", unknown,
                            "keys " + ", ".join([*REPRODUCTION_KEYS, *REPRODUCTION_EXTRA]))
        for key, kind in REPRODUCTION_KEYS.items():
            value = record.get(key)
            if value is None or isinstance(value, bool) or not isinstance(value, kind):
                raise SpecError(f"reproduction.{key}", value,
                                f"a {getattr(kind, '__name__', 'number')}")
        if not _OUTCOME.match(record["outcome"]):
            raise SpecError("reproduction.outcome", record["outcome"],
                            "a short lower-case word such as identical")
        db = self.db()
        with transaction(db):
            row = resolve_run(db, ref)
            claimed = record.get("bundle_digest")
            if claimed is not None and claimed != row["digest"]:
                raise SpecError("reproduction.bundle_digest", claimed,
                                f"the digest of run {row['digest'][:12]} (this record "
                                "reproduces another bundle)")
            db.execute("INSERT INTO reproductions (digest, by_user, at, outcome, record_json) "
                       "VALUES (?, ?, ?, ?, ?)", (row["digest"], user, time.time(),
                                                  record["outcome"],
                                                  json.dumps(record, sort_keys=True)))
            log_event(db, user, "reproduction", row["digest"], record["outcome"])
        return {"digest": row["digest"], "outcome": record["outcome"]}

    def reproduce(self, ref: str, trials: int, seed: int | None, user: str) -> dict:
        """Re-run `trials` trials of a published run here (the operator's reproduction) and
        record the outcome."""
        row, path = self.bundle_path(ref)
        record = evidence.reproduce(path, trials, seed)
        self.add_reproduction(row["digest"], user, record)
        return record

    def compare(self, a: str, b: str) -> dict:
        """The exchange's comparison of two published runs, with their gallery rows."""
        db = self.db()
        if not a or not b:
            raise SpecError("a and b", f"a={a!r} b={b!r}", "two runs (digest, prefix or run id)")
        row_a, row_b = resolve_run(db, a), resolve_run(db, b)
        result = evidence.compare_stored(
            (self.paths.run_dir(row_a["digest"]) / "store", row_a["run_id"]),
            (self.paths.run_dir(row_b["digest"]) / "store", row_b["run_id"]))
        return {"a": run_row(row_a), "b": run_row(row_b), "comparison": result}

    def bundle_path(self, ref: str, allow_withdrawn: bool = False) -> tuple[dict, Path]:
        """(run row, bundle file) of a published run."""
        row = resolve_run(self.db(), ref)
        if row["withdrawn_at"] is not None and not allow_withdrawn:
            raise Conflict(f"run {row['digest'][:12]} was withdrawn by its author")
        return dict(row), self.paths.inside(self.paths.bundle_file(row["digest"]))


__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "Hub"]
