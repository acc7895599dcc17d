"""Spec validation gaps found by fuzzing: each is exit 2 with the field named, never a
traceback, and `--dry-run` refuses what a real run would crash on."""

from __future__ import annotations

import pytest

from riskscope.core.errors import SpecError
from riskscope.studies import expand_trials, load_spec
from tests.cli_runner import run_cli


@pytest.mark.parametrize(("override", "field", "words"), [
    ("training.lr=nan", "training.lr", "finite"),
    ("training.lr=inf", "training.lr", "finite"),
    ("task.noise_std=-inf", "task.noise_std", "finite"),
    ('grid={ "training.lr" = [0.1, nan] }', "grid.product.training.lr[1]", "finite"),
    ("task.name=5", "task.name", "string"),
    ('grid={"model.width.x": [1, 2]}', "grid.model.width.x", "is a value"),
    ('grid={"data_seed": ["a"]}', "grid.data_seed[0]", "non-negative integer"),
    ('grid={"data_seed": [-1]}', "grid.data_seed[0]", "non-negative integer"),
    ("model.width=1000000000", "model.width", "GiB"),
    ("model.depth=1000000", "model.depth", "GiB"),
    ("data.n_train=1000000000000", "data.n_train", "GiB"),
    ("data.eval_samples=100000000000", "data.eval_samples", "GiB"),
    ("training.steps=1000000000000", "training.steps", "at most"),
    ("seeds=1000000000", "seeds", "at most"),
])
def test_gap_is_a_clear_error_even_in_a_dry_run(override, field, words, capsys):
    code, _, err = run_cli(["run", "train", "--preset", "smoke", "--dry-run", "--set", override],
                           capsys)
    assert code == 2, err
    assert "Traceback" not in err
    assert f"error: {field}:" in err and words in err


def test_memory_message_carries_the_estimate():
    with pytest.raises(SpecError) as info:
        expand_trials(load_spec("train", "smoke", ["model.width=200000"]))
    assert "would need about" in str(info.value) and "GiB" in str(info.value)


def test_a_spec_file_key_the_preset_sweeps_replaces_the_sweep(tmp_path):
    path = tmp_path / "spec.toml"
    path.write_text('study = "train"\n[model]\nwidth = 12\n')
    trials = expand_trials(load_spec(str(path), "smoke"))
    assert {t.params["model"]["width"] for t in trials} == {12}
    # a file that brings its own grid keeps it
    path.write_text('study = "train"\n[model]\nwidth = 12\n[grid]\n"model.width" = [4, 6]\n')
    trials = expand_trials(load_spec(str(path), "smoke"))
    assert {t.params["model"]["width"] for t in trials} == {4, 6}


def test_results_path_that_cannot_be_created_is_exit_2(tmp_path, capsys):
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for out in ("/proc/riskscope-results", str(a_file / "results")):
        code, _, err = run_cli(["run", "train", "--preset", "smoke", "--out", out,
                                "--set", "training.steps=5", "--no-report"], capsys)
        assert code == 2 and "Traceback" not in err and out.split("/results")[0] in err, err


@pytest.mark.parametrize("override", [
    ["task.input_dim=100000", "task.teacher_width=100000"],
    ["task.teacher_width=100000", "task.teacher_depth=64"],
])
def test_a_teacher_too_big_for_memory_is_refused_before_it_is_built(override, capsys):
    """Found by the nightly fuzz run: a 10^10-weight teacher got the process OOM-killed."""
    args = ["run", "train", "--preset", "smoke", "--dry-run"]
    for item in override:
        args += ["--set", item]
    code, _, err = run_cli(args, capsys)
    assert code == 2 and "error: task.teacher_width:" in err and "GiB" in err


def test_a_gaussian_mixture_too_big_for_memory_is_refused():
    from riskscope.tasks import make_task

    with pytest.raises(SpecError, match="GiB"):
        make_task("gaussian-mixture", {"input_dim": 100000, "num_classes": 10000,
                                       "mean_layout": "random"})
