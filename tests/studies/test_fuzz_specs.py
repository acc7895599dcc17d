"""Property-based tests of spec loading and the CLI: random specs, `--set` values and TOML
documents give the project's own errors (SpecError / exit 2) or a valid run plan, never a
traceback. A few hundred examples in the default run; 20x under RISKSCOPE_NIGHTLY=1."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskscope.core.errors import RiskscopeError
from riskscope.studies import expand_trials, load_spec
from tests.cli_runner import run_cli
from tests.conftest import examples

KEYS = ["seeds", "name", "device", "max_group_size", "data_seed", "task.name",
        "task.input_dim", "task.noise_std", "task.teacher_width", "task.teacher_depth",
        "model.width", "model.depth", "model.activation", "model.family", "model.init_scale",
        "model.parameterization", "training.lr", "training.steps", "training.optimizer",
        "training.batch_size", "training.momentum", "training.log_points", "training.loss",
        "training.weight_decay", "data.n_train", "data.eval_samples", "options.risk_samples",
        "grid", "grid.zip", "model.width.x", "task", "model", "training.online", "study"]

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, 2, 3, 7, 64, 10**6, 10**9, 10**12, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, 0.5, 1e-3, 1e9, -0.0, math.nan, math.inf]),
    st.text(max_size=12),
    st.sampled_from(["relu", "adam", "sgd", "mlp", "auto", "cpu", "cuda", "teacher-student-"
                     "regression", "train", "gaussian-mixture"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.sampled_from([*KEYS, "x", "zip", "product"]), inner, max_size=3)),
    max_leaves=8)


def _nest(spec: dict, key: str, value) -> None:
    node = spec
    parts = key.split(".")
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


@settings(max_examples=examples(120))
@given(st.lists(st.tuples(st.sampled_from(KEYS), values), max_size=5))
def test_random_specs_give_valid_trials_or_a_spec_error(pairs):
    spec = {"study": "train"}
    for key, value in pairs:
        _nest(spec, key, value)
    try:
        trials = expand_trials(load_spec(spec, "smoke"))
    except RiskscopeError:
        return
    # what passes validation can be hashed and stored: finite, JSON-able trials
    for trial in trials:
        assert len(trial.hash) == 64
        json.dumps(trial.params, allow_nan=False)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value == math.inf else
                                                "-inf" if value == -math.inf else repr(value))
    if isinstance(value, int | str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) \
        + " }"


toml_values = st.recursive(
    st.one_of(st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1),
              st.floats(), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(KEYS), inner, max_size=2)),
    max_leaves=5)


@settings(max_examples=examples(100))
@given(pairs=st.lists(st.tuples(st.sampled_from(KEYS),
                                st.one_of(toml_values, st.text(max_size=20))),
                      min_size=1, max_size=3))
def test_random_set_values_exit_0_or_2_without_traceback(pairs, capsys_hypothesis):
    args = ["run", "train", "--preset", "smoke", "--dry-run"]
    for key, value in pairs:
        raw = value if isinstance(value, str) else _toml_value(value)
        args += ["--set", f"{key}={raw}"]
    code, _, err = run_cli(args, capsys_hypothesis)
    assert code in (0, 2), err
    assert "Traceback" not in err


@settings(max_examples=examples(100))
@given(document=st.one_of(
    st.dictionaries(st.sampled_from(KEYS), toml_values, max_size=5),
    st.text(max_size=80)))
def test_random_toml_documents_exit_0_or_2_without_traceback(document, tmp_path_factory,
                                                             capsys_hypothesis):
    path = tmp_path_factory.mktemp("toml") / "spec.toml"
    if isinstance(document, str):
        path.write_text(document, encoding="utf-8")
    else:
        lines = ['study = "train"'] + [f"{json.dumps(k)} = {_toml_value(v)}"
                                       for k, v in document.items() if k != "study"]
        path.write_text("\n".join(lines), encoding="utf-8")
    code, _, err = run_cli(["run", str(path), "--preset", "smoke", "--dry-run"],
                           capsys_hypothesis)
    assert code in (0, 2), err
    assert "Traceback" not in err


@pytest.fixture
def capsys_hypothesis(capsys):
    """capsys, emptied before each example (the fixture is shared by all examples)."""
    capsys.readouterr()
    return capsys
