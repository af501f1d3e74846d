"""CSRF protection is on in the app under test (TESTING does not switch Flask-WTF's
check off; only WTF_CSRF_ENABLED=False would, and nothing sets it): every form post
without the session's token, or with a wrong one, is refused with 400 and changes
nothing."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from pagekit import intake_at, page_of
from servicekit import Service, csrf
from sqlmodel import func, select

from web.db.engine import reading
from web.db.models import AuditEvent, Intake, LogEntry, User
from web.service.roles import Role


def state(svc: Service) -> tuple[object, ...]:
    with reading(svc.env.engine) as s:
        return (
            tuple(s.exec(select(Intake.id, Intake.version, Intake.stage)).all()),
            s.exec(select(func.count()).select_from(LogEntry)).one(),
            tuple(s.exec(select(User.id, User.active, User.password_hash)).all()),
            s.exec(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action != "login.ok")
            ).one(),
        )


def post_routes(svc: Service, iid: int) -> list[str]:
    adapter = svc.app.url_map.bind("localhost")
    values = {"intake_id": iid, "number": 1, "user_id": 1, "school_id": 1}
    return [
        adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments})
        for rule in svc.app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in {"staff", "admin", "ceremony", "auth"}
        and "POST" in (rule.methods or set())
    ]


def test_csrf_is_enabled_under_testing(sqlite_service: Service) -> None:
    config = sqlite_service.app.config
    assert config["TESTING"] is True
    assert config["WTF_CSRF_ENABLED"] is True


@pytest.mark.parametrize("token", [None, "", "not-a-token", "other-session"])
def test_every_form_post_needs_the_token(sqlite_service: Service, token: str | None) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "announced")
    admin = svc.client(Role.ADMIN)
    if token == "other-session":
        token = csrf(svc.client(Role.ADMIN), "/staff/")  # valid, but not this session's
    before = state(svc)
    routes = post_routes(svc, iid)
    assert len(routes) > 20
    for url in routes:
        data = {"reason": "没有令牌的请求", "role": "家长代表", "name": "x", "input": "1"}
        if token is not None:
            data["csrf_token"] = token
        r = admin.post(url, data=data)
        assert r.status_code == 400, url
        assert "CSRF" in r.get_data(as_text=True)
    assert state(svc) == before
    assert admin.get("/staff/").status_code == 200  # still logged in: logout was refused too


def test_witness_phone_needs_the_token(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "announced")
    page = svc.client(Role.ADMIN).get(page_of(iid)).get_data(as_text=True)
    code = page.split('id="witness-code">')[1][:8]
    phone: FlaskClient = svc.app.test_client()
    phone.get(f"/w/{iid}")
    before = state(svc)
    r = phone.post(f"/w/{iid}", data={"code": code, "role": "家长代表", "name": "x", "input": "1"})
    assert r.status_code == 400
    assert state(svc) == before
    token = csrf(phone, f"/w/{iid}")
    data = {"csrf_token": token, "code": code, "role": "家长代表", "name": "x", "input": "1"}
    assert phone.post(f"/w/{iid}", data=data).status_code == 302


def test_login_form_needs_the_token(sqlite_service: Service) -> None:
    c = sqlite_service.app.test_client()
    r = c.post("/login", data={"username": "admin", "password": "demo-password-1"})
    assert r.status_code == 400
    assert c.get("/staff/").status_code == 302  # not logged in
