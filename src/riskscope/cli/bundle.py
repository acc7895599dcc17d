"""Commands of the exchange: bundle, verify, import, compare, reproduce (docs/exchange.md).

Bad input (a damaged or hostile bundle, an unknown run) exits 2 with one message; a bundle is
verified completely before any store is opened, so a refused bundle leaves every store as it
was (a store directory is not even created).
"""

from __future__ import annotations

import json
import math

import click
from rich.console import Console
from rich.table import Table

from riskscope.store import Store

_out = Console() if Console().is_terminal else Console(width=200)


def _num(value) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


@click.command(name="bundle")
@click.argument("run_ref", metavar="RUN")
@click.option("--out", "out_dir", default="results", show_default=True,
              help="results directory (one SQLite store)")
@click.option("-o", "--output", "output", default=None,
              help="bundle file to write; default <results>/bundles/<run id>.rsbundle")
@click.option("--author", default=None, help="who made the run (stored in the bundle)")
@click.option("--note", default=None, help="a note stored in the bundle")
def bundle_cmd(run_ref, out_dir, output, author, note) -> None:
    """Write RUN as one verifiable file (spec, results, series, artifacts, report)."""
    from riskscope.exchange import write_bundle

    with Store(out_dir, create=False) as store:
        info = write_bundle(store, run_ref, output, author=author, note=note)
    click.echo(f"{info.path}\ndigest {info.digest}\n{info.trials} trials, {info.members} "
               f"members, {info.size_bytes} bytes")


@click.command(name="verify")
@click.argument("path", metavar="FILE")
@click.option("--json", "as_json", is_flag=True, help="print what was verified as JSON")
def verify_cmd(path, as_json) -> None:
    """Check a bundle completely (hashes, paths, sizes, content); exit 2 if anything is wrong."""
    from riskscope.exchange import verify_bundle

    bundle = verify_bundle(path)
    summary = {"path": str(bundle.path), "digest": bundle.digest, "run_id": bundle.run_id,
               "study": bundle.meta["run"]["study"], "format": bundle.manifest["format"],
               "trials": len(bundle.trials), "members": len(bundle.manifest["members"]) + 1,
               "bytes_expanded": bundle.size_bytes, "author": bundle.author,
               "note": bundle.note, "code_fingerprint": bundle.code_fingerprint,
               "declaration_derived": bundle.declaration_derived}
    if as_json:
        click.echo(json.dumps(summary, indent=2, sort_keys=True))
        return
    click.echo(f"ok: {path} is a valid riskscope bundle\ndigest {bundle.digest}\nrun "
               f"{bundle.run_id} (study {summary['study']}), {summary['trials']} trials, "
               f"{summary['members']} members, {summary['bytes_expanded']} bytes expanded"
               + (f"\nauthor {bundle.author}" if bundle.author else "")
               + (f"\nnote {bundle.note}" if bundle.note else ""))


@click.command(name="import")
@click.argument("path", metavar="FILE")
@click.option("--out", "out_dir", default="results", show_default=True,
              help="results directory to merge into (created if absent)")
def import_cmd(path, out_dir) -> None:
    """Verify a bundle, then merge it into a store atomically (trials keyed by hash)."""
    from riskscope.exchange import import_bundle, verify_bundle

    verified = verify_bundle(path)  # before the store is opened or created
    with Store(out_dir, create=True) as store:
        report = import_bundle(verified, store)
    click.echo(report.line())


def _comparison_table(comparison) -> Table:
    table = Table(title=f"{comparison.a}  vs  {comparison.b}: mean(A) − mean(B) "
                        f"[{comparison.confidence:.0%} "
                        f"{'simultaneous ' if comparison.simultaneous else ''}CI]")
    configs = sorted({k for r in comparison.rows for k in r.config})
    for col in (*configs, "result", "n A", "n B", "mean A", "mean B", "difference", "CI",
                "verdict"):
        table.add_column(col)
    for r in comparison.rows:
        ci = "–" if r.ci_low is None else f"[{_num(r.ci_low)}, {_num(r.ci_high)}]"
        style = "bold red" if r.verdict == "differ" else None
        table.add_row(*[_num(r.config.get(c)) for c in configs], r.result, str(r.n_a),
                      str(r.n_b), _num(r.mean_a), _num(r.mean_b), _num(r.difference), ci,
                      r.verdict, style=style)
    return table


