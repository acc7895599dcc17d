"""Real data sets as tasks (no ground truth): scikit-learn digits, MNIST-1D, user arrays."""

from riskscope.tasks.real import image_files  # noqa: F401  (registers image-files)
from riskscope.tasks.real.arrays import Arrays
from riskscope.tasks.real.digits import Digits
from riskscope.tasks.real.finite import FiniteTask
from riskscope.tasks.real.mnist_1d import Mnist1d

__all__ = ["Arrays", "Digits", "FiniteTask", "Mnist1d"]
