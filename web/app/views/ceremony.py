"""The ceremony: the projector view for the room (updated live by polling a small JSON
endpoint keyed by the intake's ``version``), the witness entry form that works on a
witness's own phone with the intake's witness code, and the RFC 3797 helper for
picking parent representatives from sources announced in advance."""

from __future__ import annotations

import base64
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlmodel import Session, select

from placement import rfc3797 as nomcom
from placement.documents import digest
from placement.rfc3797 import Rfc3797Error, Source, canonical_key
from placement.seed import opens
from web.app.auth import check_school, current_user, requires
from web.app.services import services
from web.db.engine import reading
from web.db.models import Intake, School, TeamRow
from web.record.store import Blobs
from web.service import workflow
from web.service.errors import NotFound, ServiceError
from web.service.intakes import Stage, get_intake, record_of
from web.service.permissions import MAY
from web.service.roles import STAFF, Role
from web.sheets.qr import qr_image

bp = Blueprint("ceremony", __name__)


# -- what the projector shows --------------------------------------------------------------


def ceremony_state(s: Session, intake: Intake) -> dict[str, Any]:
    """Everything the room sees, as JSON-ready values (no ID numbers, names only)."""
    assert intake.id is not None
    school = s.get(School, intake.school_id)
    stage = Stage(intake.stage)
    rec = record_of(s, intake)
    blobs = rec.store
    st: dict[str, Any] = {
        "version": intake.version,
        "stage": stage.value,
        "stage_zh": stage.zh,
        "stage_en": stage.en,
        "school": school.name if school else "",
        "intake": intake.name,
        "draw_id": intake.draw_id,
        "scheduled": intake.scheduled,
        "announcement": None,
        "witness_code": intake.witness_code if stage is Stage.ANNOUNCED else "",
        "witness_url": url_for("ceremony.witness_entry", intake_id=intake.id, _external=True),
        "witnesses": [],
        "reveal": None,
        "report": None,
        "classes": None,
    }
    if st["witness_code"]:
        st["witness_qr"] = qr_data_uri(st["witness_url"])
    ann: dict[str, Any] | None = rec.document("announcement.jws")
    if ann is None:
        return st
    st["announcement"] = {
        "digest": digest(ann).hex(),
        "seed_commitment": ann["seed_commitment"],
        "roster_size": ann["roster"]["size"],
        "team_count": ann["teams"]["count"],
        "class_cap": ann["class_cap"],
        "planned_witnesses": ann["witnesses"],
        "beacon": ann["beacon"],
    }
    state = blobs.get("draw.json")
    st["witnesses"] = json.loads(state)["witnesses"] if state else []
    cer: dict[str, Any] | None = rec.document("ceremony.jws")
    if cer is None:
        return st
    st["witnesses"] = cer["witnesses"]
    st["reveal"] = {
        "server_seed": cer["server_seed"],
        "final_seed": cer["final_seed"],
        "beacon": cer["beacon"],
        "revealed_at": cer["revealed_at"],
        "opens": opens(
            bytes.fromhex(str(ann["seed_commitment"])), bytes.fromhex(str(cer["server_seed"]))
        ),
    }
    result = rec.document("result.jws")
    if result is not None:
        st["report"] = result["report"]
        st["classes"] = _class_lists(s, intake, blobs)
    return st


