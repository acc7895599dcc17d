"""The hub's one door to the exchange and claims layers: verify and import a bundle exactly as
`riskscope import` does, read its report, check claims on a run, compare, reproduce.

Nothing here re-implements verification: a bundle the exchange refuses is refused with the
exchange's own message. The hub stores each accepted bundle imported into a store of its own
(`<root>/runs/<digest>/store`), so claims are checked by the claims layer on an ordinary store.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from riskscope.core.errors import SpecError


def verify(path: str | os.PathLike):
    """The verified bundle at `path` (riskscope.exchange's checks), or BundleError."""
    from riskscope.exchange import verify_bundle

    return verify_bundle(path)


def import_into(bundle, directory: Path) -> str:
    """Import the verified bundle into a new store in `directory`; return the run id."""
    from riskscope.exchange import import_bundle
    from riskscope.store import Store

    with Store(directory, create=True) as store:
        return import_bundle(bundle, store).run_id


def report_html(bundle) -> bytes | None:
    """The bundle's HTML report (report/index.html), if it carries one."""
    report = getattr(bundle, "report", None) or {}
    for name in ("index.html", "report/index.html"):
        if name in report:
            return report[name]
    return None


def code_version(bundle) -> str:
    from riskscope.exchange.fingerprint import short_fingerprint

    return short_fingerprint(bundle.code_fingerprint)


def parse_claim_text(text: str):
    """A validated claim from TOML text (the claims layer's checks), or SpecError."""
    from riskscope.claims import parse_claim

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError("claim", "(TOML text)", f"valid TOML ({exc})") from None
    return parse_claim(data)


def builtin_claims() -> list[tuple[object, str]]:
    """(claim, TOML text) for every built-in claim."""
    from importlib import resources

    from riskscope.claims import builtin_claim_paths, parse_claim

    out = []
    for path in builtin_claim_paths():
        with resources.as_file(path) as real:
            text = Path(real).read_text(encoding="utf-8")
        out.append((parse_claim(tomllib.loads(text), str(path.name)), text))
    return out


def check_claims_on_run(claims: list, store_dir: Path, run_id: str) -> list:
    """ClaimVerdicts of the claims that concern the run (the claims layer decides which)."""
    from riskscope.claims import check_run
    from riskscope.store import Store

    with Store(store_dir, create=False) as store:
        run = store.run(run_id)
        relevant = [c for c in claims if c.study == run["study"]]
        if not relevant:
            return []
        trials = store.trials(run_id)
        verdicts = (check_run(c, store, run_id, run, trials) for c in relevant)
        return [v for v in verdicts if v is not None]


def compare_stored(a: tuple[Path, str], b: tuple[Path, str]) -> dict:
    """The exchange's comparison of two runs, each (store directory, run id), as JSON."""
    from riskscope.exchange import compare_runs
    from riskscope.store import Store

    with Store(a[0], create=False) as store_a, Store(b[0], create=False) as store_b:
        return compare_runs((store_a, a[1]), (store_b, b[1])).to_json()


def reproduce(bundle_file: Path, trials: int, seed: int | None) -> dict:
    """Re-run `trials` trials of the bundle (the exchange's reproduction); its record."""
    from riskscope.exchange import reproduce_bundle

    return reproduce_bundle(bundle_file, trials=trials, rng=seed).to_json()


__all__ = ["builtin_claims", "check_claims_on_run", "code_version", "compare_stored",
           "import_into", "parse_claim_text", "report_html", "reproduce", "verify"]
