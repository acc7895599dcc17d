"""What a report costs against the run it reports (issue 18): page-only figures vs every format.

For each `--run STORE:RUN` (a results directory and a run id or name), side by side in this
process, alternating, `--repeats` times:
  page    build_report(..., formats=("png",))        the default: each figure rendered once
  all     build_report(..., formats=("png", "svg", "pdf"))   what every report did before
and, with `--old-src DIR` (the `src` folder of an older riskscope, e.g. extracted with
`git archive <commit> src | tar -x -C /tmp/old`), the whole process of the old command
`riskscope report RUN --out STORE --to TMP` run from that source and of this checkout's
(same interpreter and packages, whole processes: imports included). Printed: median wall and
CPU (user + system of this process or the child) and the ratio to the run's own wall time
(`wall_s` in the run info). CPU time is the steadier figure on a shared machine; the load
average is printed beside each figure.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/report_cost.py \\
        --run /tmp/decl-smoke-main:decomposition-smoke --run /tmp/decl-full:decomposition-full \\
        --old-src /tmp/old/src --repeats 3
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from riskscope.report.build import build_report
from riskscope.store import Store


def _load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def _in_process(store: Store, run: str, formats: tuple[str, ...], tmp: Path) -> tuple[float,
                                                                                       float]:
    out = tmp / "report"
    shutil.rmtree(out, ignore_errors=True)
    t0, c0 = time.perf_counter(), time.process_time()
    build_report(store, run, out, formats=formats)
    return time.perf_counter() - t0, time.process_time() - c0


CLI = "from riskscope.cli.main import main; main()"


def _child(args: list[str], src: str | None) -> tuple[float, float]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    if src:
        env["PYTHONPATH"] = src  # ahead of the editable install's path
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", CLI, *args], check=True, capture_output=True,
                   env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _row(label: str, samples: list[tuple[float, float]], run_wall: float, loads: list[str]):
    wall = statistics.median(s[0] for s in samples)
    cpu = statistics.median(s[1] for s in samples)
    print(f"  {label:28s} wall {wall:7.1f} s  CPU {cpu:6.1f} s  = {wall / run_wall:6.1%} of "
          f"the run's wall  ({', '.join(loads)})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", action="append", required=True, metavar="STORE:RUN")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--old-src", default=None)
    parser.add_argument("--skip-all-formats", action="store_true",
                        help="leave out the in-process all-formats build")
    args = parser.parse_args()
    for ref in args.run:
        directory, run = ref.split(":", 1)
        with Store(directory, create=False) as store, \
                tempfile.TemporaryDirectory() as tmp:
            info = store.run(store.resolve_run(run))["info"]
            run_wall = float(info.get("wall_s") or "nan")
            print(f"{ref}: the run took {run_wall:.1f} s wall", flush=True)
            kinds = {"in-process, page (png)": ("png",)}
            if not args.skip_all_formats:
                kinds["in-process, all formats"] = ("png", "svg", "pdf")
            samples = {k: [] for k in kinds}
            loads = {k: [] for k in kinds}
            cli = {}
            if args.old_src:
                cli = {"process, old code": str(Path(args.old_src).absolute()),
                       "process, new code": None}
            for k in cli:
                samples[k], loads[k] = [], []
            for _ in range(args.repeats):
                for label, formats in kinds.items():
                    loads[label].append(_load())
                    samples[label].append(_in_process(store, run, formats, Path(tmp)))
                for label, src in cli.items():
                    loads[label].append(_load())
                    target = Path(tmp) / "cli-report"
                    shutil.rmtree(target, ignore_errors=True)
                    samples[label].append(_child(["report", run, "--out", directory,
                                                  "--to", str(target)], src))
            for label in samples:
                _row(label, samples[label], run_wall, loads[label])


if __name__ == "__main__":
    main()
