"""The ensemble: M members of one MLP shape stored stacked and run as one batched program.

Sweeps over seeds, learning rates and weight decays are the daily work of this field, and a
Python loop over hundreds of small models leaves the machine idle. Here layer l of all members
is one tensor W_l [M, fan_out, fan_in] (bias [M, 1, fan_out]) and a forward pass is one
`baddbmm` per layer, so the whole ensemble is a handful of large kernels; autograd gives each
member its own gradient because members share nothing.

Member i is bit-for-bit the MLP built from `torch_generator(seeds[i])`; `member(i)` returns it
as a plain `nn.Module` and `from_members` stacks plain MLPs back.

Training loops use `train_forward`/`train_backward`: the same function and gradients, computed
outside autograd with hand-written layer gradients (weight gradients as gᵀh and input gradients
as g W, the products the CPU BLAS batches fastest) into buffers reused from step to step. Reuse
matters on the CPU, where a large fresh tensor is mapped from the OS page by page at every
allocation (glibc serves blocks of 32 MiB and more with mmap), which costs as much as the
arithmetic; there the members also go in chunks small enough that a layer's activations stay in
cache.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.core.rng import torch_generator
from riskscope.models.activations import activation_fn
from riskscope.models.mlp import MLP, sample_mlp_parameters
from riskscope.models.mlp_spec import MLPSpec

# The fused training path (train_forward/train_backward): activations applied in place (their
# derivative follows from the output), and the CPU chunk size in bytes of one layer's activations.
_INPLACE = {"relu": torch.relu_, "tanh": torch.tanh_, "sigmoid": torch.sigmoid_,
            "linear": lambda z: z}
_CPU_CHUNK_BYTES = 4 << 20
_Tape = tuple  # (x, layers, member chunks, [(h, z or None) per hidden layer])


def _rows(a: int, b: int, total: int):
    """t ↦ t[a:b] (members a..b-1), or t itself when that is all of them."""
    return (lambda t: t) if a == 0 and b == total else (lambda t: t[a:b])


class MLPEnsemble(nn.Module):
    """M MLPs of one `MLPSpec`, parameters stacked along a leading member dimension."""

    def __init__(self, spec: MLPSpec, num_members: int, device: torch.device | str = "cpu",
                 dtype: torch.dtype = torch.float32):
        super().__init__()
        if num_members < 1:
            raise SpecError("num_members", num_members, "an integer >= 1")
        self.spec = spec
        self.num_members = num_members
        self.act = activation_fn(spec.activation)
        self.multipliers = [spec.scaling(k)[1] for k in range(len(spec.layer_sizes))]
        self.weights = nn.ParameterList(
            nn.Parameter(torch.zeros(num_members, o, i, device=device, dtype=dtype))
            for i, o in spec.layer_sizes
        )
        self.biases = nn.ParameterList(
            nn.Parameter(torch.zeros(num_members, 1, o, device=device, dtype=dtype))
            for _, o in spec.layer_sizes
        ) if spec.bias else None
        self._buffers_reused: dict[str, torch.Tensor] = {}
        self._tape: _Tape | None = None

    @classmethod
    def from_seeds(cls, spec: MLPSpec, seeds: Sequence[int], device: torch.device | str = "cpu",
                   dtype: torch.dtype = torch.float32) -> MLPEnsemble:
        """Member i initialized from `torch_generator(seeds[i])` (drawn on the CPU, then moved)."""
        ens = cls(spec, len(seeds), device=device, dtype=dtype)
        for i, seed in enumerate(seeds):
            ens.load_member_raw(i, sample_mlp_parameters(spec, torch_generator(seed), dtype))
        return ens

    @classmethod
    def from_members(cls, members: Sequence[MLP]) -> MLPEnsemble:
        """Stack plain MLPs of one spec into an ensemble (on the first member's device)."""
        spec = members[0].spec
        for k, m in enumerate(members):
            if m.spec != spec:
                raise SpecError(f"members[{k}].spec", m.spec, f"the spec of members[0]: {spec}")
        p0 = members[0].raw_parameters()[0]
        ens = cls(spec, len(members), device=p0.device, dtype=p0.dtype)
        for i, m in enumerate(members):
            ens.load_member_raw(i, [p.detach() for p in m.raw_parameters()])
        return ens

    def stacked_parameters(self) -> list[nn.Parameter]:
        """[W_0, b_0, W_1, b_1, ...] each with leading dimension M (the order of raw params)."""
        out = []
        for k, w in enumerate(self.weights):
            out.append(w)
            if self.biases is not None:
                out.append(self.biases[k])
        return out

    @torch.no_grad()
    def load_member_raw(self, i: int, tensors: Sequence[torch.Tensor]) -> None:
        for p, t in zip(self.stacked_parameters(), tensors, strict=True):
            p[i].copy_(t.reshape(p[i].shape))

    def member(self, i: int) -> MLP:
        """Member i as a plain `nn.Module` (a copy: training it leaves the ensemble unchanged)."""
        mlp = MLP(self.spec).to(device=self.weights[0].device, dtype=self.weights[0].dtype)
        mlp.load_raw_parameters([p[i].detach().reshape(q.shape)
                                 for p, q in zip(self.stacked_parameters(), mlp.raw_parameters())])
        return mlp

    def load_member(self, i: int, mlp: MLP) -> None:
        """Write a plain MLP's parameters into slot i."""
        if mlp.spec != self.spec:
            raise SpecError("mlp.spec", mlp.spec, f"the ensemble's spec {self.spec}")
        self.load_member_raw(i, [p.detach() for p in mlp.raw_parameters()])

    def _layer(self, k: int, h: torch.Tensor) -> torch.Tensor:
        w = self.weights[k].transpose(1, 2)
        if self.biases is None:
            return torch.bmm(h, w).mul_(self.multipliers[k]) if self.multipliers[k] != 1 else \
                torch.bmm(h, w)
        return torch.baddbmm(self.biases[k], h, w, alpha=self.multipliers[k])

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Last hidden activations [M, B, width] for inputs x [B, d] (shared) or [M, B, d]."""
        h = x.expand(self.num_members, *x.shape) if x.dim() == 2 else x
        for k in range(len(self.weights) - 1):
            h = self.act(self._layer(k, h))
        return h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Outputs [M, B, output_dim] for inputs x [B, d] (shared) or [M, B, d]."""
        return self._layer(len(self.weights) - 1, self.features(x))

    # ---- training fast path (no autograd) ----------------------------------------------------

    def _buffer(self, name: str, shape: tuple[int, ...], like: torch.Tensor) -> torch.Tensor:
        buf = self._buffers_reused.get(name)
        if (buf is None or buf.shape != shape or buf.dtype != like.dtype
                or buf.device != like.device):
            buf = torch.empty(shape, dtype=like.dtype, device=like.device)
            self._buffers_reused[name] = buf
        return buf

    def release_training_buffers(self) -> None:
        """Drop the buffers kept by `train_forward`/`train_backward` (the trainer calls this
        when it is done; the next `train_forward` allocates them again)."""
        self._buffers_reused.clear()
        self._tape = None

    @torch.no_grad()
    def train_forward(self, x: torch.Tensor) -> torch.Tensor:
        """`forward(x)` computed outside autograd, keeping what `train_backward` needs.

        Returns outputs [M, B, output_dim] (a reused buffer: valid until the next call).
        Inputs x [B, d] (shared) or [M, B, d].
        """
        M, B = self.num_members, x.shape[-2]
        weights = list(self.weights._parameters.values())  # iterating a ParameterList is slow
        biases = [None] * len(weights) if self.biases is None else list(
            self.biases._parameters.values())
        layers = list(zip(weights, biases, self.multipliers))
        last = len(layers) - 1
        inplace = _INPLACE.get(self.spec.activation)
        zs = [self._buffer(f"z{k}", (M, B, w.shape[1]), w) for k, (w, _, _) in enumerate(layers)]
        hs = zs[:last] if inplace is not None else [
            self._buffer(f"h{k}", z.shape, z) for k, z in enumerate(zs[:last])]
        # On the CPU, members go in chunks whose activations stay in cache; on a GPU, all at once.
        per_member = max(z.shape[1] * z.shape[2] for z in zs) * x.element_size()
        size = max(1, min(M, _CPU_CHUNK_BYTES // per_member)) if x.device.type == "cpu" else M
        chunks = [(a, min(a + size, M)) for a in range(0, M, size)]
        for a, b in chunks:
            rows = _rows(a, b, M)
            h = x.expand(b - a, *x.shape) if x.dim() == 2 else rows(x)
            for k, (w, bias, m) in enumerate(layers):
                z, wt = rows(zs[k]), rows(w).transpose(1, 2)
                if bias is None:
                    torch.baddbmm(z, h, wt, beta=0, alpha=m, out=z)
                else:
                    torch.baddbmm(rows(bias), h, wt, alpha=m, out=z)
                if k < last:
                    h = inplace(z) if inplace is not None else rows(hs[k]).copy_(self.act(z))
        saved = [(h, None if inplace is not None else z) for h, z in zip(hs, zs)]
        self._tape = (x, layers, chunks, saved)
        return zs[last]

    @torch.no_grad()
    def train_backward(self, grad_output: torch.Tensor) -> list[torch.Tensor]:
        """Gradients of Σ_i ⟨grad_output[i], output[i]⟩ at the last `train_forward`, in the
        order of `stacked_parameters()` (reused buffers: valid until the next call)."""
        if self._tape is None:
            raise RuntimeError("train_backward needs a preceding train_forward")
        x, layers, chunks, saved = self._tape
        M, B = self.num_members, x.shape[-2]
        gws = [self._buffer(f"gw{k}", w.shape, w) for k, (w, _, _) in enumerate(layers)]
        gbs = [None if b is None else self._buffer(f"gb{k}", (M, b.shape[2]), b)
               for k, (_, b, _) in enumerate(layers)]
        size = chunks[0][1]
        for a, b in chunks:
            rows = _rows(a, b, M)
            g = rows(grad_output)  # ∂/∂z of the current layer, [c, B, fan_out]
            for k in reversed(range(len(layers))):
                w, m = rows(layers[k][0]), layers[k][2]
                if gbs[k] is not None:
                    torch.sum(g, 1, out=rows(gbs[k]))
                gs = g if m == 1 else g * m
                if k > 0:
                    h = rows(saved[k - 1][0])
                else:
                    h = x.expand(b - a, *x.shape) if x.dim() == 2 else rows(x)
                torch.bmm(gs.transpose(1, 2), h, out=rows(gws[k]))
                if k == 0:
                    break
                gh = self._buffer(f"gh{k}", (size, B, w.shape[2]), w)
                gh = gh if b - a == size else gh[: b - a]
                z = saved[k - 1][1]
                g = self._activation_backward(torch.bmm(gs, w, out=gh), h,
                                              None if z is None else rows(z))
        grads = []
        for gw, gb in zip(gws, gbs):
            grads += [gw] if gb is None else [gw, gb.unsqueeze(1)]
        return grads

    def _activation_backward(self, gh: torch.Tensor, h: torch.Tensor,
                             z: torch.Tensor | None) -> torch.Tensor:
        name = self.spec.activation
        if name == "relu":
            return torch.ops.aten.threshold_backward.grad_input(gh, h, 0, grad_input=gh)
        if name == "tanh":
            return torch.ops.aten.tanh_backward.grad_input(gh, h, grad_input=gh)
        if name == "sigmoid":
            return torch.ops.aten.sigmoid_backward.grad_input(gh, h, grad_input=gh)
        if name == "linear":
            return gh
        with torch.enable_grad():  # activations whose derivative needs the pre-activation
            zl = z.detach().requires_grad_()
            return torch.autograd.grad(self.act(zl), zl, gh)[0]

