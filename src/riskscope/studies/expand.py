"""Expand a StudySpec's grid and seeds into validated trials, and group them into ensembles."""

from __future__ import annotations

import copy
import itertools
from typing import Any

from riskscope.core.device import resolve_device
from riskscope.core.errors import SpecError
from riskscope.core.validation import check_finite, validate_params
from riskscope.models.families import model_spec
from riskscope.studies.canonical import canonical_json, spec_hash
from riskscope.studies.capacity import check_ensemble_fits, check_trial_count
from riskscope.studies.registry import get_study
from riskscope.studies.spec import DataSection, ModelSection, StudySpec
from riskscope.studies.study import check_family
from riskscope.studies.trial import Trial, make_trial_params
from riskscope.tasks.registry import make_task
from riskscope.training.config import TrainingConfig, check_training_loss


def _grid_points(spec: StudySpec) -> list[dict[str, Any]]:
    product = spec.grid.product
    keys = list(product)
    points = [dict(zip(keys, values)) for values in itertools.product(*product.values())]
    zipped = spec.grid.zip
    if zipped:
        n = len(next(iter(zipped.values())))
        rows = [{k: v[i] for k, v in zipped.items()} for i in range(n)]
        points = [{**p, **r} for p in points for r in rows]
    return points


def _set(tree: dict, dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    for k, part in enumerate(parts[:-1]):
        tree = tree.setdefault(part, {})
        if not isinstance(tree, dict):
            walked = ".".join(parts[: k + 1])
            raise SpecError(f"grid.{dotted}", dotted, f"a key into a table; {walked!r} is a "
                            "value, not a table")
    tree[parts[-1]] = value


def expand_trials(spec: StudySpec) -> list[Trial]:
    """Every grid point × seed as a validated Trial (SpecError names the bad field)."""
    study = get_study(spec.study)
    device = str(resolve_device(spec.device))
    check_finite(spec.model_dump(), "")
    points = _grid_points(spec)
    check_trial_count(len(points), len(spec.seed_list))
    base = {
        "task": dict(spec.task),
        "model": spec.model.model_dump(),
        "training": dict(spec.training),
        "data": spec.data.model_dump(),
        "options": dict(spec.options),
    }
    trials: list[Trial] = []
    validated_tasks: dict[str, dict] = {}
    task_objects: dict[str, object] = {}
    pools: dict[str, int | None] = {}
    checked_models: set[str] = set()
    for point in points:
        tree = copy.deepcopy(base)
        data_seed = None
        for key, value in point.items():
            if key == "data_seed":
                data_seed = value
            else:
                _set(tree, key, value)
        task_params = {k: v for k, v in tree["task"].items() if k != "name"}
        key = canonical_json(tree["task"])
        if key not in validated_tasks:
            task = make_task(tree["task"].get("name"), task_params, field="task")
            validated_tasks[key] = {"name": task.name, **task.params.model_dump()}
            pools[key] = getattr(task, "pool_size", None)
            task_objects[key] = task
        resolved = {
            "task": validated_tasks[key],
            "model": validate_params(ModelSection, tree["model"], "model").model_dump(),
            "training": validate_params(TrainingConfig, tree["training"], "training")
            .model_dump(),
            "data": validate_params(DataSection, tree["data"], "data").model_dump(),
            "options": validate_params(study.Options, tree["options"], "options").model_dump(),
        }
        _check_sizes(resolved, pools[key])
        model_key = key + canonical_json(resolved["model"])
        if model_key not in checked_models:
            check_family(study, resolved["model"]["family"])
            model_spec(resolved["model"], task_objects[key])  # shape errors name the field
            checked_models.add(model_key)
        check_training_loss(resolved["training"]["loss"], task_objects[key])
        task = task_objects[key]
        check_ensemble_fits(resolved, task.input_dim, task.output_dim,
                            min(len(spec.seed_list), spec.max_group_size), device)
        for seed in spec.seed_list:
            trial = Trial(make_trial_params(study.name, seed=seed, data_seed=data_seed,
                                            **copy.deepcopy(resolved)))
            study.check_trial(trial)
            trials.append(trial)
    return trials


def _check_sizes(resolved: dict, pool: int | None) -> None:
    n = resolved["data"]["n_train"]
    if pool is not None and n > pool:
        raise SpecError("data.n_train", n, f"at most {pool}, the size of the task's training pool")
    training = resolved["training"]
    if not training["online"] and training["batch_size"] > n:
        raise SpecError("training.batch_size", training["batch_size"],
                        f"at most data.n_train = {n} (or 0 for the full batch)")


def run_hash(spec: StudySpec) -> str:
    return spec_hash(spec.model_dump())


def _group_key(trial: Trial, ensemble_keys: tuple[str, ...]) -> str:
    params = copy.deepcopy(trial.params)
    for key in ensemble_keys:
        node = params
        parts = key.split(".")
        for part in parts[:-1]:
            node = node[part]
        node.pop(parts[-1], None)
    return canonical_json(params)


def group_trials(trials: list[Trial], ensemble_keys: tuple[str, ...], max_size: int
                 ) -> list[list[Trial]]:
    """Trials equal up to `ensemble_keys`, in chunks of at most `max_size`, in first-seen order.

    Online training shares one sample stream per group, so online trials are also split by
    data seed (members then differ by initialization only).
    """
    groups: dict[str, list[Trial]] = {}
    for trial in trials:
        key = _group_key(trial, ensemble_keys)
        if trial.params["training"]["online"]:
            key += f"|data_seed={trial.data_seed}"
        groups.setdefault(key, []).append(trial)
    out = []
    for members in groups.values():
        out.extend(members[i:i + max_size] for i in range(0, len(members), max_size))
    return out
