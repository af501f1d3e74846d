"""Every staff, admin and ceremony route × every role, GET and POST: the roles that must
not use a route are refused (403; anonymous visitors are sent to log in), and nothing
changes. The expected roles are written out here, independently of the code, and
cross-checked against the ``roles`` each view declares through ``requires``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

import pytest
from flask.testing import FlaskClient
from pagekit import intake_at
from servicekit import Service, csrf
from sqlmodel import func, select

from web.db.engine import reading
from web.db.models import AuditEvent, Intake, LogEntry, School, User
from web.service.roles import Role

ADMIN, OPERATOR, SUPERVISOR, AUDITOR = Role.ADMIN, Role.OPERATOR, Role.SUPERVISOR, Role.AUDITOR
EVERYONE = frozenset(Role)
BLUEPRINTS = ("staff", "admin", "ceremony", "exceptions")
PUBLIC = frozenset({"ceremony.witness_entry"})  # a witness's phone: guarded by the code

EXPECTED: dict[str, frozenset[Role]] = {
    "staff.index": EVERYONE,
    "staff.new_intake": frozenset({ADMIN}),
    "staff.intake": EVERYONE,
    "staff.import_roster": frozenset({ADMIN, OPERATOR}),
    "staff.import_teams": frozenset({ADMIN, OPERATOR}),
    "staff.edit_team": frozenset({ADMIN, OPERATOR}),
    "staff.freeze": frozenset({ADMIN, OPERATOR}),
    "staff.announce": frozenset({ADMIN, OPERATOR}),
    "staff.witness": frozenset({ADMIN, OPERATOR, SUPERVISOR}),
    "staff.draw": frozenset({ADMIN, OPERATOR, SUPERVISOR}),
    "staff.publish": frozenset({ADMIN, OPERATOR}),
    "staff.cancel": frozenset({ADMIN}),
    "staff.override": frozenset({ADMIN}),
    "staff.amend": frozenset({ADMIN}),
    "staff.public_bundle": EVERYONE,
    "staff.archive_bundle": frozenset({ADMIN, AUDITOR}),
    "staff.sheets": frozenset({ADMIN, OPERATOR}),
    "staff.sheets_job": frozenset({ADMIN, OPERATOR}),
    "staff.sheets_pdf": frozenset({ADMIN, OPERATOR}),
    "admin.index": frozenset({ADMIN}),
    "admin.users": frozenset({ADMIN}),
    "admin.create_user_post": frozenset({ADMIN}),
    "admin.deactivate": frozenset({ADMIN}),
    "admin.activate": frozenset({ADMIN}),
    "admin.reset_password": frozenset({ADMIN}),
    "admin.schools": frozenset({ADMIN}),
    "admin.create_school": frozenset({ADMIN}),
    "admin.close_school": frozenset({ADMIN}),
    "admin.reopen_school": frozenset({ADMIN}),
    "admin.audit_events": frozenset({ADMIN, AUDITOR}),
    "exceptions.page": EVERYONE,
    "exceptions.request_": frozenset({ADMIN, OPERATOR}),
    "exceptions.decide": frozenset({ADMIN}),
    "ceremony.projector": EVERYONE,
    "ceremony.state": EVERYONE,
    "ceremony.rfc3797": EVERYONE,
}


class Route(NamedTuple):
    endpoint: str
    method: str
    url: str
    per_intake: bool  # the URL names an intake


def routes(svc: Service, iid: int) -> Iterator[Route]:
    """Every (route, method) of the three blueprints, with ids filled in."""
    app = svc.app
    with reading(svc.env.engine) as s:
        user_id = s.exec(select(User.id).where(User.username == "auditor")).one()
    values = {
        "intake_id": iid,
        "number": 1,
        "user_id": user_id,
        "school_id": svc.schools["洮北区第一小学"],
        "job_id": "0123456789abcdef",
    }
    adapter = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in BLUEPRINTS:
            continue
        url = adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments})
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            yield Route(rule.endpoint, method, url, "intake_id" in rule.arguments)


def snapshot(svc: Service) -> tuple[object, ...]:
    with reading(svc.env.engine) as s:
        return (
            tuple(s.exec(select(Intake.id, Intake.version, Intake.stage)).all()),
            s.exec(select(func.count()).select_from(LogEntry)).one(),
            tuple(s.exec(select(User.id, User.active, User.password_hash)).all()),
            tuple(s.exec(select(School.id, School.closed)).all()),
            s.exec(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action != "login.ok")
            ).one(),
        )


def call(c: FlaskClient, method: str, url: str, token: str) -> int:
    if method == "GET":
        return c.get(url).status_code
    return c.post(url, data={"csrf_token": token, "reason": "试图越权操作"}).status_code


@pytest.fixture
def announced(sqlite_service: Service) -> tuple[Service, int]:
    return sqlite_service, intake_at(sqlite_service, "announced")


def test_every_route_declares_its_roles(announced: tuple[Service, int]) -> None:
    svc, iid = announced
    seen = set()
    for endpoint, *_ in routes(svc, iid):
        seen.add(endpoint)
        view = svc.app.view_functions[endpoint]
        declared = getattr(view, "roles", None)
        if endpoint in PUBLIC:
            assert declared is None, endpoint
            continue
        assert declared is not None, f"{endpoint} declares no roles"
        assert declared == EXPECTED[endpoint], endpoint
    assert seen == set(EXPECTED) | PUBLIC


def test_refused_roles_get_403_and_change_nothing(announced: tuple[Service, int]) -> None:
    svc, iid = announced
    before = snapshot(svc)
    checked = 0
    for role in Role:
        c = svc.client(role)
        token = csrf(c, "/staff/")
        for endpoint, method, url, _ in routes(svc, iid):
            if endpoint in PUBLIC or role in EXPECTED[endpoint]:
                continue
            assert call(c, method, url, token) == 403, (role, endpoint, method)
            checked += 1
    assert checked > 40
    assert snapshot(svc) == before


def test_allowed_roles_can_open_every_page(announced: tuple[Service, int]) -> None:
    svc, iid = announced
    for role in Role:
        c = svc.client(role)
        for endpoint, method, url, _ in routes(svc, iid):
            if method == "GET" and (endpoint in PUBLIC or role in EXPECTED[endpoint]):
                # A print job's page and PDF need a job: admitted, then not found.
                want = 404 if endpoint in {"staff.sheets_job", "staff.sheets_pdf"} else 200
                assert c.get(url).status_code == want, (role, endpoint)


def test_anonymous_is_sent_to_login(announced: tuple[Service, int]) -> None:
    svc, iid = announced
    before = snapshot(svc)
    c = svc.app.test_client()
    token = csrf(c, "/login")
    for endpoint, method, url, _ in routes(svc, iid):
        if endpoint in PUBLIC:
            continue
        r = c.get(url) if method == "GET" else c.post(url, data={"csrf_token": token})
        assert r.status_code == 302, (endpoint, method)
        assert re.match(r"^/login\?next=", r.headers["Location"]), (endpoint, r.headers)
    assert snapshot(svc) == before


def test_operator_of_another_school_is_refused(sqlite_service: Service) -> None:
    """The operator of 洮北区实验小学 may not touch 洮北区第一小学's intake, on any route."""
    svc = sqlite_service
    admin = svc.client(Role.ADMIN)
    token = csrf(admin, "/staff/intakes/new")
    r = admin.post(
        "/staff/intakes/new",
        data={
            "csrf_token": token,
            "school_id": svc.schools["洮北区第一小学"],
            "draw_id": "tb-2024-x1",
            "name": "2024级一年级",
            "year": "2024",
            "profile": "taobei-2024",
            "scheduled": "2024-08-14T09:00",
        },
    )
    assert r.status_code == 302
    other = int(r.headers["Location"].rsplit("/", 1)[1])
    before = snapshot(svc)
    op = svc.client(Role.OPERATOR)
    token = csrf(op, "/staff/")
    checked = 0
    for endpoint, method, url, per_intake in routes(svc, other):
        if endpoint in PUBLIC or not per_intake:
            continue
        assert call(op, method, url, token) == 403, (endpoint, method)
        checked += 1
    assert checked >= 17
    assert snapshot(svc) == before


def test_deactivated_user_is_logged_out(sqlite_service: Service) -> None:
    svc = sqlite_service
    op = svc.client(Role.OPERATOR)
    assert op.get("/staff/").status_code == 200
    admin = svc.client(Role.ADMIN)
    with reading(svc.env.engine) as s:
        uid = s.exec(select(User.id).where(User.username == "op-shiyan")).one()
    token = csrf(admin, "/admin/users")
    assert (
        admin.post(f"/admin/users/{uid}/deactivate", data={"csrf_token": token}).status_code == 302
    )
    r = op.get("/staff/")
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/login")
