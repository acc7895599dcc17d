"""Modular arithmetic tasks: the table, the split, and bad parameters."""

import pytest
import torch

from riskscope.core.errors import SpecError
from riskscope.tasks import make_task
from riskscope.tasks.modular import is_prime, operands


@pytest.mark.parametrize(("name", "op"), [("modular-addition", lambda a, b: a + b),
                                          ("modular-multiplication", lambda a, b: a * b)])
def test_split_covers_the_table_and_labels_are_right(name, op):
    task = make_task(name, {"modulus": 7, "train_fraction": 0.4, "split_seed": 3})
    train, test = task.train_pool, task.holdout()
    assert len(train) == round(0.4 * 49) and len(train) + len(test) == 49
    x = torch.cat([train.x, test.x])
    a, b = operands(x, 7)
    pairs = set(zip(a.tolist(), b.tolist()))
    assert len(pairs) == 49                                    # every pair exactly once
    assert torch.equal(torch.cat([train.y, test.y]), op(a, b) % 7)
    assert x.shape == (49, 14) and x.sum(1).eq(2).all()        # two one-hot blocks
    assert task.input_dim == 14 and task.output_dim == 7


def test_split_depends_on_the_seed_only():
    one = make_task("modular-addition", {"modulus": 11, "split_seed": 1})
    two = make_task("modular-addition", {"modulus": 11, "split_seed": 1})
    other = make_task("modular-addition", {"modulus": 11, "split_seed": 2})
    assert torch.equal(one.train_index, two.train_index)
    assert not torch.equal(one.train_index, other.train_index)


def test_primes():
    assert [n for n in range(30) if is_prime(n)] == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]


def test_multiplication_needs_a_prime():
    with pytest.raises(SpecError) as err:
        make_task("modular-multiplication", {"modulus": 12})
    assert err.value.field == "task.modulus" and err.value.given == 12
    assert "prime" in str(err.value)
    make_task("modular-addition", {"modulus": 12})             # addition: any modulus


@pytest.mark.parametrize("fraction", [0.001, 0.999])
def test_a_fraction_that_empties_one_side_is_refused(fraction):
    with pytest.raises(SpecError) as err:
        make_task("modular-addition", {"modulus": 5, "train_fraction": fraction})
    assert err.value.field == "task.train_fraction" and err.value.given == fraction


@pytest.mark.parametrize("fraction", [0.0, 1.0, 1.5])
def test_fractions_outside_the_open_interval_are_refused(fraction):
    with pytest.raises(SpecError) as err:
        make_task("modular-addition", {"modulus": 5, "train_fraction": fraction})
    assert "train_fraction" in err.value.field
