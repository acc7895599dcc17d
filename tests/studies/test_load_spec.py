"""Spec loading and validation: every bad input names the field, what was given and allowed."""

import pytest

from riskscope.core.errors import SpecError
from riskscope.studies import expand_trials, load_spec
from riskscope.studies.canonical import canonical_json, spec_hash

from .conftest import tiny_spec


def test_builtin_presets_validate_and_expand():
    for preset in ("smoke", "full"):
        spec = load_spec("train", preset)
        assert len(expand_trials(spec)) >= 2


def test_unknown_study_and_task_names_suggest_the_closest():
    with pytest.raises(SpecError, match=r"study: got 'trian'.*did you mean 'train'"):
        load_spec("trian")
    spec = tiny_spec()
    spec["task"]["name"] = "teacher-student-regresion"
    with pytest.raises(SpecError, match=r"task\.name.*did you mean 'teacher-student-regression'"):
        expand_trials(load_spec(spec))


@pytest.mark.parametrize("section,key,value,pattern", [
    ("model", "widht", 8, r"model\.widht.*one of the keys .*width.*did you mean 'width'"),
    ("model", "width", -4, r"model\.width: got -4; allowed: greater than 0"),
    ("model", "width", "wide", r"model\.width: got 'wide'; allowed: an integer"),
    ("data", "n_train", 0, r"data\.n_train: got 0; allowed: greater than 0"),
    ("training", "lr", -1.0, r"training\.lr: got -1\.0"),
    ("training", "optimiser", "sgd", r"training\.optimiser.*did you mean 'optimizer'"),
    ("training", "optimizer", "lbfgs", r"training\.optimizer: got 'lbfgs'"),
])
def test_bad_section_values(section, key, value, pattern):
    spec = tiny_spec()
    spec[section] = dict(spec[section], **{key: value})
    with pytest.raises(SpecError, match=pattern):
        expand_trials(load_spec(spec))


def test_bad_task_parameter_and_unknown_top_level_key():
    spec = tiny_spec()
    spec["task"]["noise_std"] = -0.5
    with pytest.raises(SpecError, match=r"task\.noise_std"):
        expand_trials(load_spec(spec))
    with pytest.raises(SpecError, match=r"seed.*did you mean 'seeds'"):
        load_spec(tiny_spec(seed=3))


def test_bad_grids():
    with pytest.raises(SpecError, match=r"grid\.width: got 'width'; allowed: a dotted key"):
        load_spec(tiny_spec(grid={"width": [1, 2]}))
    with pytest.raises(SpecError, match=r"grid\.model\.width: got \[\]"):
        load_spec(tiny_spec(grid={"model.width": []}))
    with pytest.raises(SpecError, match=r"grid\.zip: got \[2, 3\]"):
        load_spec(tiny_spec(grid={"zip": {"model.width": [1, 2], "training.lr": [1.0, 2.0,
                                                                               3.0]}}))
    with pytest.raises(SpecError, match=r"model\.widht"):
        expand_trials(load_spec(tiny_spec(grid={"model.widht": [1, 2]})))


def test_inconsistent_training_settings():
    spec = tiny_spec()
    spec["training"] = dict(spec["training"], optimizer="gd", batch_size=8)
    with pytest.raises(SpecError, match=r"training\.batch_size: got 8"):
        expand_trials(load_spec(spec))


def test_grid_and_seeds_expand_to_unique_stable_hashes():
    spec = load_spec(tiny_spec(grid={"model.width": [4, 8, 16],
                                     "zip": {"training.lr": [0.1, 0.2],
                                             "training.steps": [10, 20]}}))
    trials = expand_trials(spec)
    assert len(trials) == 3 * 2 * 2
    assert len({t.hash for t in trials}) == 12
    again = expand_trials(load_spec(tiny_spec(grid={"model.width": [4, 8, 16],
                                                    "zip": {"training.lr": [0.1, 0.2],
                                                            "training.steps": [10, 20]}})))
    assert [t.hash for t in trials] == [t.hash for t in again]
    pairs = {(t.params["training"]["lr"], t.params["training"]["steps"]) for t in trials}
    assert pairs == {(0.1, 10), (0.2, 20)}


def test_defaults_are_part_of_the_hash():
    # Writing a default explicitly names the same trial.
    a = expand_trials(load_spec(tiny_spec()))
    spec = tiny_spec()
    spec["model"] = dict(spec["model"], activation="relu")
    b = expand_trials(load_spec(spec))
    assert [t.hash for t in a] == [t.hash for t in b]


def test_overrides_and_toml_files(tmp_path):
    spec = load_spec(tiny_spec(), overrides=["model.width=16", "training.lr=0.2"])
    assert spec.model.width == 16 and spec.training["lr"] == 0.2
    assert "model.width" not in spec.grid.product  # a --set key leaves the grid
    with pytest.raises(SpecError, match=r"--set: got 'model.width'"):
        load_spec(tiny_spec(), overrides=["model.width"])
    path = tmp_path / "s.toml"
    path.write_text('study = "train"\nseeds = 2\n[model]\nwidth = 12\n[grid]\n'
                    '"data.n_train" = [16, 32]\n')
    spec = load_spec(path, preset="smoke")
    assert spec.model.width == 12 and spec.grid.product == {"data.n_train": [16, 32]}
    bad = tmp_path / "bad.toml"
    bad.write_text("study = \n")
    with pytest.raises(SpecError, match=r"spec: got .*bad.toml.*valid TOML"):
        load_spec(bad)
    with pytest.raises(SpecError, match=r"an existing \.toml file"):
        load_spec(tmp_path / "missing.toml")
    with pytest.raises(SpecError, match=r"--preset: got 'huge'"):
        load_spec("train", "huge")


def test_grid_overrides_in_toml_or_json_and_malformed_ones():
    toml = load_spec("train", "smoke", ['grid={"model.width" = [4, 8]}', "training.lr=0.01"])
    json_ = load_spec("train", "smoke", ['grid={"model.width": [4, 8]}', "training.lr=0.01"])
    assert toml.grid.product == json_.grid.product == {"model.width": [4, 8]}
    # a malformed grid followed by another --set is reported by validation (was a traceback)
    with pytest.raises(SpecError, match=r"grid: got '\{model.width'"):
        load_spec("train", "smoke", ["grid={model.width", "training.lr=0.01"])


def test_a_hinge_loss_is_refused_before_anything_runs_where_the_task_has_no_two_logits():
    with pytest.raises(SpecError, match=r"training.loss: got 'hinge'.*regression task"):
        expand_trials(load_spec("train", "smoke", ['training.loss="hinge"']))
    trials = expand_trials(load_spec("sparse-parity", "smoke", ['training.loss="hinge"']))
    assert {t.section("training")["loss"] for t in trials} == {"hinge"}


def test_sizes_are_checked_before_anything_runs():
    spec = tiny_spec()
    spec["training"] = dict(spec["training"], batch_size=64)
    with pytest.raises(SpecError, match=r"training\.batch_size: got 64; allowed: at most data"):
        expand_trials(load_spec(spec))
    digits = tiny_spec(task={"name": "digits"}, data={"n_train": 100000})
    with pytest.raises(SpecError, match=r"data\.n_train: got 100000; allowed: at most"):
        expand_trials(load_spec(digits))


def test_canonical_json_is_order_independent():
    assert canonical_json({"b": 1, "a": [1.0, 2]}) == canonical_json({"a": [1.0, 2], "b": 1})
    assert spec_hash({"x": 1}) != spec_hash({"x": 1.0})
