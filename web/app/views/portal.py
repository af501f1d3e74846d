"""The public side: announcements, results, the verify page, the transparency log
(C2SP tlog-tiles) and the lookup (学位锁定查询).

Zh-CN first, English with ``?lang=en`` (remembered in a cookie). No page needs
JavaScript except the verify page, which is helper-written static files served as
they are; ``placement export-public`` writes the same pages as static files.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    after_this_request,
    jsonify,
    make_response,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from werkzeug.wrappers import Response

from placement.canonical import canonical_json
from placement.links import package_fragment
from web.app.portal_links import Lang, LiveLinks, page_context
from web.app.services import services
from web.db.engine import reading
from web.db.store import DbLog
from web.portal import data
from web.portal import exceptions as public_exceptions
from web.portal.lookup import check_query, lookup
from web.portal.receipt import receipt_payload
from web.portal.views import PUBLIC_STAGES
from web.service.errors import ServiceError
from web.service.season import steps

bp = Blueprint("portal", __name__)

VERIFY_DIR = Path(__file__).resolve().parents[2] / "static" / "verify"
PAGE_CACHE = "public, max-age=60"  # pages change when a stage moves on
DOC_CACHE = "public, max-age=300"  # a bundle is re-exported after an amendment
IMMUTABLE = "public, max-age=31536000, immutable"  # full log tiles never change
LANG_COOKIE = "lang"


@bp.record_once
def _exempt_api(state: BlueprintSetupState) -> None:
    # The JSON API takes no cookies' authority: it is exempt from CSRF, but only
    # answers ``Content-Type: application/json`` (a cross-site form cannot send that).
    state.app.extensions["csrf"].exempt("web.app.views.portal.api_lookup")


# -- language and rendering ---------------------------------------------------------------


def _lang() -> Lang:
    asked = request.args.get("lang")
    if asked in ("zh", "en"):
        if request.cookies.get(LANG_COOKIE) != asked:

            @after_this_request
            def _remember(resp: Response) -> Response:
                resp.set_cookie(
                    LANG_COOKIE, asked, max_age=365 * 86400, samesite="Lax", httponly=True
                )
                resp.headers["Cache-Control"] = "private, max-age=0"
                return resp

        return "en" if asked == "en" else "zh"
    return "en" if request.cookies.get(LANG_COOKIE) == "en" else "zh"


def _page(template: str, hotline: str, *, cache: str = PAGE_CACHE, **values: Any) -> Response:  # noqa: ANN401
    season = steps.store_for(services().env, steps.SERVED_SEASON).exists()
    links = LiveLinks(
        _lang(), request.endpoint or "portal.index", dict(request.view_args or {}), season=season
    )
    html = render_template(template, **page_context(links, hotline), **values)
    resp = make_response(html)
    resp.headers.setdefault("Cache-Control", cache)
    resp.headers["Vary"] = "Cookie"
    return resp


def _district_hotline() -> str:
    with reading(services().engine) as s:
        return data.district_profile(data.profile_keys(s)).hotline


def _document(body: bytes, mimetype: str, cache: str, filename: str | None = None) -> Response:
    resp = Response(body, mimetype=mimetype)
    resp.headers["Cache-Control"] = cache
    if filename:
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.set_etag(hashlib.sha256(body).hexdigest())
    resp.make_conditional(request)
    return resp


# -- pages --------------------------------------------------------------------------------


@bp.route("/")
def index() -> Response:
    with reading(services().engine) as s:
        schools = data.schools(s)
        hotline = data.district_profile(data.profile_keys(s)).hotline
    return _page("portal/home.html", hotline, schools=schools)


@bp.route("/announcements")
def announcements() -> Response:
    with reading(services().engine) as s:
        rows = data.intake_rows(s, *PUBLIC_STAGES)
        hotline = data.district_profile(data.profile_keys(s)).hotline
    return _page("portal/announcements.html", hotline, rows=rows)


@bp.route("/announcements/<draw_id>")
def announcement(draw_id: str) -> Response:
    with reading(services().engine) as s:
        view = data.announcement(s, draw_id)
    if view is None:
        abort(404)
    return _page("portal/announcement.html", view.hotline, a=view)


@bp.route("/announcements/<draw_id>/announcement.jws")
def announcement_jws(draw_id: str) -> Response:
    with reading(services().engine) as s:
        body = data.announcement_jws(s, draw_id)
    if body is None:
        abort(404)
    return _document(body, "application/jose+json", DOC_CACHE, f"{draw_id}-announcement.jws")


@bp.route("/results/<draw_id>")
def result(draw_id: str) -> Response:
    with reading(services().engine) as s:
        view = data.result(s, draw_id)
        if view is None:  # None unless announced: the page names no unannounced intake
            announced = data.announcement(s, draw_id)
            hotline = data.district_profile(data.profile_keys(s)).hotline
    if view is None:
        resp = _page(
            "portal/not_published.html",
            announced.hotline if announced else hotline,
            a=announced,
            draw_id=draw_id,
        )
        resp.status_code = 404
        return resp
    return _page("portal/result.html", view.hotline, r=view)


@bp.route("/results/<draw_id>/public.zip")
def bundle(draw_id: str) -> Response:
    with reading(services().engine) as s:
        body = data.public_bundle(s, draw_id)
    if body is None:
        abort(404)
    return _document(body, "application/zip", DOC_CACHE, f"{draw_id}-public.zip")


@bp.route("/exceptions")
def exceptions() -> Response:
    """派位后的例外: every school's exceptions by kind, and the counts (spec Part E)."""
    with reading(services().engine) as s:
        listing = public_exceptions.listing(s)
        hotline = data.district_profile(data.profile_keys(s)).hotline
    return _page("portal/exceptions.html", hotline, x=listing, kinds=public_exceptions.KINDS)


