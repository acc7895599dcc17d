"""Train one group of trials as one ensemble (see riskscope.training.fit).

The evaluation sample is fixed per task (seeded by the task's spec), so every trial on one
task is measured on the same points whatever group it ran in.
"""

from __future__ import annotations

from riskscope.core.rng import derive_seed, torch_generator
from riskscope.studies.canonical import canonical_json
from riskscope.studies.study import GroupContext
from riskscope.studies.trial import Trial
from riskscope.tasks.base import Dataset, Task
from riskscope.training.fit import FittedEnsemble, MemberSeeds, fit_ensemble


def eval_seed(task_params: dict) -> int:
    return derive_seed(0, "eval", canonical_json(task_params))


def evaluation_sample(task: Task, trial: Trial) -> Dataset:
    if task.finite:
        return task.holdout()
    n = trial.section("data")["eval_samples"]
    return task.sample(n, torch_generator(eval_seed(trial.section("task"))))


def member_seeds(trial: Trial) -> MemberSeeds:
    training = trial.section("training")
    return MemberSeeds.from_trial_seeds(trial.seed, trial.data_seed, training["lr"],
                                        training["weight_decay"])


def fit_group(trials: list[Trial], ctx: GroupContext, task: Task | None = None
              ) -> FittedEnsemble:
    task = task or trials[0].task()
    return fit_ensemble(task, trials[0].model_spec(task), trials[0].training(),
                        [member_seeds(t) for t in trials], trials[0].section("data")["n_train"],
                        device=ctx.device, eval_data=evaluation_sample(task, trials[0]),
                        progress=ctx.progress)
