"""Sign-in glue for Flask: the current user on ``g``, role checks on views, school scoping."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from web.app.services import services
from web.db.engine import reading
from web.db.models import Intake, User
from web.service import accounts
from web.service.errors import Forbidden
from web.service.roles import Role

P = ParamSpec("P")
R = TypeVar("R")


def authenticate(username: str, password: str) -> User | None:
    return accounts.authenticate(services().engine, username, password)


def load_user() -> None:
    g.user = None
    uid = session.get("uid")
    if uid is None:
        return
    with reading(services().engine) as s:
        user = s.get(User, uid)
    if user is None or not user.active or session.get("gen") != user.session_generation:
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
