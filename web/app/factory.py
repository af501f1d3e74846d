"""The Flask application factory. Nothing is read at import time: the settings come from
:func:`web.service.config.app_settings` (the ``config`` argument, then ``PLACEMENT_*``
environment variables, then the instance's config.json, then defaults rooted in the
instance folder), as the command line reads them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Request, current_app, g, render_template, request, send_from_directory
from flask import Response as FlaskResponse
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask_wtf.csrf import CSRFError, CSRFProtect
from itsdangerous import URLSafeTimedSerializer
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from keys.errors import KeysError
from keys.passphrase import ENV_VAR
from web.app.auth import current_user, load_user
from web.db.engine import make_engine
from web.db.schema import upgrade
from web.record import clock
from web.service.config import app_settings, secret_key
from web.service.errors import ServiceError
from web.service.fields import field_words
from web.service.ratelimit import storage_url
from web.service.roles import Role
from web.service.services import Services, make_limiter

# Strict by default; the public pages need nothing from elsewhere (issue 6).
WEB = Path(__file__).resolve().parents[1]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    inst, settings = app_settings(config)
    app = Flask(
        __name__,
        instance_path=str(inst),
        # templates and static files stay at web/templates and web/static, beside the rooms
        template_folder=str(WEB / "templates"),
        static_folder=str(WEB / "static"),
    )
    app.config.from_mapping(settings)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(inst)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.jinja_env.filters["shown"] = clock.shown  # times people read: Beijing, not TZ

    engine = make_engine(app.config["DATABASE_URL"])
    if app.config["MIGRATE"]:
        upgrade(engine)
    passphrase = app.config.get("KEY_PASSPHRASE")
    # Shared by every worker: Redis when configured, else a SQLite file in the instance.
    limits = storage_url(str(app.config.get("RATELIMIT_STORAGE_URL") or ""), inst)
    app.extensions["placement"] = Services(
        engine=engine,
        keys_dir=Path(app.config["KEYS_DIR"]),
        bureau_key=app.config["BUREAU_KEY"],
        log_key=app.config["LOG_KEY"],
        passphrase=lambda: passphrase or os.environ.get(ENV_VAR),
        login_limit=make_limiter(int(app.config["LOGIN_LIMIT"]), 60, limits, "login"),
        lookup_limit=make_limiter(int(app.config["LOOKUP_LIMIT"]), 60, limits, "lookup"),
    )
    app.session_interface = _Sessions()
    CSRFProtect(app)
    _register(app)
    return app


def _register(app: Flask) -> None:
    from web.app.views import (  # noqa: PLC0415 - after config
        admin,
        auth,
        ceremony,
        exceptions,
        portal,
        season_bureau,
        season_public,
        season_staff,
        staff,
    )

    blueprints = (auth.bp, staff.bp, admin.bp, ceremony.bp, portal.bp, exceptions.bp)
    for bp in (*blueprints, season_public.bp, season_staff.bp, season_bureau.bp):
        app.register_blueprint(bp)
    app.before_request(load_user)
    app.after_request(_headers)
    app.context_processor(lambda: {"user": current_user(), "Role": Role})
    app.add_template_global(field_words)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
    app.register_error_handler(ServiceError, _service_error)
    app.register_error_handler(KeysError, _keys_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _favicon() -> Response:
    """For clients that ask /favicon.ico without reading a page's icon link."""
    return send_from_directory(
        WEB / "static", "favicon.svg", mimetype="image/svg+xml", max_age=86400
    )


_SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def _headers(resp: Response) -> Response:
    h = resp.headers
    present = {k.lower() for k in h.keys()}  # noqa: SIM118 - Headers iterates pairs
    for name, value in _SECURITY_HEADERS:
        if name.lower() not in present:
            h.add(name, value)
    if request.is_secure and "strict-transport-security" not in present:
        h.add("Strict-Transport-Security", "max-age=31536000")
    if g.get("user") is not None and "cache-control" not in present:
        h.add("Cache-Control", "no-store")
    return resp


class _Sessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per key
    rather than on every request (a tenth of a millisecond each, on the lookup path)."""

    _cache: tuple[object, URLSafeTimedSerializer | None] | None = None

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith("/api/"):  # the JSON API keeps no session
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: FlaskResponse) -> None:
        if request.path.startswith("/api/"):
            return
        super().save_session(app, session, response)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, super().get_signing_serializer(app))
        return self._cache[1]


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _error(status: int, zh: str, en: str, issues: tuple[Any, ...] = ()) -> tuple[Any, int]:
    if _wants_json():
        return {
            "error": {"zh": zh, "en": en},
            "issues": [
                {"row": i.row, "field": i.field, "code": i.code, "zh": i.zh, "en": i.en}
                for i in issues
            ],
        }, status
    return render_template("error.html", status=status, zh=zh, en=en, issues=issues), status


def _service_error(e: ServiceError) -> tuple[Any, int]:
    return _error(e.status, e.zh, e.en, e.issues)


def _keys_error(e: KeysError) -> tuple[Any, int]:
    # The signing keys cannot be used (wrong passphrase, missing key): the step was not done.
    current_app.logger.error("signing keys unusable: %s", e)
    return _error(
        503, f"签名密钥不可用，操作未完成：{e.zh}", f"signing keys unusable; nothing done: {e.en}"
    )


def _csrf_error(e: CSRFError) -> tuple[Any, int]:
    return _error(
        400,
        "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试",
        f"the form is stale or not from this site (CSRF: {e.description}); reload and retry",
    )


def _http_error(e: HTTPException) -> tuple[Any, int] | HTTPException:
    if e.code is None or e.code < 400:
        return e
    zh = {404: "页面不存在", 405: "不支持此请求方式", 413: "上传文件过大"}.get(e.code, "请求有误")
    return _error(e.code, zh, e.name)


def _unexpected(e: Exception) -> tuple[Any, int]:
    # No traceback reaches a user; the log keeps it for the operator.
    current_app.logger.error("unexpected error", exc_info=e)
    return _error(
        500,
        "服务器内部错误，已记录。每一步要么完整完成、要么完全未做：请刷新页面查看当前状态",
        "internal error (logged). Each step is done whole or not at all: reload to see the state",
    )
