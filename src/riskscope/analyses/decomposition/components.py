"""The integrated error analysis: excess risk split into four measured parts.

With R the population risk, R̂_S the training risk on the training set S, R* the Bayes risk,
F the network class, f_F its best member and f̂ the trained network (DESIGN.md §1; Bottou &
Bousquet 2008 split excess risk into approximation, estimation and optimization):

    R(f̂) − R* = [R(f_F) − R*]             approximation error    (upper estimate, see below)
               + [R̂_S(f̂) − min_F R̂_S]     optimization error     (≥ 0)
               + [R(f̂) − R̂_S(f̂)]          generalization gap
               + [min_F R̂_S − R(f_F)]      remainder (sampling luck of S)

- R(f_F) is estimated by training the same architecture in the large-data limit (fresh
  samples every step, several restarts, the best kept): an *upper* estimate of the best in
  class, so the approximation error is an upper estimate and the remainder a lower one.
- min_F R̂_S: the caller passes `best_train_risk`, and `procedures.decompose_design` gives one
  of two things, named per row by `optimization_error_method`:
  * a certified minimum of the training objective J = R̂_S + (λ/2)‖θ‖² (weight decay λ) where
    one is computable (`procedures.training_optimum`: exact least squares for the `linear`
    family; the convex reformulation of Pilanci & Ergen 2020 for two-layer ReLU MLPs with
    λ > 0 on 1-d inputs). The optimization error is then J(θ̂) − L, L the proven lower bound
    on min J — at least the true error and at most it plus the certificate's gap — and
    `best_train_risk` = R̂_S(f̂) − (J(θ̂) − L), which is min R̂_S itself when λ = 0 (with
    λ > 0 it is L − (λ/2)‖θ̂‖² and the remainder carries the trained network's penalty);
  * elsewhere, the best training risk found on S (the trial's own run, the other
    initializations on the same S, longer restarts): an upper estimate of the true minimum,
    so the optimization error is a lower estimate.
- The four parts sum to the measured excess risk by construction; the residual of that sum is
  computed from the separately stored numbers and reported, as a check of the bookkeeping.
Uncertainty: R(f̂) and R(f_F) come from Monte Carlo with confidence intervals; R̂_S is exact.
The generalization gap and excess risk carry R(f̂)'s interval, approximation error and
remainder carry R(f_F)'s. Where R* is unknown (real data) the approximation error, remainder
and excess risk cannot be computed and are NaN; the other parts are still reported.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from riskscope.core.estimate import Estimate

COMPONENTS = ("approximation_error", "optimization_error", "generalization_gap", "remainder")


@dataclass(frozen=True)
class ExcessRiskDecomposition:
    excess_risk: Estimate
    approximation_error: Estimate
    optimization_error: float
    generalization_gap: Estimate
    remainder: Estimate
    residual: float
    uncomputable: tuple[str, ...]

    def flat(self) -> dict[str, float | str]:
        """Flat results: X, X_ci_low, X_ci_high for each part, plus the residual."""
        out: dict[str, float | str] = {}
        for name in ("excess_risk", "approximation_error", "generalization_gap", "remainder"):
            e: Estimate = getattr(self, name)
            out[name] = e.value
            out[f"{name}_ci_low"] = e.ci_low
            out[f"{name}_ci_high"] = e.ci_high
        out["optimization_error"] = self.optimization_error
        out["decomposition_residual"] = self.residual
        out["uncomputable"] = ",".join(self.uncomputable)
        return out

    def to_dict(self) -> dict:
        return asdict(self)


def _shift(e: Estimate, offset: float, sign: float = 1.0) -> Estimate:
    """sign·e + offset, with the interval carried along."""
    lo, hi = sorted((sign * e.ci_low + offset, sign * e.ci_high + offset))
    return Estimate(sign * e.value + offset, e.stderr, lo, hi, e.confidence, e.method, e.n)


_NAN = Estimate(math.nan, math.nan, math.nan, math.nan, method="not computable")


def decompose_excess_risk(population_risk: Estimate, train_risk: float,
                          best_train_risk: float, best_in_class_risk: Estimate | None,
                          bayes_risk: float | None) -> ExcessRiskDecomposition:
    """Split R(f̂) − R* into the four parts above (see the module docstring for each)."""
    optimization = max(train_risk - best_train_risk, 0.0)
    gap = _shift(population_risk, -train_risk)
    uncomputable = []
    if bayes_risk is None or not math.isfinite(bayes_risk):
        uncomputable += ["excess_risk", "approximation_error", "remainder"]
        excess = approximation = remainder = _NAN
    else:
        excess = _shift(population_risk, -bayes_risk)
        if best_in_class_risk is None:
            uncomputable += ["approximation_error", "remainder"]
            approximation = remainder = _NAN
        else:
            approximation = _shift(best_in_class_risk, -bayes_risk)
            remainder = _shift(best_in_class_risk, best_train_risk, sign=-1.0)
    total = approximation.value + optimization + gap.value + remainder.value
    residual = excess.value - total if math.isfinite(excess.value) else math.nan
    return ExcessRiskDecomposition(excess, approximation, optimization, gap, remainder,
                                   residual, tuple(uncomputable))
