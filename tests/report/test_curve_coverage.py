"""Training curves for runs that store only part of the train/test series (online training
stores a test series only; some studies only a training loss) and runs with one seed."""

from __future__ import annotations

from riskscope.report import build_report
from riskscope.report.fig_curves import curve_figures
from riskscope.report.report_data import load_report_data
from riskscope.store import Store, TrialRecord

from .conftest import FAST

STEPS = [0, 1, 2, 4, 8, 16]


def _run(directory, seeds, series: tuple[str, ...]) -> Store:
    store = Store(directory)
    store.create_run("r", "r", "custom", None, {"study": "custom"}, "3" * 64)
    records = []
    for i, (width, seed) in enumerate((w, s) for w in (4, 8) for s in range(seeds)):
        metrics = {name: (STEPS, [1.0 / (1 + t + seed + (name == "test_loss")) for t in STEPS])
                   for name in series}
        records.append(TrialRecord(
            trial_hash=f"{i:064x}", run_id="r",
            params={"study": "custom", "model": {"width": width}, "seed": seed}, status="done",
            started_at=1.7e9, finished_at=1.7e9 + 1, environment={}, result={"x": 1.0 + i},
            metrics=metrics))
    store.add_trials("r", [(r.trial_hash, r.params) for r in records])
    store.commit_trials(records)
    store.set_run_status("r", "done")
    return store


def test_a_test_series_alone_is_drawn_and_the_missing_gap_explained(tmp_path):
    with _run(tmp_path, 2, ("test_loss",)) as store:
        specs = {s.stem: s for s in curve_figures(load_report_data(store, "r"))}
        assert "generalization_gap_curve" not in specs
        assert "the run stored no train_loss series" in specs["curves_loss"].caption
        page = build_report(store, "r", **FAST).read_text()
    assert "the run stored only test_loss" in page


def test_one_seed_per_configuration_says_there_is_no_band(tmp_path):
    with _run(tmp_path, 1, ("train_loss", "test_loss")) as store:
        specs = {s.stem: s for s in curve_figures(load_report_data(store, "r"))}
    for stem in ("curves_loss", "generalization_gap_curve"):
        assert "one seed per configuration, so no band" in specs[stem].caption
    with _run(tmp_path / "two", 2, ("train_loss", "test_loss")) as store:
        specs = {s.stem: s for s in curve_figures(load_report_data(store, "r"))}
    assert "band: range over seeds" in specs["generalization_gap_curve"].caption
