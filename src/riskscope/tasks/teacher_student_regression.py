"""Teacher–student regression: labels from a fixed random MLP teacher plus Gaussian noise.

Definition. x ~ N(0, s² I_d) with s = `input_scale`; the teacher f* = D · g where g is the
random MLP of `riskscope.tasks.random_mlp` (weights N(0, 1/fan_in), no biases, `teacher_depth`
hidden layers of `teacher_width` units) and D = diag(1/sd_j) rescales every output so that
Var[f*_j(x)] = 1; labels y = f*(x) + σ ε with ε ~ N(0, I_output_dim), σ = `noise_std`.

Normalization. For a linear teacher (teacher_depth = 0 or activation "linear", g(x) = A x) the
scale is exact: sd_j = s ‖A_j‖. Otherwise sd_j is the sample standard deviation of g_j on 20000
inputs drawn once at construction from a fixed seed derived from `teacher_seed`, so Var[f*_j] = 1
up to about 1% and the teacher is fully determined by its parameters. The output is scaled, not
centred (a ReLU teacher keeps its non-zero mean).

Ground truth. The Bayes predictor is f* itself (`target`); under the summed squared error the
Bayes risk is output_dim · σ² exactly. `linear_predictor_risk(W, b)` gives the closed-form risk
of a linear predictor against a linear teacher: s² ‖W − D A‖_F² + ‖b‖² + output_dim σ².

References: Gardner & Derrida 1989 (teacher–student); Saad & Solla 1995; Safran & Shamir 2018
(spurious minima of ReLU teachers); Goldt et al. 2019 (online SGD dynamics).
"""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field

from riskscope.core.errors import SpecError
from riskscope.core.estimate import Estimate
from riskscope.core.rng import derive_seed, torch_generator
from riskscope.core.validation import Params
from riskscope.tasks.base import Dataset, Task
from riskscope.tasks.random_mlp import RandomMLP
from riskscope.tasks.registry import register_task

SCALE_SAMPLE_SIZE = 20000


class TeacherStudentRegressionParams(Params):
    input_dim: int = Field(16, ge=1, le=100_000)
    teacher_width: int = Field(64, ge=1, le=100_000)
    teacher_depth: int = Field(1, ge=0, le=64, description="hidden layers; 0 = linear teacher")
    activation: Literal["relu", "tanh", "erf", "linear"] = "relu"
    output_dim: int = Field(1, ge=1, le=10_000)
    noise_std: float = Field(0.0, ge=0.0, allow_inf_nan=False)
    teacher_seed: int = Field(0, ge=0)
    input_scale: float = Field(1.0, gt=0.0, allow_inf_nan=False)


@register_task
class TeacherStudentRegression(Task):
    """Regression on a random MLP teacher with Gaussian inputs and Gaussian label noise."""

    name = "teacher-student-regression"
    kind = "regression"
    Params = TeacherStudentRegressionParams
    description = "random MLP teacher, Gaussian inputs, y = f*(x) + noise; Bayes risk = out·σ²"

    def __init__(self, params: TeacherStudentRegressionParams):
        super().__init__(params)
        p = params
        self.input_dim = p.input_dim
        self.output_dim = p.output_dim
        self.teacher = RandomMLP(p.input_dim, p.teacher_width, p.teacher_depth, p.output_dim,
                                 p.activation, p.teacher_seed)
        self.output_scale = self._teacher_output_std()

    def _teacher_output_std(self) -> torch.Tensor:
        p = self.params
        if self.teacher.is_linear:
            std = p.input_scale * self.teacher.linear_map().norm(dim=1)
        else:
            rng = torch_generator(derive_seed(p.teacher_seed, "teacher-output-scale"))
            x = p.input_scale * torch.randn(SCALE_SAMPLE_SIZE, p.input_dim, generator=rng,
                                            dtype=torch.float64)
            std = self.teacher(x).std(dim=0)
        if bool((std < 1e-12).any()):
            raise SpecError("teacher_seed", p.teacher_seed,
                            "a teacher whose outputs vary with the input",
                            "this teacher is constant; change teacher_seed or teacher_width")
        return std

    def target(self, x: torch.Tensor) -> torch.Tensor:
        """The noiseless teacher f*(x), [n, output_dim], in x's dtype and device."""
        scale = self.output_scale.to(device=x.device, dtype=x.dtype)
        return self.teacher(x) / scale

    bayes_predictor = target

    def sample(self, n: int, rng: torch.Generator) -> Dataset:
        p = self.params
        x = p.input_scale * torch.randn(n, p.input_dim, generator=rng)
        noise = torch.randn(n, p.output_dim, generator=rng)
        return Dataset(x, self.target(x) + p.noise_std * noise)

    def bayes_risk(self) -> Estimate:
        p = self.params
        return Estimate.exact_value(p.output_dim * p.noise_std**2,
                                    method="closed-form: output_dim * noise_std^2")

    def ground_truth(self) -> dict[str, torch.Tensor]:
        """Teacher weights `weight_0..weight_L` ([fan_out, fan_in], float64, before the output
        rescaling) and `output_scale` (the sd_j that f* divides by)."""
        return {**self.teacher.state(), "output_scale": self.output_scale.clone()}

    def linear_predictor_risk(self, weight, bias=None) -> Estimate:
        """Exact risk E‖W x + b − y‖² of the linear predictor x ↦ W x + b (linear teacher only).

        weight: [output_dim, input_dim]; bias: [output_dim] or None. With f*(x) = M x,
        M = D A, and x ~ N(0, s² I): risk = s² ‖W − M‖_F² + ‖b‖² + output_dim σ².
        """
        p = self.params
        if not self.teacher.is_linear:
            raise SpecError("activation", p.activation,
                            "'linear' or teacher_depth = 0 for linear_predictor_risk")
        weight = torch.as_tensor(weight, dtype=torch.float64).cpu()
        if weight.shape != (p.output_dim, p.input_dim):
            raise SpecError("weight", tuple(weight.shape),
                            f"a matrix of shape ({p.output_dim}, {p.input_dim})")
        bias = torch.zeros(p.output_dim, dtype=torch.float64) if bias is None else \
            torch.as_tensor(bias, dtype=torch.float64).cpu()
        if bias.shape != (p.output_dim,):
            raise SpecError("bias", tuple(bias.shape), f"a vector of shape ({p.output_dim},)")
        teacher_matrix = self.teacher.linear_map() / self.output_scale[:, None]
        risk = (p.input_scale**2 * (weight - teacher_matrix).pow(2).sum()
                + bias.pow(2).sum() + p.output_dim * p.noise_std**2)
        return Estimate.exact_value(float(risk), method="closed-form: linear teacher")
