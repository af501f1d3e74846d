"""Roster and teacher-team imports into the database: all or nothing, checked by the
core and across the district (one child, one place)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import delete, insert, text
from sqlmodel import Session, col, select

from placement.commitment import commit_roster
from placement.deal import size_tolerance
from placement.errors import Infeasible, InvalidInput, Issue
from placement.policy import Level
from placement.roster import PupilRecord, validate_roster
from placement.teams import Team
from web.db.engine import writing
from web.db.models import Intake, Pupil, School, TeamRow
from web.service.errors import ServiceError
from web.service.fields import field_words
from web.service.intake_files import read_teams_bytes, roster_and_issues
from web.service.intakes import (
    Env,
    Stage,
    audit,
    get_intake,
    profile_of,
    pupils_of,
    require,
    teams_of,
)
from web.service.tables import read_table

# Large enough to stay under SQLite's bound-parameter limit with 13 columns.
_CHUNK = 2000


def _refused(issues: tuple[Issue, ...]) -> ServiceError:
    return ServiceError(
        f"文件未导入：发现 {len(issues)} 处问题，请改正后重新上传整个文件",
        f"nothing was imported: {len(issues)} problem(s); fix them and upload the whole file",
        issues=issues,
    )


# What the columns hold (web.db.models.Pupil); longer text is refused row by row.
_LIMITS = {"name": 64, "student_no": 32, "twin_group": 32, "flags": 200}


def _too_long(pupils: Sequence[PupilRecord]) -> list[Issue]:
    issues: list[Issue] = []
    for p in pupils:
        values = {
            "name": p.name,
            "student_no": p.student_no,
            "twin_group": p.twin_group,
            "flags": "、".join(p.flags),
        }
        issues.extend(
            Issue(
                p.row,
                field,
                "text.too_long",
                f"{field_words(field)[0]}过长（最多{limit}个字）",
                f"the {field_words(field)[1]} is too long (at most {limit} characters)",
            )
            for field, limit in _LIMITS.items()
            if len(values[field]) > limit
        )
    return issues


def _district_lock(s: Session) -> None:
    """Serialise the steps that check one child, one place across the district. SQLite's
    BEGIN IMMEDIATE already does; PostgreSQL takes a transaction-scoped advisory lock."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(7071)"))


def _other_schools(s: Session, intake: Intake, pupils: Sequence[PupilRecord]) -> list[Issue]:
    """ID numbers already on another intake's roster of the same year."""
    ids = [p.id_number for p in pupils]
    row_of = {p.id_number: p.row for p in pupils}
    issues: list[Issue] = []
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        found = s.exec(
            select(Pupil.id_number, School.name, Intake.name)
            .join(Intake, col(Intake.id) == col(Pupil.intake_id))
            .join(School, col(School.id) == col(Intake.school_id))
            .where(
                col(Pupil.id_number).in_(chunk),
                Pupil.intake_id != intake.id,
                Intake.year == intake.year,
                Intake.stage != Stage.CANCELLED.value,
            )
        )
        issues.extend(
            Issue(
                row_of[id_number],
                "id_number",
                "id.other_school",
                f"该身份证号已在 {school}（{name}）的名单中：一个孩子只能有一个学位",
                f"this ID number is already on the roster of {school} ({name}): "
                "one child, one place",
            )
            for id_number, school, name in found
        )
    return sorted(issues, key=lambda x: x.row)


def import_roster(env: Env, intake_id: int, *, filename: str, data: bytes, user: str) -> int:
    """Replace the draft roster by the file's pupils. Returns how many were imported."""
    now = env.now()
    with writing(env.engine) as s:
        intake = get_intake(s, intake_id, lock=True)
        require(intake, Stage.DRAFT)
        try:
            pupils, found = roster_and_issues(
                read_table(data, filename), profile=profile_of(intake), level=Level(intake.level)
            )
        except InvalidInput as e:
            raise _refused(e.issues) from e
        _district_lock(s)
        # One pass: the rows' own problems and the district's duplicates, reported together.
        issues = found + _too_long(pupils) + _other_schools(s, intake, pupils)
        if issues:
            raise _refused(tuple(sorted(issues, key=lambda i: i.row)))
        s.execute(delete(Pupil).where(col(Pupil.intake_id) == intake_id))
        rows = [pupil_row(intake_id, p) for p in pupils]
        for i in range(0, len(rows), _CHUNK):
            s.execute(insert(Pupil), rows[i : i + _CHUNK])
        intake.enrolment = ""  # an uploaded roster comes from no season derivation
        intake.version += 1
        intake.updated = now
        s.add(intake)
        audit(s, now, user, "roster.imported", intake_id, f"{filename}: {len(rows)}")
        return len(rows)


