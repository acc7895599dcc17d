"""Memory available for a new allocation, and a check that names the field that would not fit.

Used before building anything whose size a spec sets (a task's teacher network, an ensemble):
on Linux an oversized `torch.randn` is not refused but gets the process OOM-killed while it
fills the pages, so the size has to be judged before.
"""

from __future__ import annotations

import os

from riskscope.core.errors import SpecError

#: share of the available memory one object (a teacher, an ensemble) may take
MEMORY_SHARE = 0.5


def available_bytes(device: str = "cpu") -> int:
    """Memory available on `device` (MemAvailable on Linux for the CPU; the GPU's total)."""
    if str(device).startswith("cuda"):
        import torch

        if torch.cuda.is_available():
            return int(torch.cuda.get_device_properties(0).total_memory)
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def gib(n: float) -> str:
    return f"{n / 2**30:.3g} GiB"


def check_fits(field: str, value: object, nbytes: float, what: str,
               device: str = "cpu") -> None:
    """SpecError naming `field` when `nbytes` exceed MEMORY_SHARE of the available memory."""
    limit = MEMORY_SHARE * available_bytes(device)
    if nbytes > limit:
        raise SpecError(field, value, f"a size that fits in memory: {what} would need about "
                        f"{gib(nbytes)}, and this machine has {gib(limit)} for it (half the "
                        f"available memory on {device})")
