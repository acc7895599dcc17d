"""The default CPU thread policy for training: one torch thread unless told otherwise.

Why one: riskscope trains ensembles of small networks, whose per-step kernels (matmuls of a few
thousand entries per member) are far too small to split across cores. With torch's default
(one OpenMP thread per core) the threads of each tiny kernel spin-wait for each other, and on a
machine where another process is busy they wait for the core that process holds: the
decomposition smoke preset took 266 s with torch's default instead of 18 s with one thread on
a 2-core machine with one busy neighbour (benchmarks/RESULTS.md, "Default thread policy").
One thread loses little on an idle machine for these sizes and avoids the collapse on a shared
one. A user with large models on a
dedicated machine asks for more (`--threads N`, `run_study(..., threads=N)`); Ray workers get
as many threads as CPUs their job declares. CUDA runs are left alone (the GPU does the work).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

#: torch CPU threads when the user names none.
DEFAULT_CPU_THREADS = 1


def policy_threads(threads: int | None, device: str) -> int | None:
    """The thread count to use for training on `device`; None leaves torch's setting."""
    if threads is not None:
        return threads
    return None if str(device).startswith("cuda") else DEFAULT_CPU_THREADS


@contextmanager
def torch_threads(threads: int | None, device: str) -> Iterator[int | None]:
    """Set torch's intra-op threads by the policy for the block; restore them after."""
    import torch

    n = policy_threads(threads, device)
    if n is None:
        yield None
        return
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield n
    finally:
        torch.set_num_threads(old)
