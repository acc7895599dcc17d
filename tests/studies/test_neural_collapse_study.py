"""The neural-collapse study runs end to end on its smoke preset (and on a CNN); what it stores
is declared, its final NC values are those of the trained networks recomputed member by member
from plain modules, its terminal phase follows the stored training-error series, and its report
draws NC1–NC4 over training."""

import math

import numpy as np
import pytest
import torch

import riskscope.studies.builtin  # noqa: F401  (registers the studies)
from riskscope.core.errors import SpecError
from riskscope.probes.features import neural_collapse
from riskscope.report.build import build_report
from riskscope.store import Store
from riskscope.studies import load_spec, run_study
from riskscope.studies.expand import expand_trials
from tests.studies.declared_check import declaration_problems
from tests.studies.preset_runs import open_preset_run


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    store, summary = open_preset_run(tmp_path_factory.mktemp("neural-collapse"), "neural-collapse")
    yield store, summary
    store.close()


def _series(metrics, trial_hash, name):
    part = metrics[(metrics["trial_hash"] == trial_hash) & (metrics["name"] == name)]
    part = part.sort_values("step")
    return part["step"].to_numpy(), part["value"].to_numpy(np.float64)


def test_smoke_stores_declared_results_and_reaches_the_terminal_phase(smoke):
    store, summary = smoke
    assert summary.failed == 0
    assert declaration_problems(store, summary.run_id) == []
    trials = store.trials(summary.run_id)
    assert len(trials) == 2 and set(trials["status"]) == {"done"}
    metrics = store.metrics(summary.run_id)
    for _, row in trials.iterrows():
        steps, err = _series(metrics, row["trial_hash"], "train_error")
        _, nc1 = _series(metrics, row["trial_hash"], "nc1")
        assert steps[0] == 0 and steps[-1] == 400
        assert nc1[-1] == pytest.approx(row["result.nc1"])
        # the terminal phase starts right after the last non-zero training error
        assert err[-1] == 0 and row["result.train_error"] == 0
        start = steps[np.flatnonzero(err > 0)[-1] + 1]
        assert row["result.terminal_start_step"] == start
        k = int(np.flatnonzero(steps == start)[0])
        assert row["result.terminal_start_nc1"] == pytest.approx(nc1[k])
        assert row["result.nc1_decades_terminal"] == pytest.approx(
            math.log10(nc1[k] / nc1[-1]))
        assert row["result.nc1_decades_total"] == pytest.approx(math.log10(nc1[0] / nc1[-1]))
        # the recorder's training error is the trainer's own, measured the same way
        t_steps, t_err = _series(metrics, row["trial_hash"], "train_risk")
        common = np.intersect1d(steps, t_steps)
        assert len(common) >= 10
        np.testing.assert_allclose(err[np.isin(steps, common)], t_err[np.isin(t_steps, common)])
        assert row["result.balanced"]


def test_final_values_are_those_of_the_trained_members_as_plain_networks(smoke):
    """Rerun the smoke group, capture the ensemble, and recompute NC1–NC4 of each member from
    its plain MLP (`ensemble.member(i)`) on its own class-balanced training set."""
    import riskscope.studies.builtin.neural_collapse as module
    from riskscope.core.rng import torch_generator
    from riskscope.studies.study import GroupContext
    from riskscope.tasks import class_balanced_sample

    store, summary = smoke
    trials = expand_trials(load_spec("neural-collapse", "smoke"))
    captured = {}
    original = module.train_with_collapse

    def spy(ensemble, *args, **kwargs):
        captured["ensemble"] = ensemble
        return original(ensemble, *args, **kwargs)

    module.train_with_collapse = spy
    try:
        outcomes = module.NeuralCollapseStudy().run_group(trials, GroupContext(
            torch.device("cpu")))
    finally:
        module.train_with_collapse = original
    stored = store.trials(summary.run_id).set_index("trial_hash")
    task = trials[0].task()
    for i, (trial, outcome) in enumerate(zip(trials, outcomes)):
        from riskscope.studies.fit_group import member_seeds

        data = class_balanced_sample(task, 200, torch_generator(member_seeds(trial).data_seed))
        assert torch.bincount(data.y).tolist() == [20] * 10
        net = captured["ensemble"].member(i).eval()
        with torch.no_grad():
            h = net.features(data.x)
        last = net.layers[-1]
        nc = neural_collapse(h, data.y, last.weight, last.bias, 10)
        for name in ("nc1", "nc2_equinorm", "nc2_equiangular", "nc3", "nc4"):
            assert outcome.result[name] == pytest.approx(getattr(nc, name), rel=1e-4,
                                                         abs=1e-9), name
            assert stored.loc[trial.hash, f"result.{name}"] == pytest.approx(
                outcome.result[name], rel=1e-6, abs=1e-12)


def test_report_draws_the_collapse_figure(smoke, tmp_path):
    store, summary = smoke
    page = build_report(store, summary.run_id, tmp_path / "report", formats=("png",),
                        n_resamples=200)
    assert "neural_collapse" in {p.stem for p in (page.parent / "figures").glob("*.png")}


def test_a_cnn_runs_and_stores_collapse_series(tmp_path):
    overrides = ["seeds=1", "model.family=cnn", "model.dims=2", "model.channels=[4, 8]",
                 "model.kernel_size=3", "model.stride=1", "model.pool=max",
                 "model.head=global-average", "training.steps=60", "training.log_points=6"]
    with Store(tmp_path) as store:
        summary = run_study(load_spec("neural-collapse", "smoke", overrides), store,
                            device="cpu", preset="smoke")
        assert summary.failed == 0
        assert declaration_problems(store, summary.run_id) == []
        metrics = store.metrics(summary.run_id)
        nc1 = metrics[metrics["name"] == "nc1"]["value"].to_numpy(np.float64)
        assert len(nc1) >= 5 and np.isfinite(nc1).all() and (nc1 > 0).all()


@pytest.mark.parametrize(("override", "field"), [
    (["task.name=gaussian-mixture", "task.num_classes=2"], "task.name"),
    (["training.online=true"], "training.online"),
    (["model.family=transformer"], "model.family"),
])
def test_unsuitable_trials_are_refused_by_field(override, field):
    with pytest.raises(SpecError, match=field.replace(".", r"\.")):
        expand_trials(load_spec("neural-collapse", "smoke", override))
