"""`probe_model`: measure a trained model of your own on data, in one call (what `riskscope
probe` runs). Each measurement is one of riskscope's public functions with its defaults:

    hessian      top-k Hessian eigenvalues of the mean loss (Lanczos; λ_max = sharpness)
    trace        Hessian trace (exact from P products when P ≤ 60 parameters, else Hutch++
                 with a confidence interval; the note says which)
    density      Hessian spectral density (stochastic Lanczos quadrature)
    ntk          empirical NTK (trace mode, one Gram matrix) on `ntk_examples` training
                 examples: its largest and smallest eigenvalues and their ratio
    certificate  PAC-Bayes risk certificate (classifiers; needs `init`, the weights before
                 training, where the data-free prior is centred)
    measures     the complexity measures of Jiang et al. 2020 (classifiers)
    spectra      heavy-tailed weight spectra per layer (Martin & Mahoney)

The loss is cross-entropy when the labels are integers and the model has one output per class
(two or more), else squared error. The result's `rows` are (group, quantity, value, note)
tuples for a table; `timings` the wall time of each measurement in seconds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from riskscope.core.errors import SpecError
from riskscope.tasks.base import Dataset

__all__ = ["PROBE_MEASURES", "ProbeResult", "probe_model"]

PROBE_MEASURES = ("hessian", "trace", "density", "ntk", "certificate", "measures", "spectra")
_CLASSIFIER_ONLY = ("certificate", "measures")


@dataclass
class ProbeResult:
    rows: list[tuple[str, str, float, str]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    spectra: list = field(default_factory=list)          # LayerSpectrum per layer
    density: object = None                              # SpectralDensity or None
    task_kind: str = ""
    skipped: list = field(default_factory=list)          # measurements not applicable
    limitations: list = field(default_factory=list)      # why some quantities are missing

    def value(self, group: str, quantity: str) -> float:
        for g, q, v, _ in self.rows:
            if (g, q) == (group, quantity):
                return v
        raise KeyError((group, quantity))

    def as_dict(self) -> dict:
        """JSON-able: {group: {quantity: value}}, the notes, timings and the task kind."""
        out: dict = {"task": self.task_kind, "timings_s": self.timings, "results": {},
                     "notes": {}, "skipped": list(self.skipped),
                     "limitations": list(self.limitations)}
        for g, q, v, note in self.rows:
            out["results"].setdefault(g, {})[q] = v
            if note:
                out["notes"].setdefault(g, {})[q] = note
        return out


def _is_classifier(model: nn.Module, data: Dataset) -> bool:
    if data.y.dtype.is_floating_point and not bool((data.y == data.y.round()).all()):
        return False
    with torch.no_grad():
        out = model(data.x[:1])
    return out.dim() == 2 and out.shape[-1] >= 2 and data.y.dim() == 1


def _dataset(data, field: str, as_dataset) -> Dataset:
    """A Dataset or an (x, y) pair of tensors as it is (regression targets too); else (a
    DataLoader) through riskscope's classifier-data reader."""
    if isinstance(data, Dataset):
        return data
    if isinstance(data, tuple | list) and len(data) == 2 and all(torch.is_tensor(t)
                                                                 for t in data):
        if data[0].shape[0] != data[1].shape[0]:
            raise SpecError(field, f"x of {data[0].shape[0]} rows, y of {data[1].shape[0]}",
                            "as many targets as inputs")
        return Dataset(data[0], data[1])
    return as_dataset(data, field)


def _like_model(model: nn.Module, data: Dataset) -> Dataset:
    """The inputs in the model's floating dtype and on its device."""
    p = next(model.parameters())
    x = data.x.to(device=p.device, dtype=p.dtype) if data.x.is_floating_point() else data.x
    return Dataset(x, data.y.to(p.device))


