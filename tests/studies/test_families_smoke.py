"""Every study that declares a family trains it: each of the ten studies runs its smoke preset
(cut down further) on a CNN, a ResNet, a transformer, the linear family (the
decomposition oracle's class) and a user's custom module, and stores
finished trials; an undeclared family is a clear spec error."""

from pathlib import Path

import pytest

from riskscope.core.errors import SpecError
from riskscope.store import Store
from riskscope.studies import load_spec, run_study
from riskscope.studies.expand import expand_trials
from tests.studies.preset_runs import run_preset

EXAMPLE_SRC = Path(__file__).resolve().parents[2] / "examples" / "plugin_project" / "src"

FAMILIES = {
    "cnn": ["model.family=cnn", "model.channels=[4,4]", "model.kernel_size=3",
            "model.stride=1"],
    "resnet": ["model.family=resnet", "model.width=4", "model.blocks=1",
               'model.normalization="group"', "model.groups=2"],
    "resnet-batch": ["model.family=resnet", "model.width=4", "model.blocks=1",
                     'model.normalization="batch"'],
    "transformer": ["model.family=transformer", "model.d_model=8", "model.num_heads=2",
                    "model.d_mlp=16", "model.layer_norm=true"],
    "linear": ["model.family=linear", "model.init_scale=1.0"],
    "custom": ["model.family=custom", 'model.factory="riskscope_example.models:gated_mlp"',
               "model.params={width = 8}"],
}

# smoke presets cut down to seconds: fewer steps, fewer seeds, smaller option budgets
STUDIES = {
    "train": ["training.steps=20"],
    "decomposition": ["training.steps=20", "data.n_train=16", "options.extra_restarts=0",
                      "options.best_in_class_restarts=1", "options.best_in_class_steps=20",
                      "options.risk_samples=2000"],
    "pac-bayes": ["training.steps=20", "options.posterior_steps=5", "options.weight_samples=8",
                  "options.test_weight_samples=4"],
    "measures": ["training.steps=20", "seeds=1", "options.search_iterations=3",
                 "options.ascent_steps=2", "options.perturbation_examples=50",
                 "options.gradient_examples=32"],
    "random-labels": ["training.steps=20", "options.certify=false"],
    "double-descent": ["training.steps=20"],
    "edge-of-stability": ["training.steps=20"],
    "lazy-vs-rich": ["training.steps=20"],
    "feature-vs-kernel": ["training.steps=20"],
    "convergence": ["training.steps=20", "training.lr=0.5"],  # the preset's 4.0 is for NTK
                                                               # parameterized MLPs
}


# step sizes tuned for MLPs (NTK parameterization, scaled steps) are too large elsewhere
EXTRA = {**{(s, "transformer"): ["model.patch_size=8"]  # digits: 8 tokens of 8 pixels
            for s in ("pac-bayes", "measures", "random-labels")},
         ("random-labels", "cnn"): ["data.n_train=100"],
         ("lazy-vs-rich", "transformer"): ["training.lr=0.05"],
         ("convergence", "transformer"): ["training.lr=0.05"]}


def _cases():
    for study in STUDIES:
        for family in ("cnn", "resnet", "transformer", "linear", "custom"):
            yield study, family


SLOW = {("measures", "cnn"), ("random-labels", "cnn"), ("pac-bayes", "transformer")}


@pytest.mark.parametrize(("study", "family"), [
    pytest.param(*case, marks=pytest.mark.slow) if case in SLOW else case for case in _cases()])
def test_study_trains_family(study, family, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLE_SRC))
    summary, trials = run_preset(tmp_path, study, "smoke", [
        *FAMILIES[family], *STUDIES[study], *EXTRA.get((study, family), [])])
    assert summary.failed == 0, summary.failures[:1]
    assert summary.finished > 0
    assert set(trials["status"]) <= {"done", "diverged"}
    assert (trials["status"] == "done").any()
    assert set(trials["model.family"]) == {family.split("-")[0]}


def test_batch_norm_resnet_trains_where_no_certificate_is_needed(tmp_path):
    spec = load_spec("train", "smoke", [*FAMILIES["resnet-batch"], "training.steps=20"])
    with Store(tmp_path) as store:
        assert run_study(spec, store, device="cpu").failed == 0


def test_batch_norm_refused_by_the_certificate_with_a_reason():
    with pytest.raises(SpecError, match=r"model\.normalization.*running statistics"):
        expand_trials(load_spec("pac-bayes", "smoke", FAMILIES["resnet-batch"]))


def test_undeclared_family_is_a_clear_error():
    with pytest.raises(SpecError) as err:
        expand_trials(load_spec("grokking", "smoke", FAMILIES["cnn"]))
    assert err.value.field == "model.family" and "grokking" in str(err.value)


def test_family_switch_in_a_spec_file_drops_the_presets_model_keys(tmp_path):
    path = tmp_path / "spec.toml"
    path.write_text('study = "train"\n[model]\nfamily = "cnn"\nchannels = [3]\n'
                    'kernel_size = 3\n', encoding="utf-8")
    spec = load_spec(path, "smoke")
    assert spec.model.family == "cnn" and spec.model.channels == [3]
    assert not any(k.startswith("model.") for k in spec.grid.product)


@pytest.mark.parametrize("study", ["train", "double-descent"])
def test_random_features_family_trains_only_its_readout(study, tmp_path):
    spec = load_spec(study, "smoke", ["model.family=random-features", "model.num_features=32",
                                      "training.steps=20"])
    with Store(tmp_path) as store:
        summary = run_study(spec, store, device="cpu")
        trials = store.trials(summary.run_id)
    assert summary.failed == 0 and (trials["status"] == "done").all()
    assert set(trials["result.num_parameters"]) <= {32 * 10, 32 * 1, 32 * 2}
