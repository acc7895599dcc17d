"""`riskscope probe MODEL --data DATA`: measure a model of your own from the command line.

Prints a table (or JSON with --json) of the chosen measurements (riskscope.analyses.
model_probe) and writes figures: the Hessian's spectral density and each layer's weight
spectrum with its fitted tail. Exit code 2 on a bad model, weights or data, naming the shapes
when model and data do not fit. See docs/cli.md and model_source.py for MODEL and DATA.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import click

__all__ = ["probe"]


def _measures(text: str) -> list[str]:
    from riskscope.core.errors import SpecError
    from riskscope.procedures.model_probe import PROBE_MEASURES

    if text == "all":
        return list(PROBE_MEASURES)
    names = [t.strip() for t in text.split(",") if t.strip()]
    bad = [n for n in names if n not in PROBE_MEASURES]
    if bad or not names:
        raise SpecError("--measure", text, "a comma-separated list of "
                        + ", ".join(PROBE_MEASURES) + ", or all")
    return names


def _shape(text: str | None) -> tuple[int, ...] | None:
    from riskscope.core.errors import SpecError

    if text is None:
        return None
    try:
        shape = tuple(int(t) for t in text.split(","))
    except ValueError:
        shape = ()
    if not shape or any(s < 1 for s in shape):
        raise SpecError("--input-shape", text, "positive integers separated by commas, "
                        "e.g. 1,8,8")
    return shape


def write_figures(result, directory: Path) -> list[str]:
    """hessian_density.png and weight_spectra.png (when measured); their paths."""
    from matplotlib.figure import Figure

    from riskscope.report.fig_spectra import plot_esd
    from riskscope.report.style import new_figure, styled

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    with styled():
        if result.density is not None:
            fig = Figure(figsize=(5, 3.4), layout="constrained")
            ax = fig.subplots()
            ax.semilogy(result.density.grid.numpy(), result.density.density.clamp_min(1e-12)
                        .numpy())
            ax.set_xlabel("Hessian eigenvalue")
            ax.set_ylabel("density (SLQ)")
            path = directory / "hessian_density.png"
            fig.savefig(path, dpi=120)
            written.append(str(path))
        if result.spectra:
            fig, axes = new_figure(len(result.spectra), panel_size=(3.8, 3.0))
            for ax, s in zip(axes, result.spectra):
                plot_esd(ax, s.eigenvalues, s.alpha, s.fit.x_min, s.mp_edge,
                         f"{s.name} ({s.kind} {s.n}x{s.m})")
            path = directory / "weight_spectra.png"
            fig.savefig(path, dpi=120)
            written.append(str(path))
    return written


def _fmt(value: float) -> str:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return str(value)
    return f"{value:.5g}"


@click.command()
@click.argument("model_ref", metavar="MODEL")
@click.option("--data", "data_ref", required=True,
              help="a .npz (x, y[, x_test, y_test]) or .csv (label last) file, or a task name")
@click.option("--weights", default=None,
              help="trained weights: .safetensors or a state dict (.pt, weights_only load)")
@click.option("--init", "init_weights", default=None,
              help="weights before training (for certificate and measures); default: a fresh "
                   "model from the factory")
@click.option("--measure", "measure_text", default="all", show_default=True,
              help="comma-separated: hessian,trace,density,ntk,certificate,measures,spectra")
@click.option("--input-shape", default=None, help="reshape each example, e.g. 1,8,8")
@click.option("--samples", type=click.IntRange(min=2), default=512, show_default=True,
              help="examples drawn from a task (DATA a task name)")
@click.option("--top-k", "k", type=click.IntRange(min=1), default=3, show_default=True,
              help="Hessian eigenvalues")
@click.option("--ntk-examples", type=click.IntRange(min=2), default=64, show_default=True)
@click.option("--certificate-steps", type=click.IntRange(min=0), default=500,
              show_default=True, help="posterior (and prior) training steps of the certificate")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--figures", "figures_dir", default="riskscope-probe", show_default=True,
              help="directory for the figures")
@click.option("--json", "as_json", is_flag=True, help="print the results as JSON")
@click.option("--threads", type=click.IntRange(min=1), default=None, help="torch CPU threads")
def probe(model_ref, data_ref, weights, init_weights, measure_text, input_shape, samples, k,
          ntk_examples, certificate_steps, seed, figures_dir, as_json, threads) -> None:
    """Measure MODEL (package.module:factory or file.py[:factory]) on DATA."""
    import torch
    from rich.console import Console
    from rich.table import Table

    from riskscope.cli.model_source import load_data, load_model, load_weights
    from riskscope.procedures.model_probe import probe_model

    if threads is not None:
        torch.set_num_threads(threads)
    measures = _measures(measure_text)
    model, fresh = load_model(model_ref, weights)
    if init_weights is not None:
        load_weights(fresh, init_weights)
    train, test = load_data(data_ref, samples, seed, _shape(input_shape))
    err = Console(stderr=True)
    settings = {"posterior_steps": certificate_steps, "prior_steps": certificate_steps,
                "weight_samples": 2000}
    result = probe_model(model, train, measures=measures, test_data=test, init=fresh,
                         k=k, ntk_examples=ntk_examples, seed=seed,
                         certificate_settings=settings, strict=measure_text != "all",
                         progress=None if as_json else lambda n: err.print(f"measuring {n} …"))
    figures = write_figures(result, Path(figures_dir))
    if as_json:
        payload = {**result.as_dict(), "figures": figures, "model": model_ref,
                   "data": data_ref, "num_parameters": sum(p.numel()
                                                           for p in model.parameters())}
        click.echo(json.dumps(payload, indent=2, sort_keys=True, default=float))
        return
    out = Console() if Console().is_terminal else Console(width=160)
    table = Table(title=f"riskscope probe {model_ref} on {data_ref} ({result.task_kind}, "
                        f"{sum(p.numel() for p in model.parameters())} parameters)")
    for col in ("measurement", "quantity", "value", "note"):
        table.add_column(col)
    for group, quantity, value, note in result.rows:
        table.add_row(group, quantity, _fmt(value), note)
    out.print(table)
    if result.skipped:
        out.print(f"skipped (they need a classifier): {', '.join(result.skipped)}")
    for line in result.limitations:
        out.print(f"not available: {line}", highlight=False, soft_wrap=True)
    timing = ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items())
    out.print(f"time: {timing}", highlight=False)
    for path in figures:
        out.print(f"figure: {path}", highlight=False, soft_wrap=True)
    sys.stdout.flush()
