"""Number formats and LaTeX cells shared by the HTML and LaTeX tables."""

import math

from riskscope.report import latex
from riskscope.report.formatting import exponent_ci, num, param, with_ci


def test_values_with_intervals():
    assert with_ci(0.1234, 0.1011, 0.1449) == "0.123 [0.101, 0.145]"
    assert with_ci(0.5, None, None) == "0.5"
    assert with_ci(0.5, math.nan, math.nan) == "0.5"
    assert with_ci(None, 0, 1) == "–" and with_ci(math.nan, 0, 1) == "–"
    assert num(math.inf) == "inf" and num(None) == "–"
    assert param(1024.0) == "1024" and param(0.003) == "0.003" and param("relu") == "relu"
    assert exponent_ci(-1e-16, -0.5004, 0.25) == "0.000 [-0.500, 0.250]"


def test_latex_cells_escape_text_and_set_numbers_in_math():
    assert latex.cell("1.2e-05 [-3e+02, 4]") == r"$1.2\times10^{-5}$ [$-3\times10^{2}$, $4$]"
    assert latex.cell("a_b & 50% #1") == r"a\_b \& $50$\% \#$1$"
    assert latex.cell("mnist1d") == "mnist1d"  # digits inside a word stay text
    assert latex.cell("–") == "--"
    assert latex.escape("{α ≤ x^2}") == r"\{$\alpha$ $\leq$ x\textasciicircum{}2\}"


def test_latex_table_layout():
    text = latex.table(["p", "value"], [["8", "0.1 [0, 0.2]"], ["32", "–"]], "Cap", "tab:r/1")
    assert text.splitlines()[:5] == [r"\begin{table}[t]", r"\centering", r"\caption{Cap}",
                                     r"\label{tab:r-1}", r"\begin{tabular}{ll}"]
    assert r"$32$ & -- \\" in text and text.count(r"\\") == 3
    empty = latex.table(["a"], [], "c", "l")
    assert r"\multicolumn{1}{c}{(none)}" in empty


def test_narrow_log_axes_label_decades_only():
    from riskscope.report.style import new_figure, plain_log_ticks

    labels = {}
    for width in (2.0, 8.0):
        _, (ax,) = new_figure(1, panel_size=(width, 2.5))
        ax.plot([1, 2000], [1, 2])
        ax.set_xscale("log")
        plain_log_ticks(ax)
        minor = ax.xaxis.get_minor_formatter()
        labels[width] = (minor(200, 0), minor(50, 0), ax.xaxis.get_major_formatter()(100, 0))
    assert labels[8.0] == ("200", "50", "100")
    assert labels[2.0] == ("", "", "100")  # 2 inches for 3.3 decades: decades only
