"""Staff pages of the season: review (own school for a school's reviewer), desk entry,
and the bureau's steps (公示, reports, derivation, export).

Reviewers are the ``operator`` role (their own school only); the bureau admin sees and
decides everything; a supervisor reads the decisions without private fields; an auditor
reads and may download the archive bundle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlmodel import select
from werkzeug.wrappers import Response

from placement.season.application import Channel
from placement.season.decision import CheckedProof
from placement.season.outcome import OUTCOME_ZH, Outcome
from placement.season.plan import STAGES
from placement.season.pupil import BALANCE_FLAGS
from web.app.auth import current_user, requires
from web.app.services import services
from web.app.views.season_public import read_form
from web.app.views.staff_files import print_base_url
from web.db.engine import reading, writing
from web.db.models import School
from web.service.errors import Forbidden
from web.service.intakes import audit
from web.service.roles import Role
from web.service.season import bureau, pages, scans, steps
from web.sheets.season import admission_pdf, poster_pdf

bp = Blueprint("season_staff", __name__, url_prefix="/staff/season")
SEASON = steps.SERVED_SEASON
EVERYONE = (Role.ADMIN, Role.OPERATOR, Role.SUPERVISOR, Role.AUDITOR)
# Only the bureau assigns (统筹) and approves deferrals; a school's reviewer does the rest.
SCHOOL_OUTCOMES = (Outcome.APPROVE, Outcome.RETURN, Outcome.PENDING)


def _own_school() -> str | None:
    """The reviewer's school name; None for roles that see every school."""
    user = current_user()
    if user is None or user.role != Role.OPERATOR:
        return None
    with reading(services().engine) as s:
        school = s.exec(select(School).where(School.id == user.school_id)).first()
    return school.name if school else ""


@bp.route("/")
@requires(*EVERYONE)
def index() -> str:
    led = steps.store_for(services().env, SEASON).read()
    own = _own_school()
    user = current_user()
    private = user is not None and user.role in (Role.ADMIN, Role.OPERATOR)
    rows = [
        (app, led.where(app.number), led.standing(app.number))
        for app in led.current.values()
        if own is None or led.where(app.number) == own
    ]
    return render_template(
        "season/staff.html",
        led=led,
        rows=rows,
        own=own,
        private=private,
        rooms=bureau.rooms(led),
        overrides=pages.overrides(led),
        draws=pages.allocation_rows(led, numbers=private, school=own),
        stages=STAGES,
        BALANCE_FLAGS=BALANCE_FLAGS,
        OUTCOME_ZH=OUTCOME_ZH,
        outcomes=list(Outcome),
        school_outcomes=SCHOOL_OUTCOMES,
    )


@bp.route("/decide/<number>", methods=["POST"])
@requires(Role.ADMIN, Role.OPERATOR)
def decide(number: str) -> Response:
    env = services().env
    led = steps.store_for(env, SEASON).read()
    if number not in led.current:
        abort(404)
    own = _own_school()
    outcome = Outcome(request.form.get("outcome", "approve"))
    if own is not None and (led.where(number) != own or outcome not in SCHOOL_OUTCOMES):
        raise Forbidden(
            "只能审核本校的报名；统筹和缓入学由教育局决定",
            "reviewers decide their own school's applications; the bureau "
            "assigns and approves deferrals",
        )
    f = request.form
    missing = None
    if outcome is Outcome.PENDING:
        missing = (f.get("missing", ""), dt.date.fromisoformat(f.get("by") or "2024-08-05"))
    proofs = []
    if f.get("proof_type"):
        user = current_user()
        proofs.append(
            CheckedProof(
                f["proof_type"],
                f.get("proof_number", ""),
                user.display_name or user.username if user else "",
            )
        )
    user = current_user()
    steps.decide(
        env,
        SEASON,
        number,
        outcome=outcome,
        rule=f.get("rule", ""),
        reason=f.get("reason", ""),
        reviewer=f.get("reviewer") or (user.display_name or user.username if user else ""),
        user=user.username if user else "",
        to_school=f.get("to_school") or None,
        missing=missing,
        approved_by=f.get("approved_by") or None,
        proofs=proofs,
    )
    return redirect(url_for("season_staff.index"))


