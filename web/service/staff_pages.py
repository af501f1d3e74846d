"""What the staff pages show about intakes, read from the database: the step bar, the
roster summary, the teams, what the signed record says so far. No Flask: the views in
``web.app.views.staff`` render these."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from placement.documents import digest
from web.db.models import AuditEvent, Intake, Pupil, School, TeamRow
from web.service.intakes import reading_of
from web.service.stages import Stage

# The step bar: label (zh, en) of each step, and the step each stage has reached.
STEPS = (
    ("草稿", "draft"),
    ("名单冻结", "roster frozen"),
    ("已公告", "announced"),
    ("见证输入", "witness inputs"),
    ("开奖签名", "drawn and signed"),
    ("已发布", "published"),
)


PAGE_SIZE = 100


def mask_id(id_number: str) -> str:
    """220802201806147027 → 220802********7027: enough to tell pupils apart, no more."""
    if len(id_number) < 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


@dataclass
class Summary:
    pupils: int = 0
    by_sex: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    twin_groups: int = 0
    twin_pupils: int = 0
    twin_wishes: dict[str, int] = field(default_factory=dict)
    classes: list[tuple[str, int, int, int]] = field(default_factory=list)  # label, size, M, F


def summary(s: Session, intake_id: int) -> Summary:
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


def record_view(s: Session, intake: Intake) -> dict[str, Any]:
    """What the signed record says so far: the announcement, witnesses, the reveal."""
    rec = reading_of(s, intake)
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


def teams(s: Session, intake_id: int) -> list[dict[str, Any]]:
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


def step(stage: Stage, witnesses: int) -> int:
    return {
        Stage.DRAFT: 0,
        Stage.FROZEN: 1,
        Stage.ANNOUNCED: 3 if witnesses else 2,
        Stage.DRAWN: 4,
        Stage.PUBLISHED: 5,
        Stage.CANCELLED: 2,
    }[stage]


def intake_list(s: Session, school_id: int | None) -> list[tuple[Intake, School]]:
    """Every intake with its school (only one school's when ``school_id`` is given)."""
    q = select(Intake, School).join(School, col(School.id) == col(Intake.school_id))
    if school_id is not None:
        q = q.where(Intake.school_id == school_id)
    return list(s.exec(q.order_by(col(School.code), col(Intake.id))).all())


def pupil_counts(s: Session) -> dict[int, int]:
    """Intake id → pupils imported."""
    return dict(s.exec(select(Pupil.intake_id, func.count()).group_by(col(Pupil.intake_id))).all())


def schools(s: Session) -> list[School]:
    return list(s.exec(select(School).order_by(col(School.code))).all())


def pupils_page(s: Session, intake_id: int, page: int) -> list[Pupil]:
    """One page (from 1) of an intake's pupils in roster order."""
    return list(
        s.exec(
            select(Pupil)
            .where(Pupil.intake_id == intake_id)
            .order_by(col(Pupil.row))
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).all()
    )


def recent_events(s: Session, intake_id: int) -> list[AuditEvent]:
    """The latest 30 audit events of an intake, newest first."""
    return list(
        s.exec(
            select(AuditEvent)
            .where(AuditEvent.intake_id == intake_id)
            .order_by(col(AuditEvent.id).desc())
            .limit(30)
        ).all()
    )
