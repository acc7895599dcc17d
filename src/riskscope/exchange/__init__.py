"""Exchange: results that travel. Bundles (one deterministic, verifiable file per run), import
with provenance, comparison of two runs, and reproduction of a bundle's trials.

Public API (what the hub builds on):
    write_bundle(store, run_id, path=None, author=None, note=None) -> BundleInfo
    verify_bundle(path, limits=None) -> VerifiedBundle            (BundleError if bad)
    import_bundle(path_or_verified, store) -> ImportReport
    compare_runs(a, b, confidence=0.95) -> Comparison              (runs or bundles)
    reproduce_bundle(path_or_verified, trials=K, rng=seed, store=None) -> ReproductionRecord
Nothing in a bundle is ever unpickled or executed.
"""

from riskscope.exchange.archive import Limits
from riskscope.exchange.compare import Comparison, ComparisonRow, compare_runs
from riskscope.exchange.errors import BundleError
from riskscope.exchange.fingerprint import code_fingerprint
from riskscope.exchange.importer import ImportReport, import_bundle
from riskscope.exchange.layout import BUNDLE_FORMAT
from riskscope.exchange.reproduce import ReproductionRecord, TrialCheck, reproduce_bundle
from riskscope.exchange.reproduction_text import reproduction_lines
from riskscope.exchange.sources import RunView, open_view, view_of_bundle, view_of_run
from riskscope.exchange.verify import BundleTrial, VerifiedBundle, verify_bundle
from riskscope.exchange.writer import BundleInfo, write_bundle

__all__ = [
    "BUNDLE_FORMAT",
    "BundleError",
    "BundleInfo",
    "BundleTrial",
    "Comparison",
    "ComparisonRow",
    "ImportReport",
    "Limits",
    "ReproductionRecord",
    "RunView",
    "TrialCheck",
    "VerifiedBundle",
    "code_fingerprint",
    "compare_runs",
    "import_bundle",
    "open_view",
    "reproduce_bundle",
    "reproduction_lines",
    "verify_bundle",
    "view_of_bundle",
    "view_of_run",
    "write_bundle",
]
