"""TensorBoard export read back with TensorBoard's own EventAccumulator, value for value
against the store (scalars are float32 in event files), hyperparameters in the HParams
plugin's format, and `riskscope run --track tensorboard:DIR` streaming during a run."""

import math

import numpy as np
import pytest

from tests.cli_runner import run_cli

event_accumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator")
plugin_data_pb2 = pytest.importorskip("tensorboard.plugins.hparams.plugin_data_pb2")
pytest.importorskip("tensorboardX")

from riskscope.report.trackers import export_run  # noqa: E402
from riskscope.report.trackers.common import flatten  # noqa: E402


def read_run(directory):
    acc = event_accumulator.EventAccumulator(str(directory), size_guidance={"scalars": 0})
    acc.Reload()
    scalars = {tag: [(e.step, e.value) for e in acc.Scalars(tag)]
               for tag in acc.Tags()["scalars"]}
    hparams = {}
    for content in acc.PluginTagToContent("hparams").values():
        data = plugin_data_pb2.HParamsPluginData.FromString(content)
        if data.HasField("session_start_info"):
            for key, value in data.session_start_info.hparams.items():
                kind = value.WhichOneof("kind")
                hparams[key] = getattr(value, kind)
    return scalars, hparams


def check_against_store(store, run_id, root):
    trials = store.trials(run_id)
    done = trials[trials["status"].isin(["done", "diverged"])]
    assert sorted(p.name for p in (root / run_id).iterdir()) == \
        sorted(f"trial-{h[:12]}" for h in done["trial_hash"])
    for trial_hash in done["trial_hash"]:
        record = store.load_record(trial_hash, with_artifacts=False)
        scalars, hparams = read_run(root / run_id / f"trial-{trial_hash[:12]}")
        assert {"train_loss", "test_loss"} <= set(scalars) and "model.width" in hparams
        for name, (steps, values) in record.metrics.items():
            finite = [(s, v) for s, v in zip(steps, values) if math.isfinite(v)]
            assert [s for s, _ in scalars[name]] == [s for s, _ in finite], name
            np.testing.assert_array_equal([v for _, v in scalars[name]],
                                          np.float32([v for _, v in finite]), err_msg=name)
        for name, value in record.result.items():
            if isinstance(value, int | float) and math.isfinite(value):
                (step_value,) = scalars[f"result/{name}"]
                assert step_value[1] == np.float32(value), name
        params = flatten(record.params)
        assert set(params) <= set(hparams)
        for key, value in params.items():
            expected = float(value) if isinstance(value, int | float) and \
                not isinstance(value, bool) else value
            assert hparams[key] == expected, key


def test_export_matches_the_store_and_is_incremental(smoke, tmp_path):
    store, run_id = smoke
    assert export_run(store, run_id, "tensorboard", str(tmp_path)) == 4
    check_against_store(store, run_id, tmp_path)
    assert export_run(store, run_id, "tensorboard", str(tmp_path)) == 0   # nothing new


def test_cli_export_and_missing_extra(smoke, tmp_path, capsys, monkeypatch):
    store, run_id = smoke
    code, out, err = run_cli(["export", run_id, "--out", str(store.directory), "--to",
                              "tensorboard", str(tmp_path / "tb")], capsys)
    assert code == 0, err
    assert "4 trial(s) exported" in out
    monkeypatch.setitem(__import__("sys").modules, "tensorboardX", None)
    code, out, err = run_cli(["export", run_id, "--out", str(store.directory), "--to",
                              "tensorboard", str(tmp_path / "tb2")], capsys)
    assert code == 2 and "pip install 'riskscope[tensorboard]'" in err
    assert not (tmp_path / "tb2").exists()
    code, out, err = run_cli(["export", run_id, "--out", str(store.directory), "--to",
                              "wandb", "x"], capsys)
    assert code == 2 and "tensorboard or mlflow" in err


def test_run_track_streams_every_trial(tmp_path, capsys):
    results, tb = tmp_path / "results", tmp_path / "tb"
    code, _out, err = run_cli(["run", "train", "--preset", "smoke", "--out", str(results),
                              "--set", "training.steps=20", "--set", "options.risk_samples=300",
                              "--no-report", "--threads", "1", "--track",
                              f"tensorboard:{tb}"], capsys)
    assert code == 0, err
    assert "trial(s) exported" in err       # reported as each group finished
    from riskscope.store import Store

    with Store(results, create=False) as store:
        run_id = store.runs()["run_id"].iloc[0]
        check_against_store(store, run_id, tb)


def test_bad_track_fails_before_anything_is_written(tmp_path, capsys):
    code, _out, err = run_cli(["run", "train", "--preset", "smoke", "--out",
                              str(tmp_path / "r"), "--track", "wandb:x"], capsys)
    assert code == 2 and "--track" in err
    assert not (tmp_path / "r").exists()
