"""Monte-Carlo evaluation of a stochastic network: batched over weight samples vs a loop.

The certificate of riskscope.analyses.bounds needs the risk of m weight samples, each on the
whole bound set. `monte_carlo_risks` evaluates `sample_batch` samples per pass (vmap over the
parameter sets); `monte_carlo_risks_loop` draws the same weights and evaluates them one at a
time. Both must give the same per-sample risks (checked here: max |difference|). Reported per
configuration: weight samples per second (median of repeats), the speed ratio, and the FLOP/s
the batched path reaches against this machine's measured matmul FLOP/s.

    .venv/bin/python benchmarks/pac_bayes_mc.py [--repeats 3] [--device cpu] [--threads 1]
"""

from __future__ import annotations

import argparse
import statistics
import time
from functools import partial

import torch

from riskscope.analyses.bounds import GaussianPosterior, monte_carlo_risks, monte_carlo_risks_loop
from riskscope.models import MLP, MLPSpec
from riskscope.tasks.base import Dataset

CONFIGS = [  # (label, input dim, width, depth, bound-set size, weight samples)
    ("tiny: 64-32-10, n=64", 64, 32, 1, 64, 1024),
    ("digits: 64-100-100-10, n=674", 64, 100, 2, 674, 256),
    ("mnist1d: 40-100-100-10, n=8000", 40, 100, 2, 8000, 64),
]


def matmul_flops(device: str, size: int = 1024, repeats: int = 5) -> float:
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        a @ b
        if device != "cpu":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times[1:])


def timed(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--sample-batch", type=int, default=64)
    parser.add_argument("--example-batch", type=int, default=0,
                        help="examples per batched pass (0: 16384 rows / sample batch)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    parser.add_argument("--sweep", action="store_true",
                        help="also sweep sample × example batch sizes on the last config")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    peak = matmul_flops(args.device)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}, "
          f"matmul {peak / 1e9:.1f} GFLOP/s")
    print("| configuration | samples | batched samples/s | loop samples/s | ratio | "
          "batched GFLOP/s (% of matmul) | max diff of risks |")
    print("|---|---|---|---|---|---|---|")
    for label, d, width, depth, n, m in CONFIGS:
        spec = MLPSpec(input_dim=d, output_dim=10, width=width, depth=depth)
        model = MLP(spec, torch.Generator().manual_seed(0)).to(args.device)
        q = GaussianPosterior(model, prior_sigma=0.01)
        g = torch.Generator().manual_seed(1)
        data = Dataset(torch.randn(n, d, generator=g), torch.randint(0, 10, (n,), generator=g))
        monte_carlo_risks(q, data, 8, seed=0)  # warm-up
        t_batch, batched = timed(partial(monte_carlo_risks, q, data, m, seed=0,
                                         sample_batch=args.sample_batch,
                                         example_batch=args.example_batch), args.repeats)
        t_loop, loop = timed(partial(monte_carlo_risks_loop, q, data, m, seed=0), args.repeats)
        diff = float(abs(batched.zero_one - loop.zero_one).max())
        flops = m * n * spec.flops_per_example() / t_batch
        print(f"| {label} | {m} | {m / t_batch:,.0f} | {m / t_loop:,.0f} | "
              f"{t_loop / t_batch:.2f} | {flops / 1e9:.1f} ({100 * flops / peak:.0f}%) | "
              f"{diff:.1e} |")
    if args.sweep:
        sweep(q, data, m, args.repeats)


def sweep(q, data, m: int, repeats: int) -> None:
    """Samples/s of the batched path for several (sample batch, example batch) pairs."""
    print("\n| sample batch | example batch | rows per pass | samples/s |")
    print("|---|---|---|---|")
    for s, b in ((64, 4096), (64, 1024), (64, 256), (64, 64), (16, 1024), (4, 4096)):
        t, _ = timed(partial(monte_carlo_risks, q, data, m, seed=0, sample_batch=s,
                             example_batch=b), repeats)
        print(f"| {s} | {b} | {s * b:,} | {m / t:,.1f} |")


if __name__ == "__main__":
    main()
