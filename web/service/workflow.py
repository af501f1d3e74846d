"""An intake's life: draft → frozen → announced → drawn → published, each step one
database transaction that signs what the record needs, logs it and moves the stage.

Cancelling an announcement is itself a logged step; after the draw the only changes are
the approved exceptions of :mod:`web.service.exceptions` (spec Part E; the v1 amendment's
successor is a ``correction``). Nothing is ever deleted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, select

from keys.errors import KeysError
from placement.draw import Intake as DrawIntake
from placement.errors import InvalidInput, PlacementError
from placement.keyring import Keyring
from placement.policy import PROFILES, Level
from placement.tlog import is_draw_id
from web.db.engine import reading, writing
from web.db.models import Intake, Pupil, School
from web.db.store import DbBlobs, DbLog
from web.record.draw import DrawRecord, Signers
from web.record.reading import RecordError
from web.service.errors import Conflict, NotFound, ServiceError
from web.service.intake_db import check_frozen_inputs
from web.service.intakes import (
    BEIJING,
    Env,
    audit,
    get_intake,
    moved,
    profile_of,
    pupils_of,
    record_of,
    require,
    school_of,
    teams_of,
)
from web.service.season.roster import check_unchanged
from web.service.stages import Stage

DRAW_ID_MAX = 64  # the column's size; the log allows 128
WITNESS_CODE_LENGTH = 8  # digits of the code the projector shows witnesses

# -- setting up ----------------------------------------------------------------------------


def create_intake(  # noqa: PLR0913 - every field named
    env: Env,
    *,
    school_id: int,
    draw_id: str,
    name: str,
    year: int,
    profile: str,
    scheduled: str,
    planned_witnesses: Sequence[str] = (),
    beacon: str = "",
    second_reason: str = "",
    user: str,
) -> int:
    """A new intake (school × level × year). A closed school refuses and says who takes
    its catchment. A second live intake of the same school, level and year (a second
    一年级 draw) is refused unless the admin gives ``second_reason``, which is audited."""
    if profile not in PROFILES:
        raise ServiceError(f"没有政策文件 {profile}", f"no policy profile {profile}")
    check_scheduled(scheduled)
    if not is_draw_id(draw_id) or len(draw_id) > DRAW_ID_MAX:
        raise ServiceError(
            f"抽签编号须为 1–{DRAW_ID_MAX} 个 ASCII 字母、数字、点、下划线或连字符，"
            f"且以字母或数字开头：{draw_id!r}",
            f"a draw id is 1–{DRAW_ID_MAX} ASCII letters, digits, '.', '_' or '-', "
            f"starting with a letter or digit: {draw_id!r}",
        )
    now = env.now()
    with writing(env.engine) as s:
        school = s.get(School, school_id)
        if school is None:
            raise NotFound(f"没有编号为 {school_id} 的学校", f"no school {school_id}")
        receiving = PROFILES[profile].receiving_school(school.name) or (
            school.catchment_to if school.closed else None
        )
        if school.closed or receiving:
            to = receiving or "（未指定）"
            raise Conflict(
                f"{school.name} 已停止招生，其学区学生由 {to} 接收",
                f"{school.name} is closed for intake; its catchment goes to {to}",
            )
        if s.exec(select(Intake).where(Intake.draw_id == draw_id)).first():
            raise Conflict(f"抽签编号 {draw_id} 已被使用", f"draw id {draw_id} is taken")
        same = s.exec(
            select(Intake.draw_id).where(
                Intake.school_id == school_id,
                Intake.level == school.level,
                Intake.year == year,
                Intake.stage != Stage.CANCELLED.value,
            )
        ).first()
        if same is not None and len(second_reason.strip()) < 4:
            raise Conflict(
                f"{school.name} {year} 年已有同学段的招生批次 {same}；"
                "同一学校同一年再建一个批次须由管理员写明理由",
                f"{school.name} already has an intake of this level for {year} ({same}); "
                "a second one needs the admin's reason",
            )
        intake = Intake(
            school_id=school_id,
            draw_id=draw_id,
            name=name,
            level=school.level,
            year=year,
            profile=profile,
            scheduled=scheduled,
            planned_witnesses="\n".join(planned_witnesses),
            beacon=beacon,
            created=now,
            updated=now,
        )
        s.add(intake)
        s.flush()
        assert intake.id is not None
        audit(s, now, user, "intake.created", intake.id, draw_id)
        if same is not None:
            audit(s, now, user, "intake.second", intake.id, f"{same}: {second_reason.strip()}")
        return intake.id


_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")


def check_scheduled(value: str) -> None:
    """The planned time is announced and checked by verifiers: ISO 8601 with an offset."""
    try:
        ok = bool(_TIME.fullmatch(value)) and datetime.fromisoformat(value) is not None
    except ValueError:
        ok = False
    if not ok:
        raise ServiceError(
            f"计划时间须为 YYYY-MM-DDTHH:MM:SS+08:00 格式：{value or '（空）'}",
            f"the planned time must be YYYY-MM-DDTHH:MM:SS+08:00: {value or '(empty)'}",
        )


def freeze(env: Env, intake_id: int, *, user: str) -> None:
    """Check the roster against the teams and the policy, then freeze both."""
    now = env.now()
    with writing(env.engine) as s:
        intake = get_intake(s, intake_id, lock=True)
        require(intake, Stage.DRAFT)
        check_frozen_inputs(s, intake)
        moved(intake, Stage.FROZEN, now)
        s.add(intake)
        audit(s, now, user, "roster.frozen", intake_id, "")


def _draw_intake(s: Session, intake: Intake) -> DrawIntake:
    profile = profile_of(intake)
    witnesses = tuple(w.strip() for w in intake.planned_witnesses.splitlines() if w.strip())
    return DrawIntake(
        draw_id=intake.draw_id,
        district=profile.district,
        school=school_of(s, intake).name,
        intake=intake.name,
        level=Level(intake.level),
        year=intake.year,
        scheduled=intake.scheduled,
        witnesses=witnesses,
        beacon=intake.beacon or None,
        version=2,  # the service's new records are protocol v2 (spec Part III)
    )


def announce(env: Env, intake_id: int, *, user: str) -> None:
    """Commit to the frozen roster, the teams and a secret seed; sign, log, publish."""
    signers = env.signers()
    now = env.now()
    with reading(env.engine) as s:
        pending = get_intake(s, intake_id)
        if pending.enrolment:  # a roster from the season: still its latest, unchanged list?
            check_unchanged(
                env,
                season=pending.profile,
                school=school_of(s, pending).name,
                intake=pending.name,
                enrolment=pending.enrolment,
            )
    with writing(env.engine) as s:
        intake = get_intake(s, intake_id, lock=True)
        require(intake, Stage.FROZEN)
        try:
            DrawRecord.announce(
                DbBlobs(s, intake_id),
                DbLog(s),
                intake=_draw_intake(s, intake),
                profile=profile_of(intake),
                pupils=pupils_of(s, intake_id),
                teams=teams_of(s, intake_id),
                signers=signers,
                now=now,
                token_bytes=env.token_bytes,
                enrolment=bytes.fromhex(intake.enrolment) if intake.enrolment else None,
            )
        except InvalidInput as e:
            raise ServiceError("名单不符合要求", "the roster is refused", issues=e.issues) from e
        except (ServiceError, KeysError):
            raise  # the signers' own refusals keep their meaning
        except PlacementError as e:
            raise ServiceError.of(e) from e
        code = int.from_bytes(env.token_bytes(4), "big") % 10**WITNESS_CODE_LENGTH
        intake.witness_code = f"{code:0{WITNESS_CODE_LENGTH}d}"
        moved(intake, Stage.ANNOUNCED, now)
        s.add(intake)
        audit(s, now, user, "draw.announced", intake_id, intake.draw_id)


def add_witness(env: Env, intake_id: int, *, role: str, name: str, text: str, user: str) -> int:
    if not role.strip() or not name.strip():
        raise ServiceError("请填写见证人身份和姓名", "a witness input needs a role and a name")
    now = env.now()
    with writing(env.engine) as s:
        intake = get_intake(s, intake_id, lock=True)
        require(intake, Stage.ANNOUNCED)
        try:
            index = record_of(s, intake).add_witness(
                role=role.strip(), name=name.strip(), text=text, now=now
            )
        except (ServiceError, KeysError):
            raise  # the signers' own refusals keep their meaning
        except PlacementError as e:
            raise ServiceError.of(e) from e
        intake.version += 1
        intake.updated = now
        s.add(intake)
        audit(s, now, user, "witness.entered", intake_id, f"{role} {name}")
        return index


def record_override(env: Env, intake_id: int, *, reason: str, user: str) -> None:
    """A bureau admin allows a draw outside the policy's placement window (logged here,
    shown on the intake page)."""
    if len(reason.strip()) < 4:
        raise ServiceError("请写明理由（至少4个字）", "give a reason (at least 4 characters)")
    now = env.now()
    with writing(env.engine) as s:
        intake = get_intake(s, intake_id, lock=True)
        require(intake, Stage.DRAFT, Stage.FROZEN, Stage.ANNOUNCED)
        intake.override_reason = reason.strip()
        intake.override_by = user
        intake.version += 1
        s.add(intake)
        audit(s, now, user, "window.override", intake_id, reason.strip())


def _check_window(intake: Intake, now: datetime) -> None:
    window = profile_of(intake).placement_window()
    day = now.astimezone(BEIJING).date()
    if window.contains(day) or intake.override_reason:
        return
    raise Conflict(
        f"今天（{day}）不在政策规定的派位时间 {window.start}至{window.end} 内；"
        "如确需进行，须由教育局管理员登记理由",
        f"today ({day}) is outside the placement window {window.start}–{window.end}; "
        "a bureau admin must record an override with a reason",
    )


def draw(
    env: Env,
    intake_id: int,
    *,
    beacon_value: str | None,
    user: str,
    supervisor: Signers | None = None,
) -> None:
    """Reveal the seed, deal, sign the result and class lists: all or nothing."""
    signers = supervisor or env.signers()
    now = env.now()
    with writing(env.engine) as s:
        intake = get_intake(s, intake_id, lock=True)
        require(intake, Stage.ANNOUNCED)
        _check_window(intake, now)
        if intake.beacon and not beacon_value:
            raise ServiceError(
                f"公告声明了公共随机信标 {intake.beacon}，请输入其数值",
                f"the announcement declared beacon {intake.beacon}; enter its value",
            )
        try:
            rec = record_of(s, intake)
            rec.reveal(beacon_value=beacon_value or None, now=now, signers=signers)
        except RecordError as e:
            raise Conflict.of(e) from e
        except (ServiceError, KeysError):
            raise  # the signers' own refusals keep their meaning
        except PlacementError as e:
            raise ServiceError.of(e) from e
        _place_pupils(s, rec, intake_id)
        moved(intake, Stage.DRAWN, now)
        s.add(intake)
        audit(s, now, user, "draw.performed", intake_id, intake.draw_id)


def _place_pupils(s: Session, rec: DrawRecord, intake_id: int) -> None:
    """Copy each pupil's class into the lookup columns (学位锁定查询)."""
    private = json.loads(rec.store.get("private/leaves.json") or b"[]")
    labels = {int(str(c["number"])): str(c["label"]) for c in rec.classes()}
    by_id: dict[str, int] = {}
    for index, number in rec.current_classes().items():
        by_id[str(private[index]["id_number"])] = number
    rows = s.exec(select(Pupil).where(Pupil.intake_id == intake_id))
    for p in rows:
        placed = by_id.get(p.id_number)
        p.class_number = placed
        p.class_label = labels.get(placed, "") if placed is not None else ""
        s.add(p)
    s.flush()


