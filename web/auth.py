"""Staff accounts: hashed passwords (werkzeug's scrypt), the signed-in user, role checks."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import ParamSpec, TypeVar

from flask import g, redirect, request, session, url_for
from sqlmodel import select
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from web.db.engine import reading, writing
from web.db.models import Intake, User
from web.errors import Forbidden, ServiceError
from web.intakes import audit
from web.roles import Role
from web.services import services

P = ParamSpec("P")
R = TypeVar("R")

MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ServiceError(
            f"密码至少 {MIN_PASSWORD} 个字符",
            f"a password needs at least {MIN_PASSWORD} characters",
        )
    return generate_password_hash(password)


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
    from sqlalchemy import Engine  # noqa: PLC0415 - typing only

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


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("not a password of anyone's")


def authenticate(username: str, password: str) -> User | None:
    with reading(services().engine) as s:
        user = s.exec(select(User).where(User.username == username)).first()
    # One check either way, so an unknown username costs what a wrong password costs.
    ok = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    return user if ok and user is not None and user.active else None


def load_user() -> None:
    g.user = None
    uid = session.get("uid")
    if uid is None:
        return
    with reading(services().engine) as s:
        user = s.get(User, uid)
    if user is None or not user.active or session.get("pw") != user.password_hash[-16:]:
        session.clear()
        return
    g.user = user


def current_user() -> User | None:
    user = g.get("user")
    return user if isinstance(user, User) else None


def requires(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, R | Response]]:
    """Admit only signed-in users with one of ``roles``; others go to login or get 403."""

    def wrap(view: Callable[P, R]) -> Callable[P, R | Response]:
        @functools.wraps(view)
        def inner(*args: P.args, **kwargs: P.kwargs) -> R | Response:
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.path))
            if Role(user.role) not in roles:
                raise Forbidden(
                    f"您的角色（{Role(user.role).zh}）无权进行此操作",
                    f"your role ({user.role}) may not do this",
                )
            return view(*args, **kwargs)

        inner.roles = frozenset(roles)  # type: ignore[attr-defined]  # read by the role matrix test
        return inner

    return wrap


def check_school(intake: Intake) -> None:
    """A school operator may only touch their own school's intakes."""
    user = current_user()
    if user is not None and user.role == Role.OPERATOR and user.school_id != intake.school_id:
        raise Forbidden("只能操作本校的招生批次", "operators may only act on their own school")
