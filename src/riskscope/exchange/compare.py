"""`compare_runs`: do two runs (or bundles) agree? Per shared configuration and declared
result, the difference of means over seeds with a confidence interval, and a verdict.

Alignment: trials are matched on their parameters with `seed` and `data_seed` removed, so the
seeds of one configuration are its samples. Per configuration and scalar result declared by
both runs (finite values only, timing results left out):

- both sides with ≥ 2 seeds: Welch's interval for mean(A) − mean(B), standard error
  √(s²_A/n_A + s²_B/n_B), Welch–Satterthwaite degrees of freedom;
- one side with 1 seed: the other side's variance stands for both (an equal-variance
  assumption, said so in `method`): se = s_B √(1/n_A + 1/n_B), df = n_B − 1;
- both with 1 seed: no noise estimate; equal values are "identical", others "inconclusive".
- zero spread on both sides: equal means are "identical", others "differ" (exact values).

Verdicts: identical | agree (the interval holds 0) | differ | inconclusive. The intervals are
simultaneous over the m rows that need a test (Bonferroni: each at level 1 − (1 − confidence)/m;
rows whose values are all equal on both sides are decided exactly and not counted), so two
runs drawn from the same distribution get any "differ" with probability at most
1 − confidence; `simultaneous=False` gives per-row intervals.

Environments: the recorded versions, device, platform, git revision and (for bundles) code
fingerprints that differ between the runs.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np

from riskscope.core.estimate import t_quantile
from riskscope.exchange.declared import finite, scalar_names
from riskscope.exchange.fingerprint import short_fingerprint
from riskscope.exchange.sources import RunView, view_of_bundle
from riskscope.exchange.verify import VerifiedBundle
from riskscope.store.codec import flatten
from riskscope.studies.canonical import canonical_json

IDENTITY_KEYS = ("seed", "data_seed")
ENV_KEYS = ("riskscope", "git_revision", "dirty", "python", "torch", "numpy", "cuda", "device",
            "device_name", "platform", "torch_threads")
VERDICTS = ("identical", "agree", "differ", "inconclusive")


@dataclass(frozen=True)
class ComparisonRow:
    config: dict
    result: str
    n_a: int
    n_b: int
    mean_a: float
    mean_b: float
    difference: float
    ci_low: float | None
    ci_high: float | None
    method: str
    verdict: str


@dataclass
class Comparison:
    a: str
    b: str
    study_a: str
    study_b: str
    confidence: float
    simultaneous: bool
    rows: list[ComparisonRow] = field(default_factory=list)
    only_in_a: int = 0
    only_in_b: int = 0
    environment: list[dict] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        """differ if any row differs; else inconclusive if any row is; else agree (or
        identical when every row is); 'nothing shared' without aligned rows."""
        kinds = {r.verdict for r in self.rows}
        if not kinds:
            return "nothing shared"
        for kind in ("differ", "inconclusive"):
            if kind in kinds:
                return kind
        return "identical" if kinds == {"identical"} else "agree"

    def differing(self) -> list[ComparisonRow]:
        return [r for r in self.rows if r.verdict == "differ"]

    def to_json(self) -> dict:
        return {"schema": "riskscope.compare/1", "a": self.a, "b": self.b,
                "study_a": self.study_a, "study_b": self.study_b,
                "confidence": self.confidence, "simultaneous": self.simultaneous,
                "verdict": self.verdict, "only_in_a": self.only_in_a,
                "only_in_b": self.only_in_b,
                "rows": [_clean(asdict(r)) for r in self.rows], "environment": self.environment}


def _clean(row: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in row.items()}


def _key(params: dict) -> str:
    return canonical_json({k: v for k, v in params.items() if k not in IDENTITY_KEYS})


def _groups(view: RunView) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for trial in view.finished():
        groups[_key(trial["params"])].append(trial)
    return groups


def _varying(keys: list[str], params: dict[str, dict]) -> list[str]:
    flat = [flatten({k: v for k, v in params[key].items() if k not in IDENTITY_KEYS})
            for key in keys]
    names = sorted({n for f in flat for n in f})
    return [n for n in names if len({canonical_json(f.get(n)) for f in flat}) > 1]


def welch_difference(a: np.ndarray, b: np.ndarray, confidence: float
                     ) -> tuple[float, float | None, float | None, str, str]:
    """(difference of means, CI low, CI high, method, verdict) of A − B (see the module)."""
    na, nb = len(a), len(b)
    diff = float(a.mean() - b.mean())
    if np.array_equal(a, b) or (na and nb and _all_equal(a, b)):
        return diff, diff, diff, "values equal", "identical"
    va = float(a.var(ddof=1)) if na > 1 else None
    vb = float(b.var(ddof=1)) if nb > 1 else None
    if va is None and vb is None:
        return diff, None, None, "one seed each: no noise estimate", "inconclusive"
    if va is not None and vb is not None:
        ea, eb = va / na, vb / nb
        se = math.sqrt(ea + eb)
        df = (ea + eb) ** 2 / ((ea ** 2 / (na - 1) if ea else 0) + (eb ** 2 / (nb - 1) if eb
                                                                      else 0) or 1.0)
        method = "welch"
    else:
        var, n_var = (va, na) if va is not None else (vb, nb)
        se = math.sqrt(var * (1 / na + 1 / nb))
        df = n_var - 1
        method = f"variance of {'A' if va is not None else 'B'} only (the other side has 1 seed)"
    if se == 0:
        return diff, diff, diff, method + "; no spread", "identical" if diff == 0 else "differ"
    half = t_quantile(confidence, max(df, 1.0)) * se
    low, high = diff - half, diff + half
    return diff, low, high, method, "agree" if low <= 0 <= high else "differ"


def _all_equal(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.all(a == a[0]) and np.all(b == a[0]))


def _environment(a: RunView, b: RunView) -> list[dict]:
    out = []
    for key in ENV_KEYS:
        va = sorted({str(t["environment"].get(key)) for t in a.finished()})
        vb = sorted({str(t["environment"].get(key)) for t in b.finished()})
        if va != vb:
            out.append({"key": key, "a": va, "b": vb})
    fa, fb = short_fingerprint(a.fingerprint), short_fingerprint(b.fingerprint)
    if fa != fb and "unknown" not in (fa, fb):
        out.append({"key": "code_fingerprint", "a": [fa], "b": [fb]})
    return out


def _as_view(run) -> RunView:
    if isinstance(run, RunView):
        return run
    if isinstance(run, VerifiedBundle):
        return view_of_bundle(run)
    if isinstance(run, tuple) and len(run) == 2:
        from riskscope.exchange.sources import view_of_run

        return view_of_run(*run)
    raise TypeError("compare_runs takes RunView, VerifiedBundle or (store, run_ref)")


def compare_runs(a, b, confidence: float = 0.95, simultaneous: bool = True) -> Comparison:
    """Compare run `a` with run `b` (each a RunView, a VerifiedBundle or (store, run_ref))."""
    a, b = _as_view(a), _as_view(b)
    ga, gb = _groups(a), _groups(b)
    shared = [k for k in ga if k in gb]
    comparison = Comparison(a.label, b.label, a.study, b.study, confidence, simultaneous,
                            only_in_a=len(set(ga) - set(gb)), only_in_b=len(set(gb) - set(ga)),
                            environment=_environment(a, b))
    params = {k: ga[k][0]["params"] for k in shared}
    varying = _varying(shared, params)
    names_a = scalar_names(a.declaration, [t["result"] for t in a.finished()])
    names_b = set(scalar_names(b.declaration, [t["result"] for t in b.finished()]))
    names = [n for n in names_a if n in names_b]
    cells = []
    for key in shared:
        flat = flatten(params[key])
        config = {n: flat.get(n) for n in varying}
        for name in names:
            va = np.array([t["result"][name] for t in ga[key] if finite(t["result"].get(name))])
            vb = np.array([t["result"][name] for t in gb[key] if finite(t["result"].get(name))])
            if len(va) and len(vb):
                cells.append((config, name, va.astype(float), vb.astype(float)))
    # rows whose values are all equal are decided exactly, not by a test: not counted in m
    m = sum(not _all_equal(va, vb) for _, _, va, vb in cells)
    level = 1 - (1 - confidence) / m if simultaneous and m else confidence
    for config, name, va, vb in cells:
        diff, low, high, method, verdict = welch_difference(va, vb, level)
        comparison.rows.append(ComparisonRow(config, name, len(va), len(vb), float(va.mean()),
                                             float(vb.mean()), diff, low, high, method,
                                             verdict))
    return comparison


__all__ = ["Comparison", "ComparisonRow", "compare_runs", "welch_difference"]
