"""Login and logout. Failed logins are rate-limited per client and per username."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from web.app.auth import authenticate, current_user
from web.app.services import services
from web.db.engine import writing
from web.service.accounts import end_sessions
from web.service.intakes import audit

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: no scheme, no host, nothing a browser would read as
    one ("//host", "/\\host", or a control character it strips, as in "/\t/host")."""
    home = url_for("staff.index")
    if not target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return home
    return home if "\\" in target else target


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""))
    svc = services()
    username = request.form.get("username", "").strip()
    client = request.remote_addr or "?"
    keys = (f"ip:{client}", f"user:{username}")
    if not all(svc.login_limit.hit(key) for key in keys):
        retry = str(max(svc.login_limit.retry_after(key) for key in keys))
        flash("登录尝试过多，请稍后再试 / too many login attempts; try again later", "error")
        return render_template("login.html", next=""), 429, {"Retry-After": retry}
    user = authenticate(username, request.form.get("password", ""))
    now = svc.now()
    with writing(svc.engine) as s:
        audit(s, now, username, "login.ok" if user else "login.failed", None, client)
    if user is None:
        flash("用户名或密码错误 / wrong username or password", "error")
        return render_template("login.html", next=request.form.get("next", "")), 401
    session.clear()
    session["uid"] = user.id
    session["gen"] = user.session_generation  # logout or a new password ends it
    session.permanent = True
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    user = current_user()
    if user is not None and user.id is not None:
        end_sessions(services().engine, user.id)
        session.clear()
    return redirect(url_for("auth.login"))
