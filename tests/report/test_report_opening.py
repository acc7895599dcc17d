"""The report opens with what a reader came for: the headline figure, the headline results
with intervals, the claims that concern the run and its reproduction records; the long tables
follow. Names come from the declaration stored with the run; an older run (none stored) still
gets a full report."""

from __future__ import annotations

import re

import numpy as np

from riskscope.core.declared_results import ResultDeclaration
from riskscope.report import build_report
from riskscope.report.build import headline_index
from riskscope.report.fig_results import FigureSpec
from riskscope.store import Store
from riskscope.studies.registry import study_declaration

from .conftest import FAST, SEEDS, SIZES, WIDTHS, _decomposition_record

CLAIMS = [
    {"id": "gap-falls", "statement": "the gap falls with n <b>", "source": "folklore",
     "verdict": "holds", "detail": "slope -0.9 [-1.1, -0.7]"},
    {"id": "approx-zero", "statement": "approximation error 0", "source": "x",
     "verdict": "inconclusive", "detail": "interval straddles 0"},
]
REPRO = [{"at": 1.7e9, "trials_checked": 3, "identical": 3, "within_interval": 0,
          "differing": 0, "code_fingerprint": "abc", "outcome": "identical"}]


def _store(directory, declaration: ResultDeclaration | None):
    store = Store(directory)
    run_id = "decomposition-decl"
    store.create_run(run_id, "decomposition", "decomposition", "smoke",
                     {"study": "decomposition"}, "0" * 64)
    gen = np.random.default_rng(1)
    records = [_decomposition_record(run_id, w, n, s, gen)
               for w in WIDTHS for n in SIZES for s in SEEDS]
    store.add_trials(run_id, [(r.trial_hash, r.params) for r in records])
    store.commit_trials(records)
    info = {"reproductions": REPRO}
    if declaration is not None:
        info["declaration"] = declaration.to_json()
    store.set_run_status(run_id, "done", **info)
    return store, run_id


def _sections(page: str) -> list[str]:
    return re.findall(r'<section id="([a-z]+)">', page)


def test_the_page_opens_with_headline_claims_and_reproductions(tmp_path):
    store, run_id = _store(tmp_path / "s", study_declaration("decomposition"))
    with store:
        page = build_report(store, run_id, tmp_path / "r", claims=CLAIMS, **FAST).read_text()
    assert _sections(page)[:5] == ["headline", "claims", "reproductions", "results", "summary"]
    head = page.split('<section id="claims">')[0].split('<section id="headline">')[1]
    # the declared headline figure (the decomposition) is Figure 1, inside the opening section
    assert 'id="fig-decomposition_vs_' in head and "Figure 1." in head
    # the headline table: the five declared headline results with their intervals
    assert "Headline results" in head
    for name in ("excess_risk", "approximation_error", "optimization_error", "remainder"):
        assert f">{name}<" in head
    assert re.search(r"\d \[[-0-9.e]+, [-0-9.e]+\]", head)
    claims = page.split('<section id="claims">')[1].split("</section>")[0]
    assert "gap-falls" in claims and "&lt;b&gt;" in claims and "<b>" not in claims
    assert 'class="verdict-holds"' in claims and 'class="verdict-inconclusive"' in claims
    repro = page.split('<section id="reproductions">')[1].split("</section>")[0]
    assert "identical" in repro and "abc" in repro and "2023-11-14" in repro
    # declared results listed; the declaration is not dumped into the spec's info table
    assert 'id="declared"' in page and "sampling luck" in page
    spec = page.split('<section id="spec">')[1].split("</section>")[0]
    assert "report_figures" not in spec


def test_an_older_run_without_a_declaration_still_gets_its_report(tmp_path):
    store, run_id = _store(tmp_path / "s", None)
    with store:
        page = build_report(store, run_id, tmp_path / "r", **FAST).read_text()
    assert _sections(page)[:3] == ["headline", "claims", "reproductions"]
    assert "No claim concerns this run." in page
    assert "stored before studies declared their results" in page
    head = page.split('<section id="claims">')[0]
    assert "Figure 1." in head and "Headline results" in head
    assert page.count("<figure") == len(list((tmp_path / "r" / "figures").glob("*.png")))


def test_headline_figure_choice():
    def spec(stem):
        return FigureSpec(stem, "results", stem, "", None)

    named = [("decomposition", spec("decomposition_vs_n")), ("epoch_wise", spec("epoch_wise")),
             ("results", spec("rate_ratio_linearized_vs_width")),
             ("results", spec("rate_ratio_vs_width")), ("curves", spec("curves_metrics"))]
    assert headline_index(named, "rate_ratio") == 3
    assert headline_index(named, "curves_metrics") == 4
    assert headline_index(named, "decomposition") == 0
    assert headline_index(named, None) == 1  # the first study figure
    assert headline_index(named, "not-drawn") == 1
    assert headline_index([], "x") is None