@bp.route("/exceptions.json")
def exceptions_json() -> Response:
    with reading(services().engine) as s:
        body = canonical_json(public_exceptions.listing(s).to_json())
    return _document(body, "application/json", PAGE_CACHE)


# -- the verify page (static files written by the verifier's authors) ---------------------


@bp.route("/verify/")
def verify_page() -> Response:
    resp = send_from_directory(VERIFY_DIR, "index.html", max_age=300)
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


@bp.route("/verify/keyring.json")
def keyring_json() -> Response:
    body = canonical_json(services().keyring().to_json())
    return _document(body, "application/json", "public, max-age=300")


def portal_json(hotline: str) -> bytes:
    zh, en = data.procedure(hotline)
    return canonical_json({"hotline": hotline, "procedure_en": en, "procedure_zh": zh})


@bp.route("/verify/portal.json")
def portal_json_view() -> Response:
    return _document(portal_json(_district_hotline()), "application/json", "public, max-age=300")


@bp.route("/verify/changes.json")
def changes_json_view() -> Response:
    """Which class lists were changed after the draw, for the verify page (spec §E2)."""
    with reading(services().engine) as s:
        body = canonical_json(public_exceptions.changes(s))
    return _document(body, "application/json", "public, max-age=300")


@bp.route("/verify/<path:name>")
def verify_asset(name: str) -> Response:
    resp = send_from_directory(VERIFY_DIR, name, max_age=300)
    if name.endswith(".js"):
        resp.mimetype = "text/javascript"
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


# -- the transparency log as C2SP tlog-tiles ----------------------------------------------

_tiles_lock = threading.Lock()
_tiles_cache: dict[tuple[str, str], dict[str, bytes]] = {}


def _tiles() -> dict[str, bytes]:
    """The tiles at the latest checkpoint, rebuilt only when the checkpoint changes."""
    engine = services().engine
    with reading(engine) as s:
        checkpoint = DbLog(s).latest_checkpoint()
        if checkpoint is None:
            return {}
        key = (str(engine.url), checkpoint)
        with _tiles_lock:
            if key not in _tiles_cache:
                _tiles_cache.clear()
                _tiles_cache[key] = data.log_tiles(s)
            return _tiles_cache[key]


@bp.route("/log/checkpoint")
def log_checkpoint() -> Response:
    files = _tiles()
    if "checkpoint" not in files:
        abort(404)
    return _document(files["checkpoint"], "text/plain", "public, max-age=10")


@bp.route("/log/tile/<path:rest>")
def log_tile(rest: str) -> Response:
    path = f"tile/{rest}"
    files = _tiles()
    if path not in files:
        abort(404)
    cache = "public, max-age=10" if ".p/" in path else IMMUTABLE
    return _document(files[path], "application/octet-stream", cache)


# -- lookup (学位锁定查询) ----------------------------------------------------------------


def _limit() -> None:
    """Count one lookup for this client; 429 with Retry-After once its window is used."""
    svc = services()
    if not svc.lookup_limit.hit(key := f"lookup:{request.remote_addr or '?'}"):
        raise _TooManyError(str(svc.lookup_limit.retry_after(key)))


class _TooManyError(ServiceError):
    status = 429

    def __init__(self, retry_after: str) -> None:
        super().__init__("查询过于频繁，请稍后再试", "too many lookups; please try again later")
        self.retry_after = retry_after


@bp.errorhandler(_TooManyError)
def _too_many(e: _TooManyError) -> Response:
    resp: Response
    if request.path.startswith("/api/"):
        resp = jsonify({"error": {"zh": e.zh, "en": e.en}, "issues": []})
    else:
        hotline = _district_hotline()
        resp = _page("portal/lookup.html", hotline, cache="no-store", answer=None, error=e)
    resp.status_code = 429
    resp.headers["Retry-After"] = e.retry_after
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/api/lookup", methods=["POST"])
def api_lookup() -> Response:
    _limit()
    if not request.is_json:
        raise _UnsupportedError
    try:  # json.loads directly: werkzeug's get_json costs as much as the query
        body = json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise ServiceError("请求须为 JSON 对象", "the request body must be a JSON object")
    name, number = check_query(body.get("name"), body.get("id_number"))
    answer = lookup(services().engine, name, number)
    # Encoded here rather than by jsonify: one shape, no pretty-printing, no sorting.
    body = json.dumps(answer.to_json(), ensure_ascii=False, separators=(",", ":"))
    return Response(body, mimetype="application/json", headers={"Cache-Control": "no-store"})


class _UnsupportedError(ServiceError):
    status = 415

    def __init__(self) -> None:
        super().__init__(
            "请以 JSON 提交（Content-Type: application/json）",
            "send JSON (Content-Type: application/json)",
        )


@bp.route("/lookup", methods=["GET", "POST"])
def lookup_page() -> Response:
    hotline = _district_hotline()
    answer, error, receipt_link = None, None, None
    values = {"name": "", "id_number": ""}
    if request.method == "POST":
        _limit()
        values = {k: request.form.get(k, "") for k in values}
        try:
            name, number = check_query(values["name"], values["id_number"])
        except ServiceError as e:
            error = e
        else:
            answer = lookup(services().engine, name, number)
            if answer.found:  # v2: the receipt goes to this browser, never into a code
                payload = receipt_payload(services().engine, number)
                if payload is not None:
                    receipt_link = url_for("portal.verify_page") + "#" + package_fragment(payload)
    resp = _page(
        "portal/lookup.html",
        hotline,
        cache="no-store",
        answer=answer,
        error=error,
        name=values["name"],
        receipt_link=receipt_link,
    )
    if error is not None:
        resp.status_code = 400
    return resp
