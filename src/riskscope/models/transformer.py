"""A one-layer transformer for two-operand tasks, as in Nanda et al. 2023.

Nanda, Chan, Lieberum, Smith & Steinhardt 2023, "Progress measures for grokking via
mechanistic interpretability": tokens (a, b, "="), learned token and position embeddings,
one attention layer (causal, several heads, no LayerNorm), a ReLU MLP, both added to the
residual stream, and an unembedding read at the last position ("="). Their setup: p = 113,
d_model 128, 4 heads of 32, d_mlp 512, no biases in attention, biases in the MLP.

Input convention (riskscope's modular tasks): x = [one_hot(a), one_hot(b)] float [B, 2p];
the operand embeddings are x.view(B, 2, p) @ W_E, which equals an embedding lookup. "=" has
its own learned vector. Output: logits [B, p] at the "=" position.

Stateless (parameters only, no buffers), so `FunctionalEnsemble` batches many members with
torch.func.vmap. Initialization: every matrix N(0, 1/fan_in), biases 0 (Nanda et al. use
N(0, 1/√d_model)-style scales; the exact constants do not matter for grokking, weight decay
does).
"""

from __future__ import annotations

import math
from typing import Literal

import torch
from pydantic import Field, model_validator
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.core.validation import Params


class TransformerSpec(Params):
    """Shape of the one-layer transformer; vocab = p (operand tokens) plus "="."""

    vocab: int = Field(gt=1, description="number of operand tokens p (= output classes)")
    d_model: int = Field(128, gt=0)
    num_heads: int = Field(4, gt=0)
    d_mlp: int = Field(512, gt=0)

    @model_validator(mode="after")
    def _heads_divide(self):
        if self.d_model % self.num_heads:
            raise SpecError("num_heads", self.num_heads,
                            f"a divisor of d_model = {self.d_model}")
        return self

    @property
    def d_head(self) -> int:
        return self.d_model // self.num_heads


def _normal(shape: tuple[int, ...], fan_in: int, generator: torch.Generator) -> nn.Parameter:
    return nn.Parameter(torch.randn(shape, generator=generator) / math.sqrt(fan_in))


class OneLayerTransformer(nn.Module):
    """x [B, 2p] one-hot operands → logits [B, p]; see the module docstring."""

    def __init__(self, spec: TransformerSpec, generator: torch.Generator):
        super().__init__()
        p, d, h, dh = spec.vocab, spec.d_model, spec.num_heads, spec.d_head
        self.spec = spec
        self.embed = _normal((p, d), 1, generator)          # W_E: row a is token a's vector
        self.equals = _normal((d,), 1, generator)            # the "=" token
        self.position = _normal((3, d), 1, generator)
        self.query = _normal((h, d, dh), d, generator)
        self.key = _normal((h, d, dh), d, generator)
        self.value = _normal((h, d, dh), d, generator)
        self.output = _normal((h, dh, d), h * dh, generator)
        self.mlp_in = _normal((d, spec.d_mlp), d, generator)
        self.mlp_in_bias = nn.Parameter(torch.zeros(spec.d_mlp))
        self.mlp_out = _normal((spec.d_mlp, d), spec.d_mlp, generator)
        self.mlp_out_bias = nn.Parameter(torch.zeros(d))
        self.unembed = _normal((d, p), d, generator)

    def residual_input(self, x: torch.Tensor) -> torch.Tensor:
        """The residual stream after embedding: [B, 3, d]."""
        p = self.embed.shape[0]
        tokens = x.reshape(*x.shape[:-1], 2, p) @ self.embed
        eq = self.equals.expand(*x.shape[:-1], 1, self.equals.shape[-1])
        return torch.cat([tokens, eq], dim=-2) + self.position

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        resid = self.residual_input(x)                                   # [B, T, d]
        q = torch.einsum("btd,hde->bhte", resid, self.query)
        k = torch.einsum("btd,hde->bhte", resid, self.key)
        v = torch.einsum("btd,hde->bhte", resid, self.value)
        scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])        # [B, h, T, T]
        t = scores.shape[-1]
        causal = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
        scores = scores.masked_fill(~causal, float("-inf"))
        heads = scores.softmax(-1) @ v                                   # [B, h, T, dh]
        resid = resid + torch.einsum("bhte,hed->btd", heads, self.output)
        last = resid[..., -1, :]                                         # "=" position
        hidden = torch.relu(last @ self.mlp_in + self.mlp_in_bias)
        last = last + hidden @ self.mlp_out + self.mlp_out_bias
        return last @ self.unembed


def transformer_factory(spec: TransformerSpec):
    """A factory for `FunctionalEnsemble.from_factory(factory, seeds)`."""
    return lambda generator: OneLayerTransformer(spec, generator)


# ---- the `transformer` family: the model above generalized --------------------------------

