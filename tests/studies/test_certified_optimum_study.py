"""The `certified-optimum` study: SGD's gap to the certified global optimum."""

import numpy as np
import pytest

from riskscope.core.errors import SpecError
from riskscope.store import Store
from riskscope.studies import expand_trials, load_spec, run_study


def test_smoke_preset_certifies_and_measures_the_gap(tmp_path):
    spec = load_spec("certified-optimum", "smoke")
    with Store(tmp_path) as store:
        summary = run_study(spec, store, device="cpu")
        trials = store.trials(summary.run_id)
    assert summary.failed == 0 and len(trials) == 4
    assert (trials["result.certified"] == 1.0).all()
    lower = trials["result.certified_lower_bound"]
    assert (trials["result.certified_optimum"] - lower <= 1e-6 * lower + 1e-12).all()
    # No trained network goes below the certified lower bound.
    assert (trials["result.trained_objective"] >= lower * (1 - 1e-9)).all()
    assert (trials["result.certified_optimization_error"] >= -1e-9).all()
    # The objective agrees with the trainer's own loss plus the penalty's contribution.
    assert np.all(trials["result.trained_objective"] >= trials["result.train_loss"] - 1e-6)
    # One training set per seed: equal seeds share the certified optimum across widths.
    by_seed = trials.groupby("seed")["result.certified_optimum"].nunique()
    assert (by_seed == 1).all()


@pytest.mark.parametrize("override,field", [
    ("model.depth=2", "model.depth"),
    ("training.weight_decay=0.0", "training.weight_decay"),
    ("task.input_dim=2", "task.input_dim"),
    ("training.optimizer='adamw'", "training.optimizer"),
])
def test_settings_outside_the_reformulation_are_refused(override, field):
    with pytest.raises(SpecError, match=field.replace(".", r"\.")):
        expand_trials(load_spec("certified-optimum", "smoke", [override]))