def publish(env: Env, intake_id: int, *, user: str) -> None:
    """Export the public bundle into the database (the portal serves it) and log it."""
    signers = env.signers()
    now = env.now()
    with writing(env.engine) as s:
        intake = get_intake(s, intake_id, lock=True)
        require(intake, Stage.DRAWN, Stage.PUBLISHED)
        _republish(s, intake, signers, env.keyring(), now)
        moved(intake, Stage.PUBLISHED, now)
        s.add(intake)
        audit(s, now, user, "draw.published", intake_id, intake.draw_id)


def _republish(
    s: Session, intake: Intake, signers: Signers, keyring: Keyring, now: datetime
) -> None:
    rec = record_of(s, intake)
    bundle = rec.export(kind="public", keyring=keyring, now=now, signers=signers)
    rec.store.put("bundle/public.zip", bundle)


def cancel(env: Env, intake_id: int, *, reason: str, user: str) -> None:
    if len(reason.strip()) < 4:
        raise ServiceError("请写明撤销理由", "give the reason for cancelling")
    signers = env.signers()
    now = env.now()
    with writing(env.engine) as s:
        intake = get_intake(s, intake_id, lock=True)
        require(intake, Stage.ANNOUNCED)
        record_of(s, intake).cancel(reason=reason.strip(), now=now, signers=signers)
        moved(intake, Stage.CANCELLED, now)
        s.add(intake)
        audit(s, now, user, "draw.cancelled", intake_id, reason.strip())


def export_bundle(env: Env, intake_id: int, *, kind: str, user: str) -> bytes:
    """A public or archive bundle of a drawn (or cancelled) intake, logged as exported."""
    signers = env.signers()
    now = env.now()
    with writing(env.engine) as s:
        intake = get_intake(s, intake_id, lock=True)
        require(intake, Stage.DRAWN, Stage.PUBLISHED, Stage.CANCELLED)
        data = record_of(s, intake).export(
            kind=kind, keyring=env.keyring(), now=now, signers=signers
        )
        audit(s, now, user, f"bundle.{kind}", intake_id, "")
        return data
