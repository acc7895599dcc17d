"""riskscope: make the theory of deep learning measurable.

The public API is re-exported here; see docs/architecture.md for the layering. Functions are
loaded on first use (PEP 562 module `__getattr__`), so `import riskscope` stays light (no
torch); `dir(riskscope)` and tab completion list every name all the same (`__dir__`).

>>> import riskscope
>>> "weight_spectra" in dir(riskscope) and callable(riskscope.fit_power_law)
True
"""

import riskscope._startup  # noqa: F401 - first: the `riskscope` program's quiet Ctrl-C
from riskscope.core.errors import RiskscopeError, SpecError, StoreError
from riskscope.core.estimate import Estimate

# Public functions and classes, imported on first use (they pull in torch and the rest).
_LAZY = {
    # excess-risk decomposition
    "decompose": "riskscope.procedures.decomposition_api",
    # curvature
    "hessian_top_eigenvalues": "riskscope.probes.curvature_api",
    "hessian_trace": "riskscope.probes.curvature_api",
    "hessian_spectral_density": "riskscope.probes.curvature_api",
    "lanczos_top_eigenvalues": "riskscope.probes.estimators.lanczos",
    "slq_spectral_density": "riskscope.probes.estimators.slq",
    "hutchinson_trace": "riskscope.probes.estimators.trace",
    "hutchplusplus_trace": "riskscope.probes.estimators.trace",
    # kernels
    "empirical_ntk": "riskscope.probes.kernels.empirical_ntk",
    "analytic_ntk": "riskscope.probes.kernels.analytic",
    "analytic_nngp": "riskscope.probes.kernels.analytic",
    # bounds and complexity measures
    "pac_bayes_certificate": "riskscope.procedures.network_certificate",
    "norm_bounds": "riskscope.analyses.bounds.norm_bounds",
    "layer_norms": "riskscope.probes.complexity.norms",
    "path_norm": "riskscope.probes.complexity.path_norm",
    "complexity_measures": "riskscope.analyses.measures.api",
    "score_measures": "riskscope.analyses.measures.score_table",
    "plot_measure_scores": "riskscope.analyses.measures.score_table",
    "kendall_tau": "riskscope.analyses.measures.kendall",
    "granulated_kendall": "riskscope.analyses.measures.kendall",
    # features
    "neural_collapse": "riskscope.probes.features.neural_collapse",
    # weight spectra
    "weight_spectra": "riskscope.probes.spectra.weight_spectra",
    "matrix_spectrum": "riskscope.probes.spectra.weight_spectra",
    "spectra_summary": "riskscope.probes.spectra.weight_spectra",
    "fit_power_law": "riskscope.probes.spectra.power_law",
    "marchenko_pastur_edges": "riskscope.probes.spectra.marchenko_pastur",
    # studies, store, reports, tasks
    "load_spec": "riskscope.studies.load",
    "run_study": "riskscope.studies.runner",
    "study_names": "riskscope.studies.registry",
    "Store": "riskscope.store.sqlite_store",
    "build_report": "riskscope.report.build",
    "make_task": "riskscope.tasks.registry",
    "task_names": "riskscope.tasks.registry",
    # measure a model of your own (what `riskscope probe` runs)
    "probe_model": "riskscope.procedures.model_probe",
    "export_run": "riskscope.report.trackers",
}

__all__ = ["Estimate", "RiskscopeError", "SpecError", "StoreError", "__version__", *_LAZY]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        if name in ("run_study", "study_names", "load_spec"):
            importlib.import_module("riskscope.studies")   # registers the built-in studies
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value       # later look-ups skip this function
        return value
    raise AttributeError(f"module 'riskscope' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
