"""Claim files: strict validation (exit 2 naming the field and what is allowed) and the
`riskscope claims check` command on a constructed store."""

from __future__ import annotations

import json

import pytest

from riskscope.claims import builtin_claims, load_claim
from riskscope.core.errors import SpecError
from riskscope.store import Store
from tests.cli_runner import run_cli

from .store_builder import add_run, seeds

GOOD = """\
id = "ntk-rate"
statement = "weights move like width^-1/2"
source = "Lee et al. 2019"
study = "lazy-vs-rich"

[select]
preset = "full"
where = { "model.parameterization" = "ntk" }

[check]
kind = "exponent"
result = "relative_weight_change"
along = "model.width"
lo = -0.6
hi = -0.4
"""


def write(tmp_path, text: str, name: str = "claim.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_claim_loads(tmp_path):
    claim = load_claim(write(tmp_path, GOOD))
    assert claim.id == "ntk-rate" and claim.preset == "full"
    assert claim.where == {"model.parameterization": "ntk"}
    assert claim.check.kind == "exponent" and claim.check.region == (-0.6, -0.4)


BAD = [
    # (replace this, with this, the field named, a word of what is allowed)
    ('study = "lazy-vs-rich"', 'study = "lazy-vs-rich"\ncolour = "red"', "colour",
     "statement"),
    ('preset = "full"', 'preset = "full"\nfilter = 1', "select.filter", "where"),
    ('lo = -0.6', 'lo = -0.6\nlow = 1', "check.low", "along"),
    ('lo = -0.6', 'lo = "minus one"', "check.lo", "number"),
    ('kind = "exponent"', 'kind = "slope"', "check.kind", "interval"),
    ('study = "lazy-vs-rich"', 'study = "lazy-vs-poor"', "study", "lazy-vs-rich"),
    ('"model.parameterization" = "ntk"', '"model.parametrization" = "ntk"',
     "select.where", "did you mean 'model.parameterization'"),
    ('along = "model.width"', 'along = "width"', "check.along", "model."),
    ('preset = "full"', 'preset = "huge"', "select.preset", "smoke"),
    ('id = "ntk-rate"', 'id = "NTK rate!"', "id", "lower-case"),
    ('lo = -0.6\nhi = -0.4', 'lo = -0.4\nhi = -0.6', "check.lo", "lo <= hi"),
    ('lo = -0.6\nhi = -0.4', '', "check.lo/check.hi", "at least one"),
    ('source = "Lee et al. 2019"', 'source = ""', "source", "non-empty"),
    ('where = { "model.parameterization" = "ntk" }',
     'where = { "model.width" = { least = 3 } }', "select.where", "min and/or max"),
    ('hi = -0.4', 'hi = -0.4\nconfidence = 1.5', "check.confidence", "less than 1"),
]


@pytest.mark.parametrize(("old", "new", "field", "allowed"), BAD)
def test_bad_claim_files_name_the_field_and_what_is_allowed(tmp_path, old, new, field,
                                                           allowed):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(SpecError) as err:
        load_claim(path)
    assert field in err.value.field, str(err.value)
    assert allowed in str(err.value)
    assert "claim.toml" in err.value.field  # the message says which file


def test_a_check_that_is_not_a_table_or_is_missing(tmp_path):
    head = GOOD.split("[select]")[0]
    with pytest.raises(SpecError) as err:
        load_claim(write(tmp_path, head + "check = 3\n"))
    assert err.value.field.endswith("check") and "kind" in err.value.allowed
    with pytest.raises(SpecError) as err:
        load_claim(write(tmp_path, head))
    assert err.value.field.endswith("check")


def test_unreadable_and_malformed_files(tmp_path):
    with pytest.raises(SpecError, match=r"existing \.toml"):
        load_claim(tmp_path / "missing.toml")
    with pytest.raises(SpecError, match="valid TOML"):
        load_claim(write(tmp_path, "id = \n"))


def test_a_result_the_study_does_not_declare_is_refused(tmp_path):
    """lazy-vs-rich declares its results in its card, so a misspelled name is refused at load."""
    path = write(tmp_path, GOOD.replace(
        'result = "relative_weight_change"', 'result = "relative_weight_chang"'))
    with pytest.raises(SpecError) as err:
        load_claim(path)
    assert "check.result" in err.value.field
    assert "relative_ntk_drift" in err.value.allowed
    assert "did you mean 'relative_weight_change'" in str(err.value)
    load_claim(write(tmp_path, GOOD, "good.toml"))


def test_every_builtin_claim_validates_and_has_a_source():
    claims = builtin_claims()
    assert len(claims) >= 8
    assert len({c.id for c in claims}) == len(claims)
    for c in claims:
        assert c.source and c.statement and c.path.endswith(f"{c.id}.toml")


# -- the command line -------------------------------------------------------------------------
@pytest.fixture
def store_dir(tmp_path):
    directory = tmp_path / "results"
    with Store(directory) as store:
        rows = []
        for w, y in ((64, 0.3), (256, 0.15), (1024, 0.075)):
            rows += seeds({"model.width": w, "model.parameterization": "ntk"},
                          "relative_weight_change", [y * 0.99, y, y * 1.01])
            rows += seeds({"model.width": w, "model.parameterization": "mean-field"},
                          "relative_weight_change", [0.99, 1.0, 1.01])
        add_run(store, "lazy-full", "lazy-vs-rich", rows, preset="full")
    return directory


def test_cli_check_prints_the_ledger_and_exits_0_even_when_a_claim_fails(tmp_path, store_dir,
                                                                         capsys):
    holds = write(tmp_path, GOOD, "holds.toml")
    fails = write(tmp_path, GOOD.replace('id = "ntk-rate"', 'id = "mf-rate"').replace(
        '"ntk"', '"mean-field"'), "fails.toml")
    code, out, err = run_cli(["claims", "check", str(holds), str(fails), "--out",
                              str(store_dir)], capsys)
    assert code == 0, err
    assert "ntk-rate" in out and "mf-rate" in out and "lazy-full" in out
    assert "holds" in out and "fails" in out and "[-0.6, -0.4]" in out
    code, out, _ = run_cli(["claims", "check", str(holds), str(fails), "--out",
                            str(store_dir), "--json"], capsys)
    data = json.loads(out)
    verdicts = {v["claim_id"]: v for v in data["verdicts"]}
    assert verdicts["ntk-rate"]["verdict"] == "holds"
    assert verdicts["mf-rate"]["verdict"] == "fails"
    assert verdicts["ntk-rate"]["estimate"] == pytest.approx(-0.5, abs=0.01)
    assert verdicts["ntk-rate"]["boundary"] == [-0.6, -0.4]


def test_cli_builtin_claims_by_default(store_dir, capsys):
    code, out, _ = run_cli(["claims", "check", "--out", str(store_dir), "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    ids = {v["claim_id"] for v in data["verdicts"]}
    assert "lazy-ntk-weight-change-width-rate" in ids
    assert "generalization-gap-falls-with-n" in data["claims_without_runs"]


@pytest.mark.parametrize(("text", "field"), [
    (GOOD.replace("lo = -0.6", "lo = -0.6\nlow = 1"), "check.low"),
    (GOOD.replace('kind = "exponent"', 'kind = "slope"'), "check.kind"),
])
def test_cli_bad_claim_file_exits_2_naming_the_field(tmp_path, store_dir, capsys, text, field):
    code, out, err = run_cli(["claims", "check", str(write(tmp_path, text)), "--out",
                              str(store_dir)], capsys)
    assert code == 2
    assert field in err and "allowed" in err and out == ""


def test_cli_missing_store_and_duplicate_ids_exit_2(tmp_path, store_dir, capsys):
    good = write(tmp_path, GOOD)
    code, _, err = run_cli(["claims", "check", str(good), "--out", str(tmp_path / "none")],
                           capsys)
    assert code == 2 and "error" in err
    code, _, err = run_cli(["claims", "check", str(good), str(good), "--out",
                            str(store_dir)], capsys)
    assert code == 2 and "claim id" in err
