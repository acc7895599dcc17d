"""Empirical NTK of 1000 samples: structured Gram form and Jacobian contraction vs a loop.

Model: an MLP 40 → 128 → 128 → 1 (tanh, 21,889 parameters); 1000 Gaussian inputs. Contenders:
`empirical_ntk(model, x)` (riskscope's default for dense networks: per layer, the Gram
matrices of the layer's inputs and of its back-propagated signals, multiplied elementwise —
no Jacobian is formed; structured_ntk.py), `empirical_ntk(..., method="jacobian")`
(per-example Jacobians by `torch.func.vmap(jacrev)` in chunks, one matrix product per pair of
chunks), the NTK–vector operator (one product, for scale), and the obvious loop: one backward
pass per sample (and per output) to build the Jacobian row by row, then J Jᵀ. Median over
`--repeats`; the kernels must agree. The first torch.func call of a process imports and sets
up a large part of torch (seconds); it is run once before timing and reported separately.

    .venv/bin/python benchmarks/curvature_ntk.py [--repeats 3] [--threads 1] [--samples 1000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

from riskscope.probes.kernels import NTKOperator, empirical_ntk


def build(samples: int, seed: int = 0, device: str = "cpu"):
    gen = torch.Generator().manual_seed(seed)
    model = nn.Sequential(nn.Linear(40, 128), nn.Tanh(), nn.Linear(128, 128), nn.Tanh(),
                          nn.Linear(128, 1))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) / p.shape[-1] ** 0.5)
    return model.to(device), torch.randn(samples, 40, generator=gen).to(device)


def per_sample_loop(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    params = [p for p in model.parameters() if p.requires_grad]
    rows = []
    for i in range(x.shape[0]):
        out = model(x[i:i + 1]).reshape(-1)
        for a in range(out.numel()):
            grads = torch.autograd.grad(out[a], params, retain_graph=a + 1 < out.numel())
            rows.append(torch.cat([g.reshape(-1) for g in grads]))
    jac = torch.stack(rows)
    return jac @ jac.T


def _time(fn, repeats: int, device: str):
    times, out = [], None
    for _ in range(repeats):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        out = fn()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def run(samples: int, repeats: int, device: str) -> None:
    model, x = build(samples, device=device)
    count = sum(p.numel() for p in model.parameters())
    start = time.perf_counter()
    empirical_ntk(model, x[:2], method="jacobian")
    print(f"[{device}] {count} parameters, {samples} samples; first torch.func call "
          f"(one-time setup): {time.perf_counter() - start:.2f}s")
    t_ours, ours = _time(lambda: empirical_ntk(model, x), repeats, device)
    t_jac, via_jac = _time(lambda: empirical_ntk(model, x, method="jacobian"), repeats, device)
    t_loop, loop = _time(lambda: per_sample_loop(model, x), repeats, device)
    jac = torch.randn(samples, count, device=device)
    t_gram, _ = _time(lambda: jac @ jac.T, repeats, device)
    op = NTKOperator(model, x)
    v = torch.randn(op.shape[0], device=device)
    t_mv, _ = _time(lambda: op.matvec(v), repeats, device)
    diff = float((ours - loop).abs().max() / loop.abs().max())
    diff_jac = float((via_jac - loop).abs().max() / loop.abs().max())
    layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
    gram_flops = sum(2 * samples**2 * (m.in_features + m.out_features) for m in layers)
    print(f"empirical_ntk, structured (default): {t_ours:.3f}s")
    print(f"empirical_ntk, method='jacobian':    {t_jac:.3f}s")
    print(f"per-sample Jacobian loop:            {t_loop:.3f}s")
    print(f"speed-up vs the loop: structured {t_loop / t_ours:.1f}x, jacobian "
          f"{t_loop / t_jac:.1f}x; max |difference| / max |Θ|: structured {diff:.1e}, "
          f"jacobian {diff_jac:.1e}")
    print(f"(one J Jᵀ product of this size alone: {t_gram:.2f}s, paid by both: the rest is "
          "the Jacobian)")
    print(f"one NTK–vector product (operator, graph kept): {1e3 * t_mv:.1f} ms")
    size = 4096 if device.startswith("cuda") else 2048
    a = torch.randn(size, size, device=device)
    t_mm, _ = _time(lambda: a @ a, 5, device)
    peak = 2 * size**3 / t_mm
    for label, flops, t in (("structured", gram_flops, t_ours),
                            ("jacobian", 2 * samples**2 * count + samples * 6 * count, t_jac)):
        rate = flops / t
        print(f"{label}: {flops / 1e9:.2f} GFLOP of Gram/contraction work, ≈ {rate / 1e9:.1f} "
              f"GFLOP/s = {100 * rate / peak:.1f}% of the measured float32 matmul rate "
              f"({peak / 1e9:.0f} GFLOP/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--samples", type=int, default=1000)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    run(args.samples, args.repeats, "cpu")
    if torch.cuda.is_available():
        run(args.samples * 10, args.repeats, "cuda")
    else:
        print("GPU: not run (no CUDA device here)")


if __name__ == "__main__":
    main()
