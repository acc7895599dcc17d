"""riskscope: make the theory of deep learning measurable.

The public API is re-exported here; see docs/architecture.md for the layering.
"""

from riskscope.core.errors import RiskscopeError, SpecError, StoreError
from riskscope.core.estimate import Estimate

__all__ = ["Estimate", "RiskscopeError", "SpecError", "StoreError", "__version__"]
__version__ = "0.1.0"
