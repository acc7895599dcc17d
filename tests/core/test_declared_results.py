"""The declared-results contract: validation, family names, range clipping, JSON round trip."""

import math

import pytest

from riskscope.core.declared_results import DeclaredResult, ResultDeclaration
from riskscope.core.errors import SpecError


def test_round_trip_and_lookup():
    decl = ResultDeclaration(
        (DeclaredResult("test_error", "0-1 error on fresh samples", low=0, high=1,
                        unit="0-1 error", headline=True),
         DeclaredResult("steps_to_*", "first step a threshold is crossed", low=0),
         DeclaredResult("steps_to_test_*", "first step the test error crosses", low=0),
         DeclaredResult("train_loss", "training loss", kind="series", low=0)),
        report_figures=("epoch_wise",), headline_figure="epoch_wise")
    again = ResultDeclaration.from_json(decl.to_json())
    assert again == decl
    assert decl.get("steps_to_test_0.1").name == "steps_to_test_*"  # longest family wins
    assert decl.get("steps_to_train_0.1").name == "steps_to_*"
    assert decl.get("nope") is None
    assert [r.name for r in decl.headline()] == ["test_error"]
    assert decl.names("series") == ["train_loss"]


def test_clip_and_range():
    r = DeclaredResult("acc", "accuracy", low=0.0, high=1.0)
    assert r.clip(-0.14) == 0.0 and r.clip(1.2) == 1.0 and r.clip(0.3) == 0.3
    assert math.isnan(r.clip(math.nan))
    assert r.in_range(0.5) and not r.in_range(1.5) and not r.in_range(math.nan)


@pytest.mark.parametrize("kwargs, field", [
    ({"name": "", "meaning": "x"}, "result.name"),
    ({"name": "a*b", "meaning": "x"}, "result.name"),
    ({"name": "a", "meaning": "x", "kind": "matrix"}, "kind"),
    ({"name": "a", "meaning": "x", "low": 2, "high": 1}, "range"),
    ({"name": "a", "meaning": "x", "low": "0"}, "low"),
])
def test_bad_declarations_name_the_field(kwargs, field):
    with pytest.raises(SpecError, match=field):
        DeclaredResult(**kwargs)


def test_stored_declaration_checks():
    assert ResultDeclaration.from_json(None) == ResultDeclaration()
    with pytest.raises(SpecError, match="newer"):
        ResultDeclaration.from_json({"format": 99, "results": []})
    with pytest.raises(SpecError, match="each result declared once"):
        ResultDeclaration((DeclaredResult("a", "x"), DeclaredResult("a", "y")))
    with pytest.raises(SpecError, match="keys name"):
        ResultDeclaration.from_json({"results": [{"name": "a", "evil": 1}]})
