"""Passwords are hashed in the service without Flask, in werkzeug's format: hashes stored
before the move (made by werkzeug) still check, and new ones check with werkzeug too."""

from __future__ import annotations

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from web.service.accounts import MIN_PASSWORD, check_password, hash_password
from web.service.errors import ServiceError

PASSWORD = "correct horse battery"


def test_a_werkzeug_scrypt_hash_still_checks():
    stored = generate_password_hash(PASSWORD)
    assert stored.startswith("scrypt:")
    assert check_password(stored, PASSWORD)
    assert not check_password(stored, PASSWORD + "x")


def test_a_werkzeug_pbkdf2_hash_still_checks():
    stored = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    assert check_password(stored, PASSWORD)
    assert not check_password(stored, "wrong password")


def test_new_hashes_are_werkzeug_scrypt():
    stored = hash_password(PASSWORD)
    assert stored.startswith("scrypt:32768:8:1$")
    assert check_password_hash(stored, PASSWORD)
    assert check_password(stored, PASSWORD)
    assert hash_password(PASSWORD) != stored  # a fresh salt each time


@pytest.mark.parametrize("stored", ["", "plain", "md5$salt$abc", "scrypt:x:y:z$s$h", "pbkdf2$s$h"])
def test_malformed_hashes_never_check(stored):
    assert not check_password(stored, PASSWORD)


def test_short_passwords_are_refused():
    with pytest.raises(ServiceError):
        hash_password("x" * (MIN_PASSWORD - 1))
