"""Class-balanced training sets: equal counts, drawn from the task, repeatable, and clear
errors when a size cannot be balanced."""

import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.tasks import class_balanced_sample, make_task


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def test_a_finite_pool_gives_distinct_pool_examples_n_over_c_per_class():
    task = make_task("digits", {})
    data = class_balanced_sample(task, 500, _gen(1))
    assert torch.bincount(data.y, minlength=10).tolist() == [50] * 10
    pool = task.train_pool
    # every drawn example is a pool example with its own label, none twice
    match = (data.x.unsqueeze(1) == pool.x.unsqueeze(0)).all(-1)       # [500, pool]
    assert match.any(1).all()
    assert len(torch.unique(match.float().argmax(1))) == 500
    assert (pool.y[match.float().argmax(1)] == data.y).all()
    again = class_balanced_sample(task, 500, _gen(1))
    assert torch.equal(again.x, data.x)
    assert not torch.equal(class_balanced_sample(task, 500, _gen(2)).x, data.x)


def test_a_generative_task_is_drawn_until_every_class_is_full():
    task = make_task("gaussian-mixture", {"num_classes": 3, "input_dim": 2,
                                          "priors": [0.6, 0.3, 0.1]})
    data = class_balanced_sample(task, 30, _gen(0))
    assert torch.bincount(data.y, minlength=3).tolist() == [10, 10, 10]


def test_sizes_that_cannot_be_balanced_name_data_n_train():
    task = make_task("digits", {})
    with pytest.raises(SpecError, match=r"data\.n_train.*multiple of the 10"):
        class_balanced_sample(task, 505, _gen(0))
    with pytest.raises(SpecError, match=r"data\.n_train.*rarest class"):
        class_balanced_sample(task, 1340, _gen(0))
    with pytest.raises(SpecError, match="classification"):
        class_balanced_sample(make_task("teacher-student-regression", {}), 10, _gen(0))
