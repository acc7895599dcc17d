"""Bias and variance of trained networks, with the variance split by its source.

For squared loss and predictions f_{s,d}(x) of networks trained with initialization seed s on
training set d (a full s × d design), on evaluation points x with noiseless target f*(x):

    bias²        = E_x (f̄(x) − f*(x))²,              f̄ = mean over s and d
    variance     = E_x mean_{s,d} (f_{s,d}(x) − f̄(x))²
    var_init     = E_x mean_d Var_s f_{s,d}(x)         (initialization, data fixed)
    var_data     = E_x Var_d (mean_s f_{s,d}(x))       (training-set draw, averaged over init)

The law of total variance gives variance = var_init + var_data exactly (population variances,
ddof = 0) — Neal et al. 2018 split the variance this way; Adlam & Pennington 2020 refine it.
On the same points, mean_{s,d} E_x (f − f*)² = bias² + variance exactly, and adding the noise
variance gives the mean excess-plus-Bayes risk: the identity the tests check.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class BiasVariance:
    bias_squared: float
    variance: float
    variance_init: float
    variance_data: float
    mean_squared_error: float   # mean over members of E_x ‖f − f*‖²

    def flat(self) -> dict[str, float]:
        return {"bias_squared": self.bias_squared, "variance": self.variance,
                "variance_init": self.variance_init, "variance_data": self.variance_data,
                "mean_squared_error_to_target": self.mean_squared_error}


def bias_variance_decomposition(predictions: torch.Tensor, target: torch.Tensor
                                ) -> BiasVariance:
    """predictions [S_init, S_data, n, out] (float64 advised), target [n, out].

    Squared errors are summed over outputs and averaged over the n points.
    """
    p = predictions.double()
    t = target.double()
    mean = p.mean(dim=(0, 1))
    bias2 = (mean - t).pow(2).sum(-1).mean()
    variance = (p - mean).pow(2).sum(-1).mean()
    var_init = p.var(dim=0, unbiased=False).sum(-1).mean()
    var_data = p.mean(dim=0).var(dim=0, unbiased=False).sum(-1).mean()
    mse = (p - t).pow(2).sum(-1).mean()
    return BiasVariance(float(bias2), float(variance), float(var_init), float(var_data),
                        float(mse))
