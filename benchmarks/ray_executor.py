"""Ray executor vs the local executor on this machine: wall time of a grid of group jobs, and
the per-job overhead Ray adds.

    .venv/bin/python benchmarks/ray_executor.py [--groups 8] [--steps 4000] [--workers 2]

Both executors run the same `train` study grid (one ensemble per model width, so `--groups`
group jobs of 2 seeds each) into fresh temporary stores, side by side in this process, with one
torch thread per job (the default thread policy; each Ray task declares one CPU). Ray runs a
local instance with `--workers` CPUs; its start-up is timed apart and not in the ratio (a
cluster is started once for many runs). The overhead is measured with the same number of
1-step jobs: (Ray wall − local wall) / jobs. Results are checked identical between executors.

On a shared machine the speed-up is bounded by the cores other users leave free, so the script
first probes that: two pure-Python spin tasks run at once as Ray tasks, and each reports the
CPU time it got per second of wall time (1.0 each = two free cores; 0.5 each = one).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

from riskscope.store import Store
from riskscope.studies import LocalExecutor, load_spec, run_study
from riskscope.studies.ray_executor import RayExecutor


def spec_for(groups: int, steps: int):
    widths = [16 + 8 * k for k in range(groups)]
    return load_spec({"study": "train", "seeds": 2, "grid": {"model.width": widths}}, "smoke",
                     [f"training.steps={steps}", "options.risk_samples=2000"])


def timed(spec, executor) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as directory, Store(directory) as store:
        start = time.perf_counter()
        summary = run_study(spec, store, device="cpu", executor=executor)
        wall = time.perf_counter() - start
        assert summary.failed == 0 and summary.finished == len(store.trials(summary.run_id))
        trials = store.trials(summary.run_id)
        results = {th: json.dumps({k: v for k, v in store.load_record(th, False).result.items()
                                   if not k.endswith("wall_s")}, sort_keys=True)
                   for th in trials["trial_hash"]}
    return wall, results


def _spin(n: int) -> float:
    cpu, wall = time.process_time(), time.perf_counter()
    x = 0
    for i in range(n):
        x += i
    return (time.process_time() - cpu) / (time.perf_counter() - wall)


def free_core_probe(workers: int) -> list[float]:
    """CPU seconds per wall second each of `workers` concurrent spin tasks got."""
    import ray

    task = ray.remote(num_cpus=1)(_spin)
    ray.get([task.remote(10) for _ in range(workers)])
    return [round(x, 2) for x in ray.get([task.remote(10_000_000) for _ in range(workers)])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=8)
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    spec = spec_for(args.groups, args.steps)
    tiny = spec_for(args.groups, 1)
    start = time.perf_counter()
    ray_executor = RayExecutor(num_cpus=args.workers)
    ray_start = time.perf_counter() - start
    timed(tiny, ray_executor)  # warm the workers (imports of torch and riskscope)
    print(f"free-core probe (CPU s per wall s of each concurrent Ray task): "
          f"{free_core_probe(args.workers)}")
    local_wall, local_results = timed(spec, LocalExecutor())
    ray_wall, ray_results = timed(spec, ray_executor)
    local_tiny, _ = timed(tiny, LocalExecutor())
    ray_tiny, _ = timed(tiny, ray_executor)
    ray_executor.close()
    same = local_results == ray_results
    print(f"{args.groups} group jobs x 2 seeds, {args.steps} steps each; Ray with "
          f"{args.workers} workers (start-up {ray_start:.1f} s, not counted)")
    print("| executor | wall s | speed-up |")
    print("|---|---|---|")
    print(f"| local (1 process, 1 thread) | {local_wall:.1f} | 1.00x |")
    print(f"| ray ({args.workers} workers, 1 CPU each) | {ray_wall:.1f} | "
          f"{local_wall / ray_wall:.2f}x |")
    print(f"per-job overhead of Ray: ({ray_tiny:.2f} s - {local_tiny:.2f} s) / {args.groups} "
          f"= {(ray_tiny - local_tiny) / args.groups * 1000:.0f} ms per job (1-step jobs)")
    print(f"results identical between executors: {same}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
