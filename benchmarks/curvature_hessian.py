"""Top Hessian eigenvalue: riskscope's Lanczos vs PyHessian's power iteration, same process.

Problem: an MLP 40 → 300 → 300 → 10 (tanh, ~1.06·10⁵ parameters) trained briefly on 2000
MNIST-1D examples, cross-entropy (`nn.CrossEntropyLoss`, the same criterion object for both).
Reference: Lanczos in float64 on a float64 copy, Ritz residual ≤ 1e-10 · λ (converged).

1. Defaults: PyHessian as documented, `hessian(model, criterion, data=(x, y),
   cuda=False).eigenvalues(top_n=1)` (power iteration, maxIter 100, tol 1e-3 on the relative
   change), vs `hessian_top_eigenvalues(model, (x, y), loss=criterion)` (default tol 1e-3 on
   the Ritz residual; also tol 1e-2). Median time and error over `--repeats` start vectors.
   PyHessian draws its start vector from torch's global generator, so the script seeds it
   before each run.
2. Time to accuracy: both run at fixed effort (PyHessian with tol 0 runs exactly maxIter
   products; Lanczos with a tolerance it cannot meet runs exactly max_iter), and the least
   median time reaching each relative error is compared.
3. One Hessian–vector product: riskscope's kept gradient graph, the graph rebuilt per product,
   torch.func forward-over-reverse `jvp(grad)`, PyHessian's product; FLOPs counted by
   `torch.utils.flop_counter` and compared with the measured matmul rate of this machine.
4. GPU (only if CUDA is available): the same product and Lanczos on the device, with the
   fraction of the device's measured float32 matmul rate.

    .venv/bin/python benchmarks/curvature_hessian.py [--repeats 5] [--threads 1]
"""

from __future__ import annotations

import argparse
import copy
import math
import statistics
import time
import warnings

import torch
from torch import nn
from torch.func import functional_call
from torch.utils.flop_counter import FlopCounterMode

from riskscope.core.rng import torch_generator
from riskscope.probes.curvature_api import hessian_top_eigenvalues
from riskscope.probes.estimators import lanczos_top_eigenvalues
from riskscope.probes.linops import HessianOperator
from riskscope.tasks import make_task


def build_problem(n: int, seed: int, device: str = "cpu"):
    data = make_task("mnist1d", {}).sample(n, torch_generator(seed))
    gen = torch_generator(seed + 1)
    model = nn.Sequential(nn.Linear(40, 300), nn.Tanh(), nn.Linear(300, 300), nn.Tanh(),
                          nn.Linear(300, 10))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(p.shape[-1]))
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(200):  # a partly trained network, as PyHessian is usually applied
        optimizer.zero_grad()
        criterion(model(data.x), data.y).backward()
        optimizer.step()
    model.zero_grad(set_to_none=True)
    return model.to(device), data.x.to(device), data.y.to(device), criterion


def reference_eigenvalue(model, x, y, criterion) -> float:
    model64 = copy.deepcopy(model).double()
    result = lanczos_top_eigenvalues(HessianOperator(model64, (x.double(), y), criterion), 1,
                                     tol=1e-10, max_iter=500)
    assert result.converged
    return float(result.eigenvalues[0])


def pyhessian_top(model, criterion, x, y, seed, max_iter=100, tol=1e-3):
    from pyhessian import hessian

    torch.manual_seed(seed)  # PyHessian draws from the global generator
    start = time.perf_counter()
    values, _ = hessian(model, criterion, data=(x, y), cuda=False).eigenvalues(
        maxIter=max_iter, tol=tol, top_n=1)
    elapsed = time.perf_counter() - start
    model.zero_grad(set_to_none=True)  # PyHessian leaves graph-carrying .grad behind
    model.train()  # PyHessian switched the model to eval mode (a no-op for this model)
    return float(values[0]), elapsed


def riskscope_top(model, criterion, x, y, seed, tol=1e-3, max_iter=None):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # fixed-effort runs do not converge
        result = hessian_top_eigenvalues(model, (x, y), loss=criterion, tol=tol,
                                         max_iter=max_iter, rng=seed)
    return float(result.eigenvalues[0]), time.perf_counter() - start, result.num_products


def _median(values):
    return statistics.median(values)


def defaults(model, criterion, x, y, ref, repeats):
    rows = {"pyhessian": ([], []), "riskscope": ([], []), "riskscope tol=1e-2": ([], [])}
    for seed in range(repeats):
        value, t = pyhessian_top(model, criterion, x, y, seed)
        rows["pyhessian"][0].append(abs(value - ref) / ref)
        rows["pyhessian"][1].append(t)
        for name, tol in (("riskscope", 1e-3), ("riskscope tol=1e-2", 1e-2)):
            value, t, _ = riskscope_top(model, criterion, x, y, seed, tol=tol)
            rows[name][0].append(abs(value - ref) / ref)
            rows[name][1].append(t)
    print("\n1. default settings (median over start vectors)")
    print(f"{'contender':20s} {'time (s)':>10s} {'rel. error':>12s} {'max rel. error':>15s}")
    for name, (err, times) in rows.items():
        print(f"{name:20s} {_median(times):10.2f} {_median(err):12.2e} {max(err):15.2e}")
    pe, pt = rows["pyhessian"]
    for name in ("riskscope", "riskscope tol=1e-2"):
        re, rt = rows[name]
        print(f"{name}: speed-up {_median(pt) / _median(rt):.2f}x, error ratio "
              f"{_median(pe) / max(_median(re), 1e-300):.3g}x (PyHessian / riskscope)")


