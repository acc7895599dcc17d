"""Batched ensemble training vs a plain per-model PyTorch loop, and vs the machine's matmul peak.

Every row does identical work: the same members (same initial weights), the same full batch,
the same number of steps of SGD with momentum 0.9 on the squared loss. Rows:

  loop          M separate nn.Sequential models, each with its own torch.optim.SGD
                (zero_grad / backward / step), one after the other
  autograd      the stacked ensemble: forward + torch.autograd.grad + BatchedOptimizer.step
  fused         the stacked ensemble: riskscope's training step (train_forward/train_backward
                + BatchedOptimizer.step), without the trainer's bookkeeping
  train_ensemble  riskscope.training.trainer.train_ensemble (log_points=2: metrics at the
                first and last step only), timed end to end

Each row is timed as the best of a few whole runs from the initial weights (the loop on a GPU
on a subset of the members, scaled to all M). Matched accuracy: each row's final per-member
training loss is compared with the loop's. FLOPs: 3 × the forward matmul FLOPs
(2·B·Σ fan_in·fan_out per member), the usual count for forward + backward. Peak: the best
float32 `torch.mm` rate (n = 2048 and 4096 on the CPU, 4096 and 8192 on a GPU with TF32 off)
measured just before each case. On a busy shared machine, `--threads 1 --clock cpu` counts
only the time this process ran, which approximates an idle machine.

    python benchmarks/ensemble_training.py [--quick] [--device cpu|cuda|auto] [--threads N]
                                           [--clock wall|cpu]
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import time
from dataclasses import dataclass

import torch
from torch import nn

from riskscope.models.ensemble import MLPEnsemble
from riskscope.models.mlp_spec import MLPSpec
from riskscope.tasks.base import Dataset
from riskscope.training.config import TrainingConfig
from riskscope.training.data_source import FixedBatches
from riskscope.training.optimizers import BatchedOptimizer, OptimizerConfig
from riskscope.training.trainer import LossSpec, train_ensemble

try:
    from riskscope.training.measure import loss_and_grads
except ImportError:  # an older riskscope without the fused path: the fused row is autograd
    loss_and_grads = None

LR, MOMENTUM, INPUT_DIM, DEPTH = 0.01, 0.9, 8, 2
CLOCK = time.perf_counter  # --clock cpu: time.process_time


@dataclass
class Case:
    name: str
    members: int
    width: int
    samples: int
    steps: int
    loop_models: int   # the loop trains (and is timed on) the first loop_models members
    repeats: int       # every row: the best of `repeats` runs from the initial weights


def cases(device: torch.device, quick: bool) -> list[Case]:
    q = 4 if quick else 1
    if device.type == "cpu":
        return [Case("a: tiny", 64, 16, 64, 200 // q, 64, 3),
                Case("b: wide", 32, 256, 1024, 16 // q, 32, 3)]
    return [Case("c: tiny (GPU)", 1024, 16, 64, 200 // q, 32, 3),
            Case("c: wide (GPU)", 256, 256, 1024, 100 // q, 16, 3)]


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_peak(device: torch.device, quick: bool) -> float:
    """Best float32 torch.mm rate (FLOP/s) over a few sizes and repeats."""
    sizes = [2048, 4096] if device.type == "cpu" else [4096, 8192]
    best = 0.0
    for n in sizes:
        a, b = (torch.randn(n, n, device=device) for _ in range(2))
        c = torch.empty(n, n, device=device)
        torch.mm(a, b, out=c)
        for _ in range(2 if quick else 5):
            sync(device)
            t = CLOCK()
            torch.mm(a, b, out=c)
            sync(device)
            best = max(best, 2 * n**3 / (CLOCK() - t))
    return best


def make_data(case: Case, device: torch.device) -> Dataset:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(case.samples, INPUT_DIM, generator=g)
    y = torch.tanh(x @ torch.randn(INPUT_DIM, 1, generator=g)) + 0.1 * torch.randn(
        case.samples, 1, generator=g)
    return Dataset(x, y).to(device)


def mean_losses(ens: MLPEnsemble, data: Dataset) -> torch.Tensor:
    with torch.no_grad():
        return (ens(data.x) - data.y).pow(2).sum(-1).mean(-1)


# ---- the rows ----------------------------------------------------------------------------------

def best_of_runs(case: Case, device: torch.device, prepare) -> tuple[float, torch.Tensor]:
    """`prepare()` sets up a fresh run from the initial weights and returns (run, final):
    run() does case.steps steps, final() gives the final losses. Returns the best steps/s over
    `repeats` runs and the last run's final losses."""
    best = 0.0
    for _ in range(case.repeats):
        run, final = prepare()
        sync(device)
        t = CLOCK()
        run()
        sync(device)
        best = max(best, case.steps / (CLOCK() - t))
    return best, final()


def loop_row(case: Case, init: MLPEnsemble, data: Dataset):
    """Per-model loop over the first loop_models members."""
    def prepare():
        models, opts = [], []
        for i in range(case.loop_models):
            member = init.member(i)
            layers: list[nn.Module] = []
            for k, layer in enumerate(member.layers):
                lin = nn.Linear(layer.weight.shape[1], layer.weight.shape[0],
                                device=data.x.device)
                with torch.no_grad():
                    lin.weight.copy_(layer.weight)
                    lin.bias.copy_(layer.bias)
                layers += [lin] if k == len(member.layers) - 1 else [lin, nn.ReLU()]
            models.append(nn.Sequential(*layers))
            opts.append(torch.optim.SGD(models[-1].parameters(), lr=LR, momentum=MOMENTUM))

        def run():
            for _ in range(case.steps):
                for model, opt in zip(models, opts):
                    opt.zero_grad()
                    loss = (model(data.x) - data.y).pow(2).sum(-1).mean()
                    loss.backward()
                    opt.step()

        def final():
            with torch.no_grad():
                return torch.stack([(m(data.x) - data.y).pow(2).sum(-1).mean() for m in models])
        return run, final
    return prepare


