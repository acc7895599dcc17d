"""The binary KL and its upper inverse, against a brute-force search that shares no code."""

import math

import numpy as np
import pytest

from riskscope.analyses.bounds import binary_kl, kl_inverse_upper
from riskscope.core.errors import SpecError


def brute_force_inverse(q: float, c: float) -> float:
    """sup{p ∈ [q, 1]: kl(q‖p) ≤ c} by repeated grid refinement (no bisection, no Newton)."""
    def kl(p):
        p = np.clip(p, 1e-300, 1 - 1e-16)
        a = q * np.log(q / p) if q > 0 else 0.0
        b = (1 - q) * np.log((1 - q) / (1 - p)) if q < 1 else 0.0
        return a + b

    lo, hi = q, 1.0
    for _ in range(6):
        grid = np.linspace(lo, hi, 2001)
        ok = grid[kl(grid) <= c]
        last = ok.max()
        step = grid[1] - grid[0]
        lo, hi = last, min(last + step, 1.0)
    return lo


def test_binary_kl_values_and_conventions():
    assert binary_kl(0.3, 0.3) == 0.0
    assert binary_kl(0.0, 0.5) == pytest.approx(math.log(2))
    assert binary_kl(0.2, 0.5) == pytest.approx(0.2 * math.log(0.4) + 0.8 * math.log(1.6))
    assert binary_kl(0.5, 0.0) == math.inf and binary_kl(0.5, 1.0) == math.inf
    assert binary_kl(0.0, 0.0) == 0.0 and binary_kl(1.0, 1.0) == 0.0


@pytest.mark.parametrize("q,c", [(0.0, 0.01), (0.02, 0.0053), (0.1, 0.3), (0.5, 0.02),
                                 (0.9, 0.05), (0.001, 2.0), (0.3, 1e-6)])
def test_inverse_matches_brute_force_to_1e9(q, c):
    assert kl_inverse_upper(q, c) == pytest.approx(brute_force_inverse(q, c), abs=1e-9)


def test_inverse_is_on_the_upper_side_never_a_midpoint():
    # Pitfall: returning the bisection midpoint can fall below the true inverse. The answer
    # must satisfy kl(q‖p) ≥ c (it is at or above the root) and exceed it by at most an ulp.
    rng = np.random.default_rng(0)
    for q, c in zip(rng.uniform(0, 0.99, 300), rng.exponential(0.05, 300)):
        p = kl_inverse_upper(float(q), float(c))
        assert p == 1.0 or binary_kl(q, p) >= c
        below = math.nextafter(p, 0.0)
        assert below < q or binary_kl(q, below) <= c * (1 + 1e-12) + 1e-15


def test_inverse_edge_cases_and_closed_form_at_zero():
    assert kl_inverse_upper(0.3, 0.0) == 0.3
    assert kl_inverse_upper(1.0, 0.5) == 1.0
    assert kl_inverse_upper(0.2, math.inf) == 1.0
    # q = 0: kl(0‖p) = −ln(1 − p) ≤ c  ⇔  p ≤ 1 − e^{−c}
    assert kl_inverse_upper(0.0, 0.7) == pytest.approx(-math.expm1(-0.7), abs=1e-15)


@pytest.mark.parametrize("q,c,field", [(-0.1, 0.1, "q"), (1.2, 0.1, "q"), (0.1, -1.0, "c"),
                                       (0.1, math.nan, "c")])
def test_inverse_rejects_bad_arguments(q, c, field):
    with pytest.raises(SpecError, match=field):
        kl_inverse_upper(q, c)
