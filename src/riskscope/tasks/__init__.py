"""Tasks: data-generating processes with their ground truth, and real data sets.

Importing this package registers every built-in task; build one with
`make_task(name, params)` and list them with `task_names()`.
"""

from riskscope.tasks import (
    label_noise,  # noqa: F401  (registers the label-noise wrapper)
    modular,  # noqa: F401  (registers the modular-arithmetic tasks)
    sparse,  # noqa: F401  (registers the sparse tasks)
)
from riskscope.tasks.base import Dataset, Task, pointwise_loss
from riskscope.tasks.gaussian_mixture import GaussianMixture
from riskscope.tasks.real import Arrays, Digits, FiniteTask, Mnist1d
from riskscope.tasks.registry import make_task, register_task, task_class, task_names
from riskscope.tasks.smooth_regression import FourierSeries
from riskscope.tasks.teacher_student_classification import TeacherStudentClassification
from riskscope.tasks.teacher_student_regression import TeacherStudentRegression

__all__ = [
    "Arrays",
    "Dataset",
    "Digits",
    "FiniteTask",
    "FourierSeries",
    "GaussianMixture",
    "Mnist1d",
    "Task",
    "TeacherStudentClassification",
    "TeacherStudentRegression",
    "make_task",
    "pointwise_loss",
    "register_task",
    "task_class",
    "task_names",
]
