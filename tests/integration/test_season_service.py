"""The season in the service's database: every step one transaction, the ledger restored
from the database by another process, the exported bundle verifying."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest
from servicekit import Service, approve_season, csrf
from sqlmodel import select

from placement.keyring import CST
from placement.policy import Level
from placement.season.outcome import Outcome
from placement.season.restore import ledger_state
from verifier.season_report import verify_season
from web.db.engine import reading
from web.db.models import LogEntry, SeasonApplication
from web.demo import season as demo
from web.service.errors import ServiceError
from web.service.season import steps
from web.service.season.store import SeasonStore


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=CST)


def setup(service: Service, per_school: int = 4) -> list[str]:
    env = service.env
    service.at(at(7, 1))
    steps.create(env, catchment=demo.catchment(), plan=demo.plan(), user="admin")
    numbers = []
    for n in range(per_school):
        for i, school in enumerate((demo.SY, demo.X1)):
            service.at(at(7, 15, 9, n * 2 + i))
            community = demo.AREAS[school][2][n % 2]
            app = steps.register(
                env,
                demo.SEASON,
                demo.form(100 + n * 2 + i, community),
                school=school,
                intake=demo.PRIMARY,
                level=Level.PRIMARY,
            )
            numbers.append(app.number)
    return numbers


def frozen_from_season(service: Service) -> tuple[list[str], int]:
    """实验小学's intake, its roster taken from the season (3 approved, 公示 on 7/29,
    derived on 8/1), teams imported and frozen on 8/14 at 09:00: (applications, intake)."""
    from web.service import intake_db, workflow  # noqa: PLC0415
    from web.service.season.roster import import_from_season  # noqa: PLC0415

    env = service.env
    numbers = setup(service, per_school=3)
    approve_season(service, numbers)
    service.at(at(7, 29, 8))
    steps.commit_notice(env, demo.SEASON, school=demo.SY, intake=demo.PRIMARY, user="admin")
    service.at(at(8, 1, 9))
    steps.derive(env, demo.SEASON, school=demo.SY, intake=demo.PRIMARY, user="admin")
    service.at(at(8, 14, 9))
    iid = workflow.create_intake(
        env,
        school_id=service.schools[demo.SY],
        draw_id="tb-2024-shiyan",
        name=demo.PRIMARY,
        year=2024,
        profile="taobei-2024",
        scheduled="2024-08-14T09:00:00+08:00",
        planned_witnesses=["家长代表 贾雪"],
        user="admin",
    )
    assert import_from_season(env, iid, season=demo.SEASON, user="admin") == 3
    intake_db.import_teams(env, iid, filename="t.csv", data=TEAMS.encode(), user="t")
    workflow.freeze(env, iid, user="op")
    return numbers, iid


def test_a_whole_season_in_the_database_verifies(service: Service):
    env = service.env
    numbers = setup(service)
    approve_season(service, numbers)
    service.at(at(7, 29, 8))
    for school in (demo.SY, demo.X1):
        steps.commit_notice(env, demo.SEASON, school=school, intake=demo.PRIMARY, user="admin")
    service.at(at(7, 30, 10))
    case = steps.file_case(
        env,
        demo.SEASON,
        school=demo.SY,
        intake=demo.PRIMARY,
        application=numbers[0],
        claim="实际不在学区居住",
        channel="online",
    )
    service.at(at(7, 31, 10))
    steps.decide_case(
        env,
        demo.SEASON,
        case,
        upheld=True,
        reason="走访查实",
        handled_by="基础教育科",
        user="admin",
    )
    service.at(at(8, 10, 9))
    doc = steps.derive(env, demo.SEASON, school=demo.SY, intake=demo.PRIMARY, user="admin")
    assert doc["summary"] == {"added": 0, "notice": 4, "removed": 1, "roster": 3}
    public = steps.export(env, demo.SEASON, kind="public")
    report = verify_season(public, trusted=env.keyring())
    assert report.verified, report.table()
    line = next(c.message_en for c in report.checks if c.name == "season.rosters")
    assert f"{demo.SY}: 4 on 公示; 1 removed by report #1; 3 in the draw" in line
    archive = steps.export(env, demo.SEASON, kind="archive")
    assert verify_season(archive, trusted=env.keyring()).verified

    # another process: a fresh store restores the same ledger from the database alone
    other = SeasonStore(env.engine, demo.SEASON, env.signers).read()
    mine = steps.store_for(env, demo.SEASON).read()
    assert ledger_state(other) == ledger_state(mine)


def test_a_refused_step_leaves_nothing_behind(service: Service):
    env = service.env
    setup(service, per_school=1)
    with reading(env.engine) as s:
        before = len(list(s.exec(select(LogEntry.index))))
    service.at(at(7, 16))
    again = dataclasses.replace(demo.form(100, "新华社区"), name="王子涵")
    with pytest.raises(ServiceError, match="one child, one application"):
        steps.register(
            env, demo.SEASON, again, school=demo.X1, intake=demo.PRIMARY, level=Level.PRIMARY
        )
    with reading(env.engine) as s:
        assert len(list(s.exec(select(LogEntry.index)))) == before
        assert len(list(s.exec(select(SeasonApplication.id)))) == 2
    # and the store goes on from the database, not from what the refused step left
    steps.register(
        env,
        demo.SEASON,
        demo.form(300, "长庆社区"),
        school=demo.X1,
        intake=demo.PRIMARY,
        level=Level.PRIMARY,
    )
    assert len(steps.store_for(env, demo.SEASON).read().records) == 3


def test_registration_outside_the_window_is_refused(service: Service):
    env = service.env
    setup(service, per_school=1)
    service.at(at(7, 20))
    with pytest.raises(ServiceError, match="window"):
        steps.register(
            env,
            demo.SEASON,
            demo.form(400, "新华社区"),
            school=demo.SY,
            intake=demo.PRIMARY,
            level=Level.PRIMARY,
        )
    steps.override(env, demo.SEASON, stage="registration", reason="系统故障顺延一天", user="admin")
    steps.register(
        env,
        demo.SEASON,
        demo.form(400, "新华社区"),
        school=demo.SY,
        intake=demo.PRIMARY,
        level=Level.PRIMARY,
    )


TEAMS = (
    "班号,班级,班主任,任课教师\n"
    "1,2024级一年级（1）班,林秀云,语文:林秀云\n"
    "2,2024级一年级（2）班,杜春梅,数学:杜春梅\n"
)


def test_the_draw_takes_its_roster_from_the_season_and_the_chain_verifies(service: Service):
    """Season → derived roster → intake → announce (naming the derivation) → draw; the
    season verifier ties the draw to the derivation, and with both archives proves that
    the draw's children are exactly the derived ones."""
    from placement.announcement import from_json  # noqa: PLC0415
    from placement.jws import parse  # noqa: PLC0415
    from verifier.verify import verify_bundle  # noqa: PLC0415
    from web.service import workflow  # noqa: PLC0415

    env = service.env
    _, iid = frozen_from_season(service)
    workflow.announce(env, iid, user="op")
    workflow.add_witness(env, iid, role="家长代表", name="贾雪", text="3 1 4 1 5", user="sv")
    workflow.draw(env, iid, beacon_value=None, user="op")
    workflow.publish(env, iid, user="op")
    draw_public = workflow.export_bundle(env, iid, kind="public", user="admin")
    draw_archive = workflow.export_bundle(env, iid, kind="archive", user="admin")
    assert verify_bundle(draw_public, trusted=env.keyring()).verified
    import io  # noqa: PLC0415
    import zipfile  # noqa: PLC0415

    with zipfile.ZipFile(io.BytesIO(draw_public)) as z:
        ann = from_json(parse(z.read("announcement.jws").decode()).document())
    assert ann.enrolment is not None
    season_public = steps.export(env, demo.SEASON, kind="public")
    report = verify_season(season_public, trusted=env.keyring(), draw=draw_public)
    assert report.verified, report.table()
    assert next(c for c in report.checks if c.name == "season.draw").status.value == "pass"
    season_archive = steps.export(env, demo.SEASON, kind="archive")
    report = verify_season(season_archive, trusted=env.keyring(), draw=draw_archive)
    assert report.verified, report.table()
    assert next(c for c in report.checks if c.name == "season.identity").status.value == "pass"


