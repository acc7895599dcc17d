"""Steps-to-learn and abruptness on constructed curves with known crossings."""

import math

import numpy as np
import pytest

from riskscope.analyses.features import first_crossing, learning_transition
from riskscope.core.errors import SpecError


def test_abrupt_step_curve():
    steps = np.arange(0, 1100, 100)
    acc = np.where(steps < 800, 0.5, 1.0)          # plateau at chance, then a jump at 800
    acc[steps == 800] = 0.9                         # one intermediate point
    result = learning_transition(steps, acc)
    assert result.steps_to_learn == 900 and result.learned
    # progress (acc − 0.5)/0.5: 0 at 700, 0.8 at 800, 1 at 900 → t10 = 712.5, t90 = 850
    assert result.t10 == pytest.approx(712.5)
    assert result.t90 == pytest.approx(850.0)
    assert result.relative_width == pytest.approx(137.5 / 900)


def test_gradual_curve_has_relative_width_near_one_and_censoring():
    steps = np.linspace(0, 1000, 101)
    acc = 0.5 + 0.5 * steps / 1000                 # linear progress
    result = learning_transition(steps, acc)
    assert result.t10 == pytest.approx(100) and result.t90 == pytest.approx(900)
    assert result.steps_to_learn == pytest.approx(980)
    assert result.relative_width == pytest.approx(800 / 980)
    never = learning_transition(steps, np.full_like(steps, 0.6))
    assert not never.learned and math.isnan(never.steps_to_learn)


def test_loss_threshold_and_bad_input():
    assert first_crossing([0, 10, 20], [1.0, 0.2, 0.01], 0.05, direction="below") == 20
    with pytest.raises(SpecError, match="steps"):
        first_crossing([0, 0, 1], [1, 2, 3], 2)
