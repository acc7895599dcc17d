"""Claims: which process is computing which trial, so runners sharing one store split the work.

Before computing a group a runner claims its unfinished trials in one write transaction. A
trial is claimable when it is not finished and has no claim, or its claim is dead: held by a
process of this host that no longer exists (killed, crashed), or older than `LEASE_S` when
held on another host (whose processes we cannot see). Committing a trial drops its claim in the
same transaction; a runner drops its remaining claims when it stops. So two processes running
the same study into one store each compute a disjoint share, and a SIGKILLed runner's trials
become claimable by the next runner at once.

`owner_id()` names this process: host, pid and a random token (a pid can be reused).
"""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import time
from collections.abc import Iterable

from riskscope.store.connection import write_transaction
from riskscope.store.schema import FINISHED_STATUSES

#: A claim from another host counts as abandoned after this many seconds.
LEASE_S = 24 * 3600.0

_TOKEN = secrets.token_hex(4)


def host_name() -> str:
    return socket.gethostname()


def owner_id() -> str:
    """This process's claim owner: host:pid:token (token fixed per process)."""
    return f"{host_name()}:{os.getpid()}:{_TOKEN}"


def process_alive(host: str, pid: int) -> bool | None:
    """True/False for a process of this host; None when it is on another host (unknown)."""
    if host != host_name():
        return None
    if pid == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # it exists but belongs to someone else, or the pid is unusable
    return True


def claim_is_live(owner: str, host: str, pid: int, claimed_at: float, now: float) -> bool:
    if owner == owner_id():
        return True
    alive = process_alive(host, pid)
    return alive if alive is not None else now - claimed_at < LEASE_S


def claim_trials(db: sqlite3.Connection, trial_hashes: Iterable[str], run_id: str | None,
                 replace: Iterable[str] = ()) -> tuple[set[str], set[str]]:
    """Claim the given trials for this process: (claimed, held by another live process).

    Finished trials are neither, except those in `replace` (stale results to recompute).
    Dead claims are taken over. One transaction.
    """
    replace = set(replace)
    hashes = list(dict.fromkeys(trial_hashes))
    me, now = owner_id(), time.time()
    claimed: set[str] = set()
    elsewhere: set[str] = set()
    with write_transaction(db):
        for th in hashes:
            row = db.execute("SELECT status FROM trials WHERE trial_hash = ?", (th,)).fetchone()
            if row is not None and row[0] in FINISHED_STATUSES and th not in replace:
                continue
            claim = db.execute(
                "SELECT owner, host, pid, claimed_at FROM claims WHERE trial_hash = ?", (th,)
            ).fetchone()
            if claim is not None and claim[0] != me and claim_is_live(*claim, now):
                elsewhere.add(th)
                continue
            db.execute(
                """INSERT INTO claims (trial_hash, owner, host, pid, run_id, claimed_at)
                   VALUES (?,?,?,?,?,?) ON CONFLICT (trial_hash) DO UPDATE SET
                   owner = excluded.owner, host = excluded.host, pid = excluded.pid,
                   run_id = excluded.run_id, claimed_at = excluded.claimed_at""",
                (th, me, host_name(), os.getpid(), run_id, now),
            )
            claimed.add(th)
    return claimed, elsewhere


def release_trials(db: sqlite3.Connection, trial_hashes: Iterable[str] | None = None) -> None:
    """Drop this process's claims (all of them, or on the given trials)."""
    me = owner_id()
    with write_transaction(db):
        if trial_hashes is None:
            db.execute("DELETE FROM claims WHERE owner = ?", (me,))
        else:
            db.executemany("DELETE FROM claims WHERE owner = ? AND trial_hash = ?",
                           [(me, th) for th in trial_hashes])


def live_claims(db: sqlite3.Connection, trial_hashes: Iterable[str]) -> dict[str, tuple]:
    """trial_hash -> (owner, host, pid) of the live claims on the given trials held by other
    processes."""
    me, now, out = owner_id(), time.time(), {}
    for th in dict.fromkeys(trial_hashes):
        claim = db.execute(
            "SELECT owner, host, pid, claimed_at FROM claims WHERE trial_hash = ?", (th,)
        ).fetchone()
        if claim is not None and claim[0] != me and claim_is_live(*claim, now):
            out[th] = tuple(claim[:3])
    return out
