"""A study the report knows nothing about, and the `riskscope report` command."""

from __future__ import annotations

from pathlib import Path

from tests.cli_runner import run_cli

from .conftest import SMALL


def test_report_command_on_a_generic_study(generic, capsys):
    store, run_id = generic
    code, out, err = run_cli(["report", "custom", "--out", str(store.directory)], capsys)
    assert code == 0, err
    root = store.directory / "reports" / run_id
    assert out.strip() == str(root / "index.html")
    # by default only what the page needs: PNG
    assert {p.suffix for p in (root / "figures").iterdir()} == {".png"}
    code, out, err = run_cli(["report", "custom", "--out", str(store.directory),
                              "--formats", "png,svg,pdf"], capsys)
    assert code == 0, err
    page = (root / "index.html").read_text()
    figures = {p.stem for p in (root / "figures").glob("*.png")}
    assert figures == {p.stem for p in (root / "figures").glob("*.pdf")} \
        == {p.stem for p in (root / "figures").glob("*.svg")}
    # its one varying result is plotted and fitted; constants and per-trial CIs are not
    assert {"sharpness_vs_training-lr", "curves_loss", "generalization_gap_curve"} <= figures
    assert not any("steps_run" in f or "_ci_" in f for f in figures)
    assert "sharpness" in (root / "tables" / "exponents.csv").read_text()
    assert "test_loss − train_loss" in page


def test_report_command_errors(generic, tmp_path, capsys):
    store, _ = generic
    code, _, err = run_cli(["report", "no-such-run", "--out", str(store.directory)], capsys)
    assert code == 2 and "no-such-run" in err
    (tmp_path / "notes.txt").write_text("keep me")
    code, _, err = run_cli(["report", "custom", "--out", str(store.directory), "--to",
                            str(tmp_path)], capsys)
    assert code == 2 and "report directory" in err
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    code, _, err = run_cli(["report", "custom", "--out", str(store.directory), "--formats",
                            "png,gif"], capsys)
    assert code == 2 and "formats" in err and "gif" in err


def test_run_builds_the_report_at_the_end(tmp_path, capsys):
    """A run with a single configuration (no swept parameter): the report still has its
    summary row and training curves, and `run` prints where it is."""
    args = ["run", "train", "--preset", "smoke", "--out", str(tmp_path),
            *(a for s in SMALL for a in ("--set", s)), "--set", "grid={}"]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    line = [x for x in out.splitlines() if x.startswith("report: ")]
    assert len(line) == 1
    path = Path(line[0].removeprefix("report: "))
    assert path.parent.parent == tmp_path / "reports" and path.exists()
    page = path.read_text()
    assert "No numeric parameter is swept" in page
    assert 'id="fig-generalization_gap_curve"' in page
    summary = (path.parent / "tables" / "summary.tex").read_text()
    assert summary.split(r"\midrule")[1].count(r"\\") == 1  # one row: one configuration
    code, out, _ = run_cli([*args, "--no-report"], capsys)
    assert code == 0 and "report: " not in out
