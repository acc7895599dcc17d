"""Scaling of learning time and sample complexity.

- `fit_steps_to_learn`: power law T ≈ C n^α of steps-to-learn in the input dimension n, per
  sparsity k, with the bootstrap CI of `riskscope.analyses.rates.fit_power_law` (log–log OLS on
  per-trial points). Barak et al. (2022) predict T = n^O(k); the SQ lower bound is n^Ω(k).
  Trials that never learned are censored: they are *not* in the fit and are counted in
  `censored` (an exponent fitted without them is biased low when many are censored).
- `sample_complexity_curve`: mean test error per training-set size with a Student-t CI over
  seeds, and `samples_to_reach`: the smallest measured n whose mean error ≤ a target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from riskscope.analyses.rates import PowerLawFit, fit_power_law
from riskscope.core.errors import SpecError
from riskscope.core.estimate import Estimate


@dataclass(frozen=True)
class StepsToLearnFit:
    k: int
    fit: PowerLawFit | None
    censored: int
    learned: int
    note: str = ""

    def to_dict(self) -> dict:
        out = {"k": self.k, "censored": self.censored, "learned": self.learned,
               "note": self.note}
        if self.fit is not None:
            out.update(exponent=self.fit.exponent, exponent_ci_low=self.fit.exponent_ci[0],
                       exponent_ci_high=self.fit.exponent_ci[1], prefactor=self.fit.prefactor,
                       method=self.fit.method, n_points=self.fit.n_points)
        return out


def fit_steps_to_learn(n_bits, k, steps_to_learn, rng: int | np.random.Generator = 0,
                       n_resamples: int = 2000) -> dict[int, StepsToLearnFit]:
    """Per k: the power-law fit of steps-to-learn against n (per-trial arrays)."""
    n = np.asarray(n_bits, dtype=np.float64)
    ks = np.asarray(k)
    t = np.asarray(steps_to_learn, dtype=np.float64)
    if not (n.shape == ks.shape == t.shape):
        raise SpecError("n_bits, k, steps_to_learn", (n.shape, ks.shape, t.shape),
                        "per-trial arrays of one length")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    out = {}
    for kk in sorted(set(ks.tolist())):
        sel = ks == kk
        learned = sel & np.isfinite(t) & (t > 0)
        censored = int(sel.sum() - learned.sum())
        try:
            fit = fit_power_law(n[learned], t[learned], gen, n_resamples=n_resamples)
            note = ""
        except SpecError as exc:
            fit, note = None, f"no fit: {exc}"
        out[int(kk)] = StepsToLearnFit(int(kk), fit, censored, int(learned.sum()), note)
    return out


@dataclass(frozen=True)
class SampleComplexityPoint:
    n_train: int
    error: Estimate


def sample_complexity_curve(n_train, errors, confidence: float = 0.95
                            ) -> list[SampleComplexityPoint]:
    """Mean test error per training-set size with a t-interval over the trials at that size."""
    n = np.asarray(n_train)
    e = np.asarray(errors, dtype=np.float64)
    if n.shape != e.shape:
        raise SpecError("n_train, errors", (n.shape, e.shape), "arrays of one length")
    return [SampleComplexityPoint(int(v), Estimate.from_samples(e[(n == v) & np.isfinite(e)],
                                                                confidence=confidence))
            for v in sorted(set(n.tolist())) if np.isfinite(e[n == v]).any()]


def samples_to_reach(curve: list[SampleComplexityPoint], target: float) -> float:
    """The smallest measured n whose mean error ≤ target (NaN if none)."""
    for point in curve:
        if point.error.value <= target:
            return float(point.n_train)
    return math.nan
