"""The curvature analysis tests share the probe tests' helpers and fixtures."""

from tests.probes.conftest import (  # noqa: F401 - fixtures and helpers re-exported
    classification_data,
    regression_data,
    single_thread,
    symmetric_matrix,
    tiny_mlp,
)
