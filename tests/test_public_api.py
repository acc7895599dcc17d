"""The top-level API names resolve to callables (imported lazily)."""

import riskscope


def test_public_functions_resolve():
    for name in ("decompose", "hessian_top_eigenvalues", "hessian_trace", "empirical_ntk",
                 "analytic_ntk", "analytic_nngp", "pac_bayes_certificate",
                 "complexity_measures"):
        assert callable(getattr(riskscope, name)), name
    assert set(riskscope.__all__) >= {"decompose", "Estimate", "SpecError"}
