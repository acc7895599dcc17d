"""Generalization dynamics: double descent (model-, epoch-, sample-wise) and grokking."""
