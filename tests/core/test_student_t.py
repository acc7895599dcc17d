"""The pure-Python Student t against scipy's (the oracle) and against its own CDF."""

import math

import pytest
from scipy.special import stdtr, stdtrit

from riskscope.core.estimate import t_quantile
from riskscope.core.student_t import student_t_cdf, student_t_quantile

DFS = [1, 1.5, 2, 2.5, 3, 4, 5, 7.3, 10, 29, 30, 100, 199, 201, 1e3, 1e4, 99_999, 1e5, 1e7,
       1e11]
PS = [0.55, 0.6, 0.75, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 0.9999]


@pytest.mark.parametrize("df", DFS)
def test_quantile_matches_scipy(df):
    for p in PS:
        for side in (p, 1 - p):
            assert student_t_quantile(side, df) == pytest.approx(float(stdtrit(df, side)),
                                                                 rel=1e-12, abs=0)


@pytest.mark.parametrize("df", [0.3, 0.5, 1, 3.5])
def test_heavy_tails_and_fractional_df(df):
    for p in (1e-6, 1e-3, 1 - 1e-8):
        assert student_t_quantile(p, df) == pytest.approx(float(stdtrit(df, p)), rel=1e-9)


@pytest.mark.parametrize("df", [0.5, 1, 2.5, 30, 1e4, 1e5])
def test_cdf_matches_scipy(df):
    for t in (-30.0, -3.0, -0.5, 0.0, 0.1, 1.0, 2.5, 10.0, 1e3):
        assert student_t_cdf(t, df) == pytest.approx(float(stdtr(df, t)), rel=1e-11)


@pytest.mark.parametrize("df", [1.5, 4, 30, 1e4])
def test_quantile_inverts_the_cdf_next_to_the_median(df):
    # where scipy's stdtrit is itself coarse (p = ½ + 1e-7), the CDF is the oracle
    for p in (0.5 + 1e-7, 0.5 + 1e-9, 0.5 - 1e-7):
        assert student_t_cdf(student_t_quantile(p, df), df) == pytest.approx(p, abs=1e-15)
    assert student_t_quantile(0.5, df) == 0.0


def test_infinite_df_is_the_normal():
    assert student_t_quantile(0.975, math.inf) == pytest.approx(1.959963984540054, rel=1e-14)


def test_two_sided_critical_value():
    assert t_quantile(0.95, 9) == pytest.approx(float(stdtrit(9, 0.975)), rel=1e-13)


@pytest.mark.parametrize(("p", "df"), [(0.0, 3), (1.0, 3), (0.5, 0), (0.5, -1), (0.5, math.nan)])
def test_outside_the_domain_is_refused(p, df):
    with pytest.raises(ValueError):
        student_t_quantile(p, df)
