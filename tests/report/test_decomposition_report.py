"""The integrated error analysis in a report: stacked component figures, fits, verdicts."""

from __future__ import annotations

import pandas as pd
import pytest

from riskscope.report import build_report
from riskscope.report.fig_decomposition import decomposition_figures
from riskscope.report.fits import fit_exponents
from riskscope.report.report_data import load_report_data
from riskscope.report.style import styled

from .conftest import COMPONENT_NAMES, FAST, SIZES, WIDTHS


def test_stacked_figures_are_drawn(decomposition):
    store, run_id = decomposition
    data = load_report_data(store, run_id)
    assert data.has_decomposition and data.numeric == ["data.n_train", "model.width"]
    with styled():
        specs = decomposition_figures(data, fit_exponents(data, n_resamples=200))
    by_stem = {s.stem: s for s in specs}
    assert {"decomposition_vs_data-n_train", "decomposition_vs_model-width",
            "components_vs_data-n_train", "components_vs_model-width"} == set(by_stem)
    fig = by_stem["decomposition_vs_data-n_train"].figure
    assert len(fig.axes) == len(WIDTHS)  # one panel per width
    ax = fig.axes[0]
    bars = [c for c in ax.containers if c.__class__.__name__ == "BarContainer"]
    assert len(bars) == 4 and all(len(b) == len(SIZES) for b in bars)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert [c.replace("_", " ") for c in COMPONENT_NAMES] == legend[:4]
    assert "measured excess risk (95% CI)" in legend
    # positive segments stack: each bar starts where the positive ones below it end
    heights = [[r.get_height() for r in b] for b in bars]
    bottoms = [[r.get_y() for r in b] for b in bars]
    assert bottoms[1][0] == pytest.approx(max(heights[0][0], 0))
    assert ax.get_xscale() == "log"


def test_report_shows_decomposition_fits_and_verdicts(decomposition):
    store, run_id = decomposition
    path = build_report(store, run_id, **FAST)
    page = path.read_text()
    assert "Integrated error analysis" in page
    assert 'id="fig-decomposition_vs_model-width"' in page
    tables = path.parent / "tables"
    assert (tables / "decomposition.csv").exists() and (tables / "decomposition.tex").exists()
    fits = pd.read_csv(tables / "exponents.csv")
    approx = fits[(fits.result == "approximation_error") & (fits.parameter == "model.width")]
    assert len(approx) == len(SIZES)  # one fit per training-set size
    assert approx["exponent"].to_numpy() == pytest.approx(-1.0, abs=1e-6)
    assert set(approx["verdict"]) == {"holds"}
    gap = fits[(fits.result == "generalization_gap") & (fits.parameter == "data.n_train")]
    assert set(gap["verdict"]) == {"does not hold"}  # true rate −1/2, stated −1
    assert "verdict-holds" in page and "verdict-does-not-hold" in page
    assert "remainder vs" in page  # the remainder crosses zero: listed as not fitted
    assert "&lt;b&gt;boom&lt;/b&gt;" in page and "<b>boom" not in page  # failure, escaped
