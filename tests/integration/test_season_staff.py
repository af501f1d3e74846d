"""The season's staff pages: every route × every role, a reviewer deciding their own
school's applications only, a supervisor seeing decisions without personal data."""

from __future__ import annotations

from datetime import datetime

from servicekit import Service, csrf
from sqlmodel import select

from placement.keyring import CST
from placement.policy import Level
from placement.season.outcome import Outcome
from web.db.engine import reading
from web.db.models import LogEntry
from web.demo import season as demo
from web.service.roles import Role
from web.service.season import steps

ADMIN, OPERATOR, SUPERVISOR, AUDITOR = Role.ADMIN, Role.OPERATOR, Role.SUPERVISOR, Role.AUDITOR
EXPECTED = {
    ("GET", "/staff/season/"): {ADMIN, OPERATOR, SUPERVISOR, AUDITOR},
    ("POST", "/staff/season/decide/{sy}"): {ADMIN, OPERATOR},
    ("POST", "/staff/season/desk"): {ADMIN, OPERATOR},
    ("POST", "/staff/season/notice"): {ADMIN},
    ("POST", "/staff/season/case/1"): {ADMIN},
    ("POST", "/staff/season/derive"): {ADMIN},
}


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=CST)


def season(svc: Service) -> dict[str, str]:
    svc.at(at(7, 1))
    steps.create(svc.env, catchment=demo.catchment(), plan=demo.plan(), user="admin")
    numbers = {}
    for n, (school, community) in enumerate(((demo.SY, "新华社区"), (demo.X1, "长庆社区"))):
        svc.at(at(7, 15, 9, n))
        app = steps.register(
            svc.env,
            demo.SEASON,
            demo.form(50 + n, community),
            school=school,
            intake=demo.PRIMARY,
            level=Level.PRIMARY,
        )
        numbers[school] = app.number
    svc.at(at(7, 22, 9))
    return numbers


def log_size(svc: Service) -> int:
    with reading(svc.env.engine) as s:
        return len(list(s.exec(select(LogEntry.index))))


def test_every_season_staff_route_admits_only_its_roles(sqlite_service: Service):
    svc = sqlite_service
    numbers = season(svc)
    declared = {
        rule.endpoint: getattr(svc.app.view_functions[rule.endpoint], "roles", None)
        for rule in svc.app.url_map.iter_rules()
        if rule.endpoint.startswith("season_staff.")
    }
    assert all(roles is not None for roles in declared.values()), declared
    before = log_size(svc)
    for role in Role:
        c = svc.client(role)
        token = csrf(c, "/staff/")
        for (method, path), allowed in EXPECTED.items():
            url = path.format(sy=numbers[demo.SY])
            if role in allowed:
                continue
            r = c.get(url) if method == "GET" else c.post(url, data={"csrf_token": token})
            assert r.status_code == 403, (role, method, url)
    anonymous = svc.app.test_client()
    assert anonymous.get("/staff/season/").status_code == 302
    assert log_size(svc) == before


def test_a_reviewer_decides_only_their_own_schools_applications(sqlite_service: Service):
    svc = sqlite_service
    numbers = season(svc)
    op = svc.client(OPERATOR)  # 洮北区实验小学's reviewer
    page = op.get("/staff/season/").get_data(as_text=True)
    assert numbers[demo.SY] in page
    assert numbers[demo.X1] not in page
    token = csrf(op, "/staff/season/")
    form = {
        "csrf_token": token,
        "outcome": "approve",
        "rule": "catchment-resident",
        "reason": "户口本、房本齐全",
        "proof_type": "房本",
        "proof_number": "吉(2020)洮北123",
    }
    assert op.post(f"/staff/season/decide/{numbers[demo.SY]}", data=form).status_code == 302
    assert op.post(f"/staff/season/decide/{numbers[demo.X1]}", data=form).status_code == 403
    assign = {**form, "outcome": "assign", "rule": "migrant-or-renter", "to_school": demo.X3}
    assert op.post(f"/staff/season/decide/{numbers[demo.SY]}", data=assign).status_code == 403
    led = steps.store_for(svc.env, demo.SEASON).read()
    last = led.standing(numbers[demo.SY])
    assert last is not None
    assert last["outcome"] == Outcome.APPROVE.value
    assert last["proofs"] == [
        {"checked_by": last["proofs"][0]["checked_by"], "number": "吉(2020)洮北123", "type": "房本"}
    ]


def test_a_supervisor_reads_decisions_without_personal_data(sqlite_service: Service):
    svc = sqlite_service
    numbers = season(svc)
    steps.decide(
        svc.env,
        demo.SEASON,
        numbers[demo.SY],
        outcome=Outcome.PENDING,
        rule="documents-missing",
        reason="缺房本原件",
        reviewer="李老师",
        user="op",
        missing=("房本原件", at(8, 5).date()),
    )
    page = svc.client(SUPERVISOR).get("/staff/season/").get_data(as_text=True)
    assert "缺房本原件" in page
    child = demo.form(50, "新华社区")
    for private in (child.name, child.id_number, child.guardian_phone, "新华社区"):
        assert private not in page


def test_desk_entry_for_a_parent_without_a_phone(sqlite_service: Service):
    svc = sqlite_service
    season(svc)
    svc.at(at(7, 16, 10))
    op = svc.client(OPERATOR)
    page = op.get("/staff/season/").get_data(as_text=True)
    assert 'action="/staff/season/desk"' in page
    f = demo.form(60, "光明社区")
    data = {
        "csrf_token": csrf(op, "/staff/season/"),
        "name": f.name,
        "sex": f.sex,
        "id_number": f.id_number,
        "birth_date": f.birth_date,
        "address": f.address,
        "community": f.community,
        "proof": "hukou",
        "guardian_name": f.guardian_name,
        "guardian_phone": f.guardian_phone,
        "school": demo.X1,
    }  # ignored: own school
    assert op.post("/staff/season/desk", data=data).status_code == 302
    led = steps.store_for(svc.env, demo.SEASON).read()
    app = next(a for a in led.current.values() if a.id_number == f.id_number)
    assert app.school == demo.SY
    assert app.channel.value == "desk"
    assert app.entered_by
