"""What an independent review found, kept fixed: forms over HTTPS, redirects after
login, draw ids, the witness form before the announcement, unusable keys, over-long
fields, and what a supervisor sees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pagekit import ROSTER, intake_at, page_of, step
from servicekit import PASSWORD, Service, make_service
from test_workflow_steps import new_intake

from web.service.errors import ServiceError
from web.service.intake_db import import_roster
from web.service.roles import Role


def test_forms_work_over_https(sqlite_service: Service) -> None:
    """Pages send Referrer-Policy: no-referrer, so the CSRF check must not need a Referer."""
    c = sqlite_service.app.test_client()
    page = c.get("https://localhost/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    r = c.post(
        "https://localhost/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    assert r.headers["Location"].endswith("/staff/")


@pytest.mark.parametrize(
    "target",
    ["/\t/evil.example/", "//evil.example/", "/\\evil.example", "https://evil.example/", "/\n/x"],
)
def test_no_redirect_off_site_after_login(sqlite_service: Service, target: str) -> None:
    c = sqlite_service.app.test_client()
    page = c.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    r = c.post(
        "/login",
        data={
            "username": "admin",
            "password": PASSWORD,
            "csrf_token": token.group(1),
            "next": target,
        },
    )
    assert r.status_code == 302
    assert r.headers["Location"] == "/staff/"


def test_a_path_on_the_site_is_kept(sqlite_service: Service) -> None:
    c = sqlite_service.app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").get_data(as_text=True))
    assert token
    r = c.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "csrf_token": token.group(1)}
        | {"next": "/admin/users"},
    )
    assert r.headers["Location"] == "/admin/users"


@pytest.mark.parametrize("draw_id", ["", "a/b", "tb 2024", "洮北-2024", "-x", "x" * 65])
def test_a_draw_id_the_record_would_refuse_is_refused_at_creation(
    sqlite_service: Service, draw_id: str
) -> None:
    with pytest.raises(ServiceError, match="draw id"):
        new_intake(sqlite_service, draw_id)


def test_witness_form_is_not_public_before_the_announcement(sqlite_service: Service) -> None:
    iid = intake_at(sqlite_service, "frozen")
    assert sqlite_service.client().get(f"/w/{iid}").status_code == 404
    assert sqlite_service.client(Role.SUPERVISOR).get(f"/w/{iid}").status_code == 200


def test_unusable_signing_key_is_a_clear_refusal(tmp_path: Path) -> None:
    svc = make_service(tmp_path, "sqlite", config={"KEY_PASSPHRASE": "wrong wrong"})
    iid = intake_at(svc, "frozen")
    c = svc.client(Role.ADMIN)
    r = step(c, iid, "announce")
    body = r.get_data(as_text=True)
    assert r.status_code == 503
    assert "签名密钥不可用" in body
    assert "wrong passphrase" in body
    assert "internal error" not in body
    assert "wrong wrong" not in body  # the passphrase itself is never echoed


def test_over_long_fields_are_refused_by_row_and_field(sqlite_service: Service) -> None:
    iid = new_intake(sqlite_service)
    lines = ROSTER.decode("utf-8-sig").splitlines()
    head = lines[0].split(",")
    row = lines[3].split(",")
    row[head.index("学籍号")] = "G" * 40
    data = "\n".join([lines[0], lines[1], lines[2], ",".join(row)]).encode()
    with pytest.raises(ServiceError) as e:
        import_roster(sqlite_service.env, iid, filename="r.csv", data=data, user="t")
    assert (4, "student_no", "text.too_long") in {(i.row, i.field, i.code) for i in e.value.issues}


def test_supervisor_sees_no_birth_dates_or_flags(sqlite_service: Service) -> None:
    iid = intake_at(sqlite_service, "imported")
    sup = sqlite_service.client(Role.SUPERVISOR).get(page_of(iid)).get_data(as_text=True)
    op = sqlite_service.client(Role.OPERATOR).get(page_of(iid)).get_data(as_text=True)
    assert "出生日期 Born" in op
    assert "出生日期 Born" not in sup
    assert "标记 Flags" not in sup


def test_logout_ends_the_session_on_the_server(sqlite_service: Service) -> None:
    """A cookie copied before logout opens nothing afterwards, and the cookie carries a
    session generation, not a piece of the password hash."""
    svc = sqlite_service
    app = svc.app
    c = svc.client(Role.ADMIN)
    cookie = c.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    copied = cookie.value
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    data = serializer.loads(copied)
    assert "pw" not in data
    assert isinstance(data["gen"], int)
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], copied)
    assert thief.get("/staff/").status_code == 200  # the copy works while the session lives
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/staff/").get_data(True))
    assert token
    assert c.post("/logout", data={"csrf_token": token.group(1)}).status_code == 302
    assert c.get("/staff/").status_code == 302
    r = thief.get("/staff/")
    assert r.status_code == 302
    assert "/login" in r.headers["Location"]
    svc.client(Role.ADMIN)  # signing in again works and makes a new session
