"""The terminal phase from measured series, against hand-worked cases."""

import math

import pytest

from riskscope.analyses.features import terminal_phase
from riskscope.core.errors import SpecError

STEPS = [0, 10, 100, 1000, 10000]


def test_start_is_the_first_step_after_the_last_nonzero_error():
    # a zero at step 10 that does not last is not the start; the start is step 1000
    phase = terminal_phase(STEPS, [0.9, 0.0, 0.01, 0.0, 0.0], [1.0, 0.5, 0.3, 0.1, 0.001],
                           {"nc3": [2, 1, 0.5, 0.4, 0.1]})
    assert phase.terminal_start_step == 1000
    assert phase.terminal_fraction == pytest.approx(0.9)
    assert phase.nc1_decades_terminal == pytest.approx(2.0)      # 0.1 → 0.001
    assert phase.nc1_decades_total == pytest.approx(3.0)         # 1 → 0.001
    assert phase.at_start == {"nc3": 0.4}


def test_a_rising_nc1_gives_negative_decades_and_zero_error_throughout_starts_at_zero():
    phase = terminal_phase(STEPS, [0.0] * 5, [0.01, 0.02, 0.05, 0.1, 0.1])
    assert phase.terminal_start_step == 0 and phase.terminal_fraction == 1.0
    assert phase.nc1_decades_terminal == pytest.approx(-1.0)


def test_never_reaching_zero_error_is_censored():
    phase = terminal_phase(STEPS, [0.9, 0.5, 0.1, 0.0, 0.02], [1, 1, 1, 1, 1])
    assert phase.terminal_start_step is None and phase.terminal_fraction == 0.0
    assert math.isnan(phase.nc1_decades_terminal)
    assert phase.nc1_decades_total == 0.0
    # a diverged member (NaN error at the end) is not in the terminal phase either
    assert terminal_phase(STEPS, [0.5, 0, 0, 0, math.nan], [1] * 5).terminal_start_step is None


def test_bad_series_are_spec_errors():
    with pytest.raises(SpecError, match="train_error"):
        terminal_phase(STEPS, [0.0] * 4, [1.0] * 5)
    with pytest.raises(SpecError, match="steps"):
        terminal_phase([0, 5, 5], [0, 0, 0], [1, 1, 1])