def check_model_on_data(model: nn.Module, data: Dataset) -> str:
    """Run the model on one example; SpecError naming the shapes when they do not fit.
    Returns "classification" or "regression"."""
    try:
        with torch.no_grad():
            out = model(data.x[:2])
    except (RuntimeError, ValueError, IndexError, TypeError) as exc:
        first = str(exc).splitlines()[0][:300]
        raise SpecError("data", f"inputs of shape {tuple(data.x.shape[1:])} per example",
                        "inputs the model accepts", f"the model failed on them: {first}"
                        ) from None
    if _is_classifier(model, data):
        labels = int(data.y.max()) + 1
        if labels > out.shape[-1] or int(data.y.min()) < 0:
            raise SpecError("data", f"labels in [{int(data.y.min())}, {int(data.y.max())}]",
                            f"labels in [0, {out.shape[-1] - 1}]: the model has "
                            f"{out.shape[-1]} outputs (output shape {tuple(out.shape[1:])})")
        return "classification"
    target = tuple(data.y.shape[1:]) or (1,)
    if tuple(out.shape[1:]) != target:
        raise SpecError("data", f"targets of shape {tuple(data.y.shape[1:]) or '()'} per "
                        "example", f"targets matching the model's output shape "
                        f"{tuple(out.shape[1:])} (or integer labels for a classifier)")
    return "regression"


def probe_model(model: nn.Module, data, *, measures: Sequence[str] = PROBE_MEASURES,
                test_data=None, init: nn.Module | None = None, k: int = 3,
                ntk_examples: int = 64, seed: int = 0,
                certificate_settings: dict | None = None,
                progress: Callable[[str], None] | None = None,
                strict: bool = True) -> ProbeResult:
    """Measure `model` on `data` ((x, y), a Dataset or a DataLoader); see the module docstring.

    strict: asking a regression model for a classifier-only measurement is an error; with
    strict=False those are skipped and listed in `result.skipped` (`riskscope probe`'s
    default `--measure all`).

    >>> import torch
    >>> from torch import nn
    >>> g = torch.Generator().manual_seed(0)
    >>> net = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 3)).double()
    >>> x = torch.randn(64, 4, generator=g, dtype=torch.float64)
    >>> y = torch.randint(0, 3, (64,), generator=g)
    >>> result = probe_model(net, (x, y), measures=["hessian", "spectra"], k=2)
    >>> result.task_kind, len([r for r in result.rows if r[0] == "hessian"])
    ('classification', 3)
    """
    from riskscope.probes.complexity.data_input import as_dataset

    unknown = [m for m in measures if m not in PROBE_MEASURES]
    if unknown:
        raise SpecError("measure", ",".join(unknown), ", ".join(PROBE_MEASURES))
    train = _like_model(model, _dataset(data, "data", as_dataset))
    test = None if test_data is None else _like_model(model, _dataset(test_data, "test_data",
                                                                       as_dataset))
    kind = check_model_on_data(model, train)
    result = ProbeResult(task_kind=kind)
    if kind != "classification":
        refused = [m for m in measures if m in _CLASSIFIER_ONLY]
        if refused and not strict:
            result.skipped = refused
            measures = [m for m in measures if m not in refused]
        elif refused:
            raise SpecError("measure", ",".join(refused), "hessian, trace, density, ntk or "
                            "spectra for a regression model (certificate and measures need a "
                            "classifier and integer labels)")
    loss = "cross_entropy" if kind == "classification" else "squared_error"
    for name in PROBE_MEASURES:
        if name not in measures:
            continue
        if progress is not None:
            progress(name)
        start = time.perf_counter()
        _MEASURE[name](result, model, train, test, init, loss, k, ntk_examples, seed,
                       certificate_settings or {})
        result.timings[name] = time.perf_counter() - start
    return result


def _hessian(result, model, train, test, init, loss, k, ntk_examples, seed, cs) -> None:
    from riskscope.probes.curvature_api import hessian_top_eigenvalues

    top = hessian_top_eigenvalues(model, train, k=k, loss=loss, rng=seed)
    for i, v in enumerate(top.values()):
        result.rows.append(("hessian", f"lambda_{i + 1}", v, "sharpness" if i == 0 else ""))
    result.rows.append(("hessian", "hessian_vector_products", float(top.num_products), ""))


def _trace(result, model, train, test, init, loss, k, ntk_examples, seed, cs) -> None:
    from riskscope.probes.curvature_api import hessian_trace

    est = hessian_trace(model, train, loss=loss, num_products=60, rng=seed)
    note = est.method if est.exact else \
        f"{est.method} 95% CI [{est.ci_low:.4g}, {est.ci_high:.4g}]"
    result.rows.append(("trace", "hessian_trace", est.value, note))


