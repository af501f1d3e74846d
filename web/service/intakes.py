"""Intakes as the service stores them: stages, the step environment, and reading an
intake's roster, teams and record back as the core's values."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from placement.keyring import Keyring
from placement.policy import PROFILES, PolicyProfile
from placement.roster import PupilRecord, Sex, TwinWish
from placement.teams import Teacher, Team
from web.db.models import AuditEvent, Intake, Pupil, School, TeamRow
from web.db.store import DbBlobs, DbLog
from web.record.clock import POLICY_ZONE
from web.record.draw import DrawRecord, Signers
from web.service.errors import Conflict, NotFound

BEIJING = POLICY_ZONE


class Stage(StrEnum):
    DRAFT = "draft"
    FROZEN = "frozen"
    ANNOUNCED = "announced"
    DRAWN = "drawn"
    PUBLISHED = "published"
    CANCELLED = "cancelled"

    @property
    def zh(self) -> str:
        return _STAGE_ZH[self]

    @property
    def en(self) -> str:
        return _STAGE_EN[self]


_STAGE_ZH = {
    Stage.DRAFT: "草稿（可导入名单）",
    Stage.FROZEN: "名单已冻结",
    Stage.ANNOUNCED: "已公告，待见证输入",
    Stage.DRAWN: "已开奖并签名",
    Stage.PUBLISHED: "已发布",
    Stage.CANCELLED: "公告已撤销",
}
_STAGE_EN = {
    Stage.DRAFT: "draft (roster may be imported)",
    Stage.FROZEN: "roster frozen",
    Stage.ANNOUNCED: "announced, awaiting witness inputs",
    Stage.DRAWN: "drawn and signed",
    Stage.PUBLISHED: "published",
    Stage.CANCELLED: "announcement cancelled",
}


@dataclass(frozen=True, slots=True)
class Env:
    """What a step needs from outside the core: storage, keys, time and randomness."""

    engine: Engine
    signers: Callable[[], Signers]
    keyring: Callable[[], Keyring]
    now: Callable[[], datetime]
    token_bytes: Callable[[int], bytes]


def audit(
    session: Session, now: datetime, user: str, action: str, intake_id: int | None, detail: str
) -> None:
    session.add(
        AuditEvent(time=now, username=user, action=action, intake_id=intake_id, detail=detail)
    )


# -- reading -------------------------------------------------------------------------------


def get_intake(session: Session, intake_id: int, *, lock: bool = False) -> Intake:
    q = select(Intake).where(Intake.id == intake_id)
    row = session.exec(q.with_for_update() if lock else q).first()
    if row is None:
        raise NotFound(f"没有编号为 {intake_id} 的招生批次", f"no intake {intake_id}")
    return row


def school_of(session: Session, intake: Intake) -> School:
    school = session.get(School, intake.school_id)
    assert school is not None  # foreign key
    return school


def profile_of(intake: Intake) -> PolicyProfile:
    return PROFILES[intake.profile]


def pupils_of(session: Session, intake_id: int) -> list[PupilRecord]:
    rows = session.exec(select(Pupil).where(Pupil.intake_id == intake_id).order_by(col(Pupil.row)))
    return [
        PupilRecord(
            row=p.row,
            name=p.name,
            sex=Sex(p.sex),
            id_number=p.id_number,
            birth_date=p.birth_date,
            student_no=p.student_no,
            twin_group=p.twin_group,
            twin_wish=TwinWish(p.twin_wish) if p.twin_wish else TwinWish.NONE,
            flags=tuple(f for f in p.flags.split("、") if f),
        )
        for p in rows
    ]


def teams_of(session: Session, intake_id: int) -> list[Team]:
    rows = session.exec(
        select(TeamRow).where(TeamRow.intake_id == intake_id).order_by(col(TeamRow.number))
    )
    return [
        Team(
            number=t.number,
            label=t.label,
            head_teacher=t.head_teacher,
            teachers=tuple(Teacher(subject=x["subject"], name=x["name"]) for x in _teachers(t)),
        )
        for t in rows
    ]


def _teachers(t: TeamRow) -> list[dict[str, str]]:
    raw = json.loads(t.teachers)
    return [{"subject": str(x["subject"]), "name": str(x["name"])} for x in raw]


def record_of(session: Session, intake: Intake) -> DrawRecord:
    assert intake.id is not None
    return DrawRecord(DbBlobs(session, intake.id), DbLog(session))


def require(intake: Intake, *allowed: Stage) -> None:
    if Stage(intake.stage) not in allowed:
        want = "、".join(s.zh for s in allowed)
        raise Conflict(
            f"当前阶段为「{Stage(intake.stage).zh}」，此操作只能在「{want}」阶段进行",
            f"not allowed in stage {intake.stage}; allowed in: {', '.join(allowed)}",
        )


def moved(intake: Intake, stage: Stage, now: datetime) -> None:
    intake.stage = stage.value
    intake.version += 1
    intake.updated = now
