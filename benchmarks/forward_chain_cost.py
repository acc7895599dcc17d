"""Cost of the chain check the norm bounds and measures now run (`forward_chain`: one traced
forward pass of one example) against a plain forward pass of that example.

    PYTHONPATH=src .venv/bin/python benchmarks/forward_chain_cost.py [--repeat 50]

One torch thread; the median of `--repeat` calls; the load average is printed beside.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import torch

from riskscope.models.families import build_member, model_spec
from riskscope.probes.complexity.forward_chain import forward_chain
from riskscope.tasks.registry import make_task


def median_ms(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    torch.set_num_threads(1)
    task = make_task("digits")
    x = task.sample(4, torch.Generator().manual_seed(0)).x
    print(f"load average {os.getloadavg()[0]:.2f}")
    for section in ({"family": "mlp", "width": 64, "depth": 2}, {"family": "cnn"}):
        model = build_member(model_spec(section, task), 0)

        def plain(model=model):
            with torch.no_grad():
                model(x[:1])

        chain = median_ms(lambda model=model: forward_chain(model, x), args.repeat)
        print(f"{section['family']:>4}: forward_chain {chain:.3f} ms, plain forward "
              f"{median_ms(plain, args.repeat):.3f} ms")


if __name__ == "__main__":
    main()
