"""Two-layer ReLU networks on scalar inputs: their objective and their activation patterns.

The network and the objective (the conventions of the whole convex_relu* family):

    f(x) = Σ_j a_j · relu(w_j x + b_j) + c                      (m hidden units, scalar x)
    P(θ) = ½ Σ_i (f(x_i) − y_i)² + (β/2) Σ_j (w_j² + b_j² + a_j²) [+ (β/2) c²]

The loss is a **sum** over the n training points (not a mean) with the factor ½. The output
bias c is governed by `output_bias`:

- "free"      (default) c is a free, unpenalized scalar;
- "none"      c = 0 is fixed (no output bias);
- "penalized" c is decayed like the other parameters: the (β/2) c² term is added.

A mean loss L = (1/n) Σ (f − y)² + (λ/2) ‖θ‖² (riskscope's trainer: mean squared error without
the ½, weight decay λ added to the gradient) is (2/n) · P with β = n λ / 2, so both have the
same minimizers; see `beta_from_weight_decay` in convex_relu_mlp.py.

Activation patterns (Pilanci & Ergen 2020, "Neural Networks are Convex Regularizers", ICML):
with x̃_i = (x_i, 1) and g = (w, b), a pattern is D(g) = 1[x̃_i · g ≥ 0], i = 1..n. In one input
dimension with a bias, w > 0 gives the upper sets {i : x_i ≥ t}, w < 0 the lower sets
{i : x_i ≤ t}, w = 0 all-ones or all-zeros. With d distinct values u_1 < … < u_d these are
exactly the 2d − 1 nonzero patterns {x ≥ u_k} (k = 1..d; k = 1 is all-ones) and {x ≤ u_k}
(k = 1..d−1), plus the all-zeros pattern, which contributes nothing and is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from riskscope.core.checks import check_choice, check_float
from riskscope.core.errors import SpecError

OutputBias = Literal["free", "none", "penalized"]
OUTPUT_BIAS_MODES = ("free", "none", "penalized")


def as_vector(field: str, value: object, length: int | None = None,
              length_of: str = "x", allow_empty: bool = False) -> np.ndarray:
    """`value` as a finite float64 1-D array (of `length` if given), else SpecError(field)."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise SpecError(field, type(value).__name__, "a 1-D array of real numbers") from err
    if arr.ndim != 1:
        raise SpecError(field, f"an array of shape {arr.shape}", "a 1-D array",
                        "pass a flat array, e.g. x.ravel(); the input dimension must be 1")
    if length is None and arr.size == 0 and not allow_empty:
        raise SpecError(field, "an empty array", "at least one point")
    if length is not None and arr.size != length:
        raise SpecError(field, f"an array of length {arr.size}",
                        f"length {length}, the length of {length_of}")
    if not np.all(np.isfinite(arr)):
        raise SpecError(field, "an array with NaN or Inf", "finite values only")
    return arr


def check_problem(x: object, y: object, beta: object) -> tuple[np.ndarray, np.ndarray, float]:
    """Validated (x, y, β): 1-D float64 arrays of one length and β > 0."""
    xv = as_vector("x", x)
    yv = as_vector("y", y, len(xv))
    return xv, yv, check_float("beta", beta, minimum=0.0, open_low=True)


def check_output_bias(output_bias: object) -> str:
    return check_choice("output_bias", output_bias, OUTPUT_BIAS_MODES)


@dataclass(frozen=True)
class ReluNetwork1D:
    """f(x) = Σ_j a_j relu(w_j x + b_j) + c, in float64 (effective parameters, no multipliers)."""

    w: np.ndarray
    b: np.ndarray
    a: np.ndarray
    c: float = 0.0

    @property
    def num_neurons(self) -> int:
        return int(self.w.size)

    def __call__(self, x: object) -> np.ndarray:
        xv = np.asarray(x, dtype=np.float64)
        hidden = np.maximum(np.multiply.outer(xv, self.w) + self.b, 0.0)
        return hidden @ self.a + self.c


def relu_objective(x: object, y: object, w: object, b: object, a: object, beta: object,
                   *, c: float = 0.0, output_bias: OutputBias = "free") -> float:
    """P(θ) = ½ Σ_i (f(x_i) − y_i)² + (β/2) Σ_j (w_j² + b_j² + a_j²) [+ (β/2) c²], float64.

    `output_bias` as in the module docstring: "penalized" adds (β/2) c², "none" requires c = 0.
    """
    xv, yv, beta = check_problem(x, y, beta)
    mode = check_output_bias(output_bias)
    wv = as_vector("w", w, allow_empty=True)
    bv = as_vector("b", b, wv.size, "w")
    av = as_vector("a", a, wv.size, "w")
    c = check_float("c", c)
    if mode == "none" and c != 0.0:
        raise SpecError("c", c, "0 when output_bias='none'",
                        "use output_bias='free' or 'penalized' for a network with an output bias")
    residual = ReluNetwork1D(wv, bv, av, c)(xv) - yv
    penalty = np.sum(wv**2) + np.sum(bv**2) + np.sum(av**2) + (c**2 if mode == "penalized" else 0)
    return float(0.5 * residual @ residual + 0.5 * beta * penalty)


