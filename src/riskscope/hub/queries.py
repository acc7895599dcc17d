"""Reading the hub database into the JSON the API serves and the pages render.

Every function takes a connection and returns plain JSON-able data; the API returns it as it
is, the pages render it, so the two always agree. Withdrawn runs are left out of lists, counts
and pools; their own page and record stay readable (audit) and say that they were withdrawn.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3

from riskscope.core.errors import SpecError
from riskscope.hub.errors import NotFound

API_SCHEMA = "riskscope.hub/1"
SORT_KEYS = {"published": "published_at", "name": "name", "study": "study", "task": "task",
             "author": "author", "size": "size_bytes", "trials": "n_trials"}
MAX_PER_PAGE = 200
_HEX = re.compile(r"^[0-9a-f]{8,64}$")


def int_param(name: str, value, default: int, low: int, high: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SpecError(name, value, f"an integer from {low} to {high}") from None
    if not low <= number <= high:
        raise SpecError(name, value, f"an integer from {low} to {high}")
    return number


def reproduction_status(db: sqlite3.Connection, digests: list[str]) -> dict[str, dict]:
    """digest -> {outcome of the latest record, count} for the runs that have records."""
    if not digests:
        return {}
    marks = ",".join("?" * len(digests))
    rows = db.execute(
        f"""SELECT digest, outcome, count(*) OVER (PARTITION BY digest) AS n,
                   row_number() OVER (PARTITION BY digest ORDER BY at DESC, id DESC) AS k
            FROM reproductions WHERE digest IN ({marks})""", digests).fetchall()
    return {r["digest"]: {"outcome": r["outcome"], "records": r["n"]} for r in rows
            if r["k"] == 1}


def run_row(row: sqlite3.Row, reproduction: dict | None = None) -> dict:
    """The gallery's view of one published run."""
    return {"digest": row["digest"], "run_id": row["run_id"], "name": row["name"],
            "study": row["study"], "preset": row["preset"], "task": row["task"],
            "model": row["model"], "author": row["author"], "published_at": row["published_at"],
            "created_at": row["created_at"], "size_bytes": row["size_bytes"],
            "n_trials": row["n_trials"], "code_version": row["code_version"],
            "withdrawn": row["withdrawn_at"] is not None,
            "reproduction": reproduction or {"outcome": None, "records": 0}}


def facets(db: sqlite3.Connection) -> dict:
    """The values the gallery's filters offer: studies, tasks, authors, claims."""
    live = "WHERE withdrawn_at IS NULL"
    return {
        "study": [r[0] for r in db.execute(f"SELECT DISTINCT study FROM runs {live} ORDER BY 1")],
        "task": [r[0] for r in db.execute(f"SELECT DISTINCT task FROM runs {live} ORDER BY 1")],
        "author": [r[0] for r in db.execute(
            f"SELECT DISTINCT author FROM runs {live} ORDER BY 1")],
        "claim": [r[0] for r in db.execute("SELECT id FROM claims ORDER BY id")],
    }


def list_runs(db: sqlite3.Connection, study: str | None = None, task: str | None = None,
              author: str | None = None, claim: str | None = None, sort: str = "published",
              order: str = "desc", page=1, per_page=50) -> dict:
    """One page of the published runs, filtered and sorted, with the filters' values."""
    if sort not in SORT_KEYS:
        raise SpecError("sort", sort, "one of " + ", ".join(SORT_KEYS))
    if order not in ("asc", "desc"):
        raise SpecError("order", order, "asc or desc")
    page = int_param("page", page, 1, 1, 10**6)
    per_page = int_param("per_page", per_page, 50, 1, MAX_PER_PAGE)
    where, args = ["withdrawn_at IS NULL"], []
    for column, value in (("study", study), ("task", task), ("author", author)):
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    if claim:
        where.append("digest IN (SELECT digest FROM verdicts WHERE claim_id = ?)")
        args.append(claim)
    clause = " AND ".join(where)
    total = db.execute(f"SELECT count(*) FROM runs WHERE {clause}", args).fetchone()[0]
    rows = db.execute(
        f"SELECT * FROM runs WHERE {clause} ORDER BY {SORT_KEYS[sort]} {order.upper()}, "
        f"digest {order.upper()} LIMIT ? OFFSET ?", [*args, per_page, (page - 1) * per_page]
    ).fetchall()
    repro = reproduction_status(db, [r["digest"] for r in rows])
    return {"schema": API_SCHEMA, "total": total, "page": page, "per_page": per_page,
            "pages": max(1, math.ceil(total / per_page)), "sort": sort, "order": order,
            "filters": {"study": study, "task": task, "author": author, "claim": claim},
            "facets": facets(db),
            "runs": [run_row(r, repro.get(r["digest"])) for r in rows]}