def test_a_draw_is_not_announced_from_a_roster_the_season_has_moved_past(service: Service):
    from web.service import workflow  # noqa: PLC0415

    env = service.env
    numbers, iid = frozen_from_season(service)
    service.at(at(8, 14, 9, 10))  # a child of the list deferred after the derivation
    steps.decide(
        env,
        demo.SEASON,
        numbers[0],
        outcome=Outcome.DEFER,
        rule="deferral-approved",
        reason="病休",
        reviewer="区教育局",
        approved_by="基础教育科",
        user="admin",
    )
    with pytest.raises(ServiceError, match="changes since the derivation"):
        workflow.announce(env, iid, user="op")


def test_an_allocation_draw_in_the_service_replays_and_survives_a_restart(service: Service):
    """统筹: the pool is frozen with a secret seed kept in the database; after the draw the
    winners are assigned, another process sees the same ledger, the bundle replays it."""
    from placement.documents import WitnessInput  # noqa: PLC0415
    from placement.season import allocating  # noqa: PLC0415

    env = service.env
    service.at(at(7, 1))
    plan = demo.plan([(demo.SY, 1), (demo.X3, 1)])
    steps.create(env, catchment=demo.catchment(), plan=plan, user="admin")
    renters = []
    for n in range(50):
        service.at(at(7, 15, 9, n))
        app = steps.register(
            env,
            demo.SEASON,
            demo.form(500 + n, "新华社区"),
            school=demo.SY,
            intake=demo.PRIMARY,
            level=Level.PRIMARY,
        )
        renters.append(app.number)
    service.at(at(7, 24, 9))
    digest = steps.announce_allocation(
        env,
        demo.SEASON,
        school=demo.X3,
        intake=demo.PRIMARY,
        numbers=renters,
        scheduled="2024-07-25T10:00:00+08:00",
        witnesses=["家长代表 王芳"],
        user="admin",
    )
    # a new process must find the committed pool and its secret seed in the database
    other = SeasonStore(env.engine, demo.SEASON, env.signers).read()
    assert other.allocations[(demo.X3, demo.PRIMARY)].digest.hex() == digest
    service.at(at(7, 25, 10))
    won = steps.draw_allocation(
        env,
        demo.SEASON,
        school=demo.X3,
        intake=demo.PRIMARY,
        beacon=None,
        user="admin",
        witnesses=[WitnessInput("家长代表", "王芳", "2 7 1 8", "2024-07-25T10:01:00+08:00")],
    )
    assert len(won) == 45  # one class of 45 at 第三小学
    led = steps.store_for(env, demo.SEASON).read()
    assert all(led.standing(n)["outcome"] == "assign" for n in won)
    mine = allocating.my_ticket(led, led.current[renters[0]].entry())
    assert mine is not None
    # the family sees its own ticket on its application page
    c = service.client()
    child = demo.form(500, "新华社区")
    page = c.post(
        "/season/application",
        data={
            "number": renters[0],
            "id_number": child.id_number,
            "csrf_token": csrf(c, "/season/application"),
        },
    ).get_data(as_text=True)
    assert mine[1][:16] in page
    report = verify_season(steps.export(env, demo.SEASON, kind="public"), trusted=env.keyring())
    assert report.verified, report.table()
    assert next(c for c in report.checks if c.name == "season.allocations").status.value == "pass"
