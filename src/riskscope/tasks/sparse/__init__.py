"""Sparse feature-learning tasks: sparse parity, staircases, sparse single/multi-index models.

Importing this package registers `sparse-parity`, `staircase`, `single-index`, `multi-index`.
"""

from riskscope.tasks.sparse.boolean_cube import cube_points, parity, random_signs, secret_support
from riskscope.tasks.sparse.hermite import HERMITE_EXPONENTS, hermite_link, sparse_directions
from riskscope.tasks.sparse.index_models import MultiIndex, SingleIndex
from riskscope.tasks.sparse.sparse_parity import SparseParity
from riskscope.tasks.sparse.staircase import Staircase

__all__ = [
    "HERMITE_EXPONENTS",
    "MultiIndex",
    "SingleIndex",
    "SparseParity",
    "Staircase",
    "cube_points",
    "hermite_link",
    "parity",
    "random_signs",
    "secret_support",
    "sparse_directions",
]
