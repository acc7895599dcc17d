"""Stale results (code changed since) are marked and recomputed on request; claims make two
runners of one study split the work; a killed runner's run shows as interrupted."""

from __future__ import annotations

import json
import sqlite3

from riskscope.store import Store
from riskscope.store.schema import DB_FILENAME
from riskscope.studies import load_spec, run_study
from tests.cli_runner import run_cli

from .conftest import tiny_spec


def _age_fingerprints(directory, n: int | None = None) -> None:
    """Pretend the code that computed (some) trials has changed since: as if they were
    written by an older riskscope."""
    conn = sqlite3.connect(directory / DB_FILENAME)
    with conn:
        limit = "" if n is None else f" WHERE rowid IN (SELECT rowid FROM trials LIMIT {n})"
        conn.execute("UPDATE trials SET environment_json = json_set(environment_json, "
                     f"'$.code.source_sha256', '{'0' * 64}')" + limit)
    conn.close()


def test_stale_results_are_marked_and_recomputed_with_rerun_stale(tmp_path, capsys):
    spec = tiny_spec()
    with Store(tmp_path) as store:
        first = run_study(load_spec(spec), store, device="cpu")
        before = store.trials(first.run_id)
        assert set(store.code_status(first.run_id).values()) == {True}
    _age_fingerprints(tmp_path, 3)
    code, out, _ = run_cli(["show", first.run_id, "--out", str(tmp_path)], capsys)
    assert code == 0 and "3 stale results" in out.replace("\n", " ")
    code, out, _ = run_cli(["show", first.run_id, "--out", str(tmp_path), "--json"], capsys)
    assert json.loads(out)["code"]["stale"] == 3
    with Store(tmp_path) as store:
        again = run_study(load_spec(spec), store, device="cpu")  # not asked: served as stored
        assert (again.skipped, again.finished, again.stale) == (4, 0, 0)
        fresh = run_study(load_spec(spec), store, device="cpu", rerun_stale=True)
        assert (fresh.skipped, fresh.finished, fresh.stale) == (1, 3, 3)
        assert set(store.code_status(first.run_id).values()) == {True}
        after = store.trials(first.run_id)
        assert after["trial_hash"].is_unique and len(after) == 4
        results = [c for c in before.columns if c.startswith("result.") and "wall" not in c
                   and "group_size" not in c]
        # same code, same seeds, same ensemble: the recomputed numbers equal the old ones
        # (a trial recomputed in a smaller ensemble draws other population samples)
        same = before["result.group_size"] == after["result.group_size"]
        assert same.sum() == 3
        assert before.loc[same, results].equals(after.loc[same, results])


def test_report_marks_stale_results(tmp_path):
    from riskscope.report.build import build_report

    with Store(tmp_path) as store:
        run_id = run_study(load_spec(tiny_spec()), store, device="cpu").run_id
    _age_fingerprints(tmp_path)
    with Store(tmp_path) as store:
        page = (build_report(store, run_id)).read_text()
    assert "4 stale results" in page and "--rerun-stale" in page


def test_claimed_trials_are_left_to_their_live_owner(tmp_path):
    """Another live process (here: this test's parent process) holds two trials: the runner
    computes the rest and reports the two as elsewhere; once that owner is dead, the next
    runner takes its claims over."""
    import os

    spec = load_spec(tiny_spec())
    Store(tmp_path).close()  # create the store and its claims table
    from riskscope.studies.expand import expand_trials

    hashes = [t.hash for t in expand_trials(spec)]
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    with conn:
        import socket

        for th in hashes[2:]:
            conn.execute("INSERT OR REPLACE INTO claims VALUES (?,?,?,?,?,?)",
                         (th, "other", socket.gethostname(), os.getppid(), None, 1e9))
    conn.close()
    with Store(tmp_path) as store:
        summary = run_study(spec, store, device="cpu")
        done = store.finished_trials(hashes)
        assert (summary.elsewhere, summary.finished, summary.skipped) == (2, 2, 0)
        assert done == set(hashes[:2])
        assert store.run(summary.run_id)["status"] == "running"  # the other runner's share
    # a dead owner's claims are taken over
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    with conn:
        conn.execute("UPDATE claims SET pid = 2147480000")
    conn.close()
    with Store(tmp_path) as store:
        summary = run_study(spec, store, device="cpu")
        assert summary.elsewhere == 0 and store.finished_trials(hashes) == set(hashes)
        assert store.run(summary.run_id)["status"] == "done"