def pupil_row(intake_id: int, p: PupilRecord) -> dict[str, object]:
    """One pupil as a row for a bulk INSERT (no ORM object: ~50 µs each saved)."""
    return {
        "intake_id": intake_id,
        "row": p.row,
        "name": p.name,
        "sex": p.sex.value,
        "id_number": p.id_number,
        "birth_date": p.birth_date,
        "student_no": p.student_no,
        "twin_group": p.twin_group,
        "twin_wish": p.twin_wish.value,
        "flags": "、".join(p.flags),
        "class_number": None,
        "class_label": "",
    }


def _team_row(intake_id: int, t: Team) -> dict[str, object]:
    return {
        "intake_id": intake_id,
        "number": t.number,
        "label": t.label,
        "head_teacher": t.head_teacher,
        "teachers": json.dumps(
            [{"subject": x.subject, "name": x.name} for x in t.teachers], ensure_ascii=False
        ),
    }


def import_teams(env: Env, intake_id: int, *, filename: str, data: bytes, user: str) -> int:
    now = env.now()
    with writing(env.engine) as s:
        intake = get_intake(s, intake_id, lock=True)
        require(intake, Stage.DRAFT)
        try:
            teams = read_teams_bytes(data, filename)
        except InvalidInput as e:
            raise _refused(e.issues) from e
        s.execute(delete(TeamRow).where(col(TeamRow.intake_id) == intake_id))
        s.execute(insert(TeamRow), [_team_row(intake_id, t) for t in teams])
        intake.version += 1
        intake.updated = now
        s.add(intake)
        audit(s, now, user, "teams.imported", intake_id, f"{filename}: {len(teams)}")
        return len(teams)


def edit_team(
    env: Env,
    intake_id: int,
    *,
    number: int,
    label: str,
    head_teacher: str,
    teachers: Sequence[tuple[str, str]],
    user: str,
) -> None:
    """Change one filed team before the freeze."""
    if not label.strip() or not head_teacher.strip():
        raise ServiceError("班级名称和班主任不能为空", "class label and head teacher are required")
    now = env.now()
    with writing(env.engine) as s:
        intake = get_intake(s, intake_id, lock=True)
        require(intake, Stage.DRAFT)
        row = s.exec(
            select(TeamRow).where(TeamRow.intake_id == intake_id, TeamRow.number == number)
        ).first()
        if row is None:
            raise ServiceError(f"没有第{number}班的教师团队", f"no team for class {number}")
        clash = s.exec(
            select(TeamRow).where(
                TeamRow.intake_id == intake_id,
                TeamRow.label == label.strip(),
                TeamRow.number != number,
            )
        ).first()
        if clash is not None:
            raise ServiceError(f"班级名称「{label}」已被使用", f"class label {label!r} is taken")
        row.label, row.head_teacher = label.strip(), head_teacher.strip()
        row.teachers = json.dumps(
            [{"subject": a.strip(), "name": b.strip()} for a, b in teachers if a.strip()],
            ensure_ascii=False,
        )
        s.add(row)
        intake.version += 1
        intake.updated = now
        s.add(intake)
        audit(s, now, user, "team.edited", intake_id, f"{number} {label}")


def check_frozen_inputs(s: Session, intake: Intake) -> None:
    """What the freeze promises: a valid roster that the filed teams can hold."""
    assert intake.id is not None
    pupils, teams = pupils_of(s, intake.id), teams_of(s, intake.id)
    if not pupils or not teams:
        raise ServiceError(
            "冻结前须导入学生名单和教师团队", "import the roster and the teacher teams first"
        )
    _district_lock(s)
    profile = profile_of(intake)
    level = Level(intake.level)
    issues = validate_roster(pupils, profile=profile, level=level, class_count=len(teams))
    issues += tuple(_other_schools(s, intake, pupils))
    if issues:
        raise ServiceError("名单不能冻结", "the roster cannot be frozen", issues=issues)
    leaves = commit_roster(pupils, [bytes(16)] * len(pupils)).leaves
    try:
        size_tolerance(leaves, len(teams), profile.cap(level))
    except Infeasible as e:
        raise ServiceError(e.zh, e.en) from e
