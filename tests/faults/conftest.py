"""Fixtures of the fault-injection suite: a small study run by the real `riskscope` program
in child processes, and real small or read-only file systems (tmpfs mounts)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

RISKSCOPE = str(Path(sys.executable).with_name("riskscope"))

SPEC = """study = "train"
name = "faults"
seeds = 2
[task]
name = "teacher-student-regression"
input_dim = 3
teacher_width = 4
noise_std = 0.1
[model]
depth = 1
[training]
optimizer = "sgd"
lr = 0.05
steps = {steps}
batch_size = 0
log_points = 6
[data]
n_train = 32
eval_samples = 256
[options]
risk_samples = 300
save_parameters = true
[grid]
"model.width" = [4, 5, 6, 7, 8, 9]
"""
N_TRIALS = 12


@pytest.fixture
def spec_file(tmp_path):
    def make(steps: int = 300) -> str:
        path = tmp_path / f"faults-{steps}.toml"
        path.write_text(SPEC.format(steps=steps))
        return str(path)
    return make


def riskscope(*args: str, **kwargs) -> subprocess.Popen:
    """Start the real `riskscope` program (one torch thread via the default policy)."""
    return subprocess.Popen([RISKSCOPE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kwargs)


@pytest.fixture
def tmpfs(tmp_path):
    """mount(size) -> a fresh tmpfs of that size; skipped without mount rights. Unmounted
    at the end."""
    mounts: list[Path] = []

    def mount(size: str) -> Path:
        point = tmp_path / f"fs{len(mounts)}"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                               str(point)], capture_output=True)
        if done.returncode != 0:
            pytest.skip("cannot mount a tmpfs here (needs root)")
        mounts.append(point)
        return point

    yield mount
    for point in mounts:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)
