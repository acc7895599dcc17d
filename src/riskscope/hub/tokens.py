"""API tokens: shown once, stored only as a salted scrypt hash, compared in constant time.

A token reads `rsh_<id>_<secret>`: `id` (12 hex digits) finds the user's row without revealing
anything, `secret` is `secrets.token_urlsafe(32)` (256 random bits). The database keeps the id,
a random 16-byte salt and scrypt(token, salt) — never the token — so a copy of the database
does not let anyone publish. Verification recomputes the hash and compares it with
`hmac.compare_digest`; an unknown id costs the same scrypt as a known one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

PREFIX = "rsh"
# scrypt cost: 16 MiB and a few tens of milliseconds per check (RFC 7914's interactive range)
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_TOKEN = re.compile(r"^rsh_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
_DUMMY_SALT = b"\x00" * 16


def new_token() -> tuple[str, str]:
    """(token, token_id): a fresh token and its public id."""
    token_id = secrets.token_hex(6)
    return f"{PREFIX}_{token_id}_{secrets.token_urlsafe(32)}", token_id


def token_id_of(token: str) -> str | None:
    """The id part of a well-formed token, else None."""
    match = _TOKEN.match(token) if isinstance(token, str) else None
    return match.group(1) if match else None


def hash_token(token: str, salt: bytes) -> bytes:
    """scrypt(token, salt) with the module's cost parameters (32 bytes)."""
    return hashlib.scrypt(token.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                          maxmem=64 << 20, dklen=32)


def new_salt() -> bytes:
    return secrets.token_bytes(16)


def token_matches(token: str, salt: bytes | None, stored_hash: bytes | None) -> bool:
    """True when `token` hashes to `stored_hash` (a missing row still costs one scrypt)."""
    candidate = hash_token(token, salt if salt is not None else _DUMMY_SALT)
    if stored_hash is None:
        return False
    return hmac.compare_digest(candidate, stored_hash)


__all__ = ["hash_token", "new_salt", "new_token", "token_id_of", "token_matches"]
