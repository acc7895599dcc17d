"""The hub under load, on loopback only, bounded in count and time.

1. Prepare N synthetic runs (riskscope.hub.synthetic: written through the store API, bundled
   by the exchange's writer without reports) and two claims on their study.
2. Start the real server as its own process (`riskscope hub serve` on a free 127.0.0.1 port),
   add five members, publish the claims, then publish N − C bundles one after another
   (publish latency recorded: verify + import + record + claims, server side).
3. C concurrent publishes (one thread and connection each) of the last C bundles: all must
   land (201), none lost or duplicated; then the same C again concurrently: all "already
   published" (200), still N runs.
4. Latency of the pages and their JSON twins over keep-alive connections, R sequential
   requests each: gallery (first page, a filtered and sorted one, a deep page), claims board,
   a claim page with its forest plot over N runs, a run page; p50 / p95 / max.
5. Integrity: SQLite integrity and foreign-key checks; every run row has its bundle file and
   store, every bundle file a row; each bundle file re-verified by the exchange (its digest is
   its name). The load average is printed beside the figures.

    OMP_NUM_THREADS=1 python benchmarks/hub_load.py            # N=1000, C=20, R=200
    python benchmarks/hub_load.py --runs 100 --requests 50      # quick
Stops by itself: --time-limit seconds (default 1500) bounds the whole run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

CLAIMS = [
    """id = "bench-population-risk-below-a-tenth"
statement = "The population risk stays below 0.1 at every width."
source = "hub benchmark"
study = "train"
[check]
kind = "interval"
result = "population_risk"
hi = 0.1
""",
    """id = "bench-gap-falls-with-width"
