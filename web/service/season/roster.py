"""A draw's roster taken from the season (spec S9), not uploaded.

The intake's pupils become exactly the records of the school's latest roster
derivation, and the intake remembers that derivation's digest, so its announcement
names it (``enrolment``) and verifiers can check the chain from 公示 to the draw.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert
from sqlmodel import col

from placement.canonical import Json
from placement.roster import PupilRecord, TwinWish
from placement.season.application import Application
from placement.season.chain import derive
from placement.season.documents import digest
from web.db.engine import writing
from web.db.models import Pupil
from web.service.errors import ServiceError
from web.service.intake_db import (
    _district_lock,
    _other_schools,
    _refused,
    pupil_row,
)
from web.service.intakes import Env, audit, get_intake, require, school_of
from web.service.season.steps import store_for
from web.service.stages import Stage


def import_from_season(env: Env, intake_id: int, *, season: str, user: str) -> int:
    """Replace the draft roster by the season's derived roster of this school and intake."""
    led = store_for(env, season).read()
    now = env.now()
    with writing(env.engine) as s:
        intake = get_intake(s, intake_id, lock=True)
        require(intake, Stage.DRAFT)
        place = (school_of(s, intake).name, intake.name)
        doc = led.rosters.get(place)
        if doc is None:
            raise ServiceError(
                f"{place[0]} {place[1]} 尚未推导派位名单（placement season derive）",
                f"no roster was derived for {place[0]} {place[1]} yet",
            )
        apps = sorted(
            (a for a in led.current.values() if a.entry() in set(led.roster_sets[place].entries)),
            key=lambda a: a.number,
        )
        pupils = draw_rows(apps)
        _district_lock(s)
        issues = _other_schools(s, intake, pupils)
        if issues:
            raise _refused(tuple(issues))
        s.execute(delete(Pupil).where(col(Pupil.intake_id) == intake_id))
        if pupils:
            s.execute(insert(Pupil), [pupil_row(intake_id, p) for p in pupils])
        intake.enrolment = digest(doc).hex()
        intake.version += 1
        intake.updated = now
        s.add(intake)
        audit(s, now, user, "roster.from_season", intake_id, f"{place[0]}: {len(pupils)}")
        return len(pupils)


def draw_rows(apps: Sequence[Application]) -> list[PupilRecord]:
    """The draw's roster rows of these applications (by number): with the balancing
    flags, and twins linked by ID number grouped — only twins both in this roster (a
    twin elsewhere leaves the other an ordinary pupil). A group is kept together unless
    one of its applications asks apart (the parents' signed request to split)."""
    by_id = {a.id_number: a.number for a in apps}
    group = {a.number: a.number for a in apps}

    def top(n: str) -> str:
        while group[n] != n:
            n = group[n]
        return n

    for a in apps:
        twin = by_id.get(a.pupil.twin_id)
        if twin is not None:
            first, second = sorted((top(a.number), top(twin)))
            group[second] = first
    members: dict[str, list[Application]] = {}
    for a in apps:
        members.setdefault(top(a.number), []).append(a)
    rows = []
    for n, a in enumerate(apps, start=2):
        label = top(a.number)
        twins = members[label]
        apart = any(t.pupil.twin_wish is TwinWish.APART for t in twins)
        wish = TwinWish.NONE if len(twins) < 2 else TwinWish.APART if apart else TwinWish.SAME
        rows.append(
            PupilRecord(
                row=n,
                name=a.name,
                sex=a.sex,
                id_number=a.id_number,
                birth_date=a.birth_date,
                student_no=a.student_no,
                twin_group=f"多胞胎{label}" if len(twins) > 1 else "",
                twin_wish=wish,
                flags=a.pupil.flags,
            )
        )
    return rows


def check_unchanged(env: Env, *, season: str, school: str, intake: str, enrolment: str) -> None:
    """Refuse to announce a draw whose roster came from a derivation the season has since
    moved past: a newer derivation, or a logged change to that list (spec S9)."""
    led = store_for(env, season).read()
    place = (school, intake)
    doc = led.rosters.get(place)
    if doc is None or digest(doc).hex() != enrolment:
        raise ServiceError(
            "该批次的名单不是最新的派位名单推导：请重新从招生季取名单",
            "the roster is not the season's latest derivation: take it from the season again",
        )
    index = next(i for i, e in enumerate(led.log) if _digest_of(e) == enrolment)
    changes, _ = derive(
        led.log,
        notice_index=index,
        end=len(led.log),
        place=place,
        notice_digest=str(doc["notice"]),
        listed=set(led.roster_sets[place].entries),
    )
    if changes:
        raise ServiceError(
            f"推导之后名单又有 {len(changes)} 处变动：请先重新推导并取名单",
            f"{len(changes)} changes since the derivation: derive again and take the roster",
        )


def _digest_of(entry: dict[str, Json]) -> object:
    detail = entry.get("detail")
    return detail.get("digest") if isinstance(detail, dict) else None
