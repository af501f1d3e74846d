"""The bureau's season forms through the Flask client: 统筹安排 (all or none, refused past
the plan), the allocation draw announced and held from the web, calendar overrides shown
publicly — bureau admin only; a supervisor sees the draws without application numbers."""

from __future__ import annotations

import dataclasses

import seasonflow
from seasonflow import at
from servicekit import Service, csrf
from sqlmodel import select

from placement.policy import Level
from placement.season.outcome import Outcome
from placement.season.plan import PlannedIntake
from web.db.engine import reading
from web.db.models import LogEntry
from web.demo import season as demo
from web.service.roles import Role
from web.service.season import steps

ROUTES = ("override", "assign", "allocate", "draw")
X3_PLACES = 2


def small_plan():
    """The demo plan with 第三小学 reduced to one class of two (so 统筹 can overflow it)."""
    plan = demo.plan()
    intakes = tuple(
        PlannedIntake(i.school, i.intake, i.level, 1, X3_PLACES) if i.school == demo.X3 else i
        for i in plan.intakes
    )
    return dataclasses.replace(plan, intakes=intakes)


def renters(svc: Service, n: int) -> list[str]:
    """A season with ``n`` renters' applications at 实验小学, in the review window."""
    seasonflow.started(svc, small_plan())
    numbers = seasonflow.registered(svc, range(80, 80 + n))
    svc.at(at(7, 23))
    return numbers


def log_size(svc: Service) -> int:
    with reading(svc.env.engine) as s:
        return len(list(s.exec(select(LogEntry.index))))


def post(c, path: str, data: dict[str, str]):
    return c.post(path, data={**data, "csrf_token": csrf(c, "/staff/season/")})


def test_only_the_bureau_admin_may_use_the_bureau_forms(sqlite_service: Service):
    svc = sqlite_service
    numbers = renters(svc, 1)
    declared = {
        rule.endpoint: getattr(svc.app.view_functions[rule.endpoint], "roles", None)
        for rule in svc.app.url_map.iter_rules()
        if rule.endpoint.startswith("season_bureau.")
    }
    assert declared == {f"season_bureau.{r}": frozenset({Role.ADMIN}) for r in ROUTES}
    before = log_size(svc)
    form = {
        "stage": "registration",
        "reason": "暴雨停电，延长一天",
        "school": demo.X3,
        "numbers": numbers[0],
        "scheduled": "2024-07-25T10:00",
        "role0": "家长代表",
        "name0": "王某",
        "input0": "42",
    }
    for role in (Role.OPERATOR, Role.SUPERVISOR, Role.AUDITOR):
        c = svc.client(role)
        for route in ROUTES:
            assert post(c, f"/staff/season/bureau/{route}", form).status_code == 403
    assert svc.app.test_client().post("/staff/season/bureau/assign").status_code in (302, 400)
    assert log_size(svc) == before


def test_an_override_is_recorded_with_its_reason_and_shown_publicly(sqlite_service: Service):
    svc = sqlite_service
    renters(svc, 0)
    admin = svc.client(Role.ADMIN)
    late = demo.form(90, "新华社区")
    svc.at(at(7, 23, 10))
    # registration closed on 7/19: refused until the bureau opens it again
    try:
        steps.register(
            svc.env, demo.SEASON, late, school=demo.SY, intake=demo.PRIMARY, level=Level.PRIMARY
        )
        raise AssertionError("registered outside the window")
    except steps.ServiceError:
        pass
    r = post(admin, "/staff/season/bureau/override", {"stage": "registration", "reason": " "})
    assert r.status_code == 400  # a reason is required
    reason = "7月19日系统故障，补录至7月24日"
    r = post(admin, "/staff/season/bureau/override", {"stage": "registration", "reason": reason})
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/staff/season/#calendar")
    steps.register(
        svc.env, demo.SEASON, late, school=demo.SY, intake=demo.PRIMARY, level=Level.PRIMARY
    )
    page = svc.app.test_client().get("/season/").get_data(as_text=True)
    assert f"2024-07-23 · 学生报名阶段：{reason}" in page
    staff = svc.client(Role.SUPERVISOR).get("/staff/season/").get_data(as_text=True)
    assert reason in staff
    assert 'id="override-form"' not in staff
    assert post(admin, "/staff/season/bureau/override", {"stage": "x", "reason": "y"}).status_code


