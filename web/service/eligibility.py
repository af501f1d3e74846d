"""What the enrolment plan demands of a roster for its level, beyond the core's rules.

* **Age fits the level.** The policy's cut-off says who may start 一年级 (born on or before
  it); a pupil of a level is normally born in the year before the cut-off moved back by the
  level's grades (six for 七年级). A roster whose pupils were born years away from that is
  the wrong roster (a middle-school list imported into 一年级 went in silently). Allowed:
  up to three years older (late entry, repeated years), one year younger for 七年级 (a
  skipped grade), never younger than the cut-off for 一年级 (the core refuses that).
* **学籍号 for 七年级.** The plan admits 应届小学毕业生, who are already registered in the
  national student system: every middle-school pupil needs a 学籍号.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

from placement.errors import Issue
from placement.policy import Level, PolicyProfile
from placement.roster import PupilRecord

GRADES_BEFORE: Final = {Level.PRIMARY: 0, Level.MIDDLE: 6}
OLDER_YEARS: Final = 3
YOUNGER_YEARS: Final = {Level.PRIMARY: 0, Level.MIDDLE: 1}
LEVEL_ZH: Final = {Level.PRIMARY: "小学一年级", Level.MIDDLE: "初中七年级"}


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def birth_window(profile: PolicyProfile, level: Level) -> tuple[dt.date, dt.date]:
    """(born after, born on or before) for a pupil of ``level`` in ``profile``'s year."""
    normal_last = _years_before(profile.birth_cutoff, GRADES_BEFORE[level])
    earliest = _years_before(normal_last, 1 + OLDER_YEARS)
    latest = _years_before(normal_last, -YOUNGER_YEARS[level])
    return earliest, latest


def level_issues(
    pupils: Sequence[PupilRecord], *, profile: PolicyProfile, level: Level
) -> list[Issue]:
    """Every pupil born outside the level's window, and (七年级) every one without 学籍号."""
    after, until = birth_window(profile, level)

    def outside(born: dt.date) -> bool:
        # Born after the cut-off for 一年级 is the core's own issue (birth.cutoff).
        return born <= after or (born > until and level is not Level.PRIMARY)

    issues = [
        Issue(
            p.row,
            "birth_date",
            "birth.level",
            f"出生日期{p.birth_date.isoformat()}不符合{LEVEL_ZH[level]}的年龄"
            f"（应在{after.isoformat()}之后、{until.isoformat()}及以前）；"
            "请确认导入的是本批次的名单",
            f"born {p.birth_date.isoformat()}, outside the ages of this level "
            f"({level.value}: after {after.isoformat()}, on or before "
            f"{until.isoformat()}); check that this is the right roster",
        )
        for p in pupils
        if outside(p.birth_date)
    ]
    if level is Level.MIDDLE:
        issues.extend(
            Issue(
                p.row,
                "student_no",
                "student_no.missing",
                "初中招生须填写学籍号（应届小学毕业生已在全国学籍系统中注册）",
                "a middle-school intake needs the student number (学籍号): primary "
                "graduates are registered in the national student system",
            )
            for p in pupils
            if not p.student_no.strip()
        )
    return issues
