"""Lazy vs rich training: how much the tangent kernel and the weights move, vs width.

Per trained network (θ₀ at initialization, θ_T after training, Θ the empirical NTK on a fixed
probe set, with respect to the trained raw parameters):
- relative NTK drift    ‖Θ_T − Θ₀‖_F / ‖Θ₀‖_F;
- kernel correlation    ⟨Θ_T, Θ₀⟩_F / (‖Θ_T‖_F ‖Θ₀‖_F), scale-invariant (Goldblum et al. 2020:
  in standard parameterization the relative change can grow with width while the
  correlation stays high);
- relative weight change ‖θ_T − θ₀‖₂ / ‖θ₀‖₂.

In NTK parameterization with a small, width-independent step the drift falls like width^−½
(Jacot et al. 2018; Lee et al. 2019: slope ≈ −½ on a log–log plot); in mean-field
parameterization (output scaled by 1/width, step scaled up by width) the features move by O(1)
and the drift does not vanish (Chizat, Oyallon & Bach 2019: laziness comes from the output
scale). `lazy_vs_rich_slopes` fits the log–log slope vs width per parameterization on a
study's stored trials, with the bootstrap of `riskscope.analyses.rates`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from riskscope.analyses.rates import fit_power_law
from riskscope.core.errors import SpecError

QUANTITIES = ("relative_ntk_drift", "relative_weight_change")


def kernel_change(theta_0: torch.Tensor, theta_t: torch.Tensor) -> dict[str, float]:
    """{"relative_ntk_drift", "ntk_correlation"} of two Gram matrices on the same inputs."""
    a, b = theta_0.double(), theta_t.double()
    norm_a, norm_b = torch.linalg.norm(a), torch.linalg.norm(b)
    return {"relative_ntk_drift": float(torch.linalg.norm(b - a) / norm_a),
            "ntk_correlation": float((a * b).sum() / (norm_a * norm_b))}


def relative_weight_change(initial: Sequence[torch.Tensor], final: Sequence[torch.Tensor]
                           ) -> float:
    """‖θ_T − θ₀‖₂ / ‖θ₀‖₂ over all given parameter tensors."""
    initial = [t.detach().double() for t in initial]
    final = [t.detach().double() for t in final]
    diff = sum(float((f - i).pow(2).sum()) for i, f in zip(initial, final))
    base = sum(float(i.pow(2).sum()) for i in initial)
    return float(np.sqrt(diff / base))


def lazy_vs_rich_slopes(trials: pd.DataFrame, quantities: Sequence[str] = QUANTITIES, *,
                        width_column: str = "model.width",
                        group_column: str = "model.parameterization",
                        rng: int | np.random.Generator = 0, n_resamples: int = 2000,
                        confidence: float = 0.95) -> pd.DataFrame:
    """Log–log slope of each quantity vs width, per parameterization, with a bootstrap CI.

    trials: a study's trials frame (`Store.trials(run_id)`: columns "model.width",
    "model.parameterization", "result.<quantity>", "status"). Returns one row per
    (parameterization, quantity): slope, slope_ci_low, slope_ci_high, prefactor, n_points,
    n_widths. Diverged or failed trials are left out.
    """
    needed = [width_column, group_column] + [f"result.{q}" for q in quantities]
    missing = [c for c in needed if c not in trials.columns]
    if missing:
        raise SpecError("trials", f"a frame without {missing}",
                        "the trials frame of a lazy-vs-rich run (Store.trials(run_id))")
    done = trials[trials["status"] == "done"] if "status" in trials.columns else trials
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    rows = []
    for group, part in done.groupby(group_column, sort=True):
        for quantity in quantities:
            fit = fit_power_law(part[width_column].to_numpy(np.float64),
                                part[f"result.{quantity}"].to_numpy(np.float64), rng=gen,
                                n_resamples=n_resamples, confidence=confidence)
            rows.append({"parameterization": group, "quantity": quantity,
                         "slope": fit.exponent, "slope_ci_low": fit.exponent_ci[0],
                         "slope_ci_high": fit.exponent_ci[1], "prefactor": fit.prefactor,
                         "n_points": fit.n_points, "n_widths": fit.n_x})
    return pd.DataFrame(rows)
