"""The top-level API: every public name resolves lazily, is listed by dir() (tab completion),
`import riskscope` does not import torch, and the docstring examples run (doctests)."""

import doctest
import subprocess
import sys

import pytest

import riskscope

#: public functions whose docstrings carry a runnable example (run below as doctests)
WITH_EXAMPLES = ("fit_power_law", "weight_spectra", "matrix_spectrum", "marchenko_pastur_edges",
                 "hessian_top_eigenvalues", "hessian_trace", "hessian_spectral_density",
                 "empirical_ntk", "neural_collapse", "kendall_tau", "score_measures",
                 "probe_model")


def test_public_functions_resolve():
    for name in ("decompose", "hessian_top_eigenvalues", "hessian_trace", "empirical_ntk",
                 "analytic_ntk", "analytic_nngp", "pac_bayes_certificate",
                 "complexity_measures"):
        assert callable(getattr(riskscope, name)), name
    assert set(riskscope.__all__) >= {"decompose", "Estimate", "SpecError"}


def test_every_public_name_resolves_and_is_listed_by_dir():
    listed = set(dir(riskscope))
    for name in riskscope.__all__:
        assert name in listed, name
        assert getattr(riskscope, name) is not None, name
    assert {"norm_bounds", "hessian_spectral_density", "neural_collapse", "fit_power_law",
            "score_measures", "weight_spectra", "probe_model", "export_run"} <= listed
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        riskscope.nope  # noqa: B018


def test_import_riskscope_does_not_import_torch():
    code = ("import sys, riskscope; heavy = [m for m in ('torch', 'pandas', 'matplotlib') "
            "if m in sys.modules]; print(heavy); assert not heavy, heavy; "
            "assert 'weight_spectra' in dir(riskscope)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", WITH_EXAMPLES)
def test_docstring_examples_run(name, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    obj = getattr(riskscope, name)
    tests = doctest.DocTestFinder(recurse=False).find(obj, name, globs=vars(
        sys.modules[obj.__module__]).copy())
    examples = [t for t in tests if t.examples]
    assert examples, f"{name} has no example in its docstring"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in examples:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_module_docstring_example_runs():
    failed, attempted = doctest.testmod(riskscope, verbose=False)
    assert attempted > 0 and failed == 0
