"""The four check kinds a claim can state, as strict parameter models (unknown keys refused).

- interval:   a result (the mean over the seeds of each configuration with its interval, or
              every trial on its own, or one mean over all selected trials) lies in [lo, hi].
- exponent:   the power-law exponent of a result along a parameter (log–log fit with a
              bootstrap interval, analyses/rates.py) lies in [lo, hi].
- monotone:   a result increases (decreases) along a parameter: every step between neighbouring
              values of the parameter has the stated sign.
- comparison: a result of the configuration(s) `a` lies below (above) that of `b`.

`lo`/`hi` may be omitted for a one-sided region. `confidence` is the level of every interval.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, model_validator

from riskscope.core.errors import SpecError
from riskscope.core.validation import Params


class _Check(Params):
    result: str = Field(min_length=1, description="a declared result of the study")
    confidence: float = Field(default=0.95, gt=0, lt=1)

    def results(self) -> list[str]:
        """Every result name the check reads."""
        return [self.result]


class _Region(_Check):
    lo: float | None = Field(default=None, allow_inf_nan=True)
    hi: float | None = Field(default=None, allow_inf_nan=True)

    @model_validator(mode="after")
    def _region(self):
        for name in ("lo", "hi"):
            value = getattr(self, name)
            if value is not None and math.isnan(value):
                raise SpecError(f"check.{name}", value, "a number (or leave it out: unbounded)")
        if self.lo is None and self.hi is None:
            raise SpecError("check.lo/check.hi", "neither", "at least one of lo and hi")
        if self.lo is not None and self.hi is not None and self.lo > self.hi:
            raise SpecError("check.lo", self.lo, f"lo <= hi (hi = {self.hi})")
        return self

    @property
    def region(self) -> tuple[float, float]:
        return (-math.inf if self.lo is None else self.lo,
                math.inf if self.hi is None else self.hi)


class IntervalCheck(_Region):
    kind: Literal["interval"] = "interval"
    statistic: Literal["mean", "each"] = Field(
        default="mean", description="mean: mean over the seeds of each configuration; "
                                    "each: every trial on its own")
    pool: bool = Field(default=False, description="one mean over all selected trials")
    ratio_to: str | None = Field(default=None, min_length=1,
                                 description="check result / ratio_to (per trial)")

    def results(self) -> list[str]:
        return [self.result] + ([self.ratio_to] if self.ratio_to else [])


class ExponentCheck(_Region):
    kind: Literal["exponent"] = "exponent"
    along: str = Field(min_length=1, description="the swept parameter, e.g. model.width")
    n_resamples: int = Field(default=2000, ge=100)
    seed: int = Field(default=0, ge=0, description="seed of the bootstrap")


class MonotoneCheck(_Check):
    kind: Literal["monotone"] = "monotone"
    along: str = Field(min_length=1)
    direction: Literal["increasing", "decreasing"]
    log: bool = Field(default=False, description="compare means of log(result) (geometric "
                                                 "means; for heavy-tailed positive results)")


class ComparisonCheck(_Check):
    kind: Literal["comparison"] = "comparison"
    a: dict[str, Any] = Field(description="filters naming the first configuration(s)")
    b: dict[str, Any] = Field(default_factory=dict,
                              description="filters naming the second; empty: all others")
    relation: Literal["below", "above"]
    margin: float = Field(default=0.0, ge=0, allow_inf_nan=False,
                          description="in the result's units (in log units when log)")
    log: bool = Field(default=False, description="compare means of log(result) (geometric "
                                                 "means; for heavy-tailed positive results)")


CHECKS: dict[str, type[_Check]] = {"interval": IntervalCheck, "exponent": ExponentCheck,
                                   "monotone": MonotoneCheck, "comparison": ComparisonCheck}
Check = IntervalCheck | ExponentCheck | MonotoneCheck | ComparisonCheck

__all__ = ["CHECKS", "Check", "ComparisonCheck", "ExponentCheck", "IntervalCheck",
           "MonotoneCheck"]
