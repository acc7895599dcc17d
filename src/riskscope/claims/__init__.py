"""Claims: stated predictions of theory (with their source) checked against the evidence of
runs in a store, each verdict — holds, fails or inconclusive — with the numbers behind it.

    from riskscope.claims import builtin_claims, check_claim, load_claim, verdicts_for_run

docs/claims.md describes the claim file format, the four checks and the built-in claims.
"""

from riskscope.claims.builtin import builtin_claim_paths, builtin_claims
from riskscope.claims.checks_spec import (
    ComparisonCheck,
    ExponentCheck,
    IntervalCheck,
    MonotoneCheck,
)
from riskscope.claims.claim import Claim, load_claim, parse_claim
from riskscope.claims.evaluate import check_claim, check_claims, check_run, verdicts_for_run
from riskscope.claims.verdict import VERDICTS, ClaimVerdict, Evidence

__all__ = [
    "VERDICTS",
    "Claim",
    "ClaimVerdict",
    "ComparisonCheck",
    "Evidence",
    "ExponentCheck",
    "IntervalCheck",
    "MonotoneCheck",
    "builtin_claim_paths",
    "builtin_claims",
    "check_claim",
    "check_claims",
    "check_run",
    "load_claim",
    "parse_claim",
    "verdicts_for_run",
]
