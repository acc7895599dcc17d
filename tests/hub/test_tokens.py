"""Tokens and members: a token is shown once and stored only as a salted scrypt hash."""

from __future__ import annotations

import pytest

from riskscope.core.errors import SpecError
from riskscope.hub.database import connect
from riskscope.hub.tokens import hash_token, new_salt, new_token, token_id_of, token_matches
from riskscope.hub.users import add_user, user_for_token


def test_token_round_trip_and_constant_time_comparison():
    token, token_id = new_token()
    assert token_id_of(token) == token_id
    salt = new_salt()
    stored = hash_token(token, salt)
    assert token_matches(token, salt, stored)
    assert not token_matches(token[:-1] + ("A" if token[-1] != "A" else "B"), salt, stored)
    assert not token_matches(token, new_salt(), stored)  # the salt is part of the hash
    assert not token_matches(token, None, None)
    assert token_id_of("rsh_nothex______" + "x" * 43) is None
    assert token_id_of(None) is None


def test_the_database_keeps_no_token(tmp_path):
    db = connect(tmp_path / "hub.sqlite", create=True)
    alice, bob = add_user(db, "alice"), add_user(db, "bob")
    db.close()
    raw = (tmp_path / "hub.sqlite").read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.glob("hub.sqlite-*"))
    for token in (alice, bob):
        assert token.encode() not in raw
        assert token.split("_", 2)[2].encode() not in raw
    db = connect(tmp_path / "hub.sqlite")
    assert user_for_token(db, alice) == "alice"
    assert user_for_token(db, bob) == "bob"
    assert user_for_token(db, alice.replace(alice[-5:], "AAAAA")) is None
    assert user_for_token(db, "") is None
    assert user_for_token(db, "Bearer nonsense") is None


def test_member_names_are_checked_and_unique(tmp_path):
    db = connect(tmp_path / "hub.sqlite", create=True)
    add_user(db, "alice")
    with pytest.raises(SpecError, match="not yet taken"):
        add_user(db, "alice")
    for bad in ("", "<script>", "a b", "x" * 41, "-lead"):
        with pytest.raises(SpecError, match="user name"):
            add_user(db, bad)
    old = add_user(db, "carol")
    new = add_user(db, "carol", replace_token=True)
    assert user_for_token(db, old) is None and user_for_token(db, new) == "carol"
