"""Wall time of `riskscope probe` with every measurement on a ~100k-parameter model.

The model is an MLP 64-300-256-10 (99,126 parameters) trained briefly on the digits (8×8
images, flattened), saved as safetensors, then probed from the command line on 512 digits
with all seven measurements (the CLI's defaults: Hessian top-3, Hutch++ trace with 60
products, SLQ density 4 × 40, trace-mode NTK on 64 examples, PAC-Bayes certificate with 500
prior and 500 posterior steps and 2,000 weight samples, the complexity measures, weight
spectra). Prints the total wall time of the command and each measurement's own time.

Run: OMP_NUM_THREADS=1 .venv/bin/python benchmarks/probe_timing.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FACTORY = '''
from torch import nn

def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 300), nn.ReLU(), nn.Linear(300, 256),
                         nn.ReLU(), nn.Linear(256, 10))
'''


def main() -> None:
    import torch
    from safetensors.torch import save_file

    from riskscope.core.rng import torch_generator
    from riskscope.tasks import make_task

    torch.set_num_threads(1)
    work = Path(tempfile.mkdtemp(prefix="probe-bench-"))
    (work / "bench_model.py").write_text(FACTORY)
    namespace: dict = {}
    exec(FACTORY, namespace)
    torch.manual_seed(0)
    model = namespace["mlp"]()
    data = make_task("digits", {}).sample(1000, torch_generator(1))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for step in range(300):
        idx = torch.randint(0, 1000, (64,), generator=torch.Generator().manual_seed(step))
        loss = torch.nn.functional.cross_entropy(model(data.x[idx]), data.y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    save_file(dict(model.state_dict()), str(work / "w.safetensors"))
    n_params = sum(p.numel() for p in model.parameters())
    cmd = [str(Path(sys.executable).with_name("riskscope")), "probe",
           f"{work / 'bench_model.py'}:mlp", "--weights", str(work / "w.safetensors"),
           "--data", "digits", "--samples", "512", "--measure", "all", "--json",
           "--threads", "1", "--figures", str(work / "figures")]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(done.stderr)
    payload = json.loads(done.stdout)
    load = os.getloadavg()[0]
    print(f"parameters: {n_params}; total wall {wall:.1f} s (load average {load:.1f})")
    for name, seconds in payload["timings_s"].items():
        print(f"  {name:12s} {seconds:7.2f} s")
    print("sharpness", payload["results"]["hessian"]["lambda_1"], "bound",
          payload["results"]["certificate"]["risk_bound_0_1"])


if __name__ == "__main__":
    main()
