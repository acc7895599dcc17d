"""Import merges by trial hash: importing twice changes nothing, overlapping bundles share
their trials, and a different result for a stored trial is kept beside it with provenance."""

from __future__ import annotations

import json
import sqlite3

import pytest

from riskscope.exchange import import_bundle, verify_bundle, write_bundle
from riskscope.store import Store
from tests.exchange.conftest import copy_store, smoke_run, table_dump


@pytest.fixture(scope="module")
def overlapping(smoke, tmp_path_factory):
    """A second run sharing the smoke run's width-32 trials (widths 32 and 64), bundled."""
    d = tmp_path_factory.mktemp("overlap")
    store, run_id = smoke_run(d / "store", 'grid={"model.width" = [32, 64]}')
    info = write_bundle(store, run_id, d / "overlap.rsbundle", with_report=False)
    store.close()
    return info


@pytest.fixture(scope="module")
def other_machine(smoke, tmp_path_factory):
    """The smoke run as 'another machine' got it: one trial's result differs."""
    store, run_id = smoke
    d = tmp_path_factory.mktemp("machine")
    copy = copy_store(store, d / "store")
    th = copy.trials(run_id)["trial_hash"].iloc[0]
    result = copy.trial_row(th)["result"]
    result["population_risk"] += 0.125
    copy.close()
    conn = sqlite3.connect(d / "store" / "riskscope.sqlite")
    conn.execute("UPDATE trials SET result_json = ?, environment_json = json_set("
                 "environment_json, '$.device_name', 'Other CPU') WHERE trial_hash = ?",
                 (json.dumps(result, sort_keys=True, separators=(",", ":")), th))
    conn.commit()
    conn.close()
    with Store(d / "store") as copy:
        info = write_bundle(copy, run_id, d / "machine.rsbundle", author="Bob",
                            with_report=False)
    return info, th


def test_import_twice_changes_nothing(smoke_bundle, tmp_path):
    with Store(tmp_path / "s") as store:
        first = import_bundle(smoke_bundle.path, store)
    before = table_dump(tmp_path / "s")
    with Store(tmp_path / "s") as store:
        second = import_bundle(verify_bundle(smoke_bundle.path), store)
    assert not first.already_imported and second.already_imported
    assert table_dump(tmp_path / "s") == before


def test_overlapping_bundles_share_their_trials(smoke, smoke_bundle, overlapping, tmp_path):
    _store, run_id = smoke
    with Store(tmp_path / "s") as target:
        a = import_bundle(smoke_bundle.path, target)
        b = import_bundle(overlapping.path, target)
        assert (a.new, a.same) == (4, 0)
        assert (b.new, b.same, b.variants) == (2, 2, 0)  # the width-32 trials were there
        n = target._db.execute("SELECT COUNT(*) FROM trials").fetchone()[0]
        assert n == 6
        assert sorted(target.runs()["n_trials"]) == [4, 4]
        shared = set(target.trials(run_id)["trial_hash"]) & \
            set(target.trials(overlapping.run_id)["trial_hash"])
        assert len(shared) == 2
        for th in shared:  # one result, brought by both bundles
            (variant,) = target.trial_variants(th)
            assert variant["is_primary"]
            assert {s["bundle_digest"] for s in variant["sources"]} == \
                {smoke_bundle.digest, overlapping.digest}
        assert {b["digest"] for b in target.imported_bundles()} == \
            {smoke_bundle.digest, overlapping.digest}
        assert target.integrity_check() == []


def test_a_different_result_is_kept_beside_with_provenance(smoke, smoke_bundle,
                                                           other_machine, tmp_path):
    store, _run_id = smoke
    machine, th = other_machine
    original = store.trial_row(th)["result"]["population_risk"]
    with Store(tmp_path / "s") as target:
        import_bundle(smoke_bundle.path, target)
        report = import_bundle(machine.path, target)
        assert (report.new, report.same, report.variants) == (0, 3, 1)
        assert target.trial_row(th)["result"]["population_risk"] == original  # not replaced
        primary, other = target.trial_variants(th)
        assert primary["is_primary"] and not other["is_primary"]
        assert other["result"]["population_risk"] == original + 0.125
        (source,) = other["sources"]
        assert source["bundle_digest"] == machine.digest and source["author"] == "Bob"
        assert "Other CPU" in source["machine"] and "riskscope" in source["code_version"]
        assert primary["sources"][0]["author"] == "Ada <ada@example.org>"
        assert target.integrity_check() == []


def test_a_variant_into_the_local_store_keeps_the_local_result(smoke, other_machine,
                                                               tmp_path):
    store, run_id = smoke
    machine, th = other_machine
    local = copy_store(store, tmp_path / "local")
    try:
        report = import_bundle(machine.path, local)
        assert not report.run_created and report.variants == 1
        primary, other = local.trial_variants(th)
        assert primary["sources"] == [] and primary["result"] == store.trial_row(th)["result"]
        assert other["sources"][0]["author"] == "Bob"
        assert len(local.trials(run_id)) == 4
    finally:
        local.close()


def test_a_conflicting_run_id_is_refused_with_the_store_unchanged(smoke_bundle, tmp_path):
    from riskscope.core.errors import StoreError

    bundle = verify_bundle(smoke_bundle.path)
    with Store(tmp_path / "s") as target:
        target.create_run(bundle.run_id, "x", "train", None, {"study": "train"}, "f" * 64)
    before = table_dump(tmp_path / "s")
    with Store(tmp_path / "s") as target, pytest.raises(StoreError, match="spec hash"):
        import_bundle(bundle, target)
    assert table_dump(tmp_path / "s") == before


def test_unfinished_trials_travel_as_pending(smoke, tmp_path):
    from riskscope.report.run_summary import run_summary
    from riskscope.studies.canonical import spec_hash

    store, run_id = smoke
    copy = copy_store(store, tmp_path / "copy")
    params = {"study": "train", "seed": 99, "note": "never run"}
    copy.add_trials(run_id, [(spec_hash(params), params)])
    info = write_bundle(copy, run_id, tmp_path / "p.rsbundle", with_report=False)
    copy.close()
    with Store(tmp_path / "s") as target:
        report = import_bundle(info.path, target)
        assert (report.new, report.registered) == (4, 1)
        assert run_summary(target, run_id)["counts"]["pending"] == 1
        assert target.trial_row(spec_hash(params))["status"] == "pending"
