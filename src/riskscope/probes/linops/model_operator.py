"""Shared machinery of operators defined by a model, its data and a loss (Hessian, GGN).

The operator acts on flat vectors over the model's **trainable** parameters, concatenated in
`model.parameters()` order (frozen parameters are left out; see checks.py). The loss of the
whole data set is the example-weighted sum of the chunk losses, L = Σ_c (n_c/N) L_c (data.py),
so every product is an exact sum over chunks, never a mean of chunk means.
"""

from __future__ import annotations

import torch
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.models.modes import buffers_preserved
from riskscope.probes.linops import checks
from riskscope.probes.linops.data import Chunk, LossFn, data_chunks, resolve_loss
from riskscope.probes.operator import LinearOperator


class ModelOperator(LinearOperator):
    """Base of model curvature operators. Subclasses implement `_chunk_product`."""

    def __init__(self, model: nn.Module, data, loss: str | LossFn = "auto",
                 chunk_size: int | None = None, check_deterministic: bool = True):
        self.model = model
        self.params = checks.trainable_parameters(model)
        checks.warn_if_training_mode(model)
        self.device = self.params[0].device
        self.dtype = self.params[0].dtype
        self.chunks: list[Chunk] = data_chunks(data, self.device, self.dtype, chunk_size)
        self.loss_fn, self.loss_name = resolve_loss(loss, self.chunks[0].y)
        self.num_examples = sum(c.size for c in self.chunks)
        self.weights = [c.size / self.num_examples for c in self.chunks]
        self.param_shapes = [p.shape for p in self.params]
        self.param_sizes = [p.numel() for p in self.params]
        n = sum(self.param_sizes)
        self.shape = (n, n)
        self.num_products = 0
        self._check_data_fits()
        if check_deterministic:  # on at most 256 examples: a random layer shows on any subset
            first = self.chunks[0]
            probe = Chunk(first.x[:256], first.y[:256])
            checks.check_deterministic(lambda: self._chunk_loss(probe))

    def _check_data_fits(self) -> None:
        """One forward pass on two examples: data whose shape or dtype the model or the loss
        cannot take, or that gives a non-finite loss, is a SpecError, not a raw torch error
        or a NaN curvature later."""
        first = self.chunks[0]
        x, y = first.x, first.y
        given = (f"x of shape {tuple(x.shape)} ({x.dtype}), y of shape {tuple(y.shape)} "
                 f"({y.dtype})")
        try:
            with torch.no_grad():
                value = self._chunk_loss(Chunk(x[:2], y[:2]))
        except SpecError:
            raise
        except (RuntimeError, TypeError, ValueError, IndexError) as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise SpecError("data", given, f"inputs the model takes and targets the "
                            f"{self.loss_name} loss takes", reason) from None
        if not torch.isfinite(torch.as_tensor(value)).all():
            raise SpecError("data", given, "data on which the loss is finite",
                            f"the loss on the first examples is {float(value)!r}")

    # ---- helpers ------------------------------------------------------------------------

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The model's output, its buffers left as they were (a train-mode batch norm would
        otherwise update its running statistics at every product: probes never change what
        they measure)."""
        with buffers_preserved(self.model):
            return self.model(x)

    def _chunk_loss(self, chunk: Chunk) -> torch.Tensor:
        return self.loss_fn(self.forward(chunk.x), chunk.y)

    def split(self, v: torch.Tensor) -> list[torch.Tensor]:
        """A flat vector as tensors shaped like the trainable parameters."""
        return [t.reshape(s) for t, s in zip(torch.split(v, self.param_sizes), self.param_shapes)]

    def flatten(self, tensors) -> torch.Tensor:
        """Per-parameter tensors (None = zero) as one flat vector."""
        return torch.cat([
            torch.zeros(n, dtype=self.dtype, device=self.device) if t is None else t.reshape(-1)
            for t, n in zip(tensors, self.param_sizes)])

    def parameter_vector(self) -> torch.Tensor:
        """The current trainable parameters as one flat vector (detached)."""
        return self.flatten([p.detach() for p in self.params])

    # ---- first-order quantities ------------------------------------------------------------

    def loss(self) -> float:
        """L = Σ_c (n_c/N) L_c over all chunks."""
        with torch.no_grad():
            return float(sum(w * self._chunk_loss(c) for c, w in zip(self.chunks, self.weights)))

    def gradient(self) -> torch.Tensor:
        """∇L as a flat vector."""
        total = torch.zeros(self.shape[0], dtype=self.dtype, device=self.device)
        for c, w in zip(self.chunks, self.weights):
            grads = torch.autograd.grad(self._chunk_loss(c), self.params, allow_unused=True)
            total.add_(self.flatten(grads), alpha=w)
        return total

    # ---- products ---------------------------------------------------------------------------

    def _chunk_product(self, index: int, vs: list[torch.Tensor]) -> list[torch.Tensor | None]:
        raise NotImplementedError

    def _matvec(self, v: torch.Tensor) -> torch.Tensor:
        vs = self.split(v)
        total = None
        for index, w in enumerate(self.weights):
            flat = self.flatten(self._chunk_product(index, vs))
            if total is None:
                total = flat if w == 1.0 else flat.mul_(w)
            else:
                total.add_(flat, alpha=w)
        return total
