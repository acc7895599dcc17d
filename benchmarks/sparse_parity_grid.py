"""The sparse-parity grid trained batched (one ensemble per problem size) vs a per-run loop.

Grid: n ∈ N_BITS × k ∈ {2, 3} × `--seeds` seeds; one-hidden-layer ReLU nets of `--width` units
(the `sparse-parity` study's full preset uses 1000), online SGD (lr 0.1, batch 32, cross-entropy
on two logits; the study's full preset trains with hinge, which costs the same per step),
`--steps` steps each (no early stopping, so both sides do identical work).

  batched   per (n, k): one MLPEnsemble of all seeds, riskscope.training.train_ensemble
            (log_points=2), i.e. what the study runs per group (minus the between-chunk
            measurements, which cost the same on both sides)
  loop      per run: the same member as a plain nn.Module (`ensemble.member(i)`) with its
            own torch.optim.SGD, zero_grad / backward / step, one run after another

Both sides see the same fresh batches (the online stream of a group is shared by its
members), so final losses and test accuracies must agree up to float rounding: the largest
difference is printed (the timing counts only if it is small). FLOPs: 3 × forward matmul
FLOPs; peak: the best float32 torch.mm rate at n = 2048 measured in the same process.

    python benchmarks/sparse_parity_grid.py [--steps 400] [--seeds 8] [--width 1000]
        [--threads N] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import platform
import time

import torch

from riskscope.core.rng import torch_generator
from riskscope.models.ensemble import MLPEnsemble
from riskscope.models.mlp_spec import MLPSpec
from riskscope.tasks import make_task
from riskscope.training import LossSpec, OnlineBatches, TrainingConfig, train_ensemble

N_BITS = (10, 20, 40)
KS = (2, 3)
STREAM_SEED = 1234


def matmul_peak(device: str, size: int = 2048, reps: int = 5) -> float:
    a = torch.randn(size, size, device=device)
    best = float("inf")
    for _ in range(reps):
        _sync(device)
        t = time.perf_counter()
        a @ a
        _sync(device)
        best = min(best, time.perf_counter() - t)
    return 2 * size**3 / best


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def run_batched(task, spec, seeds, steps, device, eval_x, eval_y):
    ens = MLPEnsemble.from_seeds(spec, seeds, device=device)
    init = [ens.member(i) for i in range(len(seeds))]
    batches = OnlineBatches(task.sample, 32, STREAM_SEED, torch.device(device))
    config = TrainingConfig(optimizer="sgd", lr=0.1, batch_size=32, online=True, steps=steps,
                            log_points=2)
    lr = torch.full((len(seeds),), 0.1, device=device)
    _sync(device)
    t = time.perf_counter()
    train_ensemble(ens, LossSpec("cross_entropy", "zero_one"), batches, config, lr,
                   torch.zeros_like(lr))
    _sync(device)
    wall = time.perf_counter() - t
    with torch.no_grad():
        acc = (ens(eval_x).argmax(-1) == eval_y).double().mean(-1).cpu()
    return wall, acc, init


def run_loop(task, members, steps, device, eval_x, eval_y):
    accs = []
    _sync(device)
    t = time.perf_counter()
    for model in members:
        stream = torch_generator(STREAM_SEED)   # the stream OnlineBatches(seed) draws
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(steps):
            batch = task.sample(32, stream).to(device)
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(batch.x), batch.y).backward()
            opt.step()
    _sync(device)
    wall = time.perf_counter() - t
    with torch.no_grad():
        for model in members:
            accs.append(float((model(eval_x).argmax(-1) == eval_y).double().mean()))
    return wall, torch.tensor(accs, dtype=torch.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--width", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=0, help="0: torch's default")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = args.device
    peak = matmul_peak(device)
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"device {device}, threads {torch.get_num_threads()}, matmul peak "
          f"{peak / 1e9:.1f} GFLOP/s")
    print(f"# steps {args.steps}, seeds {args.seeds}, width {args.width}, batch 32")
    print("n   k  batched_s  loop_s  speedup  batched_GFLOP/s  %peak  max|Δacc|")
    total_b = total_l = 0.0
    for n in N_BITS:
        for k in KS:
            task = make_task("sparse-parity", {"n_bits": n, "k": k})
            spec = MLPSpec(input_dim=n, output_dim=2, width=args.width, depth=1)
            evald = task.sample(4096, torch_generator(7)).to(device)
            seeds = list(range(args.seeds))
            tb, acc_b, members = run_batched(task, spec, seeds, args.steps, device,
                                             evald.x, evald.y)
            tl, acc_l = run_loop(task, members, args.steps, device, evald.x, evald.y)
            flops = 3 * spec.flops_per_example() * 32 * args.steps * args.seeds
            total_b += tb
            total_l += tl
            print(f"{n:<3} {k}  {tb:9.2f}  {tl:6.2f}  {tl / tb:7.1f}  {flops / tb / 1e9:15.2f}"
                  f"  {100 * flops / tb / peak:5.1f}  {float((acc_b - acc_l).abs().max()):.4f}")
    print(f"total: batched {total_b:.2f} s, loop {total_l:.2f} s, "
          f"speedup {total_l / total_b:.1f}x")


if __name__ == "__main__":
    main()
