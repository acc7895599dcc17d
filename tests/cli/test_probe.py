"""`riskscope probe`: a user's model from a file or a module, weights from safetensors or a
weights_only state dict, data from .npz or a task; the JSON output agrees with the library
called directly; bad models, weights and data exit 2 naming what is wrong."""

import json

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from riskscope.probes.curvature_api import hessian_top_eigenvalues
from riskscope.probes.spectra import weight_spectra
from tests.cli_runner import run_cli

MODEL_FILE = '''
from torch import nn

def cnn():
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Flatten(),
                         nn.Linear(8 * 64, 32), nn.ReLU(), nn.Linear(32, 10))
'''


@pytest.fixture
def files(tmp_path):
    (tmp_path / "mymodel.py").write_text(MODEL_FILE)
    torch.manual_seed(3)
    ns = {}
    exec(MODEL_FILE, ns)
    model = ns["cnn"]()
    save_file({k: v.contiguous() for k, v in model.state_dict().items()},
              str(tmp_path / "w.safetensors"))
    torch.save(model.state_dict(), tmp_path / "w.pt")
    g = np.random.default_rng(0)
    x = g.normal(size=(80, 1, 8, 8)).astype(np.float32)
    y = g.integers(0, 10, 80)
    np.savez(tmp_path / "data.npz", x=x, y=y)
    np.savez(tmp_path / "flat.npz", x=x.reshape(80, 64), y=y)
    np.savez(tmp_path / "narrow.npz", x=x[:, :, :5, :1].reshape(80, 5), y=y)
    np.savez(tmp_path / "badlabels.npz", x=x, y=y + 20)
    return tmp_path, model, torch.as_tensor(x), torch.as_tensor(y)


def probe(args, capsys, tmp_path):
    return run_cli(["probe", *args, "--figures", str(tmp_path / "figs"), "--threads", "1"],
                   capsys)


def test_json_matches_the_library(files, capsys):
    tmp, model, x, y = files
    code, out, err = probe([f"{tmp / 'mymodel.py'}:cnn", "--weights", str(tmp / "w.safetensors"),
                            "--data", str(tmp / "data.npz"), "--measure", "hessian,spectra",
                            "--json"], capsys, tmp)
    assert code == 0, err
    payload = json.loads(out)
    assert payload["task"] == "classification" and payload["num_parameters"] == sum(
        p.numel() for p in model.parameters())
    model.eval()
    top = hessian_top_eigenvalues(model, (x, y), k=3, loss="cross_entropy").values()
    assert payload["results"]["hessian"]["lambda_1"] == pytest.approx(top[0], rel=1e-3)
    layers = weight_spectra(model)
    assert payload["results"]["spectra"]["3.stable_rank"] == pytest.approx(
        layers[1].stable_rank, rel=1e-9)
    assert payload["results"]["spectra"]["3.alpha"] == pytest.approx(layers[1].alpha, rel=1e-9)
    assert sorted(p.rsplit("/", 1)[-1] for p in payload["figures"]) == ["weight_spectra.png"]


def test_table_with_a_torch_state_dict_and_reshaped_data(files, capsys):
    tmp = files[0]
    code, out, err = probe([f"{tmp / 'mymodel.py'}:cnn", "--weights", str(tmp / "w.pt"),
                            "--data", str(tmp / "flat.npz"), "--input-shape", "1,8,8",
                            "--measure", "trace,density,ntk,measures", "--ntk-examples", "16"],
                           capsys, tmp)
    assert code == 0, err
    assert "hessian_trace" in out and "lambda_min" in out and "path_norm" in out
    assert (tmp / "figs" / "hessian_density.png").is_file()


def test_module_factory_and_task_data(tmp_path, capsys):
    code, out, err = probe(["tests.cli.probe_models:tiny_mlp", "--data", "digits",
                            "--samples", "64", "--measure", "ntk,spectra", "--json"],
                           capsys, tmp_path)
    assert code == 0, err
    assert json.loads(out)["results"]["ntk"]["lambda_max"] > 0


@pytest.mark.parametrize(("data", "extra", "needle"), [
    ("narrow.npz", [], "(5,)"),                               # model/data shape mismatch
    ("badlabels.npz", [], "the model has 10 outputs"),
    ("data.npz", ["--input-shape", "3,3"], "--input-shape"),
    ("data.npz", ["--measure", "hessian,nope"], "--measure"),
    ("missing.npz", [], "no such file"),
])
def test_bad_data_exits_2(files, capsys, data, extra, needle):
    tmp = files[0]
    code, out, err = probe([f"{tmp / 'mymodel.py'}:cnn", "--data", str(tmp / data), *extra],
                           capsys, tmp)
    assert code == 2, (out, err)
    assert needle in err


def test_bad_models_and_weights_exit_2(files, capsys):
    tmp = files[0]
    torch.save({"0.weight": torch.zeros(3, 3)}, tmp / "wrong.pt")
    torch.save({"model": torch.nn.Linear(2, 2)}, tmp / "pickled.pt")   # an object: refused
    (tmp / "junk.safetensors").write_bytes(b"not a safetensors file")
    cases = [
        ([f"{tmp / 'mymodel.py'}:cnn", "--weights", str(tmp / "wrong.pt")], "0.weight"),
        ([f"{tmp / 'mymodel.py'}:cnn", "--weights", str(tmp / "pickled.pt")], "weights_only"),
        ([f"{tmp / 'mymodel.py'}:cnn", "--weights", str(tmp / "junk.safetensors")],
         "safetensors"),
        ([f"{tmp / 'mymodel.py'}:nope"], "it defines cnn"),
        ([f"{tmp / 'nofile.py'}:cnn"], "no file"),
        (["no.such.module:f"], "import failed"),
    ]
    for args, needle in cases:
        code, out, err = probe([*args, "--data", str(tmp / "data.npz")], capsys, tmp)
        assert code == 2, (args, out, err)
        assert needle in err, (args, err)


def test_regression_model_all_skips_classifier_measures(tmp_path, capsys):
    (tmp_path / "reg.py").write_text("from torch import nn\n\ndef reg():\n"
                                     "    return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), "
                                     "nn.Linear(8, 2))\n")
    g = np.random.default_rng(1)
    np.savez(tmp_path / "reg.npz", x=g.normal(size=(30, 3)).astype(np.float32),
             y=g.normal(size=(30, 2)))
    code, out, err = probe([f"{tmp_path / 'reg.py'}:reg", "--data", str(tmp_path / "reg.npz"),
                            "--json"], capsys, tmp_path)
    assert code == 0, err
    payload = json.loads(out)
    assert payload["task"] == "regression"
    assert payload["skipped"] == ["certificate", "measures"]
    assert {"hessian", "trace", "density", "ntk", "spectra"} == set(payload["results"])
    code, out, err = probe([f"{tmp_path / 'reg.py'}:reg", "--data", str(tmp_path / "reg.npz"),
                            "--measure", "certificate"], capsys, tmp_path)
    assert code == 2 and "need a classifier" in err
