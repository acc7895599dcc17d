"""Device choice: 'auto' takes CUDA when present, otherwise the CPU."""

from __future__ import annotations

import torch

from riskscope.core.errors import SpecError


def resolve_device(name: str | torch.device = "auto") -> torch.device:
    if isinstance(name, torch.device):
        return name
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise SpecError("device", name, "cpu or auto (no CUDA device is available here)")
        return torch.device(name)
    raise SpecError("device", name, "auto, cpu or cuda[:index]")
