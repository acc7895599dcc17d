"""Certified global optimum of a two-layer ReLU network with weight decay, 1-D input with bias.

Problem (conventions in convex_relu_network.py): training set (x_i, y_i), i = 1..n, x_i ∈ ℝ,
x̃_i = (x_i, 1), network f(x) = Σ_j a_j relu(w_j x + b_j) + c and

    P(θ) = ½ Σ_i (f(x_i) − y_i)² + (β/2) Σ_j (w_j² + b_j² + a_j²)   [+ (β/2) c²]

— a SUM of squared errors with ½ (β = n λ / 2 for riskscope's mean-squared-error training with
weight decay λ). The output bias c is free and unpenalized by default (`output_bias="free"`), or
absent ("none"), or decayed like the rest ("penalized", which is what riskscope's optimizers do
to an MLP's raw output bias).

Convex reformulation (Pilanci & Ergen 2020, "Neural Networks are Convex Regularizers", ICML):
with D_1..D_P ALL the nonzero activation patterns diag(1[X̃ g ≥ 0]) — in 1-D with bias the
2d − 1 threshold patterns, enumerated exactly by `enumerate_relu_patterns_1d` —

    C* = min ½ ‖Σ_i D_i X̃ (v_i − u_i) + c 1 − y‖² + β Σ_i (‖v_i‖₂ + ‖u_i‖₂) [+ (β/2) c²]
         s.t. (2D_i − I) X̃ v_i ≥ 0,  (2D_i − I) X̃ u_i ≥ 0.

(The output bias is one extra shared scalar; Pilanci & Ergen's argument goes through
unchanged.) In 1-D each cone constraint reduces exactly to 4 inequalities (an affine function
of x is non-negative on a set iff it is at the set's smallest and largest point), and
Σ_i D_i X̃ w_i is a prefix sum over the sorted thresholds, so the program is sparse: at most
4P inequalities, 2P three-dimensional second-order cones and O(P + n) equalities. Solved with
cvxpy in float64, Clarabel by default (gap and feasibility tolerances 1e-10), after scaling y
to max |y| = 1 (P is homogeneous: see `certified_relu_optimum`).

The certificate, and the direction of every inequality (for networks of any width m):

    L  ≤  C*  ≤  min_θ P(θ)  ≤  P(θ_rec)  =  U
    ^dual bound ^every network maps to a feasible point of no larger cost (Pilanci & Ergen)
                              ^θ_rec is a network with m_rec units, evaluated exactly

- U = P(θ_rec) is the non-convex objective of the recovered network, recomputed in float64:
  each nonzero v_i gives a unit (w, b) = v_i / √‖v_i‖, a = √‖v_i‖, each nonzero u_i one with
  a = −√‖u_i‖ (then relu(X̃(w, b)) · a = D_i X̃ v_i and (β/2)(w² + b² + a²) = β ‖v_i‖, so on
  an exact solution P(θ_rec) = C*). Solver-level dust is pruned, units of one sign with the
  same direction (adjacent patterns sharing a boundary) are merged, and c is refitted exactly;
  of these variants the one with the fewest units whose exact P is within 1e-9 (relative) of
  the lowest is kept. U is whatever P that network has: always an attained value.
- L = d(ρ) is the dual bound of convex_relu_dual.py at ρ = a residual (the program's own
  y − Σ D_i X̃(v_i − u_i) − c, and y − f(θ_rec); the larger bound is kept), scaled to be dual
  feasible with the feasibility constant computed exactly. L ≤ P(θ) for EVERY network θ of
  every width, independently of the solver's claims.
- So θ_rec is a global minimizer of P up to U − L, over all widths m ≥ m_rec (for Pilanci &
  Ergen, C* = min P as soon as m ≥ m*, some m* ≤ n + 1). For a network narrower than m_rec the
  bound L still holds but may not be tight. `certified` is (U − L) ≤ rtol · max(U, tiny); U − L
  may come out a few ulps negative (rounding) when the two agree to machine precision.

REFERENCES.md: the `scnn` package samples gates, so its optimum is over a subset of patterns —
an upper bound only. Here all patterns are enumerated and the gap is checked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from riskscope.analyses.decomposition.convex_relu_dual import (
    dual_lower_bound,
    max_relu_correlation_1d,
)
from riskscope.analyses.decomposition.convex_relu_network import (
    OutputBias,
    ReluNetwork1D,
    beta_from_weight_decay,
    check_output_bias,
    check_problem,
    enumerate_relu_patterns_1d,
    mlp_to_relu_network,
    relu_objective,
)
from riskscope.core.checks import check_float
from riskscope.core.errors import SpecError, unknown_name_error

__all__ = [
    "CertifiedOptimum",
    "ReluNetwork1D",
    "beta_from_weight_decay",
    "certified_relu_optimum",
    "enumerate_relu_patterns_1d",
    "max_relu_correlation_1d",
    "mlp_to_relu_network",
    "optimality_gap",
    "relu_objective",
]

# relative to the largest ‖v_i‖, ‖u_i‖; inf: the empty network (the optimum for large β)
_PRUNE_LEVELS = (np.inf, 1e-4, 1e-6, 1e-8, 1e-10, 0.0)
_CLARABEL_OPTIONS = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}


@dataclass(frozen=True)
class CertifiedOptimum:
    """The certified optimum of P and the network attaining it (see the module docstring).

    lower_bound ≤ min P ≤ optimal_value = P(network); gap = optimal_value − lower_bound.
    convex_value is the solver's own optimal value (its claim, not part of the certificate);
    num_patterns the number of activation patterns (2d − 1); status the solver's status;
    solve_time_s the time of cvxpy's solve (compilation + solver); x, y the training data.
    """

    optimal_value: float
    lower_bound: float
    convex_value: float
    network: ReluNetwork1D
    num_patterns: int
    solver: str
    status: str
    solve_time_s: float
    beta: float
    output_bias: str
    rtol: float
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)

    @property
    def gap(self) -> float:
        return self.optimal_value - self.lower_bound

    @property
    def relative_gap(self) -> float:
        return self.gap / max(abs(self.optimal_value), np.finfo(float).tiny)

    @property
    def certified(self) -> bool:
        return self.relative_gap <= self.rtol

    @property
    def num_active_neurons(self) -> int:
        return self.network.num_neurons


def _prefix_sum_prediction(cp, x, W, constraints):
    """Σ_i D_i X̃ w_i for the patterns of `enumerate_relu_patterns_1d` (rows: upper sets
    {x ≥ u_k}, k = 0..d−1, then lower sets {x ≤ u_k}, k = 0..d−2), as a sparse cvxpy expression.

    Point j of rank r (x_j = u_r) is in {x ≥ u_k} iff k ≤ r and in {x ≤ u_k} iff k ≥ r, so its
    prediction is x_j (A_r + B_r)[0] + (A_r + B_r)[1] with A the prefix sums of the upper rows
    and B the suffix sums of the lower rows — chained by 2(2d − 1) equalities instead of a dense
    n × P matrix (which makes the KKT system dense: ~5× slower at n = 200, more beyond).
    """
    values, rank = np.unique(x, return_inverse=True)
    d = values.size
    A = cp.Variable((d, 2))
    constraints += [A[0] == W[0]]
    if d > 1:
        B = cp.Variable((d, 2))
        constraints += [A[1:] - A[:-1] == W[1:d], B[d - 1] == 0, B[:-1] - B[1:] == W[d:]]
        S = A + B
    else:
        S = A
    return cp.multiply(x, S[rank, 0]) + S[rank, 1]


def _dense_prediction(x, patterns, V, U, c):
    """Σ_i D_i X̃ (v_i − u_i) + c in numpy, straight from the definition."""
    d = patterns.astype(np.float64)
    return x * (d.T @ (V[:, 0] - U[:, 0])) + d.T @ (V[:, 1] - U[:, 1]) + c


def _solve_program(x, y, beta, bias_weight, patterns, output_bias, solver, options):
    """Solve the convex program; returns (V [P, 2], U [P, 2], c, value, status, seconds).

    bias_weight: the weight γ of (γ/2) c² when the output bias is penalized.
    """
    import cvxpy as cp

    num = patterns.shape[0]
    ends = []
    for mask in (patterns, ~patterns):   # extreme points of the active and inactive sets
        lo = np.where(mask, x[None, :], np.inf).min(axis=1)
        hi = np.where(mask, x[None, :], -np.inf).max(axis=1)
        ends.append((lo, hi, np.isfinite(lo)))
    V, U = cp.Variable((num, 2)), cp.Variable((num, 2))
    c = cp.Variable() if output_bias != "none" else 0.0
    constraints = []
    for G in (V, U):
        for sign, (lo, hi, rows) in zip((1.0, -1.0), ends):
            idx = np.flatnonzero(rows)
            for point in (lo, hi):
                constraints.append(sign * (cp.multiply(point[idx], G[idx, 0]) + G[idx, 1]) >= 0)
    z = _prefix_sum_prediction(cp, x, V - U, constraints) + c
    objective = 0.5 * cp.sum_squares(z - y) + beta * (cp.sum(cp.norm(V, 2, axis=1))
                                                      + cp.sum(cp.norm(U, 2, axis=1)))
    if output_bias == "penalized":
        objective = objective + 0.5 * bias_weight * cp.square(c)
    problem = cp.Problem(cp.Minimize(objective), constraints)
    start = time.perf_counter()
    problem.solve(solver=solver, **options)
    seconds = time.perf_counter() - start
    if V.value is None:
        raise RuntimeError(f"convex ReLU program: solver {solver} returned status "
                           f"{problem.status!r} without a solution")
    c_val = float(c.value) if output_bias != "none" else 0.0
    return V.value, U.value, c_val, float(problem.value), str(problem.status), seconds


def _refit_bias(x, y, beta, net: ReluNetwork1D, output_bias: str) -> ReluNetwork1D:
    """The exact minimizer of P over c for fixed units (never raises P)."""
    if output_bias == "none":
        return ReluNetwork1D(net.w, net.b, net.a, 0.0)
    resid = y - ReluNetwork1D(net.w, net.b, net.a, 0.0)(x)
    denom = x.size + (beta if output_bias == "penalized" else 0.0)
    return ReluNetwork1D(net.w, net.b, net.a, float(resid.sum() / denom))


def _units(groups: np.ndarray, signs: np.ndarray) -> ReluNetwork1D:
    """Balanced units from program vectors: (w, b) = v/√‖v‖, a = ±√‖v‖ (so a·(w, b) = ±v)."""
    scale = np.sqrt(np.linalg.norm(groups, axis=1))
    g = groups / scale[:, None] if len(groups) else np.zeros((0, 2))
    return ReluNetwork1D(g[:, 0], g[:, 1], signs * scale)


def _merge_parallel(groups: np.ndarray, signs: np.ndarray, tol: float = 1e-6):
    """Sum vectors of one sign whose directions agree to `tol` rad (adjacent patterns often
    share a boundary direction). For exactly parallel vectors this changes neither f nor the
    cost; otherwise the exact recomputation of P decides whether the merge is kept."""
    angles = np.arctan2(groups[:, 1], groups[:, 0])
    order = np.lexsort((angles, signs))
    merged, merged_signs, last = [], [], 0.0
    for k in order:
        if merged and merged_signs[-1] == signs[k] and angles[k] - last < tol:
            merged[-1] = merged[-1] + groups[k]
        else:
            merged.append(groups[k].copy())
            merged_signs.append(signs[k])
        last = angles[k]
    return np.reshape(merged, (-1, 2)), np.asarray(merged_signs, dtype=np.float64)


def _recover(x, y, beta, V, U, output_bias):
    """The recovered network: over pruning levels, with and without merging parallel units,
    the fewest units among the candidates whose exact P is within 1e-9 (relative) of the
    lowest. Returns (P(network), network)."""
    groups = np.concatenate([V, U], axis=0)
    signs = np.concatenate([np.ones(len(V)), -np.ones(len(U))])
    norms = np.linalg.norm(groups, axis=1)
    top = norms.max(initial=0.0)
    candidates = []
    for level in _PRUNE_LEVELS:
        keep = norms > level * top
        for g, sg in ((groups[keep], signs[keep]), _merge_parallel(groups[keep], signs[keep])):
            net = _refit_bias(x, y, beta, _units(g, sg), output_bias)
            value = relu_objective(x, y, net.w, net.b, net.a, beta, c=net.c,
                                   output_bias=output_bias)
            candidates.append((value, net))
    lowest = min(value for value, _ in candidates)
    good = [(net.num_neurons, value, net) for value, net in candidates
            if value <= lowest + 1e-9 * abs(lowest)]
    _, value, net = min(good, key=lambda t: t[:2])
    return value, net


def certified_relu_optimum(x, y, beta, *, output_bias: OutputBias = "free",
                           solver: str = "CLARABEL", rtol: float = 1e-6,
                           solver_options: dict | None = None) -> CertifiedOptimum:
    """Global minimum of P over two-layer ReLU networks of any width, with its certificate.

    x, y: 1-D arrays of n points; beta > 0 (for the SUM loss, see the module docstring);
    output_bias: "free" | "none" | "penalized"; solver: a cvxpy conic solver name (Clarabel by
    default, all in float64); rtol: the relative gap (U − L)/U under which `certified` is True.
    The result is returned even when not certified; check `.certified` / `.relative_gap`.
    Raises SpecError for malformed x, y, beta, output_bias, solver; RuntimeError when the
    solver returns no solution at all.
    """
    x, y, beta = check_problem(x, y, beta)
    output_bias = check_output_bias(output_bias)
    rtol = check_float("rtol", rtol, minimum=0.0)
    import cvxpy as cp

    solver = str(solver).upper()
    if solver not in cp.installed_solvers():
        raise unknown_name_error("solver", solver, cp.installed_solvers())
    if solver_options is not None and not isinstance(solver_options, dict):
        raise SpecError("solver_options", solver_options, "a dict of solver keyword arguments")
    options = dict(_CLARABEL_OPTIONS) if solver == "CLARABEL" else {}
    options.update(solver_options or {})
    patterns = enumerate_relu_patterns_1d(x)
    # Homogeneity: P(x, s y, s β; √s θ, s c) = s² P(x, y, β; θ, c) for a free or absent c, so the
    # program is solved for y/s, β/s and v, u, c scale back by s. A penalized c keeps its
    # weight β: (β/2)(s c')² = s² (β/2) c'².
    s = float(np.max(np.abs(y)))
    if s == 0.0:
        empty = np.zeros(0)
        net = ReluNetwork1D(empty, empty, empty, 0.0)
        return CertifiedOptimum(0.0, 0.0, 0.0, net, len(patterns), solver, "trivial (y = 0)",
                                0.0, beta, output_bias, rtol, x, y)
    V, U, c, value, status, seconds = _solve_program(
        x, y / s, beta / s, beta, patterns, output_bias, solver, options)
    V, U, c = s * V, s * U, s * c
    upper, net = _recover(x, y, beta, V, U, output_bias)
    # Two dual candidates, each a valid bound: the program's own residual (closest to the dual
    # optimum) and the recovered network's residual (after pruning); the larger one is kept.
    program_fit = _dense_prediction(x, patterns, V, U, c)
    lower = max(dual_lower_bound(x, y, beta, y - program_fit, output_bias),
                dual_lower_bound(x, y, beta, y - net(x), output_bias))
    return CertifiedOptimum(upper, lower, s * s * value, net, len(patterns), solver, status,
                            seconds, beta, output_bias, rtol, x, y)


def optimality_gap(x, y, beta, w, b, a, *, c: float = 0.0, output_bias: OutputBias = "free",
                   optimum: CertifiedOptimum | None = None) -> float:
    """P(w, b, a, c) − L: a certified upper bound on the network's optimization error.

    L is the certified lower bound on min P (`optimum.lower_bound`), so the result is ≥ 0 up to
    float64 rounding, and the true error P(θ) − min P lies in [result − gap, result] where gap =
    optimum.gap (tiny when certified). Pass `optimum` from `certified_relu_optimum` on the same
    (x, y, beta, output_bias) to avoid solving again.
    """
    value = relu_objective(x, y, w, b, a, beta, c=c, output_bias=output_bias)
    if optimum is None:
        optimum = certified_relu_optimum(x, y, beta, output_bias=output_bias)
    elif not (optimum.beta == float(beta) and optimum.output_bias == output_bias
              and np.array_equal(optimum.x, np.asarray(x, dtype=np.float64))
              and np.array_equal(optimum.y, np.asarray(y, dtype=np.float64))):
        raise SpecError("optimum", "a CertifiedOptimum of another problem",
                        "the result of certified_relu_optimum on the same x, y, beta, "
                        "output_bias")
    return value - optimum.lower_bound
