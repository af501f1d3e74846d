"""Intakes in each public stage for the portal tests, and the demo roster's rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from servicekit import DEMO, Service

from web.service import intake_db, workflow

ROSTER = (DEMO / "taobei-2024-primary-school.csv").read_bytes()
TEAMS = (DEMO / "taobei-2024-primary-teams.csv").read_bytes()
SCHOOL = "洮北区实验小学"
INTAKE = "2024级一年级"
FLAG_WORDS = ("随迁子女", "留守儿童", "随班就读")


@dataclass(frozen=True)
class Row:
    name: str
    sex: str
    id_number: str
    birth_date: str
    student_no: str
    flags: str


def roster_rows() -> list[Row]:
    reader = csv.reader(io.StringIO(ROSTER.decode("utf-8-sig")))
    next(reader)
    return [Row(r[0], r[1], r[2], r[3], r[4], r[7]) for r in reader]


def created(svc: Service, draw_id: str = "tb-2024-shiyan") -> int:
    iid = workflow.create_intake(
        svc.env,
        school_id=svc.schools[SCHOOL],
        draw_id=draw_id,
        name=INTAKE,
        year=2024,
        profile="taobei-2024",
        scheduled="2024-08-14T09:00:00+08:00",
        planned_witnesses=["家长代表 贾雪", "区教育局监督员 王强"],
        user="admin",
    )
    intake_db.import_roster(svc.env, iid, filename="r.csv", data=ROSTER, user="t")
    intake_db.import_teams(svc.env, iid, filename="t.csv", data=TEAMS, user="t")
    return iid


def announced(svc: Service, draw_id: str = "tb-2024-shiyan") -> int:
    iid = created(svc, draw_id)
    workflow.freeze(svc.env, iid, user="op")
    workflow.announce(svc.env, iid, user="op")
    return iid


def drawn(svc: Service, draw_id: str = "tb-2024-shiyan") -> int:
    iid = announced(svc, draw_id)
    env = svc.env
    workflow.add_witness(env, iid, role="家长代表", name="贾雪", text="3 1 4 1 5 9", user="sv")
    workflow.add_witness(env, iid, role="监督员", name="王强", text="2 7 1 8 2 8", user="sv")
    workflow.draw(env, iid, beacon_value=None, user="op")
    return iid


def published(svc: Service, draw_id: str = "tb-2024-shiyan") -> int:
    iid = drawn(svc, draw_id)
    workflow.publish(svc.env, iid, user="op")
    return iid


def cancelled(svc: Service, reason: str, draw_id: str = "tb-2024-shiyan") -> int:
    iid = announced(svc, draw_id)
    workflow.cancel(svc.env, iid, reason=reason, user="admin")
    return iid
