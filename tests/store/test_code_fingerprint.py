"""Code fingerprints: what they cover, and that a changed source is detected."""

from __future__ import annotations

import pytest

from riskscope.store import code_fingerprint as cf


def test_a_studys_fingerprint_covers_its_analyses_and_not_other_studies():
    fp = cf.code_fingerprint("riskscope.studies.builtin.decomposition")
    modules = set(fp["modules"])
    assert "riskscope.studies.builtin.decomposition" in modules
    assert any(m.startswith("riskscope.analyses.decomposition") for m in modules)
    assert "riskscope.training.trainer" in modules
    assert "riskscope.studies.builtin.grokking" not in modules
    assert not any(m.startswith("riskscope.report") for m in modules)
    assert len(fp["source_sha256"]) == 64 and cf.is_current(fp) is True


def test_package_fingerprint_is_json_and_stable():
    import json

    first = cf.package_fingerprint()
    assert json.loads(json.dumps(first)) == first
    assert set(first) == {"riskscope", "git_revision", "git_dirty", "package_sha256"}
    cf.package_fingerprint.cache_clear()
    assert cf.package_fingerprint()["package_sha256"] == first["package_sha256"]


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    """A two-module 'riskscope' tree in tmp_path, standing in for the installed package."""
    root = tmp_path / "riskscope"
    (root / "studies").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "studies" / "__init__.py").write_text("")
    (root / "studies" / "mine.py").write_text("from riskscope.helper import f\n")
    (root / "helper.py").write_text("def f():\n    return 1\n")
    (root / "unrelated.py").write_text("X = 1\n")
    monkeypatch.setattr(cf, "_package_dir", lambda: root)
    for fn in (cf.module_closure, cf.source_sha256):
        fn.cache_clear()
    yield root
    for fn in (cf.module_closure, cf.source_sha256):
        fn.cache_clear()


def test_a_change_to_an_imported_module_makes_the_fingerprint_stale(fake_package):
    fp = cf.code_fingerprint("riskscope.studies.mine")
    assert fp["modules"] == ["riskscope.helper", "riskscope.studies.mine"]
    (fake_package / "unrelated.py").write_text("X = 2\n")
    cf.source_sha256.cache_clear()
    assert cf.is_current(fp) is True
    (fake_package / "helper.py").write_text("def f():\n    return 2\n")
    cf.source_sha256.cache_clear()
    assert cf.is_current(fp) is False
    assert cf.is_current(None) is None and cf.is_current({"modules": "x"}) is None
