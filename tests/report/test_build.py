"""build_report on real smoke runs: files, LaTeX, self-contained and escaped HTML, atomicity."""

from __future__ import annotations

import base64
import re

import pytest

from riskscope.core.errors import SpecError
from riskscope.report import build_report
from riskscope.report.atomic import MARKER

from .conftest import FAST

IMG = re.compile(r'<img src="([^"]*)"')


def stems(directory, ext):
    return {p.stem for p in directory.glob(f"*.{ext}")}


def latex_rows(text: str) -> list[str]:
    body = text.split(r"\midrule", 1)[1].split(r"\bottomrule", 1)[0]
    return [line for line in body.strip().splitlines() if line.endswith(r"\\")]


def balanced(text: str) -> bool:
    depth = 0
    for ch in re.sub(r"\\[{}]", "", text):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def test_report_files(smoke, smoke_report):
    store, run_id = smoke
    root = smoke_report.parent
    assert smoke_report.name == "index.html" and root == store.directory / "reports" / run_id
    figures = root / "figures"
    png = stems(figures, "png")
    assert png == stems(figures, "svg") == stems(figures, "pdf")
    assert {"generalization_gap_curve", "curves_loss", "excess_risk_vs_model-width",
            "population_risk_vs_model-width"} <= png
    tables = {p.name for p in (root / "tables").iterdir()}
    assert {"summary.csv", "summary.tex", "exponents.csv", "exponents.tex"} <= tables
    assert (root / MARKER).exists()
    assert [p.name for p in root.parent.iterdir()] == [run_id]  # no temporary directories


def test_latex_tables_are_well_formed(smoke, smoke_report):
    tables = smoke_report.parent / "tables"
    for tex in tables.glob("*.tex"):
        text = tex.read_text()
        assert balanced(text), tex.name
        for env in ("table", "tabular"):
            assert text.count(rf"\begin{{{env}}}") == text.count(rf"\end{{{env}}}") == 1
        assert all(text.count(rule) == 1 for rule in (r"\toprule", r"\midrule", r"\bottomrule"))
    summary = (tables / "summary.tex").read_text()
    rows = latex_rows(summary)
    assert len(rows) == 2  # one per width
    n_columns = summary.split(r"\begin{tabular}{", 1)[1].split("}", 1)[0]
    assert all(row.count("&") == len(n_columns) - 1 for row in rows)
    assert re.search(r"\$[^$]+\$ \[\$[^$]+\$, \$[^$]+\$\]", rows[0])  # $m$ [$lo$, $hi$]
    assert r"population\_risk" in summary
    exponents = (tables / "exponents.tex").read_text()
    assert "excess" in exponents and len(latex_rows(exponents)) >= 1


def test_html_is_self_contained(smoke, smoke_report):
    store, run_id = smoke
    page = smoke_report.read_text()
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert not re.search(r"https?://|url\(|@import|@font-face", page)
    sources = IMG.findall(page)
    n_png = len(stems(smoke_report.parent / "figures", "png"))
    assert len(sources) == n_png == page.count("<figure")
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    env = store.environment(store.trials(run_id)["trial_hash"][0])
    for text in ("Specification", "Environment", "Fitted exponents", "Training curves",
                 "generalization gap over training", env["torch"], run_id):
        assert text in page
    if env.get("git_revision"):
        assert env["git_revision"] in page


def test_store_text_is_escaped_and_diverged_trials_reported(hostile):
    store, run_id = hostile
    path = build_report(store, run_id, **FAST)
    page = path.read_text()
    assert "<script>" not in page and "alert('x')" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;amp;" in page
    assert path.parent.parent == store.directory / "reports"  # a safe directory name
    assert "/" not in path.parent.name and "<" not in path.parent.name
    counts = store.trials(run_id)["status"].value_counts()
    assert counts.get("diverged", 0) >= 1
    assert re.search(r'<div class="count warn"><b>[1-9]\d*</b>diverged</div>', page)
    assert "div.)" in page  # the summary row says how many diverged
    assert "generalization_gap_curve" in page


def test_a_failure_leaves_no_partial_report(generic, tmp_path, monkeypatch):
    store, run_id = generic
    target = tmp_path / "report"
    import riskscope.report.build as build

    def broken(*args, **kwargs):
        raise OSError("no space left")

    monkeypatch.setattr(build, "save_figure", broken)  # fails while writing the first figure
    with pytest.raises(OSError, match="no space"):
        build_report(store, run_id, target, **FAST)
    assert not target.exists() and list(tmp_path.iterdir()) == []
    monkeypatch.undo()

    # (figures are skipped below: this is about the swap, not the drawing)
    def no_figures(data, fits, directory, formats):
        directory.mkdir()
        (directory / "partial.png").write_bytes(b"half")
        return []

    monkeypatch.setattr(build, "_render", no_figures)
    good = build_report(store, run_id, target, **FAST)
    before = good.read_bytes()
    monkeypatch.setattr(build, "render_page", broken)  # fails after the figures were written
    with pytest.raises(OSError, match="no space"):
        build_report(store, run_id, target, **FAST)
    assert good.read_bytes() == before  # the earlier report is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_refuses_to_replace_a_directory_it_did_not_write(smoke, tmp_path):
    store, run_id = smoke
    (tmp_path / "thesis.tex").write_text("precious")
    with pytest.raises(SpecError, match="report directory"):
        build_report(store, run_id, tmp_path, **FAST)
    assert (tmp_path / "thesis.tex").read_text() == "precious"
    with pytest.raises(SpecError, match="formats"):
        build_report(store, run_id, tmp_path / "x", formats=("gif",))


def test_a_run_whose_trials_all_failed(tmp_path):
    from riskscope.store import Store, TrialRecord

    with Store(tmp_path / "store") as store:
        store.create_run("r1", "broken", "train", None, {"study": "train"}, "2" * 64)
        store.add_trials("r1", [("a" * 64, {"seed": 0}), ("b" * 64, {"seed": 1})])
        store.commit_trial(TrialRecord("a" * 64, "r1", {"seed": 0}, "failed", 1.0, 2.0,
                                       error="ValueError: x < 0 & <y>"))
        path = build_report(store, "r1", **FAST)
    page = path.read_text()
    assert "No finished trials yet" in page and "not available" in page
    assert "ValueError: x &lt; 0 &amp; &lt;y&gt;" in page
    assert re.search(r'<div class="count bad"><b>1</b>failed</div>', page)
    assert re.search(r'<div class="count warn"><b>1</b>pending</div>', page)