def resolve_run(db: sqlite3.Connection, ref: str) -> sqlite3.Row:
    """A run by digest, unique digest prefix (8+ hex digits), run id or name (the latest)."""
    if not isinstance(ref, str) or not ref or len(ref) > 300:
        raise NotFound(f"no run {ref!r} on this hub")
    row = db.execute("SELECT * FROM runs WHERE digest = ?", (ref,)).fetchone()
    if row is None and _HEX.match(ref):
        found = db.execute("SELECT * FROM runs WHERE digest LIKE ? LIMIT 2",
                           (ref + "%",)).fetchall()
        if len(found) > 1:
            raise SpecError("run", ref, "a digest prefix that names one run")
        row = found[0] if found else None
    for column in ("run_id", "name"):
        if row is None:
            row = db.execute(
                f"SELECT * FROM runs WHERE {column} = ? ORDER BY withdrawn_at IS NOT NULL, "
                "published_at DESC LIMIT 1", (ref,)).fetchone()
    if row is None:
        raise NotFound(f"no run {ref!r} on this hub")
    return row


def _verdict_row(row: sqlite3.Row) -> dict:
    return {"claim": row["claim_id"], "statement": row["statement"], "source": row["source"],
            "verdict": row["verdict"], "estimate": row["estimate"],
            "interval": [row["low"], row["high"]], "detail": json.loads(row["detail_json"])}


def run_detail(db: sqlite3.Connection, ref: str) -> dict:
    """Everything the run page shows: the gallery row, the record, verdicts, reproductions."""
    row = resolve_run(db, ref)
    digest = row["digest"]
    verdicts = db.execute(
        """SELECT v.*, c.statement, c.source FROM verdicts v JOIN claims c ON c.id = v.claim_id
           WHERE v.digest = ? ORDER BY v.claim_id""", (digest,)).fetchall()
    repro = db.execute("SELECT * FROM reproductions WHERE digest = ? ORDER BY at, id",
                       (digest,)).fetchall()
    record = json.loads(row["record_json"])
    return {"schema": API_SCHEMA, **run_row(row, reproduction_status(db, [digest]).get(digest)),
            "bundle_author": row["bundle_author"], "note": row["note"], "status": row["status"],
            "spec_hash": row["spec_hash"], "pool_key": row["pool_key"],
            "withdrawn_at": row["withdrawn_at"], "withdrawn_by": row["withdrawn_by"],
            "withdraw_reason": row["withdraw_reason"], "record": record,
            "claims": [_verdict_row(v) for v in verdicts],
            "reproductions": [{"by": r["by_user"], "at": r["at"], "outcome": r["outcome"],
                               "record": json.loads(r["record_json"])} for r in repro]}


def claims_board(db: sqlite3.Connection) -> dict:
    """Every claim with how many live runs it holds in, fails in, and is inconclusive in."""
    rows = db.execute(
        """SELECT c.id, c.statement, c.source, c.study, c.origin, c.author, c.published_at,
                  sum(v.verdict = 'holds') AS holds, sum(v.verdict = 'fails') AS fails,
                  sum(v.verdict = 'inconclusive') AS inconclusive, count(v.digest) AS runs
           FROM claims c
           LEFT JOIN verdicts v ON v.claim_id = c.id
                AND v.digest IN (SELECT digest FROM runs WHERE withdrawn_at IS NULL)
           GROUP BY c.id ORDER BY runs DESC, c.study, c.id""").fetchall()
    claims = [{"id": r["id"], "statement": r["statement"], "source": r["source"],
               "study": r["study"], "origin": r["origin"], "author": r["author"],
               "published_at": r["published_at"], "runs": r["runs"],
               "holds": r["holds"] or 0, "fails": r["fails"] or 0,
               "inconclusive": r["inconclusive"] or 0} for r in rows]
    return {"schema": API_SCHEMA, "claims": claims}


def claim_detail(db: sqlite3.Connection, claim_id: str) -> dict:
    """A claim, its definition and its verdict on each live run (the forest plot's rows)."""
    row = db.execute("SELECT * FROM claims WHERE id = ?", (claim_id,)).fetchone()
    if row is None:
        raise NotFound(f"no claim {claim_id!r} on this hub")
    evidence = db.execute(
        """SELECT v.*, r.name, r.author, r.run_id, r.preset FROM verdicts v
           JOIN runs r ON r.digest = v.digest
           WHERE v.claim_id = ? AND r.withdrawn_at IS NULL
           ORDER BY r.published_at, r.digest""", (claim_id,)).fetchall()
    runs = [{"digest": e["digest"], "name": e["name"], "run_id": e["run_id"],
             "author": e["author"], "preset": e["preset"], "verdict": e["verdict"],
             "estimate": e["estimate"], "interval": [e["low"], e["high"]],
             "detail": json.loads(e["detail_json"])} for e in evidence]
    counts = {v: sum(1 for r in runs if r["verdict"] == v)
              for v in ("holds", "fails", "inconclusive")}
    return {"schema": API_SCHEMA, "id": row["id"], "statement": row["statement"],
            "source": row["source"], "study": row["study"], "origin": row["origin"],
            "author": row["author"], "published_at": row["published_at"],
            "text": row["text"], "claim": json.loads(row["claim_json"]), "runs": runs,
            "counts": {**counts, "runs": len(runs)}}


__all__ = ["API_SCHEMA", "MAX_PER_PAGE", "SORT_KEYS", "claim_detail", "claims_board", "facets",
           "int_param", "list_runs", "resolve_run", "run_detail", "run_row"]