def test_assignment_is_all_or_none_within_the_plan(sqlite_service: Service):
    svc = sqlite_service
    numbers = renters(svc, 3)
    admin = svc.client(Role.ADMIN)
    before = log_size(svc)
    reason = "随迁子女，实验小学学区学位已满"
    r = post(
        admin,
        "/staff/season/bureau/assign",
        {"school": demo.X3, "numbers": "\n".join(numbers), "reason": reason},
    )
    assert r.status_code == 409, r.get_data(as_text=True)[:500]
    page = r.get_data(as_text=True)
    assert "余位 2 个，少于 3 名儿童" in page
    assert log_size(svc) == before  # nothing of the batch was stored
    r = post(
        admin,
        "/staff/season/bureau/assign",
        {"school": demo.X3, "numbers": f"{numbers[0]}，{numbers[1]}", "reason": reason},
    )
    assert r.status_code == 302
    led = steps.store_for(svc.env, demo.SEASON).read()
    for n in numbers[:2]:
        last = led.standing(n)
        assert last is not None
        assert (last["outcome"], last["to_school"]) == (Outcome.ASSIGN.value, demo.X3)
        assert last["reason"] == reason
    assert led.standing(numbers[2]) is None
    assert led.counts[(demo.X3, demo.PRIMARY)] == X3_PLACES


def test_the_allocation_draw_from_the_web(sqlite_service: Service):
    svc = sqlite_service
    numbers = renters(svc, 4)
    admin = svc.client(Role.ADMIN)
    pool = "\n".join(numbers)
    r = post(
        admin,
        "/staff/season/bureau/allocate",
        {
            "school": demo.X3,
            "numbers": pool,
            "scheduled": "2024-07-25T10:00",
            "planned_witnesses": "人大代表 张某\n家长代表（随机抽取）",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    led = steps.store_for(svc.env, demo.SEASON).read()
    a = led.allocations[(demo.X3, demo.PRIMARY)]
    assert a.document["scheduled"] == "2024-07-25T10:00:00+08:00"  # Beijing time
    assert a.document["places"] == X3_PLACES
    assert a.pool.size == len(numbers)
    page = admin.get("/staff/season/").get_data(as_text=True)
    assert 'class="card stack draw-form"' in page
    svc.at(at(7, 25, 10))
    r = post(admin, "/staff/season/bureau/draw", {"school": demo.X3})
    assert r.status_code == 400  # no witness input
    r = post(
        admin,
        "/staff/season/bureau/draw",
        {"school": demo.X3, "role0": "家长代表", "name0": "王某", "input0": "7 19 23"},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    led = steps.store_for(svc.env, demo.SEASON).read()
    won = [n for n in numbers if (d := led.standing(n)) and d["to_school"] == demo.X3]
    assert len(won) == X3_PLACES
    page = admin.get("/staff/season/").get_data(as_text=True)
    assert "已开奖 drawn" in page
    assert all(n in page for n in won)
    seen = svc.client(Role.SUPERVISOR).get("/staff/season/").get_data(as_text=True)
    draws = seen[seen.index('id="draws"') :].split("</ul>")[0]
    assert "已开奖 drawn" in draws
    assert not any(n in draws for n in numbers)  # counts, no pool or winners' numbers
    own = svc.client(Role.OPERATOR).get("/staff/season/").get_data(as_text=True)
    assert 'id="draws"' not in own  # 实验小学's reviewer: another school's draw is not theirs
    assert 'id="assign-form"' not in own
    r = post(
        admin,
        "/staff/season/bureau/draw",
        {"school": demo.X3, "role0": "家长代表", "name0": "王某", "input0": "again"},
    )
    assert r.status_code == 400  # drawn once
    assert "没有待进行的统筹摇号" in r.get_data(as_text=True)