def enumerate_relu_patterns_1d(x: object) -> np.ndarray:
    """All distinct nonzero patterns 1[w x_i + b ≥ 0] over (w, b) ∈ ℝ², as a bool array [P, n].

    P = 2d − 1 for d distinct values in x (duplicates in x share their entries). Rows: first the
    upper sets {x ≥ u_k}, k = 1..d (the first is all-ones), then the lower sets {x ≤ u_k},
    k = 1..d−1. Exact: no sampling.
    """
    xv = as_vector("x", x)
    values = np.unique(xv)
    upper = xv[None, :] >= values[:, None]
    lower = xv[None, :] <= values[:-1, None]
    return np.concatenate([upper, lower], axis=0)


def beta_from_weight_decay(weight_decay: float, n: int) -> float:
    """β of P for riskscope's training objective L = (1/n) Σ (f − y)² + (λ/2) ‖θ_raw‖².

    riskscope's trainer minimizes the MEAN squared error without ½ and adds λ p to each raw
    gradient (sgd/gd/adam; adamw's decoupled decay is not a penalty). L = (2/n) P with β = n λ/2
    (and output_bias="penalized", since the output bias is a raw parameter and is decayed too).
    """
    lam = check_float("weight_decay", weight_decay, minimum=0.0, open_low=True)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise SpecError("n", n, "a positive integer (the number of training points)")
    return 0.5 * n * lam


def mlp_to_relu_network(mlp) -> ReluNetwork1D:
    """The effective (w, b, a, c) of a riskscope `MLP` 1 → width → 1 with relu and biases.

    MLP(x) = m₁ W₁ relu(m₀ W₀ x + b₀) + b₁ with raw parameters W₀ [width, 1], b₀, W₁ [1, width],
    b₁ and the forward multipliers m₀, m₁ of its parameterization (riskscope.models.mlp_spec).
    Returned, in float64: w = m₀ W₀[:, 0], b = b₀, a = m₁ W₁[0, :], c = b₁[0], so that the
    network computes exactly the MLP's function (float64 arithmetic; MLP(x) in float32 agrees
    to float32 rounding).

    Weight decay λ in riskscope acts on the RAW parameters, output bias included:
    (λ/2)(Σ_j (w_j/m₀)² + b_j² + (a_j/m₁)² + c²).
    - standard parameterization (m₀ = m₁ = 1): this is P's penalty with output_bias="penalized"
      and β = n λ / 2 (`beta_from_weight_decay`), so P of the converted network is (n/2) times
      the trained objective and the certified optimum applies as is. With output_bias="free"
      (the default of `certified_relu_optimum`) P omits (β/2) c²: a different objective, whose
      optimum is ≤ the penalized one.
    - ntk / mean-field (multipliers ≠ 1): the penalty is anisotropic in the effective
      parameters, so P of the converted network is NOT the trained objective. In raw
      coordinates the trained objective (free or absent c) is m₁² · P on the data
      (m₀ x, y / m₁) with β / m₁² and the network (W₀, b₀, W₁, b₁/m₁): solve that problem for
      the certified optimum. (A penalized raw c would then carry the weight β, not β / m₁².)
    """
    from riskscope.models.mlp import MLP

    if not isinstance(mlp, MLP):
        raise SpecError("mlp", type(mlp).__name__, "a riskscope.models.MLP")
    spec = mlp.spec
    want = {"input_dim": 1, "output_dim": 1, "depth": 1, "activation": "relu", "bias": True}
    for name, value in want.items():
        if getattr(spec, name) != value:
            raise SpecError(f"mlp.spec.{name}", getattr(spec, name), repr(value),
                            "the convex certificate covers 1 → width → 1 ReLU nets with biases")
    hidden, out = mlp.layers

    def raw(t):
        return t.detach().cpu().double().numpy()

    w = hidden.multiplier * raw(hidden.weight)[:, 0]
    a = out.multiplier * raw(out.weight)[0, :]
    return ReluNetwork1D(w, raw(hidden.bias).copy(), a, float(raw(out.bias)[0]))
