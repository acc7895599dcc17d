"""Training parameters, validated before anything runs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from riskscope.core.errors import SpecError
from riskscope.core.validation import Params


class TrainingConfig(Params):
    """How an ensemble is trained. Per-member lr and weight decay come from the study grid.

    optimizer "gd" is full-batch gradient descent (batch_size must be 0); "sgd" with
    batch_size 0 is full-batch too (with momentum if set). The training loss, averaged over
    the batch, is `loss`: "task" = the task's own (squared error summed over outputs, or
    cross-entropy), "hinge" = max(0, 1 − m) on the margin m = (2y − 1)(z₁ − z₀) of a
    two-class classifier's logit difference (Barak et al. 2022); see `check_training_loss`.
    """

    optimizer: Literal["gd", "sgd", "adam", "adamw"] = "sgd"
    lr: float = Field(default=0.05, gt=0)
    momentum: float = Field(default=0.0, ge=0, lt=1)
    nesterov: bool = False
    beta1: float = Field(default=0.9, ge=0, lt=1)
    beta2: float = Field(default=0.999, ge=0, lt=1)
    eps: float = Field(default=1e-8, gt=0)
    weight_decay: float = Field(default=0.0, ge=0)
    loss: Literal["task", "hinge"] = Field(
        default="task", description="training loss: the task's own, or hinge (2 classes)")
    schedule: Literal["constant", "cosine", "step"] = "constant"
    final_lr_factor: float = Field(default=0.0, ge=0, le=1)
    step_size: int = Field(default=1000, ge=1)
    gamma: float = Field(default=0.1, gt=0, le=1)
    warmup_steps: int = Field(default=0, ge=0)
    steps: int = Field(default=1000, ge=1, description="step budget")
    batch_size: int = Field(default=0, ge=0, description="0 = full batch")
    online: bool = Field(default=False, description="fresh samples from the task every step")
    target_loss: float | None = Field(default=None, ge=0)
    stop_on_interpolation: bool = False
    interpolation_tol: float = Field(default=1e-6, gt=0)
    stop_check_every: int = Field(
        default=0, ge=0, description="mini-batch runs on a fixed set: check target_loss / "
        "interpolation on the whole training set every this many steps (0 = once per epoch)")
    log_points: int = Field(default=40, ge=2)

    @model_validator(mode="after")
    def _consistent(self):
        if self.optimizer == "gd" and self.batch_size != 0:
            raise SpecError("training.batch_size", self.batch_size,
                            "0 (full batch) with optimizer 'gd'; use 'sgd' for mini-batches")
        if self.online and self.batch_size == 0:
            raise SpecError("training.batch_size", 0,
                            "a positive batch size in online mode (fresh samples every step)")
        if self.nesterov and self.momentum == 0:
            raise SpecError("training.nesterov", True, "false unless momentum > 0")
        return self


def check_training_loss(loss: str, task) -> None:
    """SpecError unless `training.loss` suits `task` (anything with `kind` and `output_dim`):
    "hinge" needs a two-class classification task (two logits)."""
    if loss == "hinge" and not (task.kind == "classification" and task.output_dim == 2):
        raise SpecError("training.loss", loss,
                        "'task' (the task's own loss); 'hinge' needs a two-class "
                        f"classification task, and this one is a {task.kind} task with "
                        f"{task.output_dim} outputs")
