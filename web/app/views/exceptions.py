"""Exceptions after the draw, staff side (spec Part E): a school requests 补录, a transfer,
a correction or a teacher change; a bureau admin approves or refuses. A 调班 request is
refused on the spot. Refusals show the page again with both languages' reasons."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from placement.exceptions import CATEGORIES, CATEGORY_ZH, Kind
from web.app.auth import requires
from web.app.services import services
from web.app.views.staff_access import load_intake, may, user_name
from web.db.engine import reading
from web.db.models import School
from web.service import exceptions as ex
from web.service.errors import Forbidden, NotFound, ServiceError
from web.service.intakes import record_of
from web.service.permissions import MAY
from web.service.roles import STAFF
from web.service.stages import Stage

bp = Blueprint("exceptions", __name__, url_prefix="/staff/intakes/<int:intake_id>/exceptions")

PUPIL_FIELDS = ("name", "gender", "id_number", "birth_date", "student_no", "flags")


def _page(intake_id: int, *, error: ServiceError | None = None) -> str:
    with reading(services().engine) as s:
        intake = load_intake(s, intake_id)
        school = s.get(School, intake.school_id)
        drawn = Stage(intake.stage) in (Stage.DRAWN, Stage.PUBLISHED)
        rows = ex.views(record_of(s, intake)) if drawn else []
        classes = ex.current_classes(record_of(s, intake)) if drawn else []
    return render_template(
        "staff/exceptions.html",
        intake=intake,
        school=school,
        drawn=drawn,
        rows=rows,
        classes=classes,
        error=error,
        form=request.form if error else {},
        kinds=Kind,
        categories=CATEGORIES,
        category_zh=CATEGORY_ZH,
        may=may,
    )


def _act(intake_id: int, step: Callable[[], str]) -> ResponseReturnValue:
    with reading(services().engine) as s:
        load_intake(s, intake_id)  # 404 / 403 first
    try:
        message = step()
    except (Forbidden, NotFound):
        raise
    except ServiceError as e:
        flash(f"{e.zh} / {e.en}", "error")
        return _page(intake_id, error=e), e.status
    flash(message, "ok")
    return redirect(url_for("exceptions.page", intake_id=intake_id))


@bp.route("", methods=["GET"])
@requires(*STAFF)
def page(intake_id: int) -> ResponseReturnValue:
    return _page(intake_id)


def _int(text: str, zh: str, en: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ServiceError(f"{zh}须为整数", f"{en} must be a whole number") from None


@bp.route("/request", methods=["POST"])
@requires(*MAY["exception_request"])
def request_(intake_id: int) -> ResponseReturnValue:
    def step() -> str:
        f = request.form
        env, user = services().env, user_name()
        kind, reason, category = f.get("kind", ""), f.get("reason", ""), f.get("category", "")
        pupil = {k: f.get(k, "") for k in PUPIL_FIELDS if f.get(k, "")}
        if kind == "class-change":
            raise ex.refuse_class_change()
        raw = f.get("twin_of", "").strip()
        twin_of = _int(raw, "双胞胎的例外编号", "the twin's exception number") if raw else None
        if kind == Kind.LATE:
            admitted = ex.Admitted(pupil, category, f.get("reference", ""))
            n = ex.request_late(
                env, intake_id, admitted=admitted, reason=reason, user=user, twin_of=twin_of
            )
        elif kind == Kind.TRANSFER_IN:
            n = ex.request_transfer_in(
                env,
                intake_id,
                fields=pupil,
                from_school=f.get("from_school", ""),
                category=category,
                reason=reason,
                user=user,
                twin_of=twin_of,
            )
        elif kind == Kind.TRANSFER_OUT:
            n = ex.request_transfer_out(
                env,
                intake_id,
                id_number=f.get("id_number", ""),
                to_school=f.get("to_school", ""),
                category=category,
                reason=reason,
                user=user,
            )
        elif kind == Kind.CORRECTION:
            n = ex.request_correction(
                env,
                intake_id,
                id_number=f.get("id_number", ""),
                to_class=_int(f.get("to_class", ""), "调入班号", "the class number"),
                evidence=f.get("evidence", ""),
                category=category,
                reason=reason,
                user=user,
            )
        elif kind == Kind.TEACHER_CHANGE:
            pairs = [
                (sub, name)
                for sub, name in zip(f.getlist("subject"), f.getlist("teacher"), strict=False)
                if sub.strip() and name.strip()
            ]
            n = ex.request_teacher_change(
                env,
                intake_id,
                class_number=_int(f.get("class_number", ""), "班号", "the class number"),
                head_teacher=f.get("head_teacher", ""),
                teachers=pairs,
                category=category,
                reason=reason,
                user=user,
            )
        else:
            raise ServiceError(f"未知的例外类型 {kind}", f"unknown exception kind {kind!r}")
        return f"第 {n} 号例外申请已签名并记入日志，待教育局审批 / request #{n} signed and logged"

    return _act(intake_id, step)


@bp.route("/<int:number>/decide", methods=["POST"])
@requires(*MAY["exception_decide"])
def decide(intake_id: int, number: int) -> ResponseReturnValue:
    def step() -> str:
        f = request.form
        approve = f.get("decision") == "approve"
        doc = ex.decide(
            services().env,
            intake_id,
            number=number,
            approve=approve,
            reason=f.get("reason", ""),
            waivers=f.getlist("waiver"),
            user=user_name(),
        )
        if not approve:
            return f"第 {number} 号例外不予批准，已签名记录 / exception #{number} refused"
        placed = doc["placed"]
        where = f"，安排在第{placed}班 (class {placed})" if placed else ""
        return f"第 {number} 号例外已批准{where}，名单已重新签名 / exception #{number} approved"

    return _act(intake_id, step)
