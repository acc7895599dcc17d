"""Teacher–student classification: the argmax of a random MLP teacher, with symmetric label noise.

Definition. x ~ N(0, s² I_d) (s = `input_scale`); a random MLP teacher g: R^d → R^C
(`riskscope.tasks.random_mlp`: weights N(0, 1/fan_in), no biases, `teacher_depth` hidden layers)
defines the clean label c*(x) = argmax_k g_k(x). The observed label equals c*(x) with probability
1 − ρ and, with probability ρ = `flip_rate`, a class drawn uniformly from the C − 1 *other*
classes (symmetric label noise, as in Nakkiran et al. 2019 for double descent).

Bayes error = ρ exactly. Given x, P(y = c*(x) | x) = 1 − ρ and P(y = k | x) = ρ/(C − 1) for each
k ≠ c*(x). The requirement ρ < (C − 1)/C is exactly 1 − ρ > ρ/(C − 1), so c*(x) is the unique
most probable label at every x: the teacher's argmax is the Bayes classifier and its error is ρ.
(Ties of the teacher's outputs are resolved by torch's argmax both in the labels and in the
Bayes classifier, so the statement holds even for a degenerate teacher.)
Under the cross-entropy metric the Bayes risk is not returned.
"""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import Field, ValidationInfo, field_validator

from riskscope.core.estimate import Estimate
from riskscope.core.validation import Params
from riskscope.tasks.base import Dataset, Task
from riskscope.tasks.random_mlp import RandomMLP
from riskscope.tasks.registry import register_task


class TeacherStudentClassificationParams(Params):
    input_dim: int = Field(16, ge=1, le=100_000)
    num_classes: int = Field(2, ge=2, le=10_000)
    teacher_width: int = Field(64, ge=1, le=100_000)
    teacher_depth: int = Field(1, ge=0, le=64, description="hidden layers; 0 = linear teacher")
    activation: Literal["relu", "tanh", "erf", "linear"] = "relu"
    flip_rate: float = Field(0.0, ge=0.0, lt=1.0, allow_inf_nan=False)
    teacher_seed: int = Field(0, ge=0)
    input_scale: float = Field(1.0, gt=0.0, allow_inf_nan=False)

    @field_validator("flip_rate")
    @classmethod
    def _flip_rate_below_chance(cls, value: float, info: ValidationInfo) -> float:
        classes = info.data.get("num_classes")
        if classes is not None and value >= (classes - 1) / classes:
            raise ValueError(f"flip_rate must be < (num_classes - 1)/num_classes = "
                             f"{(classes - 1) / classes:.6g} so the labels carry signal")
        return value


@register_task
class TeacherStudentClassification(Task):
    """C-class classification by a random MLP teacher's argmax, labels flipped with rate ρ."""

    name = "teacher-student-classification"
    kind = "classification"
    Params = TeacherStudentClassificationParams
    description = "argmax of a random MLP teacher, symmetric label noise ρ; Bayes error = ρ"

    def __init__(self, params: TeacherStudentClassificationParams):
        super().__init__(params)
        p = params
        self.input_dim = p.input_dim
        self.output_dim = p.num_classes
        self.num_classes = p.num_classes
        self.teacher = RandomMLP(p.input_dim, p.teacher_width, p.teacher_depth, p.num_classes,
                                 p.activation, p.teacher_seed)

    def target(self, x: torch.Tensor) -> torch.Tensor:
        """The teacher's outputs g(x), [n, C]; their argmax is the clean label and the Bayes
        classifier."""
        return self.teacher(x)

    bayes_predictor = target

    def clean_label(self, x: torch.Tensor) -> torch.Tensor:
        return self.target(x).argmax(dim=-1)

    def sample(self, n: int, rng: torch.Generator) -> Dataset:
        p = self.params
        x = p.input_scale * torch.randn(n, p.input_dim, generator=rng)
        flip = torch.rand(n, generator=rng) < p.flip_rate
        offset = torch.randint(1, p.num_classes, (n,), generator=rng)
        clean = self.clean_label(x)
        y = torch.where(flip, (clean + offset) % p.num_classes, clean)
        return Dataset(x, y.to(torch.int64))

    def bayes_risk(self) -> Estimate:
        return Estimate.exact_value(self.params.flip_rate, method="closed-form: flip_rate")

    def ground_truth(self) -> dict[str, torch.Tensor]:
        """Teacher weights `weight_0..weight_L`, [fan_out, fan_in], float64."""
        return self.teacher.state()
