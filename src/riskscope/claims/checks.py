"""The four checks, each turning a run's selected trials into a list of `Evidence`.

Every function takes the selected finished trials (a frame of `store.trials`), the check, and
`declared_range(name)` (the result's declared range in this run, or (None, None)); it returns
one `Evidence` per configuration (or per step, pair, trial) in the run's order.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from riskscope.analyses.rates import fit_power_law
from riskscope.claims.checks_spec import (
    ComparisonCheck,
    ExponentCheck,
    IntervalCheck,
    MonotoneCheck,
)
from riskscope.claims.selection import configurations, label, plain_value, select, varying
from riskscope.claims.statistics import (
    Interval,
    difference_interval,
    mean_interval,
    point_interval,
)
from riskscope.claims.verdict import Evidence, decide
from riskscope.core.errors import SpecError

RangeOf = Callable[[str], tuple[float | None, float | None]]
_UNBOUNDED = Interval(math.nan, -math.inf, math.inf, 0, "")


def result_values(trials: pd.DataFrame, name: str) -> np.ndarray:
    """The trials' values of `result.<name>` as floats (non-numbers become NaN)."""
    column = f"result.{name}"
    if column not in trials.columns:
        return np.full(len(trials), np.nan)
    return pd.to_numeric(trials[column], errors="coerce").to_numpy(dtype=np.float64)


def _logged(values: np.ndarray, log: bool) -> np.ndarray:
    """log(values) when asked (values ≤ 0 become NaN and are left out), else the values."""
    if not log:
        return values
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(values > 0, np.log(values), np.nan)


def _stored(trials: pd.DataFrame, name: str, i: int) -> tuple[float, float] | None:
    low, high = f"result.{name}_ci_low", f"result.{name}_ci_high"
    if low not in trials.columns or high not in trials.columns:
        return None
    pair = pd.to_numeric(trials[[low, high]].iloc[i], errors="coerce").to_numpy(np.float64)
    return (float(pair[0]), float(pair[1])) if np.isfinite(pair).all() else None


def _trial_label(config: dict, row: pd.Series) -> str:
    seeds = ", ".join(f"{k}={plain_value(row[k])}" for k in ("seed", "data_seed")
                      if k in row.index)
    return f"{label(config)}; {seeds}" if config else seeds


def interval_evidence(trials: pd.DataFrame, check: IntervalCheck, declared: RangeOf
                      ) -> list[Evidence]:
    lo, hi = check.region
    ratio = check.ratio_to
    quantity = f"{check.result} / {ratio}" if ratio else check.result
    clip = (None, None) if ratio else declared(check.result)
    groups = [({}, trials)] if check.pool else configurations(trials)
    out = []
    for config, group in groups:
        values = result_values(group, check.result)
        if ratio:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = values / result_values(group, ratio)
        if check.statistic == "each":
            for i in range(len(group)):
                stored = None if ratio else _stored(group, check.result, i)
                iv = point_interval(values[i], stored).clipped(*clip)
                out.append(Evidence(_trial_label(config, group.iloc[i]), config,
                                    quantity, iv, lo, hi, decide(iv, lo, hi)))
            continue
        stored = None if ratio or len(group) != 1 else _stored(group, check.result, 0)
        iv = mean_interval(values, check.confidence, stored).clipped(*clip)
        out.append(Evidence(label(config), config, f"mean {quantity}", iv, lo, hi,
                            decide(iv, lo, hi)))
    return out


def exponent_evidence(trials: pd.DataFrame, check: ExponentCheck, declared: RangeOf
                      ) -> list[Evidence]:
    lo, hi = check.region
    quantity = f"exponent of {check.result} along {check.along}"
    out = []
    for config, group in configurations(trials, exclude=(check.along,)):
        x = pd.to_numeric(group[check.along], errors="coerce").to_numpy(np.float64) \
            if check.along in group.columns else np.full(len(group), np.nan)
        y = result_values(group, check.result)
        try:
            fit = fit_power_law(x, y, rng=check.seed, n_resamples=check.n_resamples,
                                confidence=check.confidence)
        except SpecError as exc:
            iv = Interval(math.nan, -math.inf, math.inf, int(np.isfinite(y).sum()),
                          "no fit")
            out.append(Evidence(label(config), config, quantity, iv, lo, hi, "inconclusive",
                                f"no power-law fit: {exc.given} ({exc.allowed})"))
            continue
        dropped = f"; {fit.n_dropped} trials dropped (y ≤ 0 or not finite)" \
            if fit.n_dropped else ""
        iv = Interval(fit.exponent, *fit.exponent_ci, fit.n_points, fit.method + dropped)
        out.append(Evidence(label(config), config, quantity, iv, lo, hi, decide(iv, lo, hi),
                            f"{fit.n_x} values of {check.along}{dropped}"))
    return out


