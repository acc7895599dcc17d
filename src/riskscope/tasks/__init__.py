"""Tasks: data-generating processes with their ground truth, and real data sets.

Build one with `make_task(name, params)` and list them with `task_names()`. The names below
are imported on first use (PEP 562), so listing tasks does not import torch.
"""

from __future__ import annotations

from riskscope.core.lazy_exports import lazy_exports
from riskscope.tasks.registry import (  # noqa: F401 - public names
    make_task,
    register_task,
    task_class,
    task_names,
)

_LAZY = {
    "Arrays": "riskscope.tasks.real",
    "Dataset": "riskscope.tasks.base",
    "Digits": "riskscope.tasks.real",
    "FiniteTask": "riskscope.tasks.real",
    "FourierSeries": "riskscope.tasks.smooth_regression",
    "GaussianDesign": "riskscope.tasks.gaussian_design",
    "GaussianMixture": "riskscope.tasks.gaussian_mixture",
    "Mnist1d": "riskscope.tasks.real",
    "Task": "riskscope.tasks.base",
    "TeacherStudentClassification": "riskscope.tasks.teacher_student_classification",
    "TeacherStudentRegression": "riskscope.tasks.teacher_student_regression",
    "class_balanced_sample": "riskscope.tasks.balanced",
    "pointwise_loss": "riskscope.tasks.base",
}

__all__ = sorted([*_LAZY, "make_task", "register_task", "task_class", "task_names"])


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
