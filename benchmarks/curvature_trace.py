"""Hessian trace: relative error of Hutchinson and Hutch++ vs the number of products.

A small MLP (4 → 24 → 24 → 3, tanh, 795 parameters, float64), trained for 300 Adam steps on
200 examples of a smooth target, squared error; the exact trace comes from the dense Hessian
(riskscope.testing). For m products, the mean relative error |estimate − tr H| / |tr H| over
`--repeats` seeds, and the log–log slope of error vs m (Hutchinson ≈ −½; Hutch++ ≤ −1, faster
when the spectrum decays fast: Meyer et al. 2021 bound the PSD worst case by 1/m). Also the
coverage of Hutchinson's 95% interval over the repeats.

    .venv/bin/python benchmarks/curvature_trace.py [--repeats 50] [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn

from riskscope.probes.estimators import hutchinson_trace, hutchplusplus_trace
from riskscope.probes.linops import DenseOperator, HessianOperator
from riskscope.testing.dense_curvature import dense_hessian


def build_problem(seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 24), nn.Tanh(), nn.Linear(24, 24), nn.Tanh(),
                          nn.Linear(24, 3)).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) / p.shape[-1]**0.5)
    x = torch.randn(200, 4, generator=gen, dtype=torch.float64)
    y = torch.sin(x[:, :3] * 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(300):
        optimizer.zero_grad()
        (model(x) - y).pow(2).sum(1).mean().backward()
        optimizer.step()
    model.zero_grad(set_to_none=True)
    return model, x, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model, x, y = build_problem()
    op = HessianOperator(model, (x, y), "squared_error")
    dense = dense_hessian(model, x, y, op.loss_fn)
    exact = float(dense.trace())
    eig = torch.linalg.eigvalsh(dense)
    print(f"{op.shape[0]} parameters; tr H = {exact:.6g}; eigenvalues in "
          f"[{float(eig[0]):.3g}, {float(eig[-1]):.3g}], {int((eig < 0).sum())} negative")
    start = time.perf_counter()
    op.matvec(torch.ones(op.shape[0], dtype=torch.float64))
    print(f"one Hessian–vector product: {1e3 * (time.perf_counter() - start):.2f} ms")
    ms = [6, 12, 24, 48, 96, 192, 384]
    # the operator and the dense matrix give the same estimates; the dense one is faster here
    matrix = DenseOperator(dense)
    print(f"\n{'m':>5s} {'Hutchinson':>12s} {'Hutch++':>12s} {'ratio':>7s} {'coverage':>9s}")
    errors = {"hutchinson": [], "hutch++": []}
    for m in ms:
        h = [hutchinson_trace(matrix, m, rng=r) for r in range(args.repeats)]
        hp = [hutchplusplus_trace(matrix, m, rng=r) for r in range(args.repeats)]
        eh = float(np.mean([abs(e.value - exact) for e in h])) / abs(exact)
        ep = float(np.mean([abs(e.value - exact) for e in hp])) / abs(exact)
        coverage = float(np.mean([e.contains(exact) for e in h]))
        errors["hutchinson"].append(eh)
        errors["hutch++"].append(ep)
        print(f"{m:5d} {eh:12.3e} {ep:12.3e} {eh / ep:7.1f} {coverage:9.2f}")
    for name, errs in errors.items():
        slope = np.polyfit(np.log(ms), np.log(errs), 1)[0]
        print(f"log-log slope of {name}: {slope:.2f}")
    check = hutchinson_trace(op, 24, rng=0).value - hutchinson_trace(matrix, 24, rng=0).value
    print(f"operator vs dense estimate, same seed: difference {abs(check):.1e}")


if __name__ == "__main__":
    main()