def ensemble_row(case: Case, init: MLPEnsemble, data: Dataset, row: str):
    """One of the stacked-ensemble rows: autograd, fused or train_ensemble."""
    M = case.members
    lr = torch.full((M,), LR, device=data.x.device)
    wd = torch.zeros(M, device=data.x.device)

    def prepare():
        ens = copy.deepcopy(init)
        if row == "train_ensemble":
            config = TrainingConfig(optimizer="sgd", momentum=MOMENTUM, lr=LR, steps=case.steps,
                                    log_points=2)
            batches = FixedBatches(data, M, 0, list(range(M)))
            loss = LossSpec("squared_error", "squared_error")

            def run():
                train_ensemble(ens, loss, batches, config, lr, wd)
        else:
            opt = BatchedOptimizer(ens.stacked_parameters(),
                                   OptimizerConfig(name="sgd", momentum=MOMENTUM), lr, wd)
            fused = row == "fused" and loss_and_grads is not None  # else: an older riskscope

            def run():
                for _ in range(case.steps):
                    if fused:
                        grads = loss_and_grads(ens, "squared_error", data.x, data.y)[2]
                    else:
                        loss_m = (ens(data.x) - data.y).pow(2).sum(-1).mean(-1)
                        grads = torch.autograd.grad(loss_m.sum(), ens.stacked_parameters())
                    opt.step(grads)
        return run, lambda: mean_losses(ens, data)
    return prepare


# ---- driver ------------------------------------------------------------------------------------

def run_case(case: Case, device: torch.device, quick: bool) -> None:
    peak = matmul_peak(device, quick)
    spec = MLPSpec(input_dim=INPUT_DIM, output_dim=1, width=case.width, depth=DEPTH)
    init = MLPEnsemble.from_seeds(spec, [1000 + i for i in range(case.members)], device=device)
    data = make_data(case, device)
    flop_per_step = 3 * spec.flops_per_example() * case.samples * case.members
    print(f"\n== {case.name}: M={case.members} members, {INPUT_DIM}→{case.width}×{DEPTH}→1, "
          f"B={case.samples}, {case.steps} steps, {flop_per_step / 1e9:.3g} GFLOP/step "
          f"(3 × forward matmuls); matmul peak now {peak / 1e9:.1f} GFLOP/s")
    if case.loop_models < case.members:
        print(f"   loop timed on {case.loop_models} of {case.members} models, scaled")
    start_loss = mean_losses(init, data)[: case.loop_models]
    loop_rate, loop_final = best_of_runs(case, device, loop_row(case, init, data))
    loop_rate *= case.loop_models / case.members  # steps/s of all M members
    rows = [("loop", loop_rate, loop_final)]
    for row in ("autograd", "fused", "train_ensemble"):
        rate, final = best_of_runs(case, device, ensemble_row(case, init, data, row))
        rows.append((row, rate, final[: case.loop_models]))
    print(f"   loss: start {start_loss.mean():.4f} → end {loop_final.mean():.4f} (mean over "
          f"compared members)")
    print(f"   {'row':16s}{'steps/s':>11s}{'vs loop':>10s}{'GFLOP/s':>10s}{'of peak':>9s}"
          f"   final loss vs loop: max |Δ|, median and max |Δ|/loss")
    for name, rate, final in rows:
        flops = rate * flop_per_step
        diff = (final - loop_final).abs()
        rel = diff / loop_final.abs()
        print(f"   {name:16s}{rate:11.2f}{rate / loop_rate:9.1f}×{flops / 1e9:10.1f}"
              f"{flops / peak:9.1%}{diff.max().item():14.1e}{rel.median().item():12.1e}"
              f"{rel.max().item():10.1e}")


def main() -> None:
    global CLOCK
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"],
                        help="auto: the CPU cases, then the GPU cases when CUDA is available")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--clock", default="wall", choices=["wall", "cpu"],
                        help="cpu: this process's CPU time, which leaves out time spent waiting "
                             "for a core on a busy machine (meaningful with --threads 1; GPU "
                             "cases always use the wall clock)")
    args = parser.parse_args()
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: CUDA is not available here")
    start = time.perf_counter()
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = [torch.device(args.device)] if args.device != "auto" else (
        [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else []))
    print(f"torch {torch.__version__}, {cpu_name()}, {torch.get_num_threads()} CPU threads, "
          f"{args.clock} clock, load average {os.getloadavg()[0]:.1f}")
    for device in devices:
        if device.type == "cuda":  # full float32 matmuls, so the peak is float32's too
            CLOCK = time.perf_counter  # the CPU clock does not see GPU time
            torch.set_float32_matmul_precision("highest")
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
            print(f"\n#### {torch.cuda.get_device_name(device)} (TF32 off)")
        else:
            print("\n#### CPU")
        for case in cases(device, args.quick):
            run_case(case, device, args.quick)
    print(f"\ntotal {time.perf_counter() - start:.0f} s, load average now "
          f"{os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