def time_to_accuracy(model, criterion, x, y, ref, repeats):
    curves = {"pyhessian": [], "riskscope": []}
    for effort in (2, 4, 8, 16, 32, 64, 100):
        err, times = [], []
        for seed in range(repeats):
            value, t = pyhessian_top(model, criterion, x, y, seed, max_iter=effort, tol=0.0)
            err.append(abs(value - ref) / ref)
            times.append(t)
        curves["pyhessian"].append((effort, _median(times), _median(err)))
    for effort in (2, 3, 4, 6, 8, 12, 16, 24):
        err, times = [], []
        for seed in range(repeats):
            value, t, _ = riskscope_top(model, criterion, x, y, seed, tol=1e-15,
                                        max_iter=effort)
            err.append(abs(value - ref) / ref)
            times.append(t)
        curves["riskscope"].append((effort, _median(times), _median(err)))
    print("\n2. fixed effort: products, median time (s), median relative error")
    for name, curve in curves.items():
        print(name, "  ".join(f"{k}: {t:.2f}s {e:.1e}" for k, t, e in curve))
    print("time to reach a median relative error:")
    for target in (1e-2, 1e-3, 1e-4, 1e-6):
        best = {name: min((t for _, t, e in curve if e <= target), default=math.inf)
                for name, curve in curves.items()}
        ratio = best["pyhessian"] / best["riskscope"]
        print(f"  {target:.0e}: pyhessian {best['pyhessian']:.2f}s, riskscope "
              f"{best['riskscope']:.2f}s, ratio {ratio:.2f}x")


def matmul_rate(device: str, size: int = 2048, repeats: int = 5) -> float:
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    times = []
    for _ in range(repeats + 1):
        _sync(device)
        start = time.perf_counter()
        a @ b
        _sync(device)
        times.append(time.perf_counter() - start)
    return 2 * size**3 / _median(times[1:])


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def product_timings(model, criterion, x, y, repeats, device="cpu"):
    from pyhessian.utils import hessian_vector_product

    params = [p for p in model.parameters() if p.requires_grad]
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    kept = HessianOperator(model, (x, y), criterion)
    rebuilt = HessianOperator(model, (x, y), criterion, reuse_graph=False)
    v = torch.randn(kept.shape[0], device=device)
    vs = kept.split(v)

    def func_jvp():
        def loss_of(*ps):
            return criterion(functional_call(model, dict(zip(names, ps)), (x,)), y)
        grad_fn = torch.func.grad(loss_of, argnums=tuple(range(len(params))))
        return torch.func.jvp(grad_fn, tuple(p.detach() for p in params), tuple(vs))[1]

    loss = criterion(model(x), y)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    contenders = {"kept graph (riskscope)": lambda: kept.matvec(v),
                  "graph per product": lambda: rebuilt.matvec(v),
                  "torch.func jvp(grad)": func_jvp,
                  "pyhessian product": lambda: hessian_vector_product(list(grads), params,
                                                                      list(vs))}
    kept.matvec(v)  # build the kept graph outside the timing
    with FlopCounterMode(display=False) as counter:
        kept.matvec(v)
    flops = counter.get_total_flops()
    peak = matmul_rate(device)
    print(f"\n3. one Hessian–vector product on {device} ({flops / 1e9:.2f} GFLOP counted; "
          f"measured matmul rate {peak / 1e9:.1f} GFLOP/s)")
    for name, fn in contenders.items():
        fn()  # warm-up (torch.func's first call imports and sets up a lot)
        times = []
        for _ in range(repeats):
            _sync(device)
            start = time.perf_counter()
            fn()
            _sync(device)
            times.append(time.perf_counter() - start)
        t = _median(times)
        print(f"{name:24s} {t * 1e3:9.1f} ms  {flops / t / 1e9:7.2f} GFLOP/s "
              f"({100 * flops / t / peak:5.1f}% of matmul rate)")


def gpu_section(repeats: int) -> None:
    if not torch.cuda.is_available():
        print("\n4. GPU: not run (no CUDA device here)")
        return
    model, x, y, criterion = build_problem(20000, 0, device="cuda")
    product_timings(model, criterion, x, y, repeats, device="cuda")
    ref = reference_eigenvalue(model, x, y, criterion)
    value, t, products = riskscope_top(model, criterion, x, y, 0)
    print(f"GPU Lanczos on 20000 examples: {t:.2f}s, {products} products, "
          f"relative error {abs(value - ref) / ref:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    parser.add_argument("--samples", type=int, default=2000)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model, x, y, criterion = build_problem(args.samples, 0)
    count = sum(p.numel() for p in model.parameters())
    print(f"MLP with {count} parameters, {args.samples} examples, torch "
          f"{torch.__version__}, {torch.get_num_threads()} thread(s)")
    ref = reference_eigenvalue(model, x, y, criterion)
    print(f"reference λ_max (float64 Lanczos, residual ≤ 1e-10·λ): {ref:.10g}")
    defaults(model, criterion, x, y, ref, args.repeats)
    time_to_accuracy(model, criterion, x, y, ref, max(3, args.repeats // 2))
    product_timings(model, criterion, x, y, args.repeats)
    gpu_section(args.repeats)


if __name__ == "__main__":
    main()