def _sorted_values(group: pd.DataFrame, along: str) -> list:
    values = {plain_value(v) for v in group[along] if not pd.isna(v)}
    return sorted(values)


def monotone_evidence(trials: pd.DataFrame, check: MonotoneCheck, declared: RangeOf
                      ) -> list[Evidence]:
    lo, hi = (0.0, math.inf) if check.direction == "increasing" else (-math.inf, 0.0)
    out = []
    for config, group in configurations(trials, exclude=(check.along,)):
        if check.along not in group.columns:
            continue
        xs = _sorted_values(group, check.along)
        if len(xs) < 2:
            out.append(Evidence(label(config), config, f"change of {check.result} along "
                                f"{check.along}", _UNBOUNDED, lo, hi, "inconclusive",
                                f"a single value of {check.along}"))
            continue
        values = _logged(result_values(group, check.result), check.log)
        along = group[check.along].map(plain_value).to_numpy()
        for x0, x1 in itertools.pairwise(xs):
            iv = difference_interval(values[along == x1], values[along == x0],
                                     check.confidence)
            step = f"{check.along} {x0:g}→{x1:g}" if isinstance(x0, int | float) \
                else f"{check.along} {x0}→{x1}"
            where = f"{label(config)}; {step}" if config else step
            out.append(Evidence(where, {**config, check.along: [x0, x1]},
                                f"change of mean {_name(check)}", iv, lo, hi,
                                decide(iv, lo, hi)))
    return out


def comparison_evidence(trials: pd.DataFrame, check: ComparisonCheck, declared: RangeOf
                        ) -> list[Evidence]:
    lo, hi = (-math.inf, -check.margin) if check.relation == "below" \
        else (check.margin, math.inf)
    side_a = select(trials, check.a)
    side_b = select(trials, check.b) if check.b else trials.drop(index=side_a.index)
    side_b = side_b.drop(index=side_b.index.intersection(side_a.index))
    named = tuple(dict.fromkeys([*check.a, *check.b]))
    # parameters that vary between the two sides and are not named by a or b are the
    # context: a is compared with b within each context
    context = tuple(k for k in varying(pd.concat([side_a, side_b])) if k not in named)
    out = []
    for ctx, group_a in configurations(side_a, exclude=tuple(
            k for k in varying(side_a) if k not in context)):
        ctx = {k: v for k, v in ctx.items() if k in context}
        group_b = side_b[[all(plain_value(r.get(k)) == v for k, v in ctx.items())
                          for r in side_b.to_dict("records")]] if ctx else side_b
        values_a = _logged(result_values(group_a, check.result), check.log)
        for config_b, members_b in configurations(group_b, exclude=context):
            values_b = _logged(result_values(members_b, check.result), check.log)
            iv = difference_interval(values_a, values_b, check.confidence)
            a_text = label({k: v for k, v in _config_of(group_a, named).items()})
            b_text = label(config_b) if config_b else "the other trials"
            where = f"{a_text} vs {b_text}" + (f" ({label(ctx)})" if ctx else "")
            out.append(Evidence(where, {**ctx, "b": config_b}, f"mean {_name(check)} of a − b",
                                iv, lo, hi, decide(iv, lo, hi)))
    return out


def _name(check) -> str:
    return f"log {check.result}" if getattr(check, "log", False) else check.result


def _config_of(group: pd.DataFrame, keys: tuple[str, ...]) -> dict:
    """The values the named keys take in a group (one value, or the list of values)."""
    out = {}
    for k in keys:
        if k in group.columns:
            values = sorted({plain_value(v) for v in group[k]}, key=str)
            out[k] = values[0] if len(values) == 1 else values
    return out


EVIDENCE = {"interval": interval_evidence, "exponent": exponent_evidence,
            "monotone": monotone_evidence, "comparison": comparison_evidence}

__all__ = ["EVIDENCE", "comparison_evidence", "exponent_evidence", "interval_evidence",
           "monotone_evidence", "result_values"]
