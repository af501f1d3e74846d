"""The bureau's season forms: 统筹安排 (assign to a designated school, or announce and
hold the allocation draw when more children than places are to go there) and the
calendar overrides (a stage opened outside its window, with the reason shown publicly).

Bureau admin only; the staff season page shows the state of each to every staff role
(a reviewer their own school's draw, a supervisor and an auditor counts without numbers).
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response

from placement.documents import WitnessInput
from placement.keyring import CST
from placement.season.plan import STAGES
from web.app.auth import current_user, requires
from web.app.services import services
from web.service.errors import ServiceError
from web.service.roles import Role
from web.service.season import bureau, steps

bp = Blueprint("season_bureau", __name__, url_prefix="/staff/season/bureau")
SEASON = steps.SERVED_SEASON
WITNESS_ROWS = 5  # rows of the draw form; the draw needs at least one witness's input


def _user() -> tuple[str, str]:
    """(who decided, as shown; the account, for the audit list)."""
    user = current_user()
    if user is None:  # requires() has already refused anonymous users
        return "", ""
    return user.display_name or user.username, user.username


def _back(anchor: str) -> Response:
    return redirect(url_for("season_staff.index", _anchor=anchor))


def _intake(school: str) -> str:
    led = steps.store_for(services().env, SEASON).read()
    planned = next((i for i in led.plan.intakes if i.school == school), None)
    if planned is None:
        raise ServiceError(f"没有学校 {school} 的招生计划", f"no planned intake at {school!r}")
    return planned.intake


@bp.route("/override", methods=["POST"])
@requires(Role.ADMIN)
def override() -> Response:
    """Open a stage outside its window; the reason is logged and shown on the portal."""
    stage = request.form.get("stage", "")
    if stage not in STAGES:
        raise ServiceError("没有该阶段", f"no stage {stage!r}")
    steps.override(
        services().env,
        SEASON,
        stage=stage,
        reason=request.form.get("reason", "").strip()[:200],
        user=_user()[1],
    )
    return _back("calendar")


@bp.route("/assign", methods=["POST"])
@requires(Role.ADMIN)
def assign() -> Response:
    """统筹安排 of the listed applications to one designated school, all or none."""
    school = request.form.get("school", "")
    shown, account = _user()
    bureau.assign(
        services().env,
        SEASON,
        bureau.parse_numbers(request.form.get("numbers", "")[:20_000]),
        school=school,
        reason=request.form.get("reason", "").strip()[:200],
        reviewer=shown,
        user=account,
    )
    return _back("allocation")


def _scheduled(text: str) -> str:
    """A ``datetime-local`` value, read in Beijing time (never the server's zone)."""
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError as e:
        raise ServiceError("请填写摇号时间", "give the draw's date and time") from e
    if when.tzinfo is None:
        when = when.replace(tzinfo=CST)
    return when.astimezone(CST).replace(second=0, microsecond=0).isoformat()


@bp.route("/allocate", methods=["POST"])
@requires(Role.ADMIN)
def allocate() -> Response:
    """Announce the 统筹 draw: freeze the pool and commit to a fresh seed."""
    f = request.form
    school = f.get("school", "")
    witnesses = [w.strip() for w in f.get("planned_witnesses", "")[:2000].splitlines()]
    steps.announce_allocation(
        services().env,
        SEASON,
        school=school,
        intake=_intake(school),
        numbers=bureau.parse_numbers(f.get("numbers", "")[:20_000]),
        scheduled=_scheduled(f.get("scheduled", "")),
        witnesses=[w for w in witnesses if w][:20],
        user=_user()[1],
    )
    return _back("allocation")


@bp.route("/draw", methods=["POST"])
@requires(Role.ADMIN)
def draw() -> Response:
    """Hold the announced draw: witnesses' inputs, an optional beacon, reveal, assign."""
    f = request.form
    school = f.get("school", "")
    witnesses = [
        WitnessInput(role.strip(), name.strip(), said, "")
        for k in range(WITNESS_ROWS)
        if (role := f.get(f"role{k}", "")[:50])
        and (name := f.get(f"name{k}", "")[:50])
        and (said := f.get(f"input{k}", "")[:200])
    ]
    if not witnesses:
        raise ServiceError(
            "至少需要一位见证人的输入（身份、姓名、输入）",
            "at least one witness's input is needed (role, name, input)",
        )
    steps.draw_allocation(
        services().env,
        SEASON,
        school=school,
        intake=_intake(school),
        witnesses=witnesses,
        beacon=f.get("beacon", "").strip()[:200] or None,
        user=_user()[1],
    )
    return _back("allocation")
