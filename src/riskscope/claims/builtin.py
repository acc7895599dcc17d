"""The built-in claims: TOML files shipped in `riskscope/claims/builtin/`, one per claim."""

from __future__ import annotations

from importlib import resources

from riskscope.claims.claim import Claim, load_claim


def builtin_claim_paths() -> list:
    """The built-in claim files, sorted by name."""
    folder = resources.files("riskscope.claims") / "builtin"
    return sorted((p for p in folder.iterdir() if p.name.endswith(".toml")),
                  key=lambda p: p.name)


def builtin_claims() -> list[Claim]:
    """Every built-in claim, validated (a broken one is a SpecError naming its file)."""
    claims = []
    for path in builtin_claim_paths():
        with resources.as_file(path) as real:
            claims.append(load_claim(real))
    return claims


__all__ = ["builtin_claim_paths", "builtin_claims"]
