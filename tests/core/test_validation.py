import pytest
from pydantic import Field

from riskscope.core.checks import check_choice, check_float, check_int
from riskscope.core.errors import SpecError
from riskscope.core.rng import derive_seed
from riskscope.core.validation import Params, validate_params


class Inner(Params):
    width: int = Field(default=4, gt=0)


class Outer(Params):
    lr: float = Field(default=0.1, gt=0)
    inner: Inner = Field(default_factory=Inner)


def test_unknown_key_lists_valid_keys_and_closest_match():
    with pytest.raises(SpecError) as exc:
        validate_params(Outer, {"lrr": 0.1}, prefix="training")
    msg = str(exc.value)
    assert "training.lrr" in msg and "inner, lr" in msg and "did you mean 'lr'" in msg


def test_nested_unknown_key_names_the_full_path():
    with pytest.raises(SpecError, match=r"training\.inner\.widht.*did you mean 'width'"):
        validate_params(Outer, {"inner": {"widht": 3}}, prefix="training")


def test_wrong_type_and_impossible_value():
    with pytest.raises(SpecError, match=r"lr: got 'fast'; allowed: a number"):
        validate_params(Outer, {"lr": "fast"})
    with pytest.raises(SpecError, match=r"inner\.width: got -3; allowed: greater than 0"):
        validate_params(Outer, {"inner": {"width": -3}})


def test_checks():
    assert check_int("n", 3, minimum=1) == 3
    with pytest.raises(SpecError, match="n: got True"):
        check_int("n", True)
    with pytest.raises(SpecError, match=r"delta: got 1.5; allowed: a number in \(0, 1\)"):
        check_float("delta", 1.5, 0, 1, open_low=True, open_high=True)
    with pytest.raises(SpecError, match="did you mean 'relu'"):
        check_choice("activation", "rlu", {"relu", "tanh"})


def test_derived_seeds_are_distinct_and_stable():
    seeds = {derive_seed(s, p) for s in range(50) for p in ("init", "data", "batch")}
    assert len(seeds) == 150
    assert derive_seed(7, "init") == derive_seed(7, "init")
    assert all(0 <= s < 2**63 for s in seeds)
