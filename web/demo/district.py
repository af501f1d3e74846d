"""The demo 洮北区 district: an instance a newcomer can open in the browser and take
through a whole ceremony within minutes.

Built once under ./instance/demo (``placement serve --demo`` or ``placement init
--demo``): demo keys under a published demo passphrase, one account per role, the
district's schools (铁路二中 closed, its catchment going to 第二中学 as the 2024 policy
says), one intake per open school with its generated roster and teacher teams, left in
different stages: one published, one announced and waiting for witnesses, the others in
draft with roster and teams imported. The 2024 placement window (8月14–15日) is past,
so every demo intake carries a visible admin override saying so.

Everything here is demo data; the passphrase and passwords are printed and must never
protect anything real.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import select

from keys.store import KeyStore
from placement.keyring import KeyRole
from web.db.engine import reading
from web.db.models import School
from web.demo.season import run_demo_season
from web.service import intake_db, workflow
from web.service.accounts import create_user
from web.service.console import Progress, out
from web.service.errors import ServiceError
from web.service.instance import (
    Instance,
    ensure_database,
    new_secret_key,
    now,
    open_services,
    resolve,
    write_config,
)
from web.service.roles import Role
from web.service.schools import add_school
from web.service.services import Services

# Published demo secrets, printed for the newcomer; they protect nothing real (S105).
DEMO_PASSPHRASE = "demo-passphrase-only"  # noqa: S105
DEMO_PASSWORD = "demo-password-2024"  # noqa: S105
OVERRIDE = "演示数据：不在派位时间内 / demo data: outside the placement window"
DOMAIN = "taobei.demo.example"
BUREAU, LOG, SUPERVISOR = (f"{DOMAIN}/{k}-2024" for k in ("bureau", "log", "supervisor"))
DATA = Path(__file__).resolve().parents[2] / "demo"
MARKER, BUILDING = "demo.json", ".demo-building"
PLANNED = ("家长代表 贾雪", "家长代表 孙海峰", "区教育局监督员 王强", "纪检监察组 李立新")
WITNESS_INPUTS = (
    ("家长代表", "贾雪", "3 1 4 1 5 9"),
    ("家长代表", "孙海峰", "2 7 1 8 2 8"),
    ("区教育局监督员", "王强", "1 4 1 4 2 1"),
)


@dataclass(frozen=True, slots=True)
class DemoSchool:
    code: str
    name: str
    level: str
    roster: str = ""  # path under demo/; "" for a school without an intake
    teams: str = ""
    draw_id: str = ""
    stage: str = "draft"  # how far the demo takes its intake
    operator: str = ""
    closed_to: str = ""

    @property
    def intake_name(self) -> str:
        return "2024级一年级" if self.level == "primary" else "2024级七年级"


SCHOOLS = (
    DemoSchool(
        "TB-SY", "洮北区实验小学", "primary", "taobei-2024-primary-school.csv",
        "taobei-2024-primary-teams.csv", "tb-2024-shiyan", "published", "op-shiyan",
    ),
    DemoSchool(
        "TB-X1", "洮北区第一小学", "primary", "district/taobei-2024-yixiao-school.csv",
        "district/taobei-2024-yixiao-teams.csv", "tb-2024-yixiao", "draft", "op-yixiao",
    ),
    DemoSchool(
        "TB-X3", "洮北区第三小学", "primary", "district/taobei-2024-sanxiao-school.csv",
        "district/taobei-2024-sanxiao-teams.csv", "tb-2024-sanxiao", "draft", "op-sanxiao",
    ),
    # The 2024 policy names the receiving school "第二中学"; the demo uses that name.
    DemoSchool(
        "TB-Z2", "第二中学", "middle", "taobei-2024-middle-school.csv",
        "taobei-2024-middle-teams.csv", "tb-2024-erzhong", "announced", "op-erzhong",
    ),
    DemoSchool(
        "TB-Z3", "洮北区第三中学", "middle", "district/taobei-2024-sanzhong-school.csv",
        "district/taobei-2024-sanzhong-teams.csv", "tb-2024-sanzhong", "draft", "op-sanzhong",
    ),
    DemoSchool("TB-TL2", "铁路二中", "middle", closed_to="第二中学"),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DemoInfo:
    instance: Instance
    users: tuple[tuple[str, str, str], ...]  # username, role, school
    created: bool


def _users() -> tuple[tuple[str, Role, str], ...]:
    staff = [("admin", Role.ADMIN, ""), ("supervisor", Role.SUPERVISOR, "")]
    staff += [(s.operator, Role.OPERATOR, s.name) for s in SCHOOLS if s.operator]
    staff.append(("auditor", Role.AUDITOR, ""))
    return tuple(staff)


def _info(inst: Instance, *, created: bool) -> DemoInfo:
    users = tuple((u, r.value, school) for u, r, school in _users())
    return DemoInfo(inst, users, created)


def _prepare_folder(path: Path) -> None:
    """An empty folder to build in; a build that was interrupted is started over."""
    if (path / BUILDING).exists():
        shutil.rmtree(path)
    elif path.exists() and any(path.iterdir()):
        raise ServiceError(
            f"{path} 已存在且不是演示实例：请换一个目录或先移走它",
            f"{path} exists and is not a demo instance: choose another folder or move it",
        )
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    (path / BUILDING).write_text("the demo is being built; deleted when done\n")


def build_demo(
    path: Path,
    *,
    database_url: str | None = None,
    kdf_rounds: int | None = None,
) -> DemoInfo:
    """Build the demo instance at ``path`` unless it is already there."""
    path = path.resolve()
    if (path / MARKER).exists():
        return _info(resolve(str(path), database_url), created=False)
    _prepare_folder(path)
    config = {"BUREAU_KEY": BUREAU, "LOG_KEY": LOG}
    if database_url:
        config["DATABASE_URL"] = database_url
    write_config(path, config)
    inst = resolve(str(path), database_url)
    new_secret_key(path)
    out(f"正在建立演示区县 building the demo district in {path} …")
    store = (
        KeyStore(inst.keys_dir)
        if kdf_rounds is None
        else KeyStore(inst.keys_dir, kdf_rounds=kdf_rounds)
    )
    store.init()
    day = date(2024, 6, 1)
    store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局（演示）", day, DEMO_PASSPHRASE)
    store.create(LOG, KeyRole.LOG, "洮北区教育局透明日志（演示）", day, DEMO_PASSPHRASE)
    store.create(
        SUPERVISOR, KeyRole.SUPERVISOR, "洮北区纪委监委监督员（演示）", day, DEMO_PASSPHRASE
    )
    ensure_database(inst).dispose()
    services = open_services(inst, passphrase=lambda: DEMO_PASSPHRASE, migrate=False)
    try:
        _populate(services)
    finally:
        services.engine.dispose()
    (path / MARKER).write_text(
        json.dumps({"demo": "洮北区 2024", "passphrase": DEMO_PASSPHRASE}, ensure_ascii=False)
        + "\n"
    )
    (path / BUILDING).unlink()
    return _info(inst, created=True)


def _populate(services: Services) -> None:
    with reading(services.engine) as s:
        if s.exec(select(School)).first() is not None:
            raise ServiceError(
                "该数据库已有数据，不能在其中建立演示区县",
                "the database already holds data; the demo needs an empty one",
            )
    ids = _schools(services)
    for username, role, school in _users():
        create_user(
            engine=services.engine,
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            now=now(),
            school_id=ids[school] if school else None,
            display_name=f"{role.zh}（演示）",
        )
    run_demo_season(services.env, per_school=40)  # July: before the August draws
    steps = [(sc, step) for sc in SCHOOLS if sc.draw_id for step in _plan(sc)]
    bar = Progress(len(steps), "演示数据 demo data")
    intakes: dict[str, int] = {}
    for demo_school, step in steps:
        _do(services, demo_school, step, ids, intakes)
        bar.step(f"{demo_school.draw_id} {step}")


def _schools(services: Services) -> dict[str, int]:
    return {
        s.name: add_school(
            services.engine,
            code=s.code,
            name=s.name,
            level=s.level,
            closed=bool(s.closed_to),
            catchment_to=s.closed_to,
            user="demo",
            now=services.now(),
        )
        for s in SCHOOLS
    }


def _plan(school: DemoSchool) -> list[str]:
    steps = ["create", "roster", "teams", "override"]
    if school.stage in ("announced", "published"):
        steps += ["freeze", "announce"]
    if school.stage == "published":
        steps += ["witness", "draw", "publish"]
    return steps


def _do(
    services: Services, school: DemoSchool, step: str, ids: dict[str, int], intakes: dict[str, int]
) -> None:
    env, op = services.env, school.operator
    if step == "create":
        intakes[school.draw_id] = workflow.create_intake(
            env,
            school_id=ids[school.name],
            draw_id=school.draw_id,
            name=school.intake_name,
            year=2024,
            profile="taobei-2024",
            scheduled="2024-08-14T09:00:00+08:00",
            planned_witnesses=PLANNED,
            user="admin",
        )
        return
    iid = intakes[school.draw_id]
    actions: dict[str, Callable[[], object]] = {
        "roster": lambda: intake_db.import_roster(
            env,
            iid,
            filename=Path(school.roster).name,
            data=(DATA / school.roster).read_bytes(),
            user=op,
        ),
        "teams": lambda: intake_db.import_teams(
            env,
            iid,
            filename=Path(school.teams).name,
            data=(DATA / school.teams).read_bytes(),
            user=op,
        ),
        "override": lambda: workflow.record_override(env, iid, reason=OVERRIDE, user="admin"),
        "freeze": lambda: workflow.freeze(env, iid, user=op),
        "announce": lambda: workflow.announce(env, iid, user=op),
        "witness": lambda: [
            workflow.add_witness(env, iid, role=r, name=n, text=t, user="supervisor")
            for r, n, t in WITNESS_INPUTS
        ],
        "draw": lambda: workflow.draw(
            env,
            iid,
            beacon_value=None,
            user=op,
            supervisor=services.with_supervisor(SUPERVISOR, DEMO_PASSPHRASE),
        ),
        "publish": lambda: workflow.publish(env, iid, user=op),
    }
    actions[step]()


def print_logins(info: DemoInfo) -> None:
    out()
    out("== 演示账号 demo logins（仅用于演示 demo only）")
    out(f"   密码 password (all): {DEMO_PASSWORD}")
    for username, role, school in info.users:
        out(f"   {username:<12} {Role(role).zh:<10} {school}")
    out(f"   签名密钥口令 key passphrase: {DEMO_PASSPHRASE}（演示专用 demo only）")
    out()
    out("   tb-2024-shiyan 已发布 published · tb-2024-erzhong 已公告，待见证输入 announced, ")
    out(
        "   waiting for witnesses · 其余为草稿 the others are drafts with roster and teams imported"
    )
    out(f"   各批次已登记例外 every demo intake carries the override: {OVERRIDE}")
