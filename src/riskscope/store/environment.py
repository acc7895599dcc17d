"""`environment_record`: where a trial ran, stored with it so results can be traced and compared.

Recorded: the host name and process id, Python and platform, torch/numpy/riskscope versions,
the device and its name, the CPU count, and the git revision of the current directory's
repository (with a `dirty` flag for uncommitted changes to tracked files). Nothing here
raises: what cannot be found is None.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from functools import cache
from importlib import metadata

import numpy as np

_GIT_TIMEOUT_S = 2.0


def _git(*args: str) -> str | None:
    """Output of `git <args>` in the current directory, or None (no git, no repo, timeout)."""
    try:
        done = subprocess.run(
            ["git", *args],
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            check=False,
            cwd=os.getcwd(),
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_state() -> tuple[str | None, bool | None]:
    """(HEAD revision, dirty) of the repository containing the working directory."""
    revision = _git("rev-parse", "HEAD")
    if not revision:
        return None, None
    status = _git("status", "--porcelain", "--untracked-files=no")
    return revision, None if status is None else bool(status)


@cache
def _cpu_name() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _riskscope_version() -> str | None:
    try:
        return metadata.version("riskscope")
    except metadata.PackageNotFoundError:
        return None


def device_name(device: str) -> str | None:
    """The CUDA device's name for a cuda device, the CPU model otherwise; None if unknown."""
    if str(device).startswith("cuda"):
        import torch

        try:
            index = torch.device(device).index
            return torch.cuda.get_device_name(index if index is not None else 0)
        except (RuntimeError, AssertionError, ValueError):
            return None
    return _cpu_name()


def environment_record(device: str) -> dict:
    """A JSON-able description of this process's software and hardware, for `device`."""
    import torch

    revision, dirty = git_state()
    return {
        "host": platform.node() or None,
        "pid": os.getpid(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "numpy": np.__version__,
        "riskscope": _riskscope_version(),
        "device": str(device),
        "device_name": device_name(str(device)),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "git_revision": revision,
        "dirty": dirty,
    }
