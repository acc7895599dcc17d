"""LaTeX tables in the booktabs style (`\\usepackage{booktabs}`), ready to `\\input`.

Cells are escaped for LaTeX; numbers are set in math mode, so `-0.5` gets a real minus sign and
`1.2e-05` becomes $1.2\\times10^{-5}$. Greek letters and typographic signs that the report
uses are mapped to commands, so the file compiles with pdflatex and no unicode set-up.
"""

from __future__ import annotations

import re

_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
            "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
            "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
            "α": r"$\alpha$", "σ": r"$\sigma$", "η": r"$\eta$", "λ": r"$\lambda$",
            "−": "$-$", "–": "--", "—": "---", "×": r"$\times$", "·": r"$\cdot$",
            "≤": r"$\leq$", "≥": r"$\geq$"}
_NUMBER = re.compile(r"(?<![A-Za-z_\d.])(-?\d+(?:\.\d+)?)(?:e([+-]?)0*(\d+))?(?![A-Za-z_\d])")


def escape(text: str) -> str:
    """`text` with LaTeX's special characters escaped (no math)."""
    return "".join(_ESCAPES.get(ch, ch) for ch in str(text))


def _number(m: re.Match) -> str:
    mantissa, sign, power = m.group(1), m.group(2), m.group(3)
    if power is None:
        return f"${mantissa}$"
    sign = "-" if sign == "-" else ""
    return f"${mantissa}\\times10^{{{sign}{power}}}$"


def cell(text: str) -> str:
    """An escaped cell with its numbers in math mode; '–' or '' becomes '--'."""
    if text in ("–", ""):
        return "--"
    parts, last = [], 0
    for m in _NUMBER.finditer(text):
        parts += [escape(text[last:m.start()]), _number(m)]
        last = m.end()
    parts.append(escape(text[last:]))
    return "".join(parts)


def table(columns: list[str], rows: list[list[str]], caption: str, label: str,
          align: str | None = None) -> str:
    """A complete `table` environment: caption (LaTeX, as given), label, booktabs rules, one
    line per row; headers and cells are escaped."""
    align = align or "l" * len(columns)
    label = re.sub(r"[^A-Za-z0-9:.-]+", "-", label)
    lines = [r"\begin{table}[t]", r"\centering", rf"\caption{{{caption}}}",
             rf"\label{{{label}}}", rf"\begin{{tabular}}{{{align}}}", r"\toprule",
             " & ".join(escape(c) for c in columns) + r" \\", r"\midrule"]
    if rows:
        lines += [" & ".join(cell(str(v)) for v in row) + r" \\" for row in rows]
    else:
        lines.append(rf"\multicolumn{{{len(columns)}}}{{c}}{{(none)}} \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}", ""]
    return "\n".join(lines)