@bp.route("/scan/<number>", methods=["POST"])
@requires(Role.ADMIN, Role.OPERATOR)
def scan(number: str) -> Response:
    """An optional scan of a proof, kept privately in the instance folder (0600)."""
    led = steps.store_for(services().env, SEASON).read()
    if number not in led.current:
        abort(404)
    own = _own_school()
    if own is not None and led.where(number) != own:
        raise Forbidden("只能处理本校的报名", "reviewers handle their own school's applications")
    upload = request.files.get("scan")
    if upload is None:
        abort(400)
    try:
        data = upload.stream.read(scans.MAX_SCAN + 1)
    finally:
        upload.close()  # a large upload is spooled to a temporary file
    path = scans.store_scan(Path(current_app.instance_path), number=number, data=data)
    user = current_user()
    with writing(services().engine) as s:
        audit(
            s,
            services().now(),
            user.username if user else "",
            "season.scan",
            None,
            f"{number} {path.name}",
        )
    return redirect(url_for("season_staff.index"))


def _school_pdf(
    places: list[tuple[str, str]],
    n: int,
    refusal: tuple[str, str],
    render: Callable[[tuple[str, str], str | None], bytes],
) -> Response:
    """The n-th place's PDF, refused outside a reviewer's own school; never cached."""
    if not 0 <= n < len(places):
        abort(404)
    own = _own_school()
    if own is not None and places[n][0] != own:
        raise Forbidden(*refusal)
    # The verify page (…/verify/), as the class sheets print it: the bare base URL led the
    # QR to the site's root, where nothing reads the fragment.
    resp = make_response(render(places[n], print_base_url()))
    resp.headers["Content-Type"] = "application/pdf"
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.route("/poster/<int:n>.pdf")
@requires(Role.ADMIN, Role.OPERATOR)
def poster(n: int) -> Response:
    """The 公示 gate poster of one posted list: names and sex, fingerprint, QR."""
    led = steps.store_for(services().env, SEASON).read()
    return _school_pdf(
        list(led.notices),
        n,
        ("只能打印本校的公示名单", "reviewers print their own school's list"),
        lambda place, base: poster_pdf(**pages.poster_values(led, place, base_url=base)),
    )


@bp.route("/admission/<int:n>.pdf")
@requires(Role.ADMIN, Role.OPERATOR)
def admission(n: int) -> Response:
    """The 入学通知书 of one admitted roster, a page a child (names: private, no-store)."""
    led = steps.store_for(services().env, SEASON).read()
    return _school_pdf(
        list(led.admissions),
        n,
        ("只能打印本校的通知书", "reviewers print their own school's notices"),
        lambda place, base: admission_pdf(**pages.admission_values(led, place, base_url=base)),
    )


@bp.route("/desk", methods=["POST"])
@requires(Role.ADMIN, Role.OPERATOR)
def desk() -> Response:
    """A parent without a phone registers at the school's desk."""
    env = services().env
    led = steps.store_for(env, SEASON).read()
    own = _own_school()
    school = own or request.form.get("school", "")
    planned = next((i for i in led.plan.intakes if i.school == school), None)
    if planned is None:
        abort(400)
    user = current_user()
    form = read_form(request.form)
    steps.register(
        env,
        SEASON,
        form,
        school=school,
        intake=planned.intake,
        level=planned.level,
        channel=Channel.DESK,
        entered_by=(user.display_name or user.username) if user else "desk",
    )
    return redirect(url_for("season_staff.index"))


@bp.route("/notice", methods=["POST"])
@requires(Role.ADMIN)
def notice() -> Response:
    user = current_user()
    school = request.form.get("school", "")
    steps.commit_notice(
        services().env,
        SEASON,
        school=school,
        intake=_intake(school),
        user=user.username if user else "",
    )
    return redirect(url_for("season_staff.index"))


@bp.route("/case/<int:case>", methods=["POST"])
@requires(Role.ADMIN)
def case(case: int) -> Response:
    user = current_user()
    f = request.form
    steps.decide_case(
        services().env,
        SEASON,
        case,
        upheld=f.get("upheld") == "1",
        reason=f.get("reason", ""),
        handled_by=f.get("handled_by", ""),
        user=user.username if user else "",
        application=f.get("application"),
    )
    return redirect(url_for("season_staff.index"))


@bp.route("/derive", methods=["POST"])
@requires(Role.ADMIN)
def derive() -> Response:
    user = current_user()
    school = request.form.get("school", "")
    steps.derive(
        services().env,
        SEASON,
        school=school,
        intake=_intake(school),
        user=user.username if user else "",
    )
    return redirect(url_for("season_staff.index"))


def _intake(school: str) -> str:
    led = steps.store_for(services().env, SEASON).read()
    planned = next((i for i in led.plan.intakes if i.school == school), None)
    if planned is None:
        abort(400)
    return planned.intake
