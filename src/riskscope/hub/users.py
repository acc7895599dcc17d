"""Hub members: adding one (a token printed once) and finding who a token belongs to."""

from __future__ import annotations

import re
import sqlite3
import time

from riskscope.core.errors import SpecError
from riskscope.hub.database import log_event, transaction
from riskscope.hub.tokens import hash_token, new_salt, new_token, token_id_of, token_matches

USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


def check_user_name(name: object) -> str:
    if not isinstance(name, str) or not USER_NAME.match(name):
        raise SpecError("user name", name, "1-40 characters: letters, digits, '_', '.', '-', "
                        "starting with a letter or digit")
    return name


def add_user(db: sqlite3.Connection, name: str, replace_token: bool = False) -> str:
    """Add member `name` and return their token (shown once; only its hash is kept).
    With `replace_token`, an existing member gets a new token and the old one stops working."""
    name = check_user_name(name)
    token, token_id = new_token()
    salt = new_salt()
    digest = hash_token(token, salt)
    with transaction(db):
        exists = db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone()
        if exists and not replace_token:
            raise SpecError("user name", name, "a name not yet taken",
                            "use --new-token to replace this member's token")
        if exists:
            db.execute("UPDATE users SET token_id = ?, salt = ?, token_hash = ? WHERE name = ?",
                       (token_id, salt, digest, name))
        else:
            db.execute("INSERT INTO users (name, token_id, salt, token_hash, created_at) "
                       "VALUES (?, ?, ?, ?, ?)", (name, token_id, salt, digest, time.time()))
        log_event(db, name, "new-token" if exists else "add-user", name)
    return token


def user_for_token(db: sqlite3.Connection, token: str | None) -> str | None:
    """The member name a token belongs to, or None (missing, malformed or wrong token)."""
    if not token:
        return None
    token_id = token_id_of(token)
    row = None
    if token_id is not None:
        row = db.execute("SELECT name, salt, token_hash FROM users WHERE token_id = ?",
                         (token_id,)).fetchone()
    ok = token_matches(token, row["salt"] if row else None, row["token_hash"] if row else None)
    return row["name"] if ok and row else None


def user_names(db: sqlite3.Connection) -> list[str]:
    return [r[0] for r in db.execute("SELECT name FROM users ORDER BY name")]


__all__ = ["add_user", "check_user_name", "user_for_token", "user_names"]
