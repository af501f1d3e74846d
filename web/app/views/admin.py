"""Bureau administration: staff accounts (created, deactivated, passwords reset —
never deleted), schools (created, closed for intake with where the catchment goes)
and the list of audit events."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func
from sqlmodel import col, select

from placement.policy import Level
from web.app.auth import current_user, requires
from web.app.services import services
from web.db.engine import reading, writing
from web.db.models import AuditEvent, Intake, School, User
from web.service.accounts import create_user, set_password
from web.service.errors import NotFound, ServiceError
from web.service.intakes import audit
from web.service.roles import Role
from web.service.schools import add_school

bp = Blueprint("admin", __name__, url_prefix="/admin")

AUDIT_PAGE = 100


def _me() -> str:
    user = current_user()
    assert user is not None
    return user.username


@bp.route("/")
@requires(Role.ADMIN)
def index() -> ResponseReturnValue:
    with reading(services().engine) as s:
        users = s.exec(select(func.count()).select_from(User).where(col(User.active))).one()
        schools = s.exec(select(func.count()).select_from(School)).one()
        intakes = s.exec(select(func.count()).select_from(Intake)).one()
        events = s.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc()).limit(10)).all()
    return render_template(
        "admin/index.html", users=users, schools=schools, intakes=intakes, events=events
    )


def _form_post(
    page: Callable[[Mapping[str, str], ServiceError | None], str],
    endpoint: str,
    step: Callable[[], str],
) -> ResponseReturnValue:
    """PRG for a form: redirect with a message, or show the form again with the problem."""
    try:
        message = step()
    except NotFound:
        raise
    except ServiceError as e:
        flash(f"{e.zh} / {e.en}", "error")
        return page(request.form, e), e.status
    flash(message, "ok")
    return redirect(url_for(endpoint))


# -- users ---------------------------------------------------------------------------------


def _users_page(form: Mapping[str, str], error: ServiceError | None = None) -> str:
    with reading(services().engine) as s:
        users = s.exec(select(User).order_by(col(User.username))).all()
        schools = s.exec(select(School).order_by(col(School.code))).all()
    return render_template(
        "admin/users.html",
        users=users,
        schools=schools,
        school_names={sc.id: sc.name for sc in schools},
        roles=list(Role),
        form=form,
        error=error,
    )


@bp.route("/users")
@requires(Role.ADMIN)
def users() -> ResponseReturnValue:
    return _users_page({})


@bp.route("/users", methods=["POST"])
@requires(Role.ADMIN)
def create_user_post() -> ResponseReturnValue:
    def step() -> str:
        f = request.form
        try:
            role = Role(f.get("role", ""))
        except ValueError:
            raise ServiceError("请选择角色", "choose a role") from None
        username = f.get("username", "").strip()
        if not username or len(username) > 64 or any(c.isspace() for c in username):
            raise ServiceError("用户名不能为空或含空格", "a username is required, without spaces")
        school = f.get("school_id", "")
        svc = services()
        create_user(
            engine=svc.engine,
            username=username,
            password=f.get("password", ""),
            role=role,
            now=svc.now(),
            school_id=int(school) if school.isdigit() and role is Role.OPERATOR else None,
            display_name=f.get("display_name", "").strip(),
            by=_me(),
        )
        return f"已创建用户 {username} / user {username} created"

    return _form_post(_users_page, "admin.users", step)


def _change_user(user_id: int, action: str, change: Callable[[User], str]) -> str:
    svc = services()
    with writing(svc.engine) as s:
        user = s.get(User, user_id)
        if user is None:
            raise NotFound(f"没有编号为 {user_id} 的用户", f"no user {user_id}")
        message = change(user)
        s.add(user)
        audit(s, svc.now(), _me(), action, None, user.username)
        return message


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@requires(Role.ADMIN)
def deactivate(user_id: int) -> ResponseReturnValue:
    def change(user: User) -> str:
        if user.username == _me():
            raise ServiceError("不能停用自己的账号", "you cannot deactivate your own account")
        user.active = False
        return f"已停用 {user.username}（账号保留）/ {user.username} deactivated (kept)"

    return _form_post(
        _users_page, "admin.users", lambda: _change_user(user_id, "user.deactivated", change)
    )


@bp.route("/users/<int:user_id>/activate", methods=["POST"])
@requires(Role.ADMIN)
def activate(user_id: int) -> ResponseReturnValue:
    def change(user: User) -> str:
        user.active = True
        return f"已启用 {user.username} / {user.username} active again"

    return _form_post(
        _users_page, "admin.users", lambda: _change_user(user_id, "user.activated", change)
    )


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@requires(Role.ADMIN)
def reset_password(user_id: int) -> ResponseReturnValue:
    def change(user: User) -> str:
        set_password(user, request.form.get("password", ""))
        return f"已重设 {user.username} 的密码 / password of {user.username} reset"

    return _form_post(
        _users_page, "admin.users", lambda: _change_user(user_id, "user.password_reset", change)
    )


# -- schools -------------------------------------------------------------------------------


def _schools_page(form: Mapping[str, str], error: ServiceError | None = None) -> str:
    with reading(services().engine) as s:
        schools = s.exec(select(School).order_by(col(School.code))).all()
    return render_template(
        "admin/schools.html", schools=schools, levels=list(Level), form=form, error=error
    )


@bp.route("/schools")
@requires(Role.ADMIN)
def schools() -> ResponseReturnValue:
    return _schools_page({})


@bp.route("/schools", methods=["POST"])
@requires(Role.ADMIN)
def create_school() -> ResponseReturnValue:
    def step() -> str:
        f = request.form
        name = f.get("name", "").strip()
        svc = services()
        add_school(
            svc.engine,
            code=f.get("code", ""),
            name=name,
            level=f.get("level", ""),
            user=_me(),
            now=svc.now(),
        )
        return f"已添加学校 {name} / school {name} added"

    return _form_post(_schools_page, "admin.schools", step)


@bp.route("/schools/<int:school_id>/close", methods=["POST"])
@requires(Role.ADMIN)
def close_school(school_id: int) -> ResponseReturnValue:
    def step() -> str:
        to = request.form.get("catchment_to", "").strip()
        if not to:
            raise ServiceError(
                "请填写接收其学区学生的学校", "name the school that takes its catchment"
            )
        svc = services()
        with writing(svc.engine) as s:
            school = s.get(School, school_id)
            if school is None:
                raise NotFound(f"没有编号为 {school_id} 的学校", f"no school {school_id}")
            if to == school.name:
                raise ServiceError(
                    "学区不能转给本校", "the catchment cannot go to the school itself"
                )
            school.closed, school.catchment_to = True, to
            s.add(school)
            audit(s, svc.now(), _me(), "school.closed", None, f"{school.name} → {to}")
            return f"{school.name} 已停止招生，学区转至 {to} / closed; catchment to {to}"

    return _form_post(_schools_page, "admin.schools", step)


@bp.route("/schools/<int:school_id>/reopen", methods=["POST"])
@requires(Role.ADMIN)
def reopen_school(school_id: int) -> ResponseReturnValue:
    def step() -> str:
        svc = services()
        with writing(svc.engine) as s:
            school = s.get(School, school_id)
            if school is None:
                raise NotFound(f"没有编号为 {school_id} 的学校", f"no school {school_id}")
            school.closed, school.catchment_to = False, ""
            s.add(school)
            audit(s, svc.now(), _me(), "school.reopened", None, school.name)
            return f"{school.name} 恢复招生 / open for intake again"

    return _form_post(_schools_page, "admin.schools", step)


# -- audit events --------------------------------------------------------------------------


@bp.route("/audit")
@requires(Role.ADMIN, Role.AUDITOR)
def audit_events() -> ResponseReturnValue:
    """Newest first; filter by action prefix, user or intake; page with ``before``."""
    args = request.args
    q = select(AuditEvent).order_by(col(AuditEvent.id).desc())
    action, username = args.get("action", "").strip(), args.get("user", "").strip()
    intake_id, before = args.get("intake", type=int), args.get("before", type=int)
    if action:
        q = q.where(col(AuditEvent.action).startswith(action, autoescape=True))
    if username:
        q = q.where(AuditEvent.username == username)
    if intake_id is not None:
        q = q.where(AuditEvent.intake_id == intake_id)
    if before is not None:
        q = q.where(col(AuditEvent.id) < before)
    with reading(services().engine) as s:
        events = s.exec(q.limit(AUDIT_PAGE + 1)).all()
    more = len(events) > AUDIT_PAGE
    events = events[:AUDIT_PAGE]
    return render_template(
        "admin/audit.html",
        events=events,
        more=more,
        next_before=events[-1].id if more and events else None,
        args=args,
    )
