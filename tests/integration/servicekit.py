"""The service under test: an app on a fresh database (SQLite in a temp folder, or the
PostgreSQL server named by PLACEMENT_TEST_DATABASE_URL), real keys (KDF lowered for
speed), one user per role, the 洮北区 schools, and a logged-in client helper."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from keys.store import KeyStore
from placement.keyring import CST, KeyRole
from web.app.factory import create_app
from web.app.services import services
from web.db.engine import writing
from web.db.models import School
from web.service.accounts import create_user
from web.service.intakes import Env
from web.service.roles import Role

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo"
PASSPHRASE = "correct horse battery"
PASSWORD = "demo-password-1"
BUREAU = "taobei.edu.example/bureau-2024"
LOG = "taobei.edu.example/log-2024"
SUPERVISOR = "taobei.edu.example/supervisor-2024"
# Inside the 2024 placement window (8月14–15日), so draws need no override.
IN_WINDOW = datetime(2024, 8, 14, 9, 30, tzinfo=CST)
PG_ENV = "PLACEMENT_TEST_DATABASE_URL"
# Where the test service's verify page is (not the placeholder, which printing refuses).
PUBLIC_BASE_URL = "https://placement.taobei.example"


def database_urls() -> list[str]:
    import os  # noqa: PLC0415

    urls = ["sqlite"]
    if os.environ.get(PG_ENV):
        urls.append("postgresql")
    return urls


def fresh_postgres(url: str) -> None:
    """Empty the test database: drop and recreate the public schema."""
    engine = create_engine(url)
    with engine.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@dataclass
class Service:
    app: Flask
    store: KeyStore
    schools: dict[str, int]
    users: dict[Role, str]  # role -> username
    clock: list[datetime]

    @property
    def env(self) -> Env:
        return services(self.app).env

    def at(self, when: datetime) -> None:
        self.clock[0] = when

    def client(self, role: Role | None = None) -> FlaskClient:
        c = self.app.test_client()
        if role is not None:
            login(c, self.users[role])
        return c


def csrf(c: FlaskClient, path: str = "/login") -> str:
    page = c.get(path).get_data(as_text=True)
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m, f"no CSRF token on {path}"
    return m.group(1)


def login(c: FlaskClient, username: str, password: str = PASSWORD) -> None:
    r = c.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf(c)},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:500]


SCHOOLS = [
    # code, name, level, closed, catchment_to
    ("TB-SY", "洮北区实验小学", "primary", False, ""),
    ("TB-X1", "洮北区第一小学", "primary", False, ""),
    ("TB-Z2", "第二中学", "middle", False, ""),
    ("TB-TL2", "铁路二中", "middle", True, "第二中学"),
]


def make_service(tmp: Path, db: str, *, config: dict[str, Any] | None = None) -> Service:
    import os  # noqa: PLC0415

    store = KeyStore(tmp / "keys", kdf_rounds=1_000)
    store.init()
    day = date(2024, 6, 1)
    store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", day, PASSPHRASE)
    store.create(LOG, KeyRole.LOG, "洮北区教育局透明日志", day, PASSPHRASE)
    store.create(SUPERVISOR, KeyRole.SUPERVISOR, "监督员", day, PASSPHRASE)
    if db == "postgresql":
        url = os.environ[PG_ENV]
        fresh_postgres(url)
    else:
        url = f"sqlite:///{tmp / 'placement.db'}"
    clock = [IN_WINDOW]
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp / "instance"),
            "SECRET_KEY": "test",
            "DATABASE_URL": url,
            "KEYS_DIR": str(store.directory),
            "BUREAU_KEY": BUREAU,
            "LOG_KEY": LOG,
            "KEY_PASSPHRASE": PASSPHRASE,
            "SESSION_COOKIE_SECURE": False,
            "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            **(config or {}),
        }
    )
    svc = services(app)
    svc.now = lambda: clock[0]
    schools: dict[str, int] = {}
    with writing(svc.engine) as s:
        for code, name, level, closed, to in SCHOOLS:
            row = School(code=code, name=name, level=level, closed=closed, catchment_to=to)
            s.add(row)
            s.flush()
            assert row.id is not None
            schools[name] = row.id
    users = {
        Role.ADMIN: "admin",
        Role.OPERATOR: "op-shiyan",
        Role.SUPERVISOR: "supervisor",
        Role.AUDITOR: "auditor",
    }
    for role, name in users.items():
        create_user(
            engine=svc.engine,
            username=name,
            password=PASSWORD,
            role=role,
            now=IN_WINDOW,
            school_id=schools["洮北区实验小学"] if role is Role.OPERATOR else None,
        )
    return Service(app, store, schools, users, clock)


@pytest.fixture(params=database_urls())
def service(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Service]:
    svc = make_service(tmp_path, request.param)
    yield svc
    services(svc.app).engine.dispose()


@pytest.fixture
def sqlite_service(tmp_path: Path) -> Iterator[Service]:
    svc = make_service(tmp_path, "sqlite")
    yield svc
    services(svc.app).engine.dispose()


def approve_season(svc: Service, numbers: Sequence[str], *, reviewer: str = "审核员") -> None:
    """Approve each application of the demo season (rule catchment-resident), one step
    each, a minute apart from 2024-07-22 10:00 (the review window)."""
    from placement.season.outcome import Outcome  # noqa: PLC0415 - season tests only
    from web.demo import season as demo  # noqa: PLC0415
    from web.service.season import steps  # noqa: PLC0415

    for k, number in enumerate(numbers):
        svc.at(datetime(2024, 7, 22, 10, k, tzinfo=CST))
        steps.decide(
            svc.env, demo.SEASON, number, outcome=Outcome.APPROVE, rule="catchment-resident",
            reason="材料齐全", reviewer=reviewer, user="op",
        )  # fmt: skip
