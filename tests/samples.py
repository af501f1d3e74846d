"""The sample intake the tests share: 洮北区实验小学's 2024 first grade (吉林省白城市洮北区),
as a draw's ``Intake`` and as its ``Announcement``. A test changes only what it is about
(``sample_intake(draw_id=…, witnesses=…)``) instead of typing the whole intake again."""

from __future__ import annotations

import dataclasses
from typing import Any

from placement.announcement import Announcement
from placement.draw import Intake
from placement.policy import Level

DISTRICT = "吉林省白城市洮北区"
SCHOOL = "洮北区实验小学"
INTAKE = "2024级一年级"
SCHEDULED = "2024-08-14T09:00:00+08:00"


def sample_intake(**changes: Any) -> Intake:
    """The sample draw intake, with ``changes`` applied (any field of ``Intake``)."""
    intake = Intake(
        draw_id="test-primary",
        district=DISTRICT,
        school=SCHOOL,
        intake=INTAKE,
        level=Level.PRIMARY,
        year=2024,
        scheduled=SCHEDULED,
        witnesses=("家长代表 贾雪", "区教育局监督员"),
    )
    return dataclasses.replace(intake, **changes)


def sample_announcement(**changes: Any) -> Announcement:
    """The sample intake's announcement (commitments are placeholder bytes), with
    ``changes`` applied (any field of ``Announcement``)."""
    announcement = Announcement(
        draw_id="taobei-2024-shiyan-primary",
        district=DISTRICT,
        school=SCHOOL,
        intake=INTAKE,
        level=Level.PRIMARY,
        year=2024,
        policy="taobei-2024",
        class_cap=45,
        roster_root=bytes(range(32)),
        roster_size=400,
        strata=(("sex:F", 190), ("sex:M", 210)),
        teams_root=bytes(range(32, 64)),
        team_count=9,
        seed_commitment=bytes(range(64, 96)),
        size_tolerance=1,
        beacon=None,
        witnesses=("家长代表 贾雪",),
        scheduled=SCHEDULED,
    )
    return dataclasses.replace(announcement, **changes)
