"""The typed result of every measurement: a value with its uncertainty and the method used."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from riskscope.core.student_t import student_t_quantile


def t_quantile(confidence: float, df: float) -> float:
    """Two-sided Student-t critical value: P(|T_df| <= q) = confidence (core/student_t.py:
    pure Python, so that no interval pays for importing scipy.special)."""
    return student_t_quantile(0.5 + confidence / 2, df)


@dataclass(frozen=True)
class Estimate:
    """A measured quantity.

    value:      the point estimate.
    stderr:     its standard error (0.0 when the value is exact, NaN when unknown).
    ci_low, ci_high: a confidence interval at level `confidence` (equal to value when exact).
    method:     how it was obtained ("closed-form", "monte-carlo", "lanczos", ...).
    n:          the number of samples behind it (0 when exact).
    """

    value: float
    stderr: float = 0.0
    ci_low: float = math.nan
    ci_high: float = math.nan
    confidence: float = 0.95
    method: str = "exact"
    n: int = 0
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if math.isnan(self.ci_low) and self.stderr == 0.0:
            object.__setattr__(self, "ci_low", self.value)
            object.__setattr__(self, "ci_high", self.value)

    @property
    def exact(self) -> bool:
        return self.stderr == 0.0 and self.n == 0

    @classmethod
    def exact_value(cls, value: float, method: str = "closed-form") -> Estimate:
        return cls(value=float(value), method=method)

    @classmethod
    def from_samples(cls, samples, method: str = "monte-carlo", confidence: float = 0.95
                     ) -> Estimate:
        """Mean of i.i.d. samples with a Student-t confidence interval on the mean."""
        import numpy as np

        x = np.asarray(samples, dtype=np.float64).ravel()
        n = x.size
        if n == 0:
            raise ValueError("Estimate.from_samples needs at least one sample")
        if not np.isfinite(x).all():  # a diverged model: no meaningful interval
            with np.errstate(invalid="ignore"):
                value = float(x.mean())
            return cls(value, math.nan, math.nan, math.nan, confidence, method, n)
        mean = float(x.mean())
        if n == 1:
            return cls(mean, math.nan, -math.inf, math.inf, confidence, method, 1)
        se = float(x.std(ddof=1) / math.sqrt(n))
        half = t_quantile(confidence, n - 1) * se
        return cls(mean, se, mean - half, mean + half, confidence, method, n)

    def contains(self, x: float) -> bool:
        return self.ci_low <= x <= self.ci_high

    def to_dict(self) -> dict:
        return asdict(self)

    def __format__(self, spec: str) -> str:
        spec = spec or ".4g"
        if self.exact:
            return f"{self.value:{spec}} ({self.method})"
        return (f"{self.value:{spec}} [{self.ci_low:{spec}}, {self.ci_high:{spec}}] "
                f"({self.method}, n={self.n})")
