"""The `decomposition` study's smoke preset end to end: what it must show, and resuming."""

import numpy as np
import pytest

from riskscope.store import Store
from riskscope.studies import load_spec, run_study


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    directory = tmp_path_factory.mktemp("decomposition")
    spec = load_spec("decomposition", "smoke")
    with Store(directory) as store:
        summary = run_study(spec, store, device="cpu")
        trials = store.trials(summary.run_id)
    return directory, spec, summary, trials


def test_every_trial_finishes_and_the_identity_closes(smoke_run):
    _, spec, summary, trials = smoke_run
    assert summary.failed == 0 and summary.finished == summary.trials
    main = trials[trials["options.role"] == "main"]
    prereq = trials[trials["options.role"] == "best-in-class"]
    assert len(prereq) == len(spec.grid.product["model.width"])
    assert len(main) == 3 * 3 * 2 * 2
    assert np.nanmax(np.abs(main["result.decomposition_residual"])) < 1e-9
    assert (main["result.optimization_error"] >= 0).all()
    parts = main[["result.approximation_error", "result.optimization_error",
                  "result.generalization_gap", "result.remainder"]].sum(axis=1)
    np.testing.assert_allclose(parts, main["result.excess_risk"], atol=1e-9)


def test_realizable_students_have_no_approximation_error_and_narrow_ones_do(smoke_run):
    _, spec, _, trials = smoke_run
    teacher = spec.task["teacher_width"]
    prereq = trials[trials["options.role"] == "best-in-class"].set_index("model.width")
    for width, row in prereq.iterrows():
        lo = row["result.approximation_error_ci_low"]
        if width >= teacher:
            assert lo <= 0.01, (width, lo)  # an upper estimate; its interval reaches ~0
        else:
            assert lo > 0.05, (width, lo)


def test_generalization_gap_falls_with_n(smoke_run):
    _, _, _, trials = smoke_run
    main = trials[trials["options.role"] == "main"]
    wide = main[main["model.width"] == main["model.width"].max()]
    gap = wide.groupby("data.n_train")["result.generalization_gap"].mean()
    assert gap.index.is_monotonic_increasing
    assert gap.iloc[0] > 5 * gap.iloc[-1] > 0


def test_variance_splits_into_init_and_data(smoke_run):
    _, _, _, trials = smoke_run
    main = trials[trials["options.role"] == "main"]
    np.testing.assert_allclose(main["result.variance"],
                               main["result.variance_init"] + main["result.variance_data"],
                               rtol=1e-9)


def test_rerun_skips_everything(smoke_run):
    directory, spec, summary, _ = smoke_run
    with Store(directory) as store:
        again = run_study(spec, store, device="cpu")
    assert again.skipped == summary.trials and again.finished == 0


def test_oracle_preset_recovers_the_closed_forms(tmp_path):
    """The `oracle` preset (gaussian-design + linear family, GD to least squares): the
    certified optimization error is ~0, the approximation error's interval covers
    a² + ‖β_Sᶜ‖², and each excess risk is the exact risk of its trained weights."""
    from riskscope.tasks import make_task
    from riskscope.tasks.gaussian_design_oracle import linear_class_oracle

    spec = load_spec("decomposition", "oracle")
    with Store(tmp_path) as store:
        summary = run_study(spec, store, device="cpu")
        trials = store.trials(summary.run_id)
    assert summary.failed == 0 and summary.finished == summary.trials
    main = trials[trials["options.role"] == "main"]
    assert len(main) == 3 * 4
    assert main["result.certified"].all()
    assert (main["result.optimization_error"].abs() < 1e-8).all()
    task = {k: v for k, v in spec.task.items() if k != "name"}
    oracle = linear_class_oracle(make_task("gaussian-design", task), spec.model.features)
    low = main["result.approximation_error_ci_low"]
    high = main["result.approximation_error_ci_high"]
    assert ((low <= oracle.approximation_error) & (oracle.approximation_error <= high)).all()
    # shifted by 0.1 (three times the interval's half-width) it is no longer covered
    assert not ((low <= oracle.approximation_error + 0.1)
                & (oracle.approximation_error + 0.1 <= high)).any()
