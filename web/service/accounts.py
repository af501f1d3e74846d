"""Staff accounts: hashed passwords (werkzeug's scrypt), the signed-in user, role checks."""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import string
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import select

from web.db.engine import reading, writing
from web.db.models import User
from web.service.errors import ServiceError
from web.service.intakes import audit
from web.service.roles import Role

MIN_PASSWORD = 10
# Werkzeug's format ("scrypt:n:r:p$salt$hex"), so hashes stored before the service left Flask
# still check; hashlib does the work, so the service needs no web framework for passwords.
_SCRYPT = (2**15, 8, 1)
_SALT_CHARS = string.ascii_letters + string.digits


def _scrypt(password: str, salt: str, n: int, r: int, p: int) -> str:
    key = hashlib.scrypt(
        password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p
    )
    return key.hex()


def _scrypt_hash(password: str) -> str:
    salt = "".join(secrets.choice(_SALT_CHARS) for _ in range(16))
    n, r, p = _SCRYPT
    return f"scrypt:{n}:{r}:{p}${salt}${_scrypt(password, salt, n, r, p)}"


def check_password(stored: str, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (werkzeug's scrypt or pbkdf2 format)."""
    try:
        method, salt, expected = stored.split("$", 2)
        name, *params = method.split(":")
        if name == "scrypt":
            n, r, p = map(int, params) if params else _SCRYPT
            actual = _scrypt(password, salt, n, r, p)
        elif name == "pbkdf2" and len(params) == 2:
            raw = hashlib.pbkdf2_hmac(params[0], password.encode(), salt.encode(), int(params[1]))
            actual = raw.hex()
        else:
            return False
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ServiceError(
            f"密码至少 {MIN_PASSWORD} 个字符",
            f"a password needs at least {MIN_PASSWORD} characters",
        )
    return _scrypt_hash(password)


def create_user(
    *,
    engine: object,
    username: str,
    password: str,
    role: Role,
    now: datetime,
    school_id: int | None = None,
    display_name: str = "",
    by: str = "",
) -> int:
    """A new staff account, audited (as created ``by`` someone) in the same transaction."""
    assert isinstance(engine, Engine)
    if role is Role.OPERATOR and school_id is None:
        raise ServiceError("学校操作员须指定学校", "a school operator needs a school")
    with writing(engine) as s:
        if s.exec(select(User).where(User.username == username)).first():
            raise ServiceError(f"用户名 {username} 已存在", f"user {username} exists")
        user = User(
            username=username,
            display_name=display_name or username,
            password_hash=hash_password(password),
            role=role.value,
            school_id=school_id,
            created=now,
        )
        s.add(user)
        s.flush()
        assert user.id is not None
        audit(s, now, by or username, "user.created", None, f"{username} {role.value}")
        return user.id


def set_password(user: User, password: str) -> None:
    """A new password; it also ends every session the user holds."""
    user.password_hash = hash_password(password)
    user.session_generation += 1


def end_sessions(engine: Engine, user_id: int) -> None:
    """Logout on the server: cookies issued before this no longer sign anyone in."""
    with writing(engine) as s:
        user = s.get(User, user_id, with_for_update=True)
        if user is not None:
            user.session_generation += 1
            s.add(user)


@functools.cache
def _dummy_hash() -> str:
    return _scrypt_hash("not a password of anyone's")


def authenticate(engine: Engine, username: str, password: str) -> User | None:
    with reading(engine) as s:
        user = s.exec(select(User).where(User.username == username)).first()
    # One check either way, so an unknown username costs what a wrong password costs.
    ok = check_password(user.password_hash if user else _dummy_hash(), password)
    return user if ok and user is not None and user.active else None