def _density(result, model, train, test, init, loss, k, ntk_examples, seed, cs) -> None:
    from riskscope.probes.curvature_api import hessian_spectral_density

    dens = hessian_spectral_density(model, train, loss=loss, num_probes=4, num_steps=40,
                                    rng=seed)
    result.density = dens
    second = dens.moment(2)
    result.rows.append(("density", "support_low", float(dens.nodes.min()), "SLQ nodes"))
    result.rows.append(("density", "support_high", float(dens.nodes.max()), "SLQ nodes"))
    result.rows.append(("density", "mean_squared_eigenvalue", second.value,
                        "(1/P) tr H², SLQ"))


def _ntk(result, model, train, test, init, loss, k, ntk_examples, seed, cs) -> None:
    from riskscope.probes.kernels.empirical_ntk import empirical_ntk

    x = train.x[:ntk_examples]
    theta = empirical_ntk(model, x, mode="trace").double()
    eig = torch.linalg.eigvalsh((theta + theta.T) / 2)
    top, low = float(eig[-1]), float(eig[0])
    note = f"trace-mode NTK on {x.shape[0]} examples"
    result.rows.append(("ntk", "lambda_max", top, note))
    result.rows.append(("ntk", "lambda_min", low, note))
    result.rows.append(("ntk", "condition_number", top / low if low > 0 else math.inf, ""))
    result.rows.append(("ntk", "mean_diagonal", float(torch.diagonal(theta).mean()), ""))


def _certificate(result, model, train, test, init, loss, k, ntk_examples, seed, cs) -> None:
    from riskscope.procedures.network_certificate import pac_bayes_certificate

    if init is None:
        raise SpecError("init", None, "the model's weights before training (riskscope probe "
                        "builds a fresh model from the factory when --init is not given)")
    settings = {"seed": seed, **cs}
    cert = pac_bayes_certificate(model, train, init=init, test_data=test, **settings)
    result.rows.append(("certificate", "risk_bound_0_1", cert.zero_one.risk_bound,
                        f"confidence {cert.confidence:.3f}, {cert.prior} prior"))
    result.rows.append(("certificate", "empirical_risk_mc", cert.zero_one.empirical_risk_mc,
                        f"{cert.num_weight_samples} weight samples"))
    result.rows.append(("certificate", "kl", cert.kl, ""))
    if test is not None:
        result.rows.append(("certificate", "stochastic_test_error", cert.stochastic_test_error,
                            ""))


def _measures(result, model, train, test, init, loss, k, ntk_examples, seed, cs) -> None:
    from riskscope.analyses.measures.api import MEASURES, complexity_measures
    from riskscope.analyses.measures.norm_measures import layer_measures_unavailable

    values = complexity_measures(model, train, init=init, seed=seed)
    reason = layer_measures_unavailable(model, train.x)
    if reason is not None:
        result.limitations.append(f"measures: {reason}")
    for name in MEASURES:
        if name in values and math.isfinite(values[name]):
            result.rows.append(("measures", name, float(values[name]), ""))
    result.rows.append(("measures", "margin", float(values["margin"]),
                        "10th percentile of the training margins"))


def _spectra(result, model, train, test, init, loss, k, ntk_examples, seed, cs) -> None:
    from riskscope.probes.spectra import spectra_summary, weight_spectra

    layers = weight_spectra(model)
    result.spectra = layers
    for s in layers:
        note = f"{s.kind} {s.n}x{s.m}" + (f" x{s.num_matrices}" if s.num_matrices > 1 else "")
        if math.isfinite(s.alpha):
            result.rows.append(("spectra", f"{s.name}.alpha", s.alpha,
                                f"{note}; n_tail {s.fit.n_tail}, KS {s.fit.ks_distance:.3f}"))
            result.rows.append(("spectra", f"{s.name}.alpha_weighted", s.alpha_weighted, ""))
        else:
            note += f"; {s.eigenvalues.size} eigenvalues: too few for a tail fit"
        result.rows.append(("spectra", f"{s.name}.stable_rank", s.stable_rank, note))
        result.rows.append(("spectra", f"{s.name}.num_spikes", float(s.num_spikes),
                            f"above the MP edge {s.mp_edge:.4g}"))
    for key, value in spectra_summary(layers).items():
        result.rows.append(("spectra", key, value, "over layers"))


_MEASURE = {"hessian": _hessian, "trace": _trace, "density": _density, "ntk": _ntk,
            "certificate": _certificate, "measures": _measures, "spectra": _spectra}
