"""The weight-spectra study runs end to end on its smoke preset; its stored results agree with
the spectra recomputed from the stored eigenvalues and from the retrained weights, and its
report draws the ESD, α over training and α against test error."""

import math

import numpy as np
import pytest
import torch

import riskscope.studies.builtin  # noqa: F401  (registers the studies)
from riskscope.core.errors import SpecError
from riskscope.probes.spectra import fit_power_law
from riskscope.report.build import build_report
from riskscope.studies import load_spec
from tests.studies.preset_runs import open_preset_run


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    store, summary = open_preset_run(tmp_path_factory.mktemp("weight-spectra"), "weight-spectra")
    yield store, summary
    store.close()


def test_results_match_the_stored_spectra(smoke):
    store, summary = smoke
    assert summary.failed == 0
    trials = store.trials(summary.run_id)
    assert len(trials) == 4 and set(trials["status"]) == {"done"}
    for _, row in trials.iterrows():
        eig = store.load_artifact(row["trial_hash"], "spectra")
        assert sorted(eig) == ["layer0", "layer1", "layer2"]
        alphas = []
        for k in range(3):
            lam = eig[f"layer{k}"].numpy()
            fit = fit_power_law(lam[lam > lam[-1] * 1e-12])
            expected = fit.alpha if lam.size >= 20 else math.nan   # layer 2: 10 classes
            assert row[f"result.alpha_layer{k}"] == pytest.approx(expected, nan_ok=True)
            assert row[f"result.stable_rank_layer{k}"] == pytest.approx(lam.sum() / lam.max())
            assert row[f"result.num_spikes_layer{k}"] == \
                (lam > row[f"result.mp_edge_layer{k}"]).sum()
            if lam.size >= 20:
                alphas.append(fit.alpha)
        assert row["result.mean_alpha"] == pytest.approx(np.mean(alphas))
        assert 0 <= row["result.test_error"] <= 1


def test_alpha_series_over_training_end_at_the_final_result(smoke):
    store, summary = smoke
    trials = store.trials(summary.run_id)
    metrics = store.metrics(summary.run_id)
    row = trials.iloc[0]
    mine = metrics[(metrics["trial_hash"] == row["trial_hash"])
                   & (metrics["name"] == "alpha_layer0")].sort_values("step")
    assert mine["step"].tolist() == [0, 40, 80, 120]      # spectra_every = 40, 120 steps
    assert mine["value"].iloc[-1] == pytest.approx(row["result.alpha_layer0"])


def test_the_final_spectra_are_those_of_the_trained_weights(smoke):
    """Retrain one trial on its own (a group of one) and recompute layer 0's spectrum."""
    from riskscope.probes.spectra import weight_spectra
    from riskscope.studies.builtin.weight_spectra import WeightSpectraStudy
    from riskscope.studies.expand import expand_trials
    from riskscope.studies.study import GroupContext

    store, summary = smoke
    trial = expand_trials(load_spec("weight-spectra", "smoke"))[0]
    stored = store.trials(summary.run_id).set_index("trial_hash").loc[trial.hash]
    captured = {}
    study = WeightSpectraStudy()
    import riskscope.studies.builtin.weight_spectra as module
    original = module.member_spectra

    def spy(ensemble, i, opts):
        captured["model"] = ensemble.member(i)
        return original(ensemble, i, opts)

    module.member_spectra = spy
    try:
        (outcome,) = study.run_group([trial], GroupContext(torch.device("cpu")))
    finally:
        module.member_spectra = original
    layers = weight_spectra(captured["model"])
    assert outcome.result["alpha_layer0"] == pytest.approx(layers[0].alpha, rel=1e-6)
    assert stored["result.alpha_layer0"] == pytest.approx(layers[0].alpha, rel=1e-4)


def test_report_draws_the_spectra_figures(smoke, tmp_path):
    store, summary = smoke
    page = build_report(store, summary.run_id, tmp_path / "report", formats=("png",),
                        n_resamples=200)
    figures = {p.stem for p in (page.parent / "figures").glob("*.png")}
    assert {"esd_tail", "alpha_over_training", "alpha_vs_test_error"} <= figures


def test_online_training_is_refused():
    with pytest.raises(SpecError, match=r"training\.online"):
        from riskscope.studies.expand import expand_trials

        expand_trials(load_spec("weight-spectra", "smoke", ["training.online=true"]))
