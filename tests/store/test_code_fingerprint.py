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


def test_import_statements_find_every_import_ast_walk_finds():
    """The line scan finds every import a full parse finds, on every module of the package
    (a superset: a docstring line that reads like an import may count too) and on imports
    nested in functions, classes, try and match, parenthesized or continued with a
    backslash; docstring prose that starts with "import" is skipped."""
    import ast

    nested = (
        '"""Docs.\n\nimport the data first, then\nfrom riskscope.x import y\n"""\n'
        "def f():\n    if x:\n        import riskscope.a\n"
        "    else:\n        from riskscope import (\n            b,\n            c,\n        )\n"
        "class C:\n    try:\n        pass\n    except E:\n        import riskscope.d\n"
        "    finally:\n        from riskscope.e import \\\n            f\n"
        "match v:\n    case 1:\n        import riskscope.g as h  # a comment\n")
    sources = [nested] + [p.read_text() for p in cf._package_dir().rglob("*.py")]
    for source in sources:
        full = {ast.dump(n) for n in ast.walk(ast.parse(source))
                if isinstance(n, (ast.Import, ast.ImportFrom))}
        assert full <= {ast.dump(n) for n in cf.import_statements(source)}
    modules = [n.module if isinstance(n, ast.ImportFrom) else n.names[0].name
               for n in cf.import_statements(nested)]
    assert modules == ["riskscope.x", "riskscope.a", "riskscope", "riskscope.d", "riskscope.e",
                       "riskscope.g"]
