"""The public list of exceptions after the draw (spec Part E): per school and intake, each
exception's kind, reason category, dates, decision and the approver's role, and counts
per school and for the district — a school that "corrects" 15 pupils shows it.

No pupil identity beyond what the class lists already show: no names, no ID numbers,
no free-text reasons (they may name a family's circumstances); the classes an approval
changed are named by their labels.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from placement.canonical import Json
from placement.exceptions import Kind
from web.db.models import Intake, School
from web.portal.changes import changes_json
from web.service.exceptions import ExceptionView, current_classes, views
from web.service.intakes import record_of
from web.service.stages import Stage

KINDS = tuple(Kind)


@dataclass(frozen=True, slots=True)
class PublicIntake:
    school: str
    intake: str
    draw_id: str
    rows: tuple[ExceptionView, ...]
    labels: dict[int, str]  # class number → label

    def classes_of(self, row: ExceptionView) -> str:
        return "、".join(self.labels.get(c, str(c)) for c in row.classes)


@dataclass(slots=True)
class Counts:
    approved: Counter[Kind] = field(default_factory=Counter)
    refused: int = 0
    pending: int = 0

    def add(self, row: ExceptionView) -> None:
        if row.status == "approved":
            self.approved[row.kind] += 1
        elif row.status == "refused":
            self.refused += 1
        else:
            self.pending += 1

    def to_json(self) -> dict[str, Json]:
        return {
            "approved": {k.value: self.approved[k] for k in KINDS},
            "pending": self.pending,
            "refused": self.refused,
        }


@dataclass(frozen=True, slots=True)
class PublicExceptions:
    intakes: tuple[PublicIntake, ...]
    schools: dict[str, Counts]
    district: Counts

    def by_intake(self) -> dict[tuple[str, str], Counts]:
        """(school, intake) → its counts, for the district statistics page."""
        out: dict[tuple[str, str], Counts] = {}
        for i in self.intakes:
            counts = out.setdefault((i.school, i.intake), Counts())
            for r in i.rows:
                counts.add(r)
        return out

    def to_json(self) -> dict[str, Json]:
        return {
            "district": self.district.to_json(),
            "intakes": [
                {
                    "draw_id": i.draw_id,
                    "exceptions": [
                        {
                            "approver_role": "bureau-admin" if r.decided_on else None,
                            "category": r.category,
                            "classes": [i.labels.get(c, str(c)) for c in r.classes],
                            "decided_on": r.decided_on or None,
                            "kind": r.kind.value,
                            "number": r.number,
                            "requested_on": r.requested_on,
                            "status": r.status,
                        }
                        for r in i.rows
                    ],
                    "intake": i.intake,
                    "school": i.school,
                }
                for i in self.intakes
            ],
            "schools": {name: c.to_json() for name, c in sorted(self.schools.items())},
        }


def _published(s: Session) -> list[tuple[Intake, School]]:
    q = (
        select(Intake, School)
        .join(School)
        .where(Intake.stage == Stage.PUBLISHED.value)
        .order_by(col(School.name), col(Intake.year), col(Intake.draw_id))
    )
    return [(i, sch) for i, sch in s.exec(q).all()]


def listing(s: Session) -> PublicExceptions:
    intakes: list[PublicIntake] = []
    schools: dict[str, Counts] = {}
    district = Counts()
    for intake, school in _published(s):
        rec = record_of(s, intake)
        rows = tuple(views(rec))
        counts = schools.setdefault(school.name, Counts())
        for r in rows:
            counts.add(r)
            district.add(r)
        if rows:
            labels = {c.number: c.label for c in current_classes(rec)}
            intakes.append(PublicIntake(school.name, intake.name, intake.draw_id, rows, labels))
    return PublicExceptions(tuple(intakes), schools, district)


def changes(s: Session) -> dict[str, Json]:
    """``verify/changes.json`` over every published intake's public bundle."""
    bundles = []
    for intake, _ in _published(s):
        data = record_of(s, intake).store.get("bundle/public.zip")
        if data is not None:
            bundles.append(data)
    return changes_json(bundles)
