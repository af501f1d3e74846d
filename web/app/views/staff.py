"""Staff pages: the intake list and one intake's page with its workflow forms (the
downloads are in ``staff_files``). Each form posts here, then redirects back (PRG) with a message; a
refused form is shown again with the problems and what was typed."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from keys.errors import KeysError
from placement.keyring import KeyRole
from placement.policy import PROFILES
from web.app.auth import current_user, requires
from web.app.services import services
from web.app.views import staff_files
from web.app.views.staff_access import load_intake, may, print_root, user_name
from web.db.engine import reading
from web.db.models import School
from web.record.draw import Signers
from web.service import exceptions, intake_db, print_jobs, workflow
from web.service import staff_pages as pages
from web.service.errors import Forbidden, NotFound, ServiceError
from web.service.intakes import BEIJING, profile_of
from web.service.permissions import MAY
from web.service.roles import STAFF, Role
from web.service.stages import Stage

bp = Blueprint("staff", __name__, url_prefix="/staff")


MAX_ISSUES_SHOWN = 300


# -- the list ------------------------------------------------------------------------------


@bp.route("/")
@requires(*STAFF)
def index() -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    school = user.school_id if user.role == Role.OPERATOR else None
    with reading(services().engine) as s:
        rows = pages.intake_list(s, school)
        counts = pages.pupil_counts(s)
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
        return pages.schools(s)


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
                second_reason=form.get("second_reason", "").strip(),
                user=user_name(),
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
        intake = load_intake(s, intake_id)
        school = s.get(School, intake.school_id)
        summary = pages.summary(s, intake_id)
        pupils = pages.pupils_page(s, intake_id, page)
        teams = pages.teams(s, intake_id)
        record = pages.record_view(s, intake)
        events = pages.recent_events(s, intake_id)
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
        steps=pages.STEPS,
        step=pages.step(stage, len(record["witnesses"])),
        summary=summary,
        pupils=pupils,
        page=page,
        pages=max(1, -(-summary.pupils // pages.PAGE_SIZE)),
        mask_id=pages.mask_id,
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
        print_target=_print_target(),
    )


def _print_target() -> tuple[str, ServiceError | None]:
    """The exact verify page the sheets will carry, or why printing is refused."""
    try:
        return staff_files.print_base_url(), None
    except ServiceError as e:
        return "", e


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
        load_intake(s, intake_id)  # 404 / 403 before anything else
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
            services().env, intake_id, filename=name, data=data, user=user_name()
        )
        return f"已导入学生名单 {n} 人 / roster imported: {n} pupils"

    return _act(intake_id, "roster", step, anchor="roster")


@bp.route("/intakes/<int:intake_id>/teams", methods=["POST"])
@requires(*MAY["import"])
def import_teams(intake_id: int) -> ResponseReturnValue:
    def step() -> str:
        name, data = _upload()
        n = intake_db.import_teams(
            services().env, intake_id, filename=name, data=data, user=user_name()
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
            user=user_name(),
        )
        return f"已保存第{number}班教师团队 / team {number} saved"

    return _act(intake_id, f"team-{number}", step, anchor="teams")


@bp.route("/intakes/<int:intake_id>/freeze", methods=["POST"])
@requires(*MAY["freeze"])
def freeze(intake_id: int) -> ResponseReturnValue:
    def step() -> str:
        workflow.freeze(services().env, intake_id, user=user_name())
        return "名单和教师团队已冻结 / roster and teams frozen"

    return _act(intake_id, "freeze", step)


@bp.route("/intakes/<int:intake_id>/announce", methods=["POST"])
@requires(*MAY["announce"])
def announce(intake_id: int) -> ResponseReturnValue:
    def step() -> str:
        workflow.announce(services().env, intake_id, user=user_name())
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
            user=user_name(),
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
            user=user_name(),
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
        raise ServiceError.of(e) from e


@bp.route("/intakes/<int:intake_id>/publish", methods=["POST"])
@requires(*MAY["publish"])
def publish(intake_id: int) -> ResponseReturnValue:
    def step() -> str:
        workflow.publish(services().env, intake_id, user=user_name())
        return "已发布：公开记录包可供查验 / published: the public bundle is online"

    return _act(intake_id, "publish", step)


@bp.route("/intakes/<int:intake_id>/cancel", methods=["POST"])
@requires(*MAY["cancel"])
def cancel(intake_id: int) -> ResponseReturnValue:
    def step() -> str:
        workflow.cancel(
            services().env, intake_id, reason=request.form.get("reason", ""), user=user_name()
        )
        return "公告已撤销（已记入透明日志）/ announcement cancelled (logged)"

    return _act(intake_id, "cancel", step)


@bp.route("/intakes/<int:intake_id>/override", methods=["POST"])
@requires(*MAY["override"])
def override(intake_id: int) -> ResponseReturnValue:
    def step() -> str:
        workflow.record_override(
            services().env, intake_id, reason=request.form.get("reason", ""), user=user_name()
        )
        return "已登记派位时间例外 / override recorded"

    return _act(intake_id, "override", step)


@bp.route("/intakes/<int:intake_id>/amend", methods=["POST"])
@requires(*MAY["amend"])
def amend(intake_id: int) -> ResponseReturnValue:
    """The v1 amendment's successor (spec §E1): the form files a ``correction`` request,
    signed and logged; nothing moves until a bureau admin approves it."""

    def step() -> str:
        f = request.form
        number = exceptions.request_correction(
            services().env,
            intake_id,
            id_number=f.get("id_number", "").strip().upper(),
            to_class=_int(f.get("to_class", ""), "调入班号", "class number"),
            evidence=f.get("evidence", ""),
            category=f.get("category", "data-error"),
            reason=f.get("reason", ""),
            user=user_name(),
        )
        return (
            f"第 {number} 号更正申请已签名并记入日志，待教育局批准 / "
            f"correction request #{number} signed and logged; awaiting the bureau's approval"
        )

    return _act(intake_id, "amend", step, anchor="amend")


# The downloads live in their own module; added here, once, in plain sight.
staff_files.register(bp)
