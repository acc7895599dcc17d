"""The data and loss that a curvature operator is built on.

Data: an (x, y) pair of tensors, a `riskscope.tasks.Dataset`, or an iterable of (x, y)
batches such as a `torch.utils.data.DataLoader` (read once, in its order, when the operator is
built; random augmentation is therefore drawn once). Large data is split into chunks of at most
`chunk_size` examples; the loss of the whole data set is the example-weighted sum of the
chunks' mean losses, L = Σ_c (n_c / N) L_c, which equals the one-shot mean exactly.

Loss: the loss must be a **mean over examples** (so chunks can be weighted by their size):
- "squared_error": (1/N) Σ_i ‖f(x_i) − y_i‖², summed over outputs, no ½ (riskscope's
  regression loss; Cohen et al. 2021 use ½ of it, whose Hessian is half as large);
- "cross_entropy": (1/N) Σ_i −log softmax(f(x_i))_{y_i};
- "auto": squared error for floating-point targets, cross-entropy for integer targets;
- a callable loss(output, y) → scalar that averages over the batch (e.g. nn.MSELoss(),
  which also averages over outputs, or nn.CrossEntropyLoss()).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from riskscope.core.errors import SpecError
from riskscope.tasks.base import Dataset, pointwise_loss

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
LOSS_NAMES = ("auto", "squared_error", "cross_entropy")


@dataclass(frozen=True)
class Chunk:
    x: torch.Tensor
    y: torch.Tensor

    @property
    def size(self) -> int:
        return int(self.x.shape[0])


def _squared_error(output: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if y.dim() == output.dim() - 1 and output.shape[-1] == 1:
        y = y.unsqueeze(-1)  # targets [N] for a single output [N, 1]: never broadcast to N × N
    if y.shape != output.shape:
        raise SpecError("y.shape", tuple(y.shape),
                        f"the model output's shape {tuple(output.shape)} for the squared error")
    return pointwise_loss("squared_error", output, y).mean()


def _cross_entropy(output: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    if y.dtype not in (torch.int64, torch.int32):
        raise SpecError("y.dtype", y.dtype, "integer class indices for the cross-entropy")
    return pointwise_loss("cross_entropy", output, y.long()).mean()


def resolve_loss(loss: str | LossFn, y: torch.Tensor) -> tuple[LossFn, str]:
    """(loss function, its name) for a loss name or callable; see the module docstring."""
    if callable(loss):
        return loss, getattr(loss, "__name__", type(loss).__name__)
    if loss not in LOSS_NAMES:
        raise SpecError("loss", loss, "one of " + ", ".join(LOSS_NAMES) + " or a callable "
                        "loss(output, y) that averages over the batch")
    if loss == "auto":
        loss = "squared_error" if y.is_floating_point() else "cross_entropy"
    return (_squared_error if loss == "squared_error" else _cross_entropy), loss


def _pairs(data) -> list[tuple[torch.Tensor, torch.Tensor]]:
    if isinstance(data, Dataset):
        return [(data.x, data.y)]
    if isinstance(data, tuple | list) and len(data) == 2 and all(
            isinstance(t, torch.Tensor) for t in data):
        return [(data[0], data[1])]
    if isinstance(data, torch.Tensor):
        raise SpecError("data", "a tensor", "an (x, y) pair, a Dataset or a DataLoader")
    try:
        batches = list(data)
    except TypeError:
        raise SpecError("data", type(data).__name__,
                        "an (x, y) pair, a riskscope Dataset or a DataLoader of (x, y)") from None
    pairs = []
    for k, batch in enumerate(batches):
        if not (isinstance(batch, tuple | list) and len(batch) >= 2):
            raise SpecError(f"data[{k}]", type(batch).__name__, "an (x, y) batch")
        pairs.append((batch[0], batch[1]))
    if not pairs:
        raise SpecError("data", "an empty iterable", "at least one (x, y) batch")
    return pairs


def data_chunks(data, device: torch.device, dtype: torch.dtype,
                chunk_size: int | None = None) -> list[Chunk]:
    """The data as chunks of at most `chunk_size` examples on `device`; floating-point inputs
    (and floating-point targets) are cast to the model's dtype."""
    if chunk_size is not None and (isinstance(chunk_size, bool) or not isinstance(
            chunk_size, int) or chunk_size < 1):
        raise SpecError("chunk_size", chunk_size, "a positive integer or None (one chunk)")
    chunks = []
    for x, y in _pairs(data):
        if x.shape[0] != y.shape[0]:
            raise SpecError("data", f"x with {x.shape[0]} rows, y with {y.shape[0]}",
                            "as many targets as inputs")
        x = x.to(device=device, dtype=dtype if x.is_floating_point() else x.dtype)
        y = y.to(device=device, dtype=dtype if y.is_floating_point() else y.dtype)
        step = chunk_size or max(int(x.shape[0]), 1)
        for start in range(0, int(x.shape[0]), step):
            chunks.append(Chunk(x[start:start + step], y[start:start + step]))
    if sum(c.size for c in chunks) == 0:
        raise SpecError("data", "0 examples", "at least one example")
    return chunks
