# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Measure your own CNN with riskscope
# A small CNN of your own on the 8×8 digits, trained briefly; then, in one line each: the
# Hessian's top eigenvalues and spectral density, the empirical NTK, a PAC-Bayes certificate,
# the complexity measures of Jiang et al. and the heavy-tailed weight spectra.
# Run: `python examples/probe_your_cnn.py` (about a minute on 2 CPU cores), or open it as a
# notebook with jupytext.

# %%
import copy

import torch
from sklearn.datasets import load_digits
from torch import nn

import riskscope


def main(steps: int = 300, certificate_steps: int = 300, weight_samples: int = 1000,
         examples: int = 256) -> dict:
    torch.manual_seed(0)
    digits = load_digits()
    x = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16  # [n, 1, 8, 8]
    y = torch.tensor(digits.target)
    train, test = (x[:1200], y[:1200]), (x[1200:], y[1200:])
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 10))
    init = copy.deepcopy(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(steps):                       # brief full-batch-ish training
        idx = torch.randint(0, 1200, (128,), generator=torch.Generator().manual_seed(step))
        loss = nn.functional.cross_entropy(model(train[0][idx]), train[1][idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    sub = (train[0][:examples], train[1][:examples])
    out = {
        "hessian_top3": riskscope.hessian_top_eigenvalues(model, sub, k=3).values(),
        "hessian_density": riskscope.hessian_spectral_density(model, sub, num_probes=4),
        "ntk": riskscope.empirical_ntk(model, train[0][:64], mode="trace"),
        "certificate": riskscope.pac_bayes_certificate(
            model, train, init=init, test_data=test, posterior_steps=certificate_steps,
            prior_steps=certificate_steps, weight_samples=weight_samples),
        "measures": riskscope.complexity_measures(model, sub, init=init),
        "spectra": riskscope.weight_spectra(model),
    }
    print("Hessian top-3 eigenvalues:", [round(v, 4) for v in out["hessian_top3"]])
    print("NTK λ_max / λ_min:", [round(float(v), 3) for v in
                                 torch.linalg.eigvalsh(out["ntk"].double())[[-1, 0]]])
    print("PAC-Bayes 0-1 risk bound:", round(out["certificate"].zero_one.risk_bound, 4),
          "| test error:", round(out["certificate"].stochastic_test_error, 4))
    print("margin, log spectral product:", round(out["measures"]["margin"], 3),
          round(out["measures"]["log_spectral_product"], 3))
    for s in out["spectra"]:
        print(f"layer {s.name}: alpha={s.alpha:.2f} stable_rank={s.stable_rank:.1f} "
              f"spikes={s.num_spikes}")
    return out


# %%
if __name__ == "__main__":
    main()
