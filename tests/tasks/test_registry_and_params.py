"""make_task and parameter validation: every bad spec is a SpecError naming the field."""

import json

import pytest

from riskscope.core.errors import SpecError
from riskscope.tasks import make_task, task_names

SYNTHETIC = ["teacher-student-regression", "teacher-student-classification",
             "gaussian-mixture", "fourier-series", "gaussian-design"]


def test_all_tasks_are_registered():
    assert set(task_names()) == set(SYNTHETIC) | {
        "digits", "mnist1d", "arrays", "image-files", "modular-addition",
        "modular-multiplication", "sparse-parity", "staircase", "single-index", "multi-index",
        "label-noise"}


def test_unknown_key_names_it_and_lists_valid_keys():
    with pytest.raises(SpecError) as info:
        make_task("teacher-student-regression", {"input_dims": 3})
    message = str(info.value)
    assert info.value.field == "task.input_dims"
    assert "input_dim" in message and "teacher_width" in message and "noise_std" in message
    assert "did you mean 'input_dim'" in message


def test_unknown_task_name_suggests_closest():
    with pytest.raises(SpecError) as info:
        make_task("gausian-mixture", {})
    assert info.value.field == "task.name"
    assert "did you mean 'gaussian-mixture'" in str(info.value)
    assert "teacher-student-regression" in str(info.value)


@pytest.mark.parametrize(("name", "params", "field"), [
    ("teacher-student-regression", {"teacher_width": -3}, "task.teacher_width"),
    ("teacher-student-regression", {"noise_std": -0.1}, "task.noise_std"),
    ("teacher-student-regression", {"activation": "gelu"}, "task.activation"),
    ("teacher-student-regression", {"input_dim": 2.5}, "task.input_dim"),
    ("teacher-student-classification", {"num_classes": 1}, "task.num_classes"),
    ("gaussian-mixture", {"noise_std": -1.0}, "task.noise_std"),
    ("fourier-series", {"noise_std": float("nan")}, "task.noise_std"),
    ("digits", {"test_fraction": 1.0}, "task.test_fraction"),
    ("arrays", {"kind": "regression"}, "task.path"),
])
def test_invalid_values_name_the_field(name, params, field):
    with pytest.raises(SpecError) as info:
        make_task(name, params)
    assert info.value.field == field


@pytest.mark.parametrize("name", SYNTHETIC)
def test_describe_is_json_ready(name):
    description = make_task(name, {}).describe()
    assert json.loads(json.dumps(description))["name"] == name
    assert description["has_ground_truth"] is True
    assert description["bayes_risk"] is not None


def test_builtin_task_list_matches_what_the_modules_register():
    import importlib

    from riskscope.tasks import registry

    for module in set(registry.BUILTIN_TASKS.values()):
        importlib.import_module(module)
    registered = {name: cls.__module__ for name, cls in registry._TASKS.items()
                  if cls.__module__.startswith("riskscope.")}
    assert registered == registry.BUILTIN_TASKS
