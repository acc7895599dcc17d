"""Training: batched optimizers, schedules, data sources, the trainer and its trajectory."""

from riskscope.training.config import TrainingConfig
from riskscope.training.data_source import FixedBatches, OnlineBatches
from riskscope.training.log_steps import log_spaced_steps
from riskscope.training.optimizers import BatchedOptimizer, OptimizerConfig
from riskscope.training.schedules import Schedule
from riskscope.training.trainer import LossSpec, train_ensemble
from riskscope.training.trajectory import Trajectory

__all__ = [
    "BatchedOptimizer",
    "FixedBatches",
    "LossSpec",
    "OnlineBatches",
    "OptimizerConfig",
    "Schedule",
    "TrainingConfig",
    "Trajectory",
    "log_spaced_steps",
    "train_ensemble",
]
