"""Fixtures for the hub's tests: two real `train` smoke runs and their bundles (session-wide),
members with tokens, and real hub servers (uvicorn on a free loopback port in a thread)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the hub needs the extra riskscope[hub]")

CLAIMS = {
    "train-smoke-population-risk-below-half": """\
id = "train-smoke-population-risk-below-half"
statement = "A small ReLU network trained on the smoke task reaches a population risk below 0.5."
source = "riskscope hub tests"
study = "train"

[check]
kind = "interval"
result = "population_risk"
hi = 0.5
""",
    "train-smoke-excess-risk-below-a-thousandth": """\
id = "train-smoke-excess-risk-below-a-thousandth"
statement = "The smoke preset's 150 steps bring the excess risk below 0.001."
source = "riskscope hub tests (expected to fail: 150 steps are far too few)"
study = "train"

[check]
kind = "interval"
result = "excess_risk"
hi = 0.001
""",
}


@dataclass
class SmokeRuns:
    store: Path
    run_ids: list[str]
    bundles: list[Path] = field(default_factory=list)
    claim_files: list[Path] = field(default_factory=list)


@pytest.fixture(scope="session")
def smoke_runs(tmp_path_factory) -> SmokeRuns:
    """Two `train` smoke runs that differ only in their seeds, bundled with their reports."""
    import torch

    from riskscope.exchange import write_bundle
    from riskscope.store import Store
    from riskscope.studies import load_spec, run_study

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("smoke")
    runs = SmokeRuns(root / "results", [])
    with Store(runs.store) as store:
        for overrides in ((), ("seeds=[5, 6]", "name=train-smoke-b")):
            spec = load_spec("train", "smoke", list(overrides))
            runs.run_ids.append(run_study(spec, store, device="cpu", preset="smoke").run_id)
        for run_id in runs.run_ids:
            runs.bundles.append(write_bundle(store, run_id, root / f"{run_id}.rsbundle").path)
    for claim_id, text in CLAIMS.items():
        path = root / f"{claim_id}.toml"
        path.write_text(text, encoding="utf-8")
        runs.claim_files.append(path)
    return runs


def add_member(hub, name: str) -> str:
    from riskscope.hub.users import add_user

    return add_user(hub.hub.db(), name)


@pytest.fixture
def fresh_hub(tmp_path):
    """A real hub server on an empty root."""
    from riskscope.hub.server import BackgroundHub

    with BackgroundHub(tmp_path / "hub") as hub:
        yield hub


def state_files(root: Path) -> dict[str, list[str]]:
    """What a hub root holds besides its database: bundle files, run folders, tmp entries."""
    return {part: sorted(str(p.relative_to(root)) for p in (root / part).rglob("*"))
            for part in ("bundles", "runs", "tmp")}


def chromium_paths() -> tuple[str | None, str | None]:
    import shutil

    return (shutil.which("chromium") or shutil.which("chromium-browser"),
            shutil.which("chromedriver"))


os.environ.setdefault("SE_OFFLINE", "true")  # Selenium never downloads a driver or browser
