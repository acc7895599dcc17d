"""riskscope: make the theory of deep learning measurable.

The public API is re-exported here; see docs/architecture.md for the layering.
"""

import riskscope._startup  # noqa: F401 - first: the `riskscope` program's quiet Ctrl-C
from riskscope.core.errors import RiskscopeError, SpecError, StoreError
from riskscope.core.estimate import Estimate

# Public functions, imported on first use (they pull in torch and the training stack).
_LAZY = {
    "decompose": "riskscope.analyses.decomposition.api",
    "hessian_top_eigenvalues": "riskscope.probes.linops.api",
    "hessian_trace": "riskscope.probes.linops.api",
    "empirical_ntk": "riskscope.probes.kernels.empirical_ntk",
    "analytic_ntk": "riskscope.probes.kernels.analytic",
    "analytic_nngp": "riskscope.probes.kernels.analytic",
    "pac_bayes_certificate": "riskscope.analyses.bounds.network_certificate",
    "complexity_measures": "riskscope.analyses.measures.api",
}

__all__ = ["Estimate", "RiskscopeError", "SpecError", "StoreError", "__version__", *_LAZY]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'riskscope' has no attribute {name!r}")
