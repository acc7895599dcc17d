"""Estimate and result types, randomness, errors and shared argument checks."""

from riskscope.core.errors import RiskscopeError, SpecError, StoreError
from riskscope.core.estimate import Estimate

__all__ = ["Estimate", "RiskscopeError", "SpecError", "StoreError"]
