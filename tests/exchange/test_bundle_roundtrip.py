"""Bundles: same run → same bytes; bundle → import → show equals the original; ls, show and
report work on the imported run; the bundle's content is what the store holds."""

from __future__ import annotations

import json
import zipfile

from riskscope.exchange import import_bundle, verify_bundle, write_bundle
from riskscope.exchange.layout import MANIFEST, sha256
from riskscope.report.run_summary import run_summary
from riskscope.store import Store
from tests.cli_runner import run_cli


def test_same_run_gives_the_same_bytes(smoke, smoke_bundle, tmp_path):
    store, run_id = smoke
    again = write_bundle(store, run_id, tmp_path / "again.rsbundle",
                         author="Ada <ada@example.org>", note="smoke run for the tests")
    assert again.path.read_bytes() == smoke_bundle.path.read_bytes()
    assert again.digest == smoke_bundle.digest
    other = write_bundle(store, run_id, tmp_path / "other.rsbundle", author="Bob")
    assert other.digest != smoke_bundle.digest  # the author is part of the content


def test_archive_is_deterministic_and_digest_is_the_manifest_hash(smoke_bundle):
    with zipfile.ZipFile(smoke_bundle.path) as zf:
        infos = zf.infolist()
        manifest = zf.read(MANIFEST)
    assert infos[0].filename == MANIFEST
    assert [i.filename for i in infos[1:]] == sorted(i.filename for i in infos[1:])
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}
    assert sha256(manifest) == smoke_bundle.digest
    listed = {m["name"] for m in json.loads(manifest)["members"]}
    assert listed == {i.filename for i in infos[1:]}
    assert "report/index.html" in listed and "declaration.json" in listed


def test_bundle_holds_what_the_store_holds(smoke, smoke_bundle):
    store, run_id = smoke
    bundle = verify_bundle(smoke_bundle.path)
    assert bundle.run_id == run_id and bundle.author == "Ada <ada@example.org>"
    assert bundle.declaration.get("population_risk").headline
    assert not bundle.declaration_derived
    hashes = list(store.trials(run_id)["trial_hash"])
    assert [t.trial_hash for t in bundle.trials] == hashes
    for trial in bundle.trials:
        record = store.load_record(trial.trial_hash, with_artifacts=False)
        assert trial.params == record.params and trial.status == record.status
        assert json.dumps(trial.result, allow_nan=True) == json.dumps(record.result,
                                                                       allow_nan=True)
        assert trial.metrics == {k: (list(s), list(v)) for k, (s, v) in record.metrics.items()}
        entries = store.artifact_entries(trial.trial_hash)
        assert {e["name"]: e["sha256"] for e in entries} == \
            {n: sha256(d) for n, d in trial.artifacts.items()}
    assert bundle.code_fingerprint["source_sha256"]


def test_import_round_trip_equals_the_original(smoke, smoke_bundle, tmp_path, capsys):
    store, run_id = smoke
    with Store(tmp_path / "elsewhere") as other:
        report = import_bundle(smoke_bundle.path, other)
        assert report.run_created and report.new == len(store.trials(run_id))
        assert run_summary(other, run_id) == run_summary(store, run_id)
        assert other.integrity_check() == []
        for th in store.trials(run_id)["trial_hash"]:
            a, b = store.load_record(th), other.load_record(th)
            assert a.params == b.params and a.metrics == b.metrics
            assert {k: {n: t.tolist() for n, t in v.items()} for k, v in a.artifacts.items()} \
                == {k: {n: t.tolist() for n, t in v.items()} for k, v in b.artifacts.items()}
        # bundling the imported run again gives the very same bundle
        again = write_bundle(other, run_id, tmp_path / "again.rsbundle",
                             author="Ada <ada@example.org>", note="smoke run for the tests")
        assert again.digest == smoke_bundle.digest
    out_a = run_cli(["show", run_id, "--out", str(store.directory)], capsys)
    out_b = run_cli(["show", run_id, "--out", str(tmp_path / "elsewhere")], capsys)
    assert out_a[0] == out_b[0] == 0 and out_a[1] == out_b[1]
    code, out, _ = run_cli(["ls", "--out", str(tmp_path / "elsewhere")], capsys)
    assert code == 0 and run_id in out


def test_report_builds_on_an_imported_run(smoke_bundle, tmp_path):
    from riskscope.report import build_report

    with Store(tmp_path / "imported") as other:
        import_bundle(smoke_bundle.path, other)
        page = build_report(other, verify_bundle(smoke_bundle.path).run_id,
                            formats=("png",), n_resamples=50)
    assert "population_risk" in page.read_text()


def test_cli_bundle_verify_import(smoke, tmp_path, capsys):
    store, run_id = smoke
    target = tmp_path / "cli.rsbundle"
    code, out, err = run_cli(["bundle", run_id, "--out", str(store.directory), "-o",
                              str(target), "--note", "cli"], capsys)
    assert code == 0, err
    digest = out.split("digest ")[1].split()[0]
    code, out, _ = run_cli(["verify", str(target), "--json"], capsys)
    assert code == 0 and json.loads(out)["digest"] == digest
    code, out, _ = run_cli(["import", str(target), "--out", str(tmp_path / "s")], capsys)
    assert code == 0 and "4 new" in out
    code, out, _ = run_cli(["import", str(target), "--out", str(tmp_path / "s")], capsys)
    assert code == 0 and "already imported" in out


def test_a_run_whose_keys_do_not_match_its_content_is_not_bundled(tmp_path, capsys):
    from riskscope.store import TrialRecord

    with Store(tmp_path / "s") as store:
        store.create_run("fake", "fake", "train", None, {"study": "train"}, "0" * 64)
        code, _, err = run_cli(["bundle", "fake", "--out", str(tmp_path / "s")], capsys)
        assert code == 2 and "spec hash" in err
        from riskscope.studies.canonical import spec_hash

        spec = {"study": "train"}
        store.create_run("fake2", "fake2", "train", None, spec, spec_hash(spec))
        record = TrialRecord("a" * 64, "fake2", {"seed": 0}, "done", 0.0, 1.0)
        store.add_trials("fake2", [(record.trial_hash, record.params)])
        store.commit_trial(record)
        code, _, err = run_cli(["bundle", "fake2", "--out", str(tmp_path / "s")], capsys)
        assert code == 2 and "do not hash" in err
    assert not (tmp_path / "s" / "bundles").exists()