class TransformerParams(Params):
    """The `[model]` section of family "transformer".

    The input x [B, d] is cut into d / patch_size tokens, each embedded linearly (no bias: a
    one-hot token times W_E is an embedding lookup, so patch_size = p reads the modular tasks'
    one-hot operands as in Nanda et al. 2023; `patch_size` unset takes the task's modulus when
    it has one, else 1, one scalar per token). A learned readout token (the "=") is appended;
    the logits are read at its position. Each layer: causal multi-head attention then a ReLU
    MLP, each added to the residual stream, each after a LayerNorm when `layer_norm`.
    """

    family: Literal["transformer"] = "transformer"
    layers: int = Field(1, ge=1)
    d_model: int = Field(128, gt=0)
    num_heads: int = Field(4, gt=0)
    d_mlp: int = Field(512, gt=0)
    layer_norm: bool = False
    patch_size: int | None = Field(None, gt=0)
    init_scale: float = Field(1.0, gt=0)

    @model_validator(mode="after")
    def _heads_divide(self):
        if self.d_model % self.num_heads:
            raise SpecError("model.num_heads", self.num_heads,
                            f"a divisor of d_model = {self.d_model}")
        return self


class TransformerFamilySpec(TransformerParams):
    input_dim: int = Field(gt=0)
    output_dim: int = Field(gt=0)
    token_size: int = Field(1, gt=0, description="patch size when patch_size is unset")

    @property
    def patch(self) -> int:
        patch = self.patch_size or self.token_size
        if self.input_dim % patch:
            raise SpecError("model.patch_size", patch,
                            f"a divisor of the task's input size {self.input_dim}")
        return patch

    @property
    def num_tokens(self) -> int:
        return self.input_dim // self.patch

    def network(self, generator: torch.Generator | None = None) -> Transformer:
        return Transformer(self, generator or torch.Generator().manual_seed(0))

    @property
    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.network().parameters())


class _Layer(nn.Module):
    def __init__(self, spec: TransformerFamilySpec, generator: torch.Generator):
        super().__init__()
        d, h = spec.d_model, spec.num_heads
        dh, c = d // h, spec.init_scale
        self.query = _scaled((h, d, dh), d, generator, c)
        self.key = _scaled((h, d, dh), d, generator, c)
        self.value = _scaled((h, d, dh), d, generator, c)
        self.output = _scaled((h, dh, d), d, generator, c)
        self.mlp_in = _scaled((d, spec.d_mlp), d, generator, c)
        self.mlp_in_bias = nn.Parameter(torch.zeros(spec.d_mlp))
        self.mlp_out = _scaled((spec.d_mlp, d), spec.d_mlp, generator, c)
        self.mlp_out_bias = nn.Parameter(torch.zeros(d))
        norm = (lambda: nn.LayerNorm(d)) if spec.layer_norm else nn.Identity
        self.norm_attention, self.norm_mlp = norm(), norm()

    def forward(self, resid: torch.Tensor) -> torch.Tensor:
        r = self.norm_attention(resid)
        q = torch.einsum("btd,hde->bhte", r, self.query)
        k = torch.einsum("btd,hde->bhte", r, self.key)
        v = torch.einsum("btd,hde->bhte", r, self.value)
        scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
        t = scores.shape[-1]
        causal = torch.ones(t, t, dtype=torch.bool, device=resid.device).tril()
        heads = scores.masked_fill(~causal, float("-inf")).softmax(-1) @ v
        resid = resid + torch.einsum("bhte,hed->btd", heads, self.output)
        hidden = torch.relu(self.norm_mlp(resid) @ self.mlp_in + self.mlp_in_bias)
        return resid + hidden @ self.mlp_out + self.mlp_out_bias


def _scaled(shape, fan_in: int, generator: torch.Generator, c: float) -> nn.Parameter:
    return nn.Parameter(torch.randn(shape, generator=generator) * (c / math.sqrt(fan_in)))


class Transformer(nn.Module):
    """x [B, d] → logits [B, out]; see `TransformerParams`. With one layer, no layer norm,
    patch = p and init_scale 1 it draws the same weights as `OneLayerTransformer` (from the
    same generator) and computes the same function."""

    def __init__(self, spec: TransformerFamilySpec, generator: torch.Generator):
        super().__init__()
        d, c = spec.d_model, spec.init_scale
        self.spec = spec
        self.embed = _scaled((spec.patch, d), 1, generator, c)
        self.equals = _scaled((d,), 1, generator, c)
        self.position = _scaled((spec.num_tokens + 1, d), 1, generator, c)
        self.blocks = nn.ModuleList(_Layer(spec, generator) for _ in range(spec.layers))
        self.norm_final = nn.LayerNorm(d) if spec.layer_norm else nn.Identity()
        self.unembed = _scaled((d, spec.output_dim), d, generator, c)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        tokens = x.reshape(*x.shape[:-1], self.spec.num_tokens, self.spec.patch) @ self.embed
        eq = self.equals.expand(*x.shape[:-1], 1, self.equals.shape[-1])
        resid = torch.cat([tokens, eq], dim=-2) + self.position
        for block in self.blocks:
            resid = block(resid)
        return self.norm_final(resid[..., -1, :])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.features(x) @ self.unembed
