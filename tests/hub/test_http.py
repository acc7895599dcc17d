"""The hub over HTTP: a real uvicorn server on a loopback port, driven by the real CLI
(`publish`, `pull`, `publish-claim`, `hub reproduce`) and by plain HTTP requests."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from riskscope.hub.client import HubClient, HubRequestError
from tests.cli_runner import run_cli
from tests.hub.conftest import CLAIMS, add_member, state_files


def get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def send(url: str, body: bytes | None = None, token: str | None = None,
         method: str = "POST") -> tuple[int, dict]:
    headers = {"content-type": "application/octet-stream"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        assert b"Traceback" not in raw
        return exc.code, json.loads(raw)


def api(hub, path: str) -> dict:
    status, _, body = get(hub.url + path)
    assert status == 200, body
    return json.loads(body)


@pytest.mark.slow
def test_two_members_publish_pull_back_and_compare(fresh_hub, smoke_runs, tmp_path, capsys):
    alice, bob = add_member(fresh_hub, "alice"), add_member(fresh_hub, "bob")
    run_a, run_b = smoke_runs.run_ids
    # alice publishes a run from her results directory (bundled on the fly)...
    code, out, err = run_cli(["publish", run_a, "--out", str(smoke_runs.store), "--hub",
                              fresh_hub.url, "--token", alice], capsys)
    assert code == 0, err
    assert "published" in out and "already" not in out
    # ...bob a bundle file
    code, out, err = run_cli(["publish", str(smoke_runs.bundles[1]), "--hub", fresh_hub.url,
                              "--token", bob], capsys)
    assert code == 0, err
    listing = api(fresh_hub, "/api/runs")
    assert listing["schema"] == "riskscope.hub/1" and listing["total"] == 2
    assert {(r["run_id"], r["author"]) for r in listing["runs"]} == {(run_a, "alice"),
                                                                     (run_b, "bob")}
    # the same bundle again is recognised by its digest: nothing is duplicated
    code, out, _ = run_cli(["publish", str(smoke_runs.bundles[1]), "--hub", fresh_hub.url,
                            "--token", alice], capsys)
    assert code == 0 and "already published" in out
    assert api(fresh_hub, "/api/runs")["total"] == 2
    assert len(list((fresh_hub.hub.paths.bundles).rglob("*.rsbundle"))) == 2

    # filters and sorting
    assert [r["author"] for r in api(fresh_hub, "/api/runs?author=bob")["runs"]] == ["bob"]
    names = [r["name"] for r in api(fresh_hub, "/api/runs?sort=name&order=asc")["runs"]]
    assert names == sorted(names)
    assert api(fresh_hub, "/api/runs?per_page=1&page=2")["runs"][0]["digest"] in {
        r["digest"] for r in listing["runs"]}

    # pull bob's run back into an empty results directory and compare with the original
    pulled = tmp_path / "pulled"
    code, out, err = run_cli(["pull", fresh_hub.url, run_b, "--out", str(pulled)], capsys)
    assert code == 0, err
    from riskscope.exchange.compare import compare_runs
    from riskscope.report.run_summary import run_summary
    from riskscope.store import Store

    with Store(smoke_runs.store, create=False) as original, Store(pulled, create=False) as mine:
        comparison = compare_runs((original, run_b), (mine, run_b))
        assert comparison.verdict == "identical", comparison.to_json()
        assert comparison.rows
        ours, theirs = run_summary(original, run_b), run_summary(mine, run_b)
        assert ours["trials"] == theirs["trials"] and ours["summary"] == theirs["summary"]

    # the hub's comparison page and API agree with it
    cmp = api(fresh_hub, f"/api/compare?a={run_a}&b={run_b}")
    assert cmp["comparison"]["study_a"] == "train" and cmp["comparison"]["rows"]
    status, _, page = get(f"{fresh_hub.url}/compare?a={run_a}&b={run_b}")
    assert status == 200 and b'id="comparison"' in page

    # the study page pools the two runs: their specs agree up to the seeds
    study = api(fresh_hub, "/api/studies/train")
    assert len(study["runs"]) == 2 and len(study["pools"]) == 1
    pool = study["pools"][0]
    assert pool["trials"] == 8 and pool["shared_trials"] == 0
    row = pool["rows"][0]
    name = pool["headline"][0]
    assert row["results"][name]["n"] == 4


def test_claims_board_matches_claims_check(fresh_hub, smoke_runs, capsys):
    alice, bob = add_member(fresh_hub, "alice"), add_member(fresh_hub, "bob")
    client_a, client_b = HubClient(fresh_hub.url, alice), HubClient(fresh_hub.url, bob)
    client_a.upload("/api/runs", smoke_runs.bundles[0])
    # one claim published before the second run, one after: both end up checked on both
    code, out, err = run_cli(["publish-claim", str(smoke_runs.claim_files[0]), "--hub",
                              fresh_hub.url, "--token", alice], capsys)
    assert code == 0, err
    assert "holds in 1 of 1 runs" in out
    client_b.upload("/api/runs", smoke_runs.bundles[1])
    code, out, err = run_cli(["publish-claim", str(smoke_runs.claim_files[1]), "--hub",
                              fresh_hub.url, "--token", bob], capsys)
    assert code == 0, err

    code, out, err = run_cli(["claims", "check", *map(str, smoke_runs.claim_files), "--out",
                              str(smoke_runs.store), "--json"], capsys)
    assert code == 0, err
    local = json.loads(out)["verdicts"]
    assert len(local) == 4
    board = {c["id"]: c for c in api(fresh_hub, "/api/claims")["claims"]}
    for claim_id in CLAIMS:
        mine = {v["run_id"]: v for v in local if v["claim_id"] == claim_id}
        detail = api(fresh_hub, f"/api/claims/{claim_id}")
        hubs = {r["run_id"]: r for r in detail["runs"]}
        assert set(hubs) == set(mine) == set(smoke_runs.run_ids)
        for run_id, v in mine.items():
            assert hubs[run_id]["verdict"] == v["verdict"]
            assert hubs[run_id]["estimate"] == pytest.approx(v["estimate"])
            assert hubs[run_id]["interval"] == pytest.approx(v["interval"])
        counts = {k: sum(v["verdict"] == k for v in mine.values())
                  for k in ("holds", "fails", "inconclusive")}
        assert {k: board[claim_id][k] for k in counts} == counts
        assert board[claim_id]["runs"] == 2
    assert board["train-smoke-population-risk-below-half"]["holds"] == 2
    assert board["train-smoke-excess-risk-below-a-thousandth"]["fails"] == 2
    # built-in claims: on the board; the local check of them agrees (none concerns `train`)
    code, out, _ = run_cli(["claims", "check", "--out", str(smoke_runs.store), "--json"], capsys)
    builtin = json.loads(out)
    assert builtin["verdicts"] == []
    for claim_id in builtin["claims_without_runs"]:
        assert board[claim_id]["origin"] == "builtin" and board[claim_id]["runs"] == 0
    # the same claim again is accepted as already there; changed text under its id is refused
    code, out, _ = run_cli(["publish-claim", str(smoke_runs.claim_files[0]), "--hub",
                            fresh_hub.url, "--token", bob], capsys)
    assert code == 0 and "already on the hub" in out
    changed = smoke_runs.claim_files[0].read_text().replace("hi = 0.5", "hi = 0.6")
    status, answer = send(fresh_hub.url + "/api/claims", changed.encode(), bob)
    assert status == 409 and "immutable" in answer["error"]
    # the run page lists the verdicts; the claim page draws the forest plot
    status, _, page = get(f"{fresh_hub.url}/runs/{smoke_runs.run_ids[0]}")
    assert status == 200 and page.count(b'class="claim-row"') == 2
    status, _, page = get(f"{fresh_hub.url}/claims/train-smoke-population-risk-below-half")
    assert status == 200 and page.count(b"<circle") == 2 and b'class="region"' in page


def test_tokens_withdraw_and_audit(fresh_hub, smoke_runs, capsys):
    alice, bob = add_member(fresh_hub, "alice"), add_member(fresh_hub, "bob")
    bundle = smoke_runs.bundles[0].read_bytes()
    url = fresh_hub.url + "/api/runs"
    assert send(url, bundle)[0] == 401
    assert send(url, bundle, "rsh_000000000000_" + "A" * 43)[0] == 401
    assert send(url, bundle, alice[:-1])[0] == 401
    assert api(fresh_hub, "/api/runs")["total"] == 0
    status, answer = send(url, bundle, alice)
    assert status == 201 and answer["created"]
    digest = answer["digest"]
    withdraw = f"{url}/{digest}/withdraw"
    assert send(withdraw, b"{}", None)[0] == 401
    status, answer = send(withdraw, b'{"reason": "mine"}', bob)
    assert status == 403 and "another member" in answer["error"]
    assert send(withdraw, b"not json", alice)[0] == 400
    code, _, err = run_cli(["hub", "withdraw", digest[:12], "--hub", fresh_hub.url, "--token",
                            alice, "--reason", "superseded"], capsys)
    assert code == 0 and "withdrawn" in err
    status, answer = send(withdraw, b'{"reason": "again"}', alice)
    assert status == 200 and not answer["changed"]
    # hidden from lists and the board, kept on disk and readable for the record
    assert api(fresh_hub, "/api/runs")["total"] == 0
    record = api(fresh_hub, f"/api/runs/{digest}")
    assert record["withdrawn"] and record["withdraw_reason"] == "superseded"
    assert fresh_hub.hub.paths.bundle_file(digest).exists()
    assert get(f"{fresh_hub.url}/api/runs/{digest}/bundle")[0] == 409
    # published bundles are immutable: a withdrawn one cannot come back under its digest
    status, answer = send(url, bundle, alice)
    assert status == 409 and "withdrawn" in answer["error"]
    events = [tuple(r) for r in fresh_hub.hub.db().execute(
        "SELECT user, action FROM events WHERE action IN ('publish', 'withdraw')")]
    assert events == [("alice", "publish"), ("alice", "withdraw")]


def test_refused_uploads_leave_no_trace(tmp_path, smoke_runs):
    from riskscope.hub.server import BackgroundHub

    good = smoke_runs.bundles[0].read_bytes()
    flipped = bytearray(good)
    flipped[len(flipped) // 2] ^= 0x01
    cases = {"flipped byte": bytes(flipped), "truncated": good[: len(good) // 3],
             "not a bundle": b"PK\x03\x04 this is not a zip file at all",
             "empty": b""}
    with BackgroundHub(tmp_path / "hub", max_upload_bytes=len(good) + 10) as hub:
        token = add_member(hub, "alice")
        before = state_files(hub.hub.paths.root)
        for what, body in cases.items():
            status, answer = send(hub.url + "/api/runs", body, token)
            assert status in (400, 422), (what, status, answer)
            assert answer["error"] and answer["status"] == status, what
            assert state_files(hub.hub.paths.root) == before, what
        status, answer = send(hub.url + "/api/runs", good + b"x" * 20, token)
        assert status == 413 and "limit" in answer["error"]
        assert state_files(hub.hub.paths.root) == before
        assert hub.hub.db().execute("SELECT count(*) FROM runs").fetchone()[0] == 0
        from riskscope.hub.database import integrity_check

        assert integrity_check(hub.hub.db()) == []
        # and the CLI prints the hub's reason with exit code 2
        bad = tmp_path / "bad.rsbundle"
        bad.write_bytes(bytes(flipped))
        import subprocess
        import sys

        done = subprocess.run([sys.executable, "-m", "riskscope", "publish", str(bad), "--hub",
                               hub.url, "--token", token], capture_output=True, text=True,
                              timeout=300, check=False)
        assert done.returncode == 2, done.stderr
        assert "the hub answered 422" in done.stderr and "Traceback" not in done.stderr


def test_malformed_requests_get_json_4xx_never_a_traceback(fresh_hub):
    token = add_member(fresh_hub, "alice")
    cases = [("/api/runs?sort=nope", 400), ("/api/runs?page=0", 400),
             ("/api/runs?per_page=100000", 400), ("/api/runs/unknown-run", 404),
             ("/api/runs/..%2F..%2Fhub.sqlite/bundle", 404), ("/api/claims/nope", 404),
             ("/api/compare?a=x", 400), ("/api/nothing-here", 404),
             ("/runs/%3Cscript%3E", 404)]
    for path, expected in cases:
        status, headers, body = get(fresh_hub.url + path)
        assert status == expected, (path, status, body)
        assert b"Traceback" not in body and b'File "' not in body
        if path.startswith("/api"):
            assert json.loads(body)["status"] == expected
    status, _, body = get(fresh_hub.url + "/runs/%3Cscript%3E")
    assert b"<script>" not in body and b"&lt;script&gt;" in body
    status, answer = send(fresh_hub.url + "/api/claims", b'id = "x"\nbroken = [', token)
    assert status == 400 and "TOML" in answer["error"]
    status, answer = send(fresh_hub.url + "/api/claims", b"\xff\xfe", token)
    assert status == 400
    status, answer = send(fresh_hub.url + "/api/runs/x/reproductions", b"[]", token)
    assert status == 400 and "JSON object" in answer["error"]
    # every page carries the security headers
    _, headers, _ = get(fresh_hub.url + "/")
    headers = {k.lower(): v for k, v in headers.items()}
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_member_reproduces_a_run_and_the_badge_shows(fresh_hub, smoke_runs, capsys):
    token = add_member(fresh_hub, "alice")
    digest = HubClient(fresh_hub.url, token).upload("/api/runs", smoke_runs.bundles[0])["digest"]
    code, _, err = run_cli(["hub", "reproduce", digest[:12], "--trials", "1", "--seed", "0",
                              "--hub", fresh_hub.url, "--token", token], capsys)
    assert code == 0, err
    record = api(fresh_hub, f"/api/runs/{digest}")["reproductions"]
    assert len(record) == 1 and record[0]["by"] == "alice"
    assert record[0]["record"]["trials_checked"] == 1
    assert record[0]["outcome"] == "reproduced bit for bit"
    gallery = api(fresh_hub, "/api/runs")["runs"][0]["reproduction"]
    assert gallery == {"outcome": "reproduced bit for bit", "records": 1}
    status, _, page = get(f"{fresh_hub.url}/runs/{digest}")
    assert b'class="badge reproduced-bit-for-bit"' in page
    # the operator reproduces in place beside the running server, which keeps its uploads
    in_flight = fresh_hub.hub.paths.tmp / "upload-in-flight.part"
    in_flight.write_bytes(b"half an upload")
    code, _, err = run_cli(["hub", "reproduce", digest, "--trials", "1", "--seed", "1",
                            "--root", str(fresh_hub.hub.paths.root)], capsys)
    assert code == 0, err
    assert in_flight.exists()
    records = api(fresh_hub, f"/api/runs/{digest}")["reproductions"]
    assert [r["by"] for r in records] == ["alice", "operator"]
    # a record naming another bundle is refused
    other = {**record[0]["record"], "bundle_digest": "0" * 64}
    status, answer = send(f"{fresh_hub.url}/api/runs/{digest}/reproductions",
                          json.dumps(other).encode(), token)
    assert status == 400 and "another bundle" in answer["error"]


def test_serve_and_add_user_commands(tmp_path, capsys):
    """`riskscope hub serve` as its own process on an empty root, loopback only; `hub
    add-user` prints a token that works there."""
    import contextlib
    import socket
    import subprocess
    import sys
    import time

    root = tmp_path / "hub"
    code, out, err = run_cli(["hub", "add-user", "alice", "--root", str(root)], capsys)
    assert code == 0 and "shown once" in err
    token = out.strip()
    assert token.startswith("rsh_") and token.encode() not in (root / "hub.sqlite").read_bytes()
    code, _, err = run_cli(["hub", "add-user", "alice", "--root", str(root)], capsys)
    assert code == 2 and "--new-token" in err
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "riskscope", "hub", "serve", "--root",
                               str(root), "--port", str(port)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            status, _, body = (0, {}, b"")
            with contextlib.suppress(OSError):
                status, _, body = get(f"http://127.0.0.1:{port}/api/health")
            if status == 200 or time.monotonic() > deadline or server.poll() is not None:
                break
            time.sleep(0.2)
        assert status == 200 and json.loads(body) == {"schema": "riskscope.hub/1", "ok": True,
                                                      "runs": 0}
        client = HubClient(f"http://127.0.0.1:{port}", token)
        with pytest.raises(HubRequestError, match="404"):
            client.post_json("/api/runs/none/withdraw", {})
        with pytest.raises(HubRequestError, match="401"):
            HubClient(f"http://127.0.0.1:{port}", "wrong").post_json("/api/runs/x/withdraw", {})
        listening = subprocess.run(["ss", "-ltn"], capture_output=True, text=True,
                                   check=False).stdout
        if listening:
            lines = [line for line in listening.splitlines() if f":{port} " in line]
            assert lines and all("127.0.0.1:" in line for line in lines), lines
    finally:
        server.terminate()
        server.wait(timeout=30)
