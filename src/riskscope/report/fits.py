"""The power-law fits a report shows: every main result (and decomposition component) against
every numeric swept parameter, one fit per combination of the other swept parameters.

A fit uses the finished trials' stored values (see `riskscope.analyses.rates`). It is made only
when every finite value is positive: dropping the negative values of a quantity that crosses
zero (a gap, the remainder) would bias the exponent, so such pairs are listed as not fitted.
Each fit's bootstrap is seeded from the run id and the pair's names, so a report is reproducible.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from riskscope.analyses.rates import PowerLawFit, fit_power_law
from riskscope.core.errors import SpecError
from riskscope.report.aggregate import split_by
from riskscope.report.report_data import COMPONENTS, ReportData
from riskscope.report.style import combo_label


@dataclass(frozen=True)
class ExponentRow:
    """One fitted exponent: `result` ≈ C · `param`^α with the other parameters held at `fixed`.

    predicted: the stated exponent for (result, param), if the run states one; verdict: whether
    it lies in the fit's interval ("holds" / "does not hold").
    """

    result: str
    param: str
    fixed: dict
    fit: PowerLawFit
    predicted: float | None = None
    verdict: str | None = None

    @property
    def fixed_label(self) -> str:
        return combo_label(self.fixed) or "–"


@dataclass
class ExponentFits:
    rows: list[ExponentRow]
    skipped: list[str]  # "result vs param (fixed): reason"

    def lookup(self, result: str, param: str, fixed: dict) -> ExponentRow | None:
        for row in self.rows:
            if (row.result, row.param, row.fixed) == (result, param, fixed):
                return row
        return None


def fitted_results(data: ReportData) -> list[str]:
    names = list(data.results)
    if data.has_decomposition:
        names += [c for c in COMPONENTS if c not in names]
    return names


def _seed(*parts: object) -> int:
    digest = hashlib.sha256(repr(parts).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def fit_exponents(data: ReportData, n_resamples: int = 2000) -> ExponentFits:
    rows: list[ExponentRow] = []
    skipped: list[str] = []
    for param in data.numeric:
        for fixed, part in split_by(data.finished, data.others(param)):
            x = part[param].to_numpy(np.float64)
            for result in fitted_results(data):
                y = part[f"result.{result}"].to_numpy(np.float64)
                finite = np.isfinite(y) & np.isfinite(x)
                where = f"{result} vs {param}" + (f" ({combo_label(fixed)})" if fixed else "")
                if np.any(y[finite] <= 0) or np.any(x[finite] <= 0):
                    n_bad = int(np.sum(y[finite] <= 0) + np.sum(x[finite] <= 0))
                    skipped.append(f"{where}: {n_bad} of {int(finite.sum())} values ≤ 0")
                    continue
                try:
                    fit = fit_power_law(x, y, rng=_seed(data.run_id, result, param, fixed),
                                        n_resamples=n_resamples)
                except SpecError as exc:
                    skipped.append(f"{where}: {exc.given}")
                    continue
                predicted = data.predictions.get(result, {}).get(param)
                verdict = None if predicted is None else fit.check(predicted)
                rows.append(ExponentRow(result, param, fixed, fit, predicted, verdict))
    return ExponentFits(rows, skipped)
