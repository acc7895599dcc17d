"""riskscope: make the theory of deep learning measurable.

The public API is re-exported here; see docs/architecture.md for the layering.
"""

from riskscope.core.errors import RiskscopeError, SpecError, StoreError
from riskscope.core.estimate import Estimate

__all__ = ["Estimate", "RiskscopeError", "SpecError", "StoreError", "__version__", "decompose"]
__version__ = "0.1.0"


def __getattr__(name: str):
    # The analyses pull in torch and the training stack: import them on first use only.
    if name == "decompose":
        from riskscope.analyses.decomposition.api import decompose

        return decompose
    raise AttributeError(f"module 'riskscope' has no attribute {name!r}")
