"""The demo district's enrollment season: catchment, plan and generated applications.

Catchment areas are invented communities of 洮北区 (the demo's schools are those of
``web.demo.district``, 铁路二中 closed to 第二中学 as the 2024 plan says). Applications
get valid resident ID numbers (GB 11643, area code 220802) with birth dates before the
cut-off, names from common surnames and given names, and a community of the school's
catchment. Deterministic: everything comes from the serial number.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from placement.canonical import Json
from placement.idcard import check_character
from placement.keyring import CST
from placement.policy import TAOBEI_2024, Level
from placement.season.application import Application, Channel, Form
from placement.season.catchment import Area, AreaKind, Catchment, SchoolArea
from placement.season.ledger import Ledger
from placement.season.outcome import Outcome
from placement.season.plan import TAOBEI_RULES, Plan, PlannedIntake, windows_from_profile
from web.service.intakes import Env
from web.service.season import steps

SEASON = "taobei-2024"
DISTRICT = "吉林省白城市洮北区"
PRIMARY, MIDDLE = "2024级一年级", "2024级七年级"
SY, X1, X3 = "洮北区实验小学", "洮北区第一小学", "洮北区第三小学"
Z2, Z3, TL2 = "第二中学", "洮北区第三中学", "铁路二中"
# school → (level, open, areas); a closed school keeps its areas (they now enrol at Z2)
AREAS: dict[str, tuple[Level, bool, tuple[str, ...]]] = {
    SY: (Level.PRIMARY, True, ("新华社区", "光明社区", "瑞光社区", "海明社区")),
    X1: (Level.PRIMARY, True, ("长庆社区", "明仁社区", "德顺社区")),
    X3: (Level.PRIMARY, True, ("铁东社区", "幸福社区", "站前社区", "平安乡")),
    Z2: (Level.MIDDLE, True, ("新华社区", "光明社区", "瑞光社区", "海明社区")),
    Z3: (Level.MIDDLE, True, ("长庆社区", "明仁社区", "德顺社区", "幸福社区")),
    TL2: (Level.MIDDLE, False, ("铁东社区", "站前社区", "平安乡")),
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
GIVEN = (
    "子涵", "欣怡", "浩然", "梓萱", "宇轩", "雨桐", "一诺", "思远", "佳怡", "俊熙",
    "诗涵", "明轩", "若汐", "博文", "可馨", "天佑", "语嫣", "泽宇", "安然", "晨曦",
    "嘉懿", "子墨", "昊天", "沐晴", "锦程", "书瑶", "睿泽", "梦琪", "奕辰", "清妍",
)  # fmt: skip


def catchment() -> Catchment:
    schools = []
    for school, (level, is_open, names) in AREAS.items():
        areas = sorted(
            (Area(AreaKind.TOWNSHIP if n.endswith("乡") else AreaKind.COMMUNITY, n) for n in names),
            key=lambda a: (a.kind.value, a.name),
        )
        schools.append(SchoolArea(school, level, is_open, None if is_open else Z2, tuple(areas)))
    schools.sort(key=lambda s: (s.level.value, s.school))
    return Catchment(season=SEASON, district=DISTRICT, year=2024, schools=tuple(schools))


def plan(classes: Sequence[tuple[str, int]] | None = None) -> Plan:
    """Planned classes per school (primary caps 45, middle 50: the 2024 plan's limits)."""
    sizes = dict(classes or [(SY, 4), (X1, 3), (X3, 3), (Z2, 4), (Z3, 3)])
    intakes = [
        PlannedIntake(
            s, PRIMARY if lv is Level.PRIMARY else MIDDLE, lv, sizes[s], TAOBEI_2024.cap(lv)
        )
        for s, (lv, is_open, _) in AREAS.items()
        if is_open and s in sizes
    ]
    intakes.sort(key=lambda i: (i.school, i.intake))
    return Plan(
        season=SEASON,
        district=DISTRICT,
        year=2024,
        intakes=tuple(intakes),
        rules=TAOBEI_RULES,
        windows=windows_from_profile(TAOBEI_2024),
    )


def id_number(serial: int, *, male: bool, born: dt.date, region: str = "220802") -> str:
    """A valid resident ID number: order code odd for boys (spec §3), check character."""
    order = (serial * 2 + (1 if male else 0)) % 1000
    first17 = f"{region}{born:%Y%m%d}{order:03d}"
    return first17 + check_character(first17)


def form(serial: int, community: str, *, level: Level = Level.PRIMARY) -> Form:
    """The application of demo child ``serial``: born between 2017-09-01 and the cut-off."""
    male = serial % 2 == 0
    born = dt.date(2017, 9, 1) + dt.timedelta(days=(serial * 37) % 365)
    if level is Level.MIDDLE:
        born = born.replace(year=2011 + (born.month >= 9))
    name = SURNAMES[serial % len(SURNAMES)] + GIVEN[(serial // len(SURNAMES)) % len(GIVEN)]
    number = id_number(serial, male=male, born=born)
    middle = level is Level.MIDDLE
    return Form(
        name=name, sex="男" if male else "女", id_number=number, birth_date=born.isoformat(),
        address=f"洮北区{community}{serial % 90 + 1}号楼", community=community,
        proof=("户口本", "房本", "购房合同", "租房")[serial % 4 if serial % 13 else 3],
        guardian_name=name[0] + ("建国", "秀英", "志强", "丽华")[serial % 4],
        guardian_phone=f"139{serial:08d}",
        student_no=f"G{number}" if middle else "", primary_school=SY if middle else "",
    )  # fmt: skip


def salt(serial: int) -> bytes:
    """Demo salts are derived (reproducible demo); the service draws them from os.urandom."""
    return hashlib.sha256(f"sunshine demo season salt {serial}".encode()).digest()[:16]


@dataclass
class Clock:
    """Monotone demo times: the day at 08:00, or ten seconds after the previous time."""

    last: dt.datetime = dt.datetime(2024, 6, 24, 8, tzinfo=CST)

    def __call__(self, month: int, day: int) -> dt.datetime:
        self.last = max(
            self.last + dt.timedelta(seconds=10), dt.datetime(2024, month, day, 8, tzinfo=CST)
        )
        return self.last


def new_ledger(sign: Callable[[dict[str, Json], int], str], *, plan_: Plan | None = None) -> Ledger:
    return Ledger(profile=TAOBEI_2024, catchment=catchment(), plan=plan_ or plan(), sign=sign)


def register_all(led: Ledger, clock: Clock, *, per_school: int) -> dict[str, list[Application]]:
    """``per_school`` applications to each open primary school, from its own communities,
    a few from a neighbouring catchment (to be returned), a few desk entries."""
    out: dict[str, list[Application]] = {}
    serial = 0
    primaries = [s for s, (lv, ok, _) in AREAS.items() if lv is Level.PRIMARY and ok]
    for n in range(per_school):
        for i, school in enumerate(primaries):
            serial += 1
            own = AREAS[school][2]
            stray = serial % 29 == 0
            community = (
                AREAS[primaries[(i + 1) % len(primaries)]][2][0]
                if stray
                else own[serial % len(own)]
            )
            desk = serial % 17 == 0
            app = led.register(
                form(serial, community),
                school=school,
                intake=PRIMARY,
                level=Level.PRIMARY,
                now=clock(7, 15 + n * 5 // per_school),
                salt=salt(serial),
                channel=Channel.DESK if desk else Channel.ONLINE,
                entered_by=f"{school} 招生办" if desk else "",
            )
            out.setdefault(school, []).append(app)
    return out


def review_all(led: Ledger, clock: Clock, apps: dict[str, list[Application]]) -> None:
    """Approve the catchment's children, return the others to their own school (which
    approves them), ask a few for documents, defer a few with the bureau's approval."""
    for school, items in apps.items():
        for n, app in enumerate(items):
            now = clock(7, 22 + n * 5 // max(1, len(items)))
            home = led.catchment.catchment_school(app.community, app.level)
            if home != school:
                led.decide(
                    app.number,
                    outcome=Outcome.RETURN,
                    rule="outside-catchment",
                    reason=f"{app.community}属{home}学区",
                    reviewer=f"{school} 审核组",
                    now=now,
                )
                led.decide(
                    app.number,
                    outcome=Outcome.APPROVE,
                    rule="catchment-resident",
                    reason="退回后经本校核实",
                    reviewer=f"{home} 审核组",
                    now=clock(7, 24),
                )
            elif n % 41 == 7:
                led.decide(
                    app.number,
                    outcome=Outcome.PENDING,
                    rule="documents-missing",
                    reason="房本复印件不清晰",
                    reviewer=f"{school} 审核组",
                    now=now,
                    missing=("房本原件", dt.date(2024, 8, 5)),
                )
            elif n % 97 == 11:
                led.decide(
                    app.number,
                    outcome=Outcome.DEFER,
                    rule="deferral-approved",
                    reason="家长申请，附医院证明",
                    reviewer=f"{school} 审核组",
                    approved_by="区教育局基础教育科",
                    now=now,
                )
            else:
                led.decide(app.number, outcome=Outcome.APPROVE, rule="catchment-resident",
                           reason="户口本与房产证明齐全，社区已核实", reviewer=f"{school} 审核组",
                           now=now)  # fmt: skip


def run_season(
    led: Ledger, clock: Clock, *, per_school: int, reports: int = 2
) -> dict[str, list[Application]]:
    """The whole season before the draw: policy, then :func:`run_season_steps`."""
    led.publish_policy(clock(7, 1))
    return run_season_steps(led, clock, per_school=per_school, reports=reports)


def run_season_steps(
    led: Ledger, clock: Clock, *, per_school: int, reports: int = 2
) -> dict[str, list[Application]]:
    """Registration, review, 公示 at every primary school, ``reports`` 举报 at 实验小学 (the
    first upheld, the rest rejected), the pending children approved after 公示, and each
    school's roster derived for the draw."""
    apps = register_all(led, clock, per_school=per_school)
    review_all(led, clock, apps)
    schools = list(apps)
    for school in schools:
        led.commit_notice(school=school, intake=PRIMARY, now=clock(7, 29))
    listed = [a for a in apps[SY] if a.entry() in led.notices[(SY, PRIMARY)].entries.entries]
    for n in range(min(reports, len(listed))):
        app = listed[n * 7 % len(listed)]
        case = led.file_case(
            school=SY,
            intake=PRIMARY,
            application=app.number,
            claim="该生户口挂靠，实际不在本学区居住",
            channel="online",
            now=clock(7, 30),
        )
        upheld = n == 0
        led.decide_case(
            case.number,
            upheld=upheld,
            handled_by="区教育局基础教育科",
            reason="社区走访核实，实际居住在外学区" if upheld else "房产与居住属实",
            now=clock(7, 31),
        )
        if upheld:
            led.decide(
                app.number,
                outcome=Outcome.RETURN,
                rule="outside-catchment",
                reason=f"举报 #{case.number} 查实",
                reviewer="区教育局基础教育科",
                to_school=X3,
                now=clock(7, 31),
            )
    for school, items in apps.items():
        for app in items:
            last = led.standing(app.number)
            if last is not None and last["outcome"] == Outcome.PENDING.value:
                led.decide(
                    app.number,
                    outcome=Outcome.APPROVE,
                    rule="catchment-resident",
                    reason="房本原件已补交",
                    reviewer=f"{school} 审核组",
                    now=clock(7, 31),
                )
    for school in schools:  # the final lists, then the admission notices (8/1–8/3)
        led.derive_roster(school=school, intake=PRIMARY, now=clock(8, 1))
        led.admit(school=school, intake=PRIMARY, now=clock(8, 1))
    return apps


def run_demo_season(env: Env, *, per_school: int) -> Ledger:
    """The demo season in the service's database, each step dated by the demo's clock."""
    clock = Clock()
    dated = dataclasses.replace(env, now=lambda: clock.last)
    clock(7, 1)
    steps.create(dated, catchment=catchment(), plan=plan(), user="demo")
    store = steps.store_for(dated, SEASON)
    store.step(lambda led: run_season_steps(led, clock, per_school=per_school))
    return store.read()
