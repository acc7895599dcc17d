"""Exchange: results that travel. Bundles (one deterministic, verifiable file per run), import
with provenance, comparison of two runs, and reproduction of a bundle's trials.

Public API (what the hub builds on):
    write_bundle(store, run_id, path=None, author=None, note=None) -> BundleInfo
    verify_bundle(path, limits=None) -> VerifiedBundle            (BundleError if bad)
    import_bundle(path_or_verified, store) -> ImportReport
    compare_runs(a, b, confidence=0.95) -> Comparison              (runs or bundles)
    reproduce_bundle(path_or_verified, trials=K, rng=seed, store=None) -> ReproductionRecord
Nothing in a bundle is ever unpickled or executed.

Names are imported on first use (PEP 562): `riskscope verify`, `import` and `show` need no torch.
"""

from __future__ import annotations

from riskscope.core.lazy_exports import lazy_exports

_WHERE = {
    "Limits": "archive",
    "Comparison": "compare", "ComparisonRow": "compare", "compare_runs": "compare",
    "BundleError": "errors",
    "code_fingerprint": "fingerprint",
    "ImportReport": "importer", "import_bundle": "importer",
    "BUNDLE_FORMAT": "layout",
    "ReproductionRecord": "reproduce", "TrialCheck": "reproduce", "reproduce_bundle": "reproduce",
    "reproduction_lines": "reproduction_text",
    "RunView": "sources", "open_view": "sources", "view_of_bundle": "sources",
    "view_of_run": "sources",
    "BundleTrial": "verify", "VerifiedBundle": "verify", "verify_bundle": "verify",
    "BundleInfo": "writer", "write_bundle": "writer",
}

__all__ = sorted(_WHERE)


__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