def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` as a PNG ``data:`` URI (the sheets' encoder), so a witness's
    phone camera opens the entry form; the page's CSP allows ``img-src data:``."""
    return "data:image/png;base64," + base64.b64encode(qr_image(url).png).decode("ascii")


def _class_lists(s: Session, intake: Intake, blobs: Blobs) -> list[dict[str, Any]]:
    """Each class with its head teacher and pupils' names as on the gate copy (v1: leaf
    order; v2: by name); approved amendments applied."""
    assert intake.id is not None
    rec = record_of(s, intake)
    leaves = json.loads(blobs.get("public/leaves.json") or b"[]")
    heads = {
        t.number: t.head_teacher
        for t in s.exec(select(TeamRow).where(TeamRow.intake_id == intake.id))
    }
    v2 = bool(leaves) and "name" not in leaves[0]
    if v2:  # v2 leaves carry no names (spec §20.2): the private roster's, sorted as posted
        leaves = json.loads(blobs.get("private/leaves.json") or b"[]")
    names: dict[int, list[str]] = {}
    for index, number in sorted(rec.current_classes().items()):
        names.setdefault(number, []).append(str(leaves[index]["name"]))
    if v2:
        names = {number: sorted(listed) for number, listed in names.items()}
    out = []
    for c in rec.classes():
        number = int(str(c["number"]))
        out.append(
            {
                "number": number,
                "label": c["label"],
                "head_teacher": heads.get(number, ""),
                "names": names.get(number, []),
            }
        )
    return out


def _load(s: Session, intake_id: int) -> Intake:
    intake = get_intake(s, intake_id)
    check_school(intake)
    return intake


@bp.route("/ceremony/<int:intake_id>/projector")
@requires(*STAFF)
def projector(intake_id: int) -> ResponseReturnValue:
    with reading(services().engine) as s:
        st = ceremony_state(s, _load(s, intake_id))
    return render_template("ceremony/projector.html", st=st, intake_id=intake_id)


@bp.route("/ceremony/<int:intake_id>/state.json")
@requires(*STAFF)
def state(intake_id: int) -> ResponseReturnValue:
    """The projector's poll: 304 with no body while ``version`` is unchanged."""
    since = request.args.get("since", type=int)
    with reading(services().engine) as s:
        intake = _load(s, intake_id)
        etag = f"v{intake.version}"
        if since == intake.version or etag in request.if_none_match:
            return "", 304, {"ETag": f'"{etag}"'}
        st = ceremony_state(s, intake)
    st["html"] = render_template("ceremony/_state.html", st=st)
    return st, 200, {"ETag": f'"{etag}"'}


# -- witness entry -------------------------------------------------------------------------


def _staff_may_witness(intake: Intake) -> bool:
    """A signed-in witness-entering role of this intake's school needs no code."""
    user = current_user()
    if user is None or Role(user.role) not in MAY["witness"]:
        return False
    return user.role != Role.OPERATOR or user.school_id == intake.school_id


def _witness_page(
    intake: Intake, *, form: Mapping[str, str], error: ServiceError | None = None
) -> str:
    done = request.args.get("done", type=int) if request.method == "GET" else None
    with reading(services().engine) as s:
        school = s.get(School, intake.school_id)
        recorded = _recorded(s, intake, done) if done else None
    return render_template(
        "ceremony/witness.html",
        intake=intake,
        school=school,
        open=intake.stage == Stage.ANNOUNCED,
        needs_code=not _staff_may_witness(intake),
        form=form,
        error=error,
        done=done,
        recorded=recorded,
        stage=Stage(intake.stage),
    )


def _recorded(s: Session, intake: Intake, number: int) -> dict[str, Any] | None:
    """The ``number``-th witness input (1-based) as the record holds it, to show the
    witness what was recorded; public anyway (the projector shows every input)."""
    rec = record_of(s, intake)
    witnesses = rec.state()["witnesses"] if rec.has("draw.json") else []
    if not isinstance(witnesses, list) or not 1 <= number <= len(witnesses):
        return None
    entry = witnesses[number - 1]
    return dict(entry) if isinstance(entry, dict) else None


@bp.route("/w/<int:intake_id>", methods=["GET", "POST"])
def witness_entry(intake_id: int) -> ResponseReturnValue:
    """Public: a witness's own phone enters with the 8-digit code shown in the room."""
    with reading(services().engine) as s:
        intake = get_intake(s, intake_id)
    if current_user() is None and intake.stage in (Stage.DRAFT, Stage.FROZEN):
        # Nothing is public before the announcement, not even that the intake exists.
        raise NotFound(f"没有编号为 {intake_id} 的招生批次", f"no intake {intake_id}")
    if request.method == "GET":
        return _witness_page(intake, form={})
    form = request.form
    svc = services()
    user = current_user()
    if _staff_may_witness(intake):
        assert user is not None
        who = user.username
    else:
        client = request.remote_addr or "?"
        if not svc.login_limit.hit(key := f"witness:{client}"):
            e = ServiceError("尝试次数过多，请稍后再试", "too many attempts; try again later")
            headers = {"Retry-After": str(svc.login_limit.retry_after(key))}
            return _witness_page(intake, form=form, error=e), 429, headers
        code = re.sub(r"\s", "", form.get("code", ""))
        if not intake.witness_code or not hmac.compare_digest(
            code.encode(), intake.witness_code.encode()
        ):
            e = ServiceError(
                "见证码不正确（请看投影屏幕上的 8 位数字）",
                "wrong witness code (the 8 digits shown on the projector)",
            )
            return _witness_page(intake, form=form, error=e), 403
        who = f"witness@{client}"
    try:
        n = workflow.add_witness(
            svc.env,
            intake_id,
            role=form.get("role", ""),
            name=form.get("name", ""),
            text=form.get("input", ""),
            user=who,
        )
    except ServiceError as e:
        return _witness_page(intake, form=form, error=e), e.status
    return redirect(url_for("ceremony.witness_entry", intake_id=intake_id, done=n + 1))


# -- RFC 3797: picking parent representatives ----------------------------------------------


def parse_sources(text: str) -> list[Source]:
    """One source a line: numbers (one, or a set separated by spaces/commas) or text."""
    out: list[Source] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        tokens = [t for t in re.split(r"[\s,，、;；]+", line) if t]
        if all(re.fullmatch(r"[0-9]+", t) for t in tokens):
            numbers = [int(t) for t in tokens]
            out.append(numbers[0] if len(numbers) == 1 else numbers)
        else:
            out.append(line)
    return out


def _selection(form: Mapping[str, str]) -> dict[str, Any]:
    pool = [n.strip() for n in form.get("pool", "").splitlines() if n.strip()]
    if not pool:
        raise ServiceError("家长名单为空", "the pool of names is empty")
    try:
        count = int(form.get("count", "0"))
    except ValueError:
        raise ServiceError("人数须为整数", "the count must be a whole number") from None
    if len(pool) > nomcom.MAX_POOL:
        raise ServiceError(
            f"家长名单最多 {nomcom.MAX_POOL} 人", f"the pool holds at most {nomcom.MAX_POOL} names"
        )
    if not 1 <= count <= len(pool):
        raise ServiceError(
            f"抽选人数须在 1 到 {len(pool)}（名单人数）之间",
            f"the count must be between 1 and {len(pool)} (the size of the pool)",
        )
    try:
        key = canonical_key(parse_sources(form.get("sources", "")))
        picks = nomcom.select(len(pool), key, count)
    except Rfc3797Error as e:
        # The library's words are English: the Chinese message says what to fix instead.
        raise ServiceError(
            "无法抽选：请检查公开随机来源（每行一个：一组数字，或含字母或数字的文字）",
            f"cannot select: {e}",
        ) from e
    return {"key": key, "picks": [(p, pool[p - 1]) for p in picks], "pool": pool}


def _planned_parents(intake: Intake) -> int:
    planned = [w for w in intake.planned_witnesses.splitlines() if "家长" in w]
    return len(planned) or 2


@bp.route("/ceremony/<int:intake_id>/rfc3797", methods=["GET", "POST"])
@requires(*STAFF)
def rfc3797(intake_id: int) -> ResponseReturnValue:
    """A read-only computation: anyone can redo it with any RFC 3797 tool."""
    with reading(services().engine) as s:
        intake = _load(s, intake_id)
        school = s.get(School, intake.school_id)
    form: Mapping[str, str] = request.form if request.method == "POST" else {}
    result: dict[str, Any] | None = None
    error: ServiceError | None = None
    if request.method == "POST":
        try:
            result = _selection(form)
        except ServiceError as e:
            error = e
    return render_template(
        "ceremony/rfc3797.html",
        intake=intake,
        school=school,
        form=form,
        result=result,
        error=error,
        default_count=_planned_parents(intake),
    ), (error.status if error else 200)
