"""Dense float64 oracles and conformance checks used by the tests."""