statement = "The population risk falls with the width."
source = "hub benchmark"
study = "train"
[check]
kind = "monotone"
result = "population_risk"
along = "model.width"
direction = "decreasing"
""",
]
LATE_CLAIM = """id = "bench-excess-risk-below-a-hundredth"
statement = "The excess risk is below 0.01 (published after the runs: checked on all of them)."
source = "hub benchmark"
study = "train"
[check]
kind = "interval"
result = "excess_risk"
hi = 0.01
"""


class Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def check(self, what: str) -> None:
        if time.monotonic() > self.end:
            raise SystemExit(f"time limit reached during {what}; stopping")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(conn: http.client.HTTPConnection, method: str, path: str, body=None,
            headers=None) -> tuple[int, bytes]:
    """One request on a keep-alive connection; reconnects once if the server closed it
    while it was idle (uvicorn closes idle connections after a few seconds)."""
    for attempt in (0, 1):
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return response.status, response.read()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            conn.close()
            if attempt:
                raise
    raise AssertionError("unreachable")


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]  # noqa: E731
    return {"n": len(ordered), "p50_ms": 1000 * statistics.median(ordered),
            "p95_ms": 1000 * pick(0.95), "max_ms": 1000 * ordered[-1]}


def prepare(work: Path, n: int, deadline: Deadline) -> list[Path]:
    from riskscope.exchange import write_bundle
    from riskscope.hub.synthetic import synthetic_run
    from riskscope.store import Store

    rng = np.random.default_rng(2026)
    bundles = []
    with Store(work / "results") as store:
        for i in range(n):
            deadline.check("preparing bundles")
            run_id = synthetic_run(store, f"synthetic-{i:04d}", rng, seeds=(2 * i, 2 * i + 1))
            path = work / "bundles" / f"{i:04d}.rsbundle"
            bundles.append(write_bundle(store, run_id, path, with_report=False).path)
    return bundles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--concurrent", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--time-limit", type=float, default=1500)
    parser.add_argument("--keep", default=None, help="keep the hub root here")
    args = parser.parse_args()
    if args.concurrent >= args.runs:
        parser.error("--concurrent must be smaller than --runs")
    deadline = Deadline(args.time_limit)
    work = Path(tempfile.mkdtemp(prefix="riskscope-hub-bench-"))
    root = Path(args.keep) if args.keep else work / "hub"
    print(f"load average at start: {os.getloadavg()}", flush=True)
    t0 = time.perf_counter()
    bundles = prepare(work, args.runs, deadline)
    print(f"prepared {len(bundles)} bundles in {time.perf_counter() - t0:.1f} s "
          f"({sum(p.stat().st_size for p in bundles) / len(bundles) / 1024:.1f} KiB each)",
          flush=True)

    from riskscope.hub.database import connect
    from riskscope.hub.users import add_user

    root.mkdir(parents=True, exist_ok=True)
    db = connect(root / "hub.sqlite", create=True)
    tokens = [add_user(db, f"member{i}") for i in range(5)]
    db.close()
    port = free_port()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    t0 = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "riskscope", "hub", "serve", "--root",
                               str(root), "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            deadline.check("server start")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                if request(conn, "GET", "/api/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
            if server.poll() is not None:
                raise SystemExit("server exited: " + server.stderr.read().decode()[-2000:])
        print(f"server ready in {time.perf_counter() - t0:.1f} s", flush=True)
        auth = lambda i: {"authorization": f"Bearer {tokens[i % len(tokens)]}"}  # noqa: E731
        for text in CLAIMS:
            status, body = request(conn, "POST", "/api/claims", text.encode(), auth(0))
            assert status in (200, 201), body

        # sequential publishes
        sequential = bundles[: args.runs - args.concurrent]
        publish_times = []
        t0 = time.perf_counter()
        for i, path in enumerate(sequential):
            deadline.check("sequential publishes")
            start = time.perf_counter()
            status, body = request(conn, "POST", "/api/runs", path.read_bytes(),
                                   {**auth(i), "content-type": "application/octet-stream"})
            publish_times.append(time.perf_counter() - start)
            assert status == 201, body
            if (i + 1) % 100 == 0:
                print(f"  published {i + 1}", flush=True)
        seq_wall = time.perf_counter() - t0
        print(f"sequential publishes: {len(sequential)} in {seq_wall:.1f} s; "
              f"{percentiles(publish_times)}", flush=True)

        # concurrent publishes
        def publish_all(paths: list[Path]) -> list[tuple[int, dict, float]]:
            results: list = [None] * len(paths)
            barrier = threading.Barrier(len(paths))

            def one(k: int) -> None:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                data = paths[k].read_bytes()
                barrier.wait()
                start = time.perf_counter()
                status, body = request(c, "POST", "/api/runs", data,
                                       {**auth(k), "content-type": "application/octet-stream"})
                results[k] = (status, json.loads(body), time.perf_counter() - start)
                c.close()

            threads = [threading.Thread(target=one, args=(k,)) for k in range(len(paths))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=max(1.0, deadline.end - time.monotonic()))
            if any(r is None for r in results):
                raise SystemExit("concurrent publishes did not finish in time")
            return results

        last = bundles[args.runs - args.concurrent:]
        t0 = time.perf_counter()
        first = publish_all(last)
        conc_wall = time.perf_counter() - t0
        statuses = sorted({r[0] for r in first})
        digests = [r[1]["digest"] for r in first]
        again = publish_all(last)
        print(f"concurrent publishes: {len(last)} in {conc_wall:.1f} s, statuses {statuses}, "
              f"distinct digests {len(set(digests))}; again: statuses "
              f"{sorted({r[0] for r in again})}, created {sum(r[1]['created'] for r in again)}",
              flush=True)
        assert statuses == [201] and len(set(digests)) == len(last)
        assert all(r[0] == 200 and not r[1]["created"] for r in again)

        # a claim published after all runs is checked on every one of them
        t0 = time.perf_counter()
        status, body = request(conn, "POST", "/api/claims", LATE_CLAIM.encode(), auth(1))
        late = json.loads(body)
        print(f"late claim: checked on {late.get('checked_runs')} runs in "
              f"{time.perf_counter() - t0:.1f} s ({late.get('verdicts')} verdicts)", flush=True)

        # latency
        status, body = request(conn, "GET", "/api/runs?per_page=1")
        total = json.loads(body)["total"]
        one_run = json.loads(body)["runs"][0]["digest"]
        paths = {"gallery /": "/", "gallery /api/runs": "/api/runs",
                 "gallery filtered+sorted": "/?author=member3&sort=name&order=asc",
                 "gallery page 15": "/?page=15",
                 "claims board /claims": "/claims", "claims board /api/claims": "/api/claims",
                 "claim page (forest plot, N runs)": "/claims/bench-population-risk-below-a-tenth",
                 "run page": f"/runs/{one_run}"}
        latency = {}
        load_before = os.getloadavg()
        for label, path in paths.items():
            samples = []
            for _ in range(args.requests):
                deadline.check("latency")
                start = time.perf_counter()
                status, body = request(conn, "GET", path)
                samples.append(time.perf_counter() - start)
                assert status == 200, (path, status)
            latency[label] = percentiles(samples)
            print(f"  {label:36s} {latency[label]['p50_ms']:7.1f} ms p50 "
                  f"{latency[label]['p95_ms']:7.1f} ms p95 {latency[label]['max_ms']:7.1f} max "
                  f"({len(body) / 1024:.0f} KiB)", flush=True)
        board = json.loads(request(conn, "GET", "/api/claims")[1])["claims"]
        conn.close()
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    # integrity
    from riskscope.exchange import verify_bundle
    from riskscope.hub.database import integrity_check
    from riskscope.hub.paths import HubPaths

    paths_ = HubPaths(root)
    db = connect(paths_.db)
    problems = integrity_check(db)
    rows = {r[0] for r in db.execute("SELECT digest FROM runs")}
    files = {p.name[: -len(".rsbundle")] for p in paths_.bundles.rglob("*.rsbundle")}
    stores = {p.name for p in paths_.runs.iterdir()}
    verdicts = db.execute("SELECT count(*) FROM verdicts").fetchone()[0]
    db.close()
    mismatched = [p for p in paths_.bundles.rglob("*.rsbundle")
                  if verify_bundle(p).digest != p.name[: -len(".rsbundle")]]
    print(f"integrity: sqlite {problems or 'ok'}; runs {len(rows)} (API total {total}), "
          f"bundle files {len(files)}, run stores {len(stores)}, rows == files == stores: "
          f"{rows == files == stores}; bundles re-verified, digest mismatches: "
          f"{len(mismatched)}; verdict rows {verdicts}; tmp/ entries "
          f"{len(list(paths_.tmp.iterdir()))}")
    print("board:", [(c["id"], c["runs"], c["holds"], c["fails"], c["inconclusive"])
                     for c in board if c["runs"]])
    print(f"load average during latency: {load_before} -> {os.getloadavg()}")
    ok = (not problems and rows == files == stores and len(rows) == args.runs
          and total == args.runs and not mismatched)
    print(json.dumps({"runs": args.runs, "latency": latency, "ok": ok}, indent=1))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
