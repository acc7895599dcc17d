"""Read queries of the store, returned as pandas DataFrames (empty ones keep their columns).

Kept apart from the writing code in `sqlite_store.py`; each function takes an open connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from riskscope.store import codec

if TYPE_CHECKING:
    import pandas as pd

RUN_COLUMNS = (
    "run_id", "name", "study", "preset", "status", "created_at",
    "n_trials", "n_finished", "n_diverged", "n_failed",
)  # fmt: skip
TRIAL_COLUMNS = (
    "trial_hash", "status", "group_id", "started_at", "finished_at", "duration_s", "error",
    "source_run",
)  # fmt: skip
METRIC_COLUMNS = ("trial_hash", "name", "step", "value")

#: Bound parameters per query chunk; SQLite's limit is at least 999.
_CHUNK = 500


def chunks(items: Iterable, size: int = _CHUNK) -> Iterator[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def placeholders(n: int) -> str:
    return ",".join("?" * n)


def run_rows(conn: sqlite3.Connection) -> list[dict]:
    """One dict per run with trial counts (the columns of `runs_frame`), without pandas: the
    listing commands answer before pandas could even be imported."""
    return [dict(zip(RUN_COLUMNS, row)) for row in _run_rows(conn)]


def _table(text: str | None, field: str) -> dict:
    value = codec.loads(text, {}, field)
    if not isinstance(value, dict):
        raise codec.DamagedRowError(f"{field} is {type(value).__name__}, not a JSON object")
    return value


def runs_frame(conn: sqlite3.Connection) -> pd.DataFrame:
    """One row per run with trial counts; n_finished counts done and diverged trials."""
    import pandas as pd

    frame = pd.DataFrame(_run_rows(conn), columns=list(RUN_COLUMNS))
    counts = {name: "int64" for name in RUN_COLUMNS[6:]}
    return frame.astype({"created_at": "float64", **counts})


def _run_rows(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute(
        """SELECT r.run_id, r.name, r.study, r.preset, r.status, r.created_at,
                  COUNT(rt.trial_hash),
                  COALESCE(SUM(t.status IN ('done', 'diverged')), 0),
                  COALESCE(SUM(t.status = 'diverged'), 0),
                  COALESCE(SUM(t.status = 'failed'), 0)
           FROM runs r
           LEFT JOIN run_trials rt ON rt.run_id = r.run_id
           LEFT JOIN trials t ON t.trial_hash = rt.trial_hash
           GROUP BY r.run_id
           ORDER BY r.created_at, r.run_id"""
    ).fetchall()


def trials_frame(conn: sqlite3.Connection, run_id: str) -> pd.DataFrame:
    """One row per trial of the run, in registration order; params and results flattened.

    Params become dotted columns ("model.width"), results "result.<key>"; the environment is
    kept as its JSON text in the last column.
    """
    import pandas as pd

    rows = conn.execute(
        """SELECT t.trial_hash, t.status, t.group_id, t.started_at, t.finished_at, t.error,
                  t.source_run, t.params_json, t.result_json, t.environment_json
           FROM run_trials rt JOIN trials t ON t.trial_hash = rt.trial_hash
           WHERE rt.run_id = ? ORDER BY rt.position, rt.trial_hash""",
        (run_id,),
    ).fetchall()
    records, param_cols, result_cols = [], {}, {}
    for th, status, group, started, finished, error, source, params, result, env in rows:
        flat_params = codec.flatten(_table(params, f"params of trial {th}"))
        flat_result = {f"result.{k}": v
                       for k, v in codec.flatten(_table(result, f"result of trial {th}")).items()}
        param_cols.update(dict.fromkeys(flat_params))
        result_cols.update(dict.fromkeys(flat_result))
        duration = None if started is None or finished is None else finished - started
        base = dict(zip(TRIAL_COLUMNS, (th, status, group, started, finished, duration, error)))
        base["source_run"] = source
        records.append({**base, **flat_params, **flat_result, "environment": env})
    columns = [*TRIAL_COLUMNS, *param_cols, *result_cols, "environment"]
    frame = pd.DataFrame.from_records(records, columns=columns)
    times = {name: "float64" for name in ("started_at", "finished_at", "duration_s")}
    return frame.astype(times)


def metrics_frame(
    conn: sqlite3.Connection,
    run_id: str,
    names: Iterable[str] | str | None = None,
    trial_hashes: Iterable[str] | str | None = None,
) -> pd.DataFrame:
    """Long-format metric series of a run's trials: trial_hash, name, step, value.

    Ordered by the run's trial order, then name, then the series' own order. A missing value
    (SQLite stores a bound NaN as NULL) comes back as NaN.
    """
    import pandas as pd

    sql = """SELECT m.trial_hash, m.name, m.step, m.value, rt.position, m.seq
             FROM run_trials rt JOIN metrics m ON m.trial_hash = rt.trial_hash
             WHERE rt.run_id = ?"""
    params: list = [run_id]
    if names is not None:
        name_list = [names] if isinstance(names, str) else list(dict.fromkeys(names))
        sql += f" AND m.name IN ({placeholders(len(name_list))})" if name_list else " AND 0"
        params += name_list
    rows: list = []
    if trial_hashes is None:
        rows = conn.execute(sql, params).fetchall()
    else:
        hashes = [trial_hashes] if isinstance(trial_hashes, str) else trial_hashes
        # chunks keep the number of bound parameters under SQLite's limit
        for batch in chunks(dict.fromkeys(hashes)):
            query = f"{sql} AND m.trial_hash IN ({placeholders(len(batch))})"
            rows += conn.execute(query, [*params, *batch]).fetchall()
    frame = pd.DataFrame(rows, columns=[*METRIC_COLUMNS, "_position", "_seq"])
    frame = frame.sort_values(["_position", "trial_hash", "name", "_seq"], kind="stable")
    frame = frame.drop(columns=["_position", "_seq"]).reset_index(drop=True)
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    return frame.astype({"step": "int64"})
