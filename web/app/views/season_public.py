"""The season's public side (spec Part S): register on a phone, follow one's application,
the 公示 list during its window, report (举报), catchment search, plan, statistics.

Zh-CN first, English with ``?lang=en`` (as the portal). Nothing private is ever in a
URL: the application page is reached by posting the application number together with
the child's ID number, and a family's data is shown only in that response.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, current_app, make_response, render_template, request
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from placement.keyring import CST
from placement.policy import Level
from placement.season.application import PROOF_ZH, Form
from placement.season.ledger import Ledger
from placement.season.outcome import OUTCOME_EN, OUTCOME_ZH
from web.app.portal_links import LiveLinks, page_context
from web.app.services import services
from web.app.views.portal import _lang
from web.db.engine import reading
from web.portal import exceptions as public_exceptions
from web.service.config import verify_page
from web.service.errors import ServiceError
from web.service.season import pages, steps
from web.sheets.qr import document_url, qr_image

bp = Blueprint("season", __name__, url_prefix="/season")
SEASON = steps.SERVED_SEASON
NO_STORE = "no-store"  # pages with a family's data are never cached


def _ledger() -> Ledger:
    return steps.store_for(services().env, SEASON).read()


def _page(template: str, *, cache: str = "public, max-age=60", **values: Any) -> Response:  # noqa: ANN401
    led = _ledger()
    links = LiveLinks(_lang(), request.endpoint or "season.index", dict(request.view_args or {}))
    html = render_template(
        template,
        **page_context(links, led.profile.hotline),
        **shared_values(led, _today()),
        **values,
    )
    resp = make_response(html)
    resp.headers["Cache-Control"] = cache
    resp.headers["Vary"] = "Cookie"
    return resp


FIELDS = (
    *("name", "sex", "id_number", "birth_date", "address", "community", "proof"),
    *("guardian_name", "guardian_phone", "twin_id", "twin_wish"),
)


def form_fields(posted: MultiDict[str, str]) -> dict[str, Any]:
    """The posted form as typed (to show again beside its errors), each field bounded."""
    fields: dict[str, Any] = {k: posted.get(k, "")[:200] for k in ("school", *FIELDS)}
    fields["flags"] = tuple(f[:20] for f in posted.getlist("flags")[:10])
    return fields


def read_form(posted: MultiDict[str, str]) -> Form:
    """A parent's or the desk's application form (the school is chosen apart)."""
    f = form_fields(posted)
    return Form(**{k: f[k] for k in FIELDS}, flags=f["flags"])


def _today() -> dt.date:
    return services().now().astimezone(CST).date()


def _open(led: Ledger, stage: str) -> bool:
    return is_open(led, stage, _today())


def is_open(led: Ledger, stage: str, today: dt.date) -> bool:
    """A stage is open in its window, or after an override recorded for it."""
    return led.plan.window(stage).contains(today) or stage in led.overrides


def shared_values(led: Ledger, today: dt.date) -> dict[str, Any]:
    """What every season page gets beside its links (live, and in the static export)."""
    return {
        "led": led,
        "notice_up": bool(led.notices) and is_open(led, "notice", today),
        "overrides": pages.overrides(led),
        "PROOF_ZH": PROOF_ZH,
        "OUTCOME_ZH": OUTCOME_ZH,
        "OUTCOME_EN": OUTCOME_EN,
    }


def index_values(led: Ledger, today: dt.date) -> dict[str, Any]:
    return {
        "today": today,
        "open_stages": {w.stage for w in led.plan.windows if is_open(led, w.stage, today)},
    }


def notice_values(led: Ledger, n: int, today: dt.date) -> dict[str, Any]:
    """The n-th 公示 page: the list only while its window is open; the commitment stays."""
    place = list(led.notices)[n]
    posted = led.notices[place]
    up = is_open(led, "notice", today)
    return {
        "place": place,
        "notice": posted,
        "lines": pages.poster(led, place) if up else [],
        "up": up,
        "qr": _qr(led.signed[posted.digest.hex()]),
    }


def _qr(jws_text: str) -> str:
    import base64  # noqa: PLC0415

    base = verify_page(str(current_app.config.get("PUBLIC_BASE_URL") or ""))
    url = document_url(jws_text, base) if base else document_url(jws_text)
    return "data:image/png;base64," + base64.b64encode(qr_image(url).png).decode()


@bp.route("/")
def index() -> Response:
    return _page("season/index.html", **index_values(_ledger(), _today()))


@bp.route("/register", methods=["GET", "POST"])
def register() -> Response:
    led = _ledger()
    schools = [i for i in led.plan.intakes if i.level is Level.PRIMARY]
    if request.method == "GET":
        return _page(
            "season/register.html",
            schools=schools,
            form={},
            issues=(),
            is_open=_open(led, "registration"),
        )
    f = form_fields(request.form)
    planned = next((i for i in schools if i.school == f["school"]), None)
    if planned is None:
        abort(400)
    form = read_form(request.form)
    try:
        app = steps.register(
            services().env,
            SEASON,
            form,
            school=planned.school,
            intake=planned.intake,
            level=planned.level,
        )
    except ServiceError as e:
        resp = _page(
            "season/register.html",
            schools=schools,
            form=f,
            issues=e.issues,
            error=e,
            is_open=_open(led, "registration"),
            cache=NO_STORE,
        )
        resp.status_code = 422 if e.issues else 409
        return resp
    led = _ledger()
    return _page(
        "season/receipt.html",
        app=app,
        st=pages.status(led, app),
        qr=_qr(led.receipt_jws(app)),
        cache=NO_STORE,
        fresh=True,
    )


@bp.route("/application", methods=["GET", "POST"])
def application() -> Response:
    if request.method == "GET":
        return _page("season/lookup.html", failed=False, cache=NO_STORE)
    svc = services()
    if not svc.lookup_limit.hit(f"season:{request.remote_addr or '?'}"):
        abort(429)
    led = _ledger()
    app = pages.find_application(
        led, request.form.get("number", "")[:20], request.form.get("id_number", "")[:30]
    )
    if app is None:
        resp = _page("season/lookup.html", failed=True, cache=NO_STORE)
        resp.status_code = 404
        return resp
    return _page(
        "season/receipt.html",
        app=app,
        st=pages.status(led, app),
        qr=_qr(led.receipt_jws(app)),
        cache=NO_STORE,
        fresh=False,
    )


@bp.route("/notice/<int:n>")
def notice(n: int) -> Response:
    led = _ledger()
    if not 0 <= n < len(led.notices):
        abort(404)
    values = notice_values(led, n, _today())
    resp = _page("season/notice.html", **values)
    if not values["up"]:
        resp.status_code = 410  # taken down after the window; the commitment stays
    return resp


@bp.route("/report", methods=["GET", "POST"])
def report() -> Response:
    led = _ledger()
    places = list(led.notices)
    if request.method == "GET":
        return _page(
            "season/report.html",
            places=places,
            is_open=_open(led, "notice"),
            case=None,
            error=None,
            cache=NO_STORE,
        )
    try:
        i = int(request.form.get("place", "-1"))
        school, intake = places[i]
    except (ValueError, IndexError):
        abort(400)
    child = request.form.get("child", "").strip()[:50]
    claim = request.form.get("claim", "").strip()[:2000]
    try:
        case = steps.file_case(
            services().env,
            SEASON,
            school=school,
            intake=intake,
            application=None,
            claim=f"被举报学生：{child}。{claim}",
            channel="online",
        )
    except ServiceError as e:
        resp = _page(
            "season/report.html",
            places=places,
            is_open=_open(led, "notice"),
            case=None,
            error=e,
            cache=NO_STORE,
        )
        resp.status_code = 409
        return resp
    return _page(
        "season/report.html", places=places, is_open=True, case=case, error=None, cache=NO_STORE
    )


@bp.route("/cases")
def cases() -> Response:
    return _page("season/cases.html", rows=pages.public_cases(_ledger()))


@bp.route("/catchment")
def catchment() -> Response:
    q = request.args.get("q", "").strip()[:50]
    found = _ledger().catchment.search(q) if q else []
    return _page("season/catchment.html", q=q, found=found)


@bp.route("/plan")
def plan() -> Response:
    return _page("season/plan.html")


@bp.route("/stats")
def stats() -> Response:
    return _page("season/stats.html", **stats_values(_ledger()))


def stats_values(led: Ledger) -> dict[str, Any]:
    """The statistics page's rows and the district's exceptions (live and exported)."""
    with reading(services().engine) as s:  # Part E: a school that "corrects" 15 pupils shows it
        after = public_exceptions.listing(s)
    return {
        "rows": pages.statistics(led),
        "exceptions": after.by_intake(),
        "district": after.district,
        "kinds": public_exceptions.KINDS,
    }


@bp.route("/bundle.zip")
def bundle_zip() -> Response:
    """The public season bundle, as of now (the verify page's season check reads it)."""
    data = steps.export(services().env, SEASON, kind="public")
    resp = make_response(data)
    resp.headers["Content-Type"] = "application/zip"
    resp.headers["Cache-Control"] = "public, max-age=60"
    resp.headers["Content-Disposition"] = 'attachment; filename="season-public.zip"'
    return resp
