"""Suite-wide settings: hypothesis profiles and the nightly marker.

The default profile keeps property-based tests to a few hundred examples in all (CI: 2 cores,
well inside its time limit). `RISKSCOPE_NIGHTLY=1` selects the `nightly` profile (20x the
examples) and runs the tests marked `nightly` (longer fuzzing and fault injection), which are
skipped otherwise.
"""

from __future__ import annotations

import os

import pytest

NIGHTLY = os.environ.get("RISKSCOPE_NIGHTLY") == "1"

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # hypothesis is in the test extra; without it those tests are skipped
    settings = None

if settings is not None:
    common = {"deadline": None, "derandomize": not NIGHTLY, "print_blob": True,
              "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large,
                                        HealthCheck.function_scoped_fixture]}
    settings.register_profile("default", **common)
    settings.register_profile("nightly", **common)
    settings.load_profile("nightly" if NIGHTLY else "default")


def examples(n: int) -> int:
    """`n` examples in the default run, 20n in the nightly one."""
    return 20 * n if NIGHTLY else n


def pytest_collection_modifyitems(config, items):
    if NIGHTLY:
        return
    skip = pytest.mark.skip(reason="nightly: set RISKSCOPE_NIGHTLY=1 to run")
    for item in items:
        if "nightly" in item.keywords:
            item.add_marker(skip)