@click.command(name="compare")
@click.argument("a", metavar="A")
@click.argument("b", metavar="B")
@click.option("--out", "out_dir", default="results", show_default=True,
              help="results directory holding the runs (for A/B that are not bundle files)")
@click.option("--confidence", type=click.FloatRange(0.5, 0.9999), default=0.95,
              show_default=True)
@click.option("--per-row", is_flag=True,
              help="per-row intervals instead of simultaneous (Bonferroni) ones")
@click.option("--json", "as_json", is_flag=True, help="print the comparison as JSON")
def compare_cmd(a, b, out_dir, confidence, per_row, as_json) -> None:
    """Compare runs or bundles A and B: per shared configuration and declared result, the
    difference of means with a CI and a verdict; and what differs in their environments."""
    from pathlib import Path

    from riskscope.exchange.compare import compare_runs
    from riskscope.exchange.sources import open_view

    need_store = not (Path(a).is_file() and Path(b).is_file())
    store = Store(out_dir, create=False) if need_store else None
    try:
        comparison = compare_runs(open_view(a, store), open_view(b, store), confidence,
                                  simultaneous=not per_row)
    finally:
        if store is not None:
            store.close()
    if as_json:
        click.echo(json.dumps(comparison.to_json(), indent=2, sort_keys=True))
        return
    if comparison.rows:
        _out.print(_comparison_table(comparison))
    _out.print(f"verdict: {comparison.verdict} ({len(comparison.rows)} comparisons, "
               f"{len(comparison.differing())} differ; configurations only in A: "
               f"{comparison.only_in_a}, only in B: {comparison.only_in_b})",
               highlight=False, markup=False)
    if comparison.environment:
        _out.print("environment differences:", markup=False)
        for env in comparison.environment:
            _out.print(f"  {env['key']}: A {', '.join(env['a'])} | B {', '.join(env['b'])}",
                       highlight=False, markup=False)
    else:
        _out.print("environments: no recorded difference", markup=False)


@click.command(name="reproduce")
@click.argument("path", metavar="FILE")
@click.option("--trials", "k", type=click.IntRange(min=1), default=3, show_default=True,
              help="how many trials to re-run (chosen at random)")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="seed of the random choice (default: fresh, recorded)")
@click.option("--out", "out_dir", default="results", show_default=True,
              help="results directory; the outcome is recorded with the run if it is there")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="CPU threads for torch")
@click.option("--json", "as_json", is_flag=True, help="print the record as JSON")
def reproduce_cmd(path, k, seed, out_dir, threads, as_json) -> None:
    """Re-run K random trials of a bundle from their specs and compare with its results."""
    from pathlib import Path

    from riskscope.exchange import verify_bundle
    from riskscope.exchange.reproduce import reproduce_bundle
    from riskscope.exchange.reproduction_text import reproduction_lines

    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    verified = verify_bundle(path)
    store = Store(out_dir, create=False) if Path(out_dir).is_dir() else None
    try:
        record = reproduce_bundle(verified, trials=k, rng=seed, store=store)
        recorded = store is not None and verified.run_id in set(store.runs()["run_id"])
    finally:
        if store is not None:
            store.close()
    data = record.to_json()
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True))
    else:
        click.echo(reproduction_lines([data])[0])
        for check in data["trials"]:
            click.echo(f"  {check['trial_hash'][:12]} {check['verdict']}"
                       + "".join(f"\n      {d}" for d in check["detail"]))
        click.echo(f"recorded with run {verified.run_id} in {out_dir}" if recorded else
                   f"not recorded: run {verified.run_id} is not in {out_dir} (import the "
                   "bundle there first to keep the record with the run)")
    if data["outcome"] == "not reproduced":
        raise SystemExit(1)


COMMANDS = (bundle_cmd, verify_cmd, import_cmd, compare_cmd, reproduce_cmd)
