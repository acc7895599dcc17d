"""CNN ensembles vs a per-model loop on identical work (the MNIST-1D CNN of Greydanus 2020).

Every row trains the same M members (same initial weights) for the same steps of SGD with
momentum 0.9 on cross-entropy, on the same mini-batches of 100 MNIST-1D examples. Rows:

  loop            M separate nn.Sequential CNNs (nn.Conv1d ×3 of 25 channels, kernel 5,
                  stride 2, padding 1, ReLU, flatten, nn.Linear), each with torch.optim.SGD
                  (zero_grad / backward / step), one after the other
  vmap            the M nn.Sequential members as a FunctionalEnsemble (torch.func.vmap over
                  functional_call) + BatchedOptimizer: the naive batched program
  grouped         riskscope's StackedEnsemble (one conv with groups=M per layer, one bmm
                  readout) + autograd + BatchedOptimizer
  train_ensemble  riskscope.training.train_ensemble on the StackedEnsemble, end to end, with
                  its own metrics off (measure=False: the loop measures nothing either)

Ratios are loop time / row time (> 1: faster than the loop), measured side by side in one
process, best of `--repeats` runs. Matched accuracy: each row's final mean training loss is
compared with the loop's (max |difference| over members). `--clock cpu` counts only this
process's CPU time (a shared machine's load then matters less).

    python benchmarks/cnn_ensemble.py [--members 8 32] [--steps 30] [--device cpu|cuda]
                                      [--threads 1] [--clock wall|cpu]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import torch
from torch import nn

from riskscope.core.rng import torch_generator
from riskscope.models import FunctionalEnsemble, StackedEnsemble, build_member, model_spec
from riskscope.tasks.base import pointwise_loss
from riskscope.tasks.registry import make_task
from riskscope.training.config import TrainingConfig
from riskscope.training.data_source import FixedBatches
from riskscope.training.optimizers import BatchedOptimizer, OptimizerConfig
from riskscope.training.trainer import LossSpec, train_ensemble

LR, MOMENTUM, BATCH = 0.05, 0.9, 100
SECTION = {"family": "cnn", "channels": [25, 25, 25], "kernel_size": 5, "stride": 2,
           "padding": 1}
CLOCK = time.perf_counter


def sequential(member) -> nn.Sequential:
    """The same network as plain torch layers (weights copied from a riskscope member)."""
    convs = [nn.Conv1d(c.weight.shape[1], c.weight.shape[0], 5, stride=2, padding=1)
             for c in member.convs]
    head = nn.Linear(member.readout.weight.shape[1], member.readout.weight.shape[0])
    net = nn.Sequential(nn.Unflatten(1, (1, 40)), convs[0], nn.ReLU(), convs[1], nn.ReLU(),
                        convs[2], nn.ReLU(), nn.Flatten(), head)
    with torch.no_grad():
        for conv, src in zip(convs, member.convs):
            conv.weight.copy_(src.weight)
            conv.bias.copy_(src.bias)
        head.weight.copy_(member.readout.weight)
        head.bias.copy_(member.readout.bias)
    return net


def batches(n: int, steps: int, seed: int = 0) -> list[torch.Tensor]:
    gen = torch_generator(seed)
    return [torch.randperm(n, generator=gen)[:BATCH] for _ in range(steps)]


def run_loop(nets, data, order, device):
    losses = []
    for net in nets:
        net = net.to(device)
        opt = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
        for idx in order:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(net(data.x[idx]), data.y[idx])
            loss.backward()
            opt.step()
        with torch.no_grad():
            losses.append(float(nn.functional.cross_entropy(net(data.x), data.y)))
    return losses


def run_batched(ens, data, order, device):
    params = ens.stacked_parameters()
    m = ens.num_members
    opt = BatchedOptimizer(params, OptimizerConfig(name="sgd", momentum=MOMENTUM),
                           torch.full((m,), LR, device=device), torch.zeros(m, device=device))
    for idx in order:
        out = ens(data.x[idx])
        loss_m = pointwise_loss("cross_entropy", out, data.y[idx]).mean(-1)
        grads = torch.autograd.grad(loss_m.sum(), params)
        opt.step(grads)
    with torch.no_grad():
        return pointwise_loss("cross_entropy", ens(data.x), data.y).mean(-1).tolist()


def run_trainer(ens, data, steps, device):
    m = ens.num_members
    config = TrainingConfig(optimizer="sgd", lr=LR, momentum=MOMENTUM, steps=steps,
                            batch_size=BATCH, log_points=2)
    traj = train_ensemble(ens, LossSpec("cross_entropy", "zero_one"),
                          FixedBatches(data, m, BATCH, list(range(m))), config,
                          torch.full((m,), LR, device=device), torch.zeros(m, device=device),
                          measure=False)
    return traj.steps_run


def timed(fn, repeats):
    best, result = float("inf"), None
    for _ in range(repeats):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        start = CLOCK()
        result = fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        best = min(best, CLOCK() - start)
    return best, result


def measure_row(m: int, spec, data, args, device) -> str:
    """One table row: the four ways of training the same M members, timed side by side."""
    order = [i.to(device) for i in batches(len(data), args.steps)]
    members = [build_member(spec, s) for s in range(m)]
    t_loop, ref = timed(lambda: run_loop([sequential(x) for x in members], data, order,
                                         device), args.repeats)
    t_vmap, out_v = timed(lambda: run_batched(
        FunctionalEnsemble([sequential(x) for x in members]).to(device), data, order,
        device), args.repeats)
    t_grp, out_g = timed(lambda: run_batched(
        StackedEnsemble.from_members(members).to(device), data, order, device), args.repeats)
    t_tr, _ = timed(lambda: run_trainer(StackedEnsemble.from_members(members).to(device),
                                        data, args.steps, device), args.repeats)
    diff = max(max(abs(a - b) for a, b in zip(ref, out)) for out in (out_v, out_g))
    return (f"| {m} | {args.steps} | {t_loop:.2f} | {t_vmap:.2f} ({t_loop / t_vmap:.2f}×) | "
            f"{t_grp:.2f} ({t_loop / t_grp:.2f}×) | {t_tr:.2f} ({t_loop / t_tr:.2f}×) | "
            f"{diff:.1e} |")


def main() -> None:
    global CLOCK
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.clock == "cpu":
        CLOCK = time.process_time
    device = torch.device(args.device)
    task = make_task("mnist1d", {})
    data = task.sample(1000, torch_generator(0)).to(device)
    spec = model_spec(SECTION, task)
    print(f"# {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"threads {args.threads}, device {device}, clock {args.clock}, "
          f"load {os.getloadavg()[0]:.1f}")
    print("| M | steps | loop s | vmap s (×) | grouped s (×) | train_ensemble s (×) | "
          "max |Δ loss| vs loop |")
    print("|---|---|---|---|---|---|---|")
    for m in args.members:
        print(measure_row(m, spec, data, args, device), flush=True)
    print(f"# load after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
