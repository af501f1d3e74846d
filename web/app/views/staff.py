"""Staff pages: the intake list and one intake's page with its workflow forms (the
downloads are in ``staff_files``). Each form posts here, then redirects back (PRG) with a message; a
refused form is shown again with the problems and what was typed."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import func
from sqlmodel import Session, col, select

from keys.errors import KeysError
from placement.documents import digest
from placement.keyring import KeyRole
from placement.policy import PROFILES
from web.app.auth import check_school, current_user, requires
from web.app.services import services
from web.db.engine import reading
from web.db.models import AuditEvent, Intake, Pupil, School, TeamRow
from web.record.draw import Signers
from web.service import intake_db, print_jobs, workflow
from web.service.errors import Forbidden, NotFound, ServiceError
from web.service.intakes import BEIJING, Stage, get_intake, profile_of, record_of
from web.service.roles import STAFF, Role

bp = Blueprint("staff", __name__, url_prefix="/staff")

ADM, OPR, SUP, AUD = Role.ADMIN, Role.OPERATOR, Role.SUPERVISOR, Role.AUDITOR

# Who may do what; the routes and the page's buttons both read this table.
MAY: Mapping[str, frozenset[Role]] = {
    "create": frozenset({ADM}),
    "import": frozenset({ADM, OPR}),
    "freeze": frozenset({ADM, OPR}),
    "announce": frozenset({ADM, OPR}),
    "witness": frozenset({ADM, OPR, SUP}),
    "draw": frozenset({ADM, OPR, SUP}),
    "publish": frozenset({ADM, OPR}),
    "cancel": frozenset({ADM}),
    "override": frozenset({ADM}),
    "amend": frozenset({ADM}),
    "public_bundle": STAFF,
    "archive_bundle": frozenset({ADM, AUD}),
    "print": frozenset({ADM, OPR}),
}

# The step bar: label (zh, en) of each step, and the step each stage has reached.
STEPS = (
    ("草稿", "draft"),
    ("名单冻结", "roster frozen"),
    ("已公告", "announced"),
    ("见证输入", "witness inputs"),
    ("开奖签名", "drawn and signed"),
    ("已发布", "published"),
)
MAX_ISSUES_SHOWN = 300
PAGE_SIZE = 100


def print_root() -> Path:
    """Where background print jobs leave their PDFs (``web.service.print_jobs``)."""
    return Path(current_app.instance_path) / "sheets"


def may(action: str) -> bool:
    user = current_user()
    return user is not None and Role(user.role) in MAY[action]


def mask_id(id_number: str) -> str:
    """220802201806147027 → 220802********7027: enough to tell pupils apart, no more."""
    if len(id_number) < 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def _user() -> str:
    user = current_user()
    assert user is not None  # every route here requires a role
    return user.username


def _load(s: Session, intake_id: int) -> Intake:
    intake = get_intake(s, intake_id)
    check_school(intake)
    return intake


# -- the list ------------------------------------------------------------------------------


@bp.route("/")
@requires(*STAFF)
def index() -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    with reading(services().engine) as s:
        q = select(Intake, School).join(School, col(School.id) == col(Intake.school_id))
        if user.role == Role.OPERATOR:
            q = q.where(Intake.school_id == user.school_id)
        rows = s.exec(q.order_by(col(School.code), col(Intake.id))).all()
        counts = dict(
            s.exec(select(Pupil.intake_id, func.count()).group_by(col(Pupil.intake_id))).all()
        )
    return render_template("staff/index.html", rows=rows, counts=counts, Stage=Stage, may=may)


# -- creating an intake --------------------------------------------------------------------


def _scheduled(value: str) -> str:
    """A ``datetime-local`` value (Beijing time) becomes ISO 8601 with its offset."""
    value = value.strip()
    if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", value):
        return f"{value}:00+08:00"
    return value


def _schools() -> list[School]:
    with reading(services().engine) as s:
        return list(s.exec(select(School).order_by(col(School.code))).all())


@bp.route("/intakes/new", methods=["GET", "POST"])
@requires(*MAY["create"])
def new_intake() -> ResponseReturnValue:
    form: Mapping[str, str] = request.form if request.method == "POST" else {}
    if request.method == "POST":
        try:
            iid = workflow.create_intake(
                services().env,
                school_id=_int(form.get("school_id", ""), "学校", "school"),
                draw_id=form.get("draw_id", "").strip(),
                name=form.get("name", "").strip(),
                year=_int(form.get("year", ""), "年份", "year"),
                profile=form.get("profile", ""),
                scheduled=_scheduled(form.get("scheduled", "")),
                planned_witnesses=[w.strip() for w in form.get("witnesses", "").splitlines()],
                beacon=form.get("beacon", "").strip(),
                user=_user(),
            )
        except ServiceError as e:
            _flash_error(e)
            return _new_page(form, e), e.status
        flash("已创建招生批次 / intake created", "ok")
        return redirect(url_for("staff.intake", intake_id=iid))
    return _new_page(form, None)


def _new_page(form: Mapping[str, str], error: ServiceError | None) -> str:
    return render_template(
        "staff/new_intake.html",
        form=form,
        error=error,
        schools=_schools(),
        profiles=sorted(PROFILES),
    )


def _int(value: str, zh: str, en: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ServiceError(f"请填写{zh}（整数）", f"enter the {en} (a whole number)") from None


def _flash_error(e: ServiceError) -> None:
    flash(f"{e.zh} / {e.en}", "error")


# -- one intake ----------------------------------------------------------------------------


@dataclass
class Summary:
    pupils: int = 0
    by_sex: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    twin_groups: int = 0
    twin_pupils: int = 0
    twin_wishes: dict[str, int] = field(default_factory=dict)
    classes: list[tuple[str, int, int, int]] = field(default_factory=list)  # label, size, M, F


def _summary(s: Session, intake_id: int) -> Summary:
    mine = col(Pupil.intake_id) == intake_id
    out = Summary()
    out.by_sex = dict(s.exec(select(Pupil.sex, func.count()).where(mine).group_by(Pupil.sex)).all())
    out.pupils = sum(out.by_sex.values())
    flags: Counter[str] = Counter()
    for text, n in s.exec(
        select(Pupil.flags, func.count()).where(mine).group_by(Pupil.flags)
    ).all():
        for f in (x for x in text.split("、") if x):
            flags[f] += n
    out.flags = dict(sorted(flags.items()))
    twins = col(Pupil.twin_group) != ""
    out.twin_pupils = s.exec(select(func.count()).where(mine, twins)).one()
    out.twin_groups = s.exec(
        select(func.count(func.distinct(Pupil.twin_group))).where(mine, twins)
    ).one()
    out.twin_wishes = dict(
        s.exec(
            select(Pupil.twin_wish, func.count()).where(mine, twins).group_by(Pupil.twin_wish)
        ).all()
    )
    rows = s.exec(
        select(Pupil.class_number, Pupil.class_label, Pupil.sex, func.count())
        .where(mine, col(Pupil.class_number).is_not(None))
        .group_by(col(Pupil.class_number), col(Pupil.class_label), col(Pupil.sex))
        .order_by(col(Pupil.class_number))
    ).all()
    classes: dict[tuple[int, str], Counter[str]] = {}
    for number, label, sex, n in rows:
        classes.setdefault((number or 0, label), Counter())[sex] += n
    out.classes = [(label, c.total(), c["M"], c["F"]) for (_, label), c in sorted(classes.items())]
    return out


def _record_view(s: Session, intake: Intake) -> dict[str, Any]:
    """What the signed record says so far: the announcement, witnesses, the reveal."""
    rec = record_of(s, intake)
    out: dict[str, Any] = {}
    doc = rec.document("announcement.jws")
    if doc is not None:
        out["digest"] = digest(doc).hex()
        out["seed_commitment"] = doc["seed_commitment"]
        out["roster_root"] = doc["roster"]["root"]  # type: ignore[index, call-overload]
        out["teams_root"] = doc["teams"]["root"]  # type: ignore[index, call-overload]
    out["witnesses"] = rec.state()["witnesses"] if rec.has("draw.json") else []
    doc = rec.document("ceremony.jws")
    if doc is not None:
        out["server_seed"] = doc["server_seed"]
        out["final_seed"] = doc["final_seed"]
    return out


def _teams(s: Session, intake_id: int) -> list[dict[str, Any]]:
    rows = s.exec(
        select(TeamRow).where(TeamRow.intake_id == intake_id).order_by(col(TeamRow.number))
    )
    return [
        {
            "number": t.number,
            "label": t.label,
            "head_teacher": t.head_teacher,
            "teachers": json.loads(t.teachers),
        }
        for t in rows
    ]


def _step(stage: Stage, witnesses: int) -> int:
    return {
        Stage.DRAFT: 0,
        Stage.FROZEN: 1,
        Stage.ANNOUNCED: 3 if witnesses else 2,
        Stage.DRAWN: 4,
        Stage.PUBLISHED: 5,
        Stage.CANCELLED: 2,
    }[stage]


def _supervisor_keys() -> list[str]:
    try:
        ring = services().keyring()
    except KeysError:
        return []
    return sorted(k.name for k in ring.keys if k.role is KeyRole.SUPERVISOR and not k.revoked)


def _page(
    intake_id: int,
    *,
    error: ServiceError | None = None,
    form: Mapping[str, str] | None = None,
    which: str = "",
) -> str:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    with reading(services().engine) as s:
        intake = _load(s, intake_id)
        school = s.get(School, intake.school_id)
        summary = _summary(s, intake_id)
        pupils = s.exec(
            select(Pupil)
            .where(Pupil.intake_id == intake_id)
            .order_by(col(Pupil.row))
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).all()
        teams = _teams(s, intake_id)
        record = _record_view(s, intake)
        events = s.exec(
            select(AuditEvent)
            .where(AuditEvent.intake_id == intake_id)
            .order_by(col(AuditEvent.id).desc())
            .limit(30)
        ).all()
    stage = Stage(intake.stage)
    window = profile_of(intake).placement_window()
    today = services().now().astimezone(BEIJING).date()
    issues = error.issues if error else ()
    return render_template(
        "staff/intake.html",
        intake=intake,
        school=school,
        stage=stage,
        Stage=Stage,
        steps=STEPS,
        step=_step(stage, len(record["witnesses"])),
        summary=summary,
        pupils=pupils,
        page=page,
        pages=max(1, -(-summary.pupils // PAGE_SIZE)),
        mask_id=mask_id,
        teams=teams,
        record=record,
        events=events,
        window=window,
        in_window=window.contains(today),
        today=today,
        may=may,
        error=error,
        issues=issues[:MAX_ISSUES_SHOWN],
        more_issues=max(0, len(issues) - MAX_ISSUES_SHOWN),
        form=form or {},
        which=which,
        supervisor_keys=_supervisor_keys(),
        print_jobs=print_jobs.jobs(print_root(), intake_id) if may("print") else [],
    )


@bp.route("/intakes/<int:intake_id>")
@requires(*STAFF)
def intake(intake_id: int) -> ResponseReturnValue:
    return _page(intake_id)


def _act(
    intake_id: int, which: str, step: Callable[[], str], *, anchor: str = ""
) -> ResponseReturnValue:
    """Run one workflow step for a form post: on success redirect back with a message;
    when refused, show the page again with the problems and what was typed."""
    with reading(services().engine) as s:
        _load(s, intake_id)  # 404 / 403 before anything else
    try:
        message = step()
    except (Forbidden, NotFound):
        raise
    except ServiceError as e:
        _flash_error(e)
        return _page(intake_id, error=e, form=request.form, which=which), e.status
    flash(message, "ok")
    target = url_for("staff.intake", intake_id=intake_id)
    return redirect(f"{target}#{anchor}" if anchor else target)


def _upload() -> tuple[str, bytes]:
    f = request.files.get("file")
    if f is None or not f.filename:
        raise ServiceError("请选择要上传的文件", "choose a file to upload")
    return f.filename, f.read()


@bp.route("/intakes/<int:intake_id>/roster", methods=["POST"])
@requires(*MAY["import"])
def import_roster(intake_id: int) -> ResponseReturnValue:
    def step() -> str:
        name, data = _upload()
        n = intake_db.import_roster(
            services().env, intake_id, filename=name, data=data, user=_user()
        )
        return f"已导入学生名单 {n} 人 / roster imported: {n} pupils"

    return _act(intake_id, "roster", step, anchor="roster")


@bp.route("/intakes/<int:intake_id>/teams", methods=["POST"])
@requires(*MAY["import"])
def import_teams(intake_id: int) -> ResponseReturnValue:
    def step() -> str:
        name, data = _upload()
        n = intake_db.import_teams(
            services().env, intake_id, filename=name, data=data, user=_user()
        )
        return f"已导入教师团队 {n} 个 / teacher teams imported: {n}"

    return _act(intake_id, "teams", step, anchor="teams")


def _teachers(text: str) -> list[tuple[str, str]]:
    """``语文:王晓雪;数学:陈磊`` (or one per line) → [(subject, name), …]."""
    out = []
    for part in re.split(r"[;；\n]", text):
        if not part.strip():
            continue
        subject, sep, name = part.strip().replace("：", ":").partition(":")
        if not sep or not name.strip():
            raise ServiceError(
                f"任课教师格式应为「科目:姓名」，多个用分号分隔：{part.strip()}",
                f"write teachers as 'subject:name' separated by ';': {part.strip()}",
            )
        out.append((subject.strip(), name.strip()))
    return out


@bp.route("/intakes/<int:intake_id>/teams/<int:number>", methods=["POST"])
@requires(*MAY["import"])
def edit_team(intake_id: int, number: int) -> ResponseReturnValue:
    def step() -> str:
        intake_db.edit_team(
            services().env,
            intake_id,
            number=number,
            label=request.form.get("label", ""),
            head_teacher=request.form.get("head_teacher", ""),
            teachers=_teachers(request.form.get("teachers", "")),
            user=_user(),
        )
        return f"已保存第{number}班教师团队 / team {number} saved"

    return _act(intake_id, f"team-{number}", step, anchor="teams")


@bp.route("/intakes/<int:intake_id>/freeze", methods=["POST"])
@requires(*MAY["freeze"])
def freeze(intake_id: int) -> ResponseReturnValue:
    def step() -> str:
        workflow.freeze(services().env, intake_id, user=_user())
        return "名单和教师团队已冻结 / roster and teams frozen"

    return _act(intake_id, "freeze", step)


@bp.route("/intakes/<int:intake_id>/announce", methods=["POST"])
@requires(*MAY["announce"])
def announce(intake_id: int) -> ResponseReturnValue:
    def step() -> str:
        workflow.announce(services().env, intake_id, user=_user())
        return "已公告：承诺已签名并记入透明日志 / announced, signed and logged"

    return _act(intake_id, "announce", step)


@bp.route("/intakes/<int:intake_id>/witness", methods=["POST"])
@requires(*MAY["witness"])
def witness(intake_id: int) -> ResponseReturnValue:
    def step() -> str:
        f = request.form
        n = workflow.add_witness(
            services().env,
            intake_id,
            role=f.get("role", ""),
            name=f.get("name", ""),
            text=f.get("input", ""),
            user=_user(),
        )
        return f"已记录第{n + 1}位见证人输入 / witness input {n + 1} recorded"

    return _act(intake_id, "witness", step, anchor="ceremony")


@bp.route("/intakes/<int:intake_id>/draw", methods=["POST"])
@requires(*MAY["draw"])
def draw(intake_id: int) -> ResponseReturnValue:
    def step() -> str:
        f = request.form
        workflow.draw(
            services().env,
            intake_id,
            beacon_value=f.get("beacon_value", "").strip() or None,
            user=_user(),
            supervisor=_cosigners(f.get("supervisor_key", ""), f.get("passphrase", "")),
        )
        return "已开奖：结果与各班名单已签名 / drawn: result and class lists signed"

    return _act(intake_id, "draw", step, anchor="ceremony")


def _cosigners(key: str, passphrase: str) -> Signers | None:
    user = current_user()
    if not key.strip():
        if user is not None and user.role == Role.SUPERVISOR:
            raise ServiceError(
                "监督员开奖须以本人密钥联署：请选择密钥并输入口令",
                "a supervisor draws only with a cosignature: choose your key and passphrase",
            )
        return None
    if key not in _supervisor_keys():
        raise ServiceError(f"没有监督员密钥 {key}", f"no supervisor key {key}")
    try:
        return services().with_supervisor(key, passphrase)
    except KeysError as e:
        raise ServiceError(e.zh, e.en) from e


@bp.route("/intakes/<int:intake_id>/publish", methods=["POST"])
@requires(*MAY["publish"])
def publish(intake_id: int) -> ResponseReturnValue:
    def step() -> str:
        workflow.publish(services().env, intake_id, user=_user())
        return "已发布：公开记录包可供查验 / published: the public bundle is online"

    return _act(intake_id, "publish", step)


@bp.route("/intakes/<int:intake_id>/cancel", methods=["POST"])
@requires(*MAY["cancel"])
def cancel(intake_id: int) -> ResponseReturnValue:
    def step() -> str:
        workflow.cancel(
            services().env, intake_id, reason=request.form.get("reason", ""), user=_user()
        )
        return "公告已撤销（已记入透明日志）/ announcement cancelled (logged)"

    return _act(intake_id, "cancel", step)


@bp.route("/intakes/<int:intake_id>/override", methods=["POST"])
@requires(*MAY["override"])
def override(intake_id: int) -> ResponseReturnValue:
    def step() -> str:
        workflow.record_override(
            services().env, intake_id, reason=request.form.get("reason", ""), user=_user()
        )
        return "已登记派位时间例外 / override recorded"

    return _act(intake_id, "override", step)


@bp.route("/intakes/<int:intake_id>/amend", methods=["POST"])
@requires(*MAY["amend"])
def amend(intake_id: int) -> ResponseReturnValue:
    def step() -> str:
        f = request.form
        workflow.amend(
            services().env,
            intake_id,
            id_number=f.get("id_number", "").strip().upper(),
            to_class=_int(f.get("to_class", ""), "调入班号", "class number"),
            reason=f.get("reason", ""),
            approved_by=f.get("approved_by", ""),
            approved_on=f.get("approved_on", "").strip(),
            user=_user(),
        )
        return "调整已签名并记入透明日志 / amendment signed and logged"

    return _act(intake_id, "amend", step, anchor="amend")
