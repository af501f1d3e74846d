"""Driving the staff pages like a browser does: read the CSRF token from the page the
form is on, post the form, follow the redirect; and an intake taken through the
workflow by those forms up to a given stage."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from servicekit import DEMO, PASSWORD, Service, csrf
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from web.service.roles import Role

ROSTER = (DEMO / "taobei-2024-primary-school.csv").read_bytes()
TEAMS = (DEMO / "taobei-2024-primary-teams.csv").read_bytes()
SCHOOL = "洮北区实验小学"


def page_of(iid: int) -> str:
    return f"/staff/intakes/{iid}"


def post(c: FlaskClient, path: str, data: dict[str, Any] | None = None, *, on: str) -> TestResponse:
    """Post a form found on page ``on`` (its CSRF token included)."""
    form = {"csrf_token": csrf(c, on), **(data or {})}
    return c.post(path, data=form)


def upload(
    c: FlaskClient, iid: int, kind: str, data: bytes, filename: str = "file.csv"
) -> TestResponse:
    form = {"csrf_token": csrf(c, page_of(iid)), "file": (io.BytesIO(data), filename)}
    return c.post(f"{page_of(iid)}/{kind}", data=form, content_type="multipart/form-data")


def step(c: FlaskClient, iid: int, name: str, data: dict[str, Any] | None = None) -> TestResponse:
    return post(c, f"{page_of(iid)}/{name}", data, on=page_of(iid))


def create(
    c: FlaskClient, svc: Service, *, school: str = SCHOOL, draw_id: str = "tb-2024-shiyan"
) -> TestResponse:
    return post(
        c,
        "/staff/intakes/new",
        {
            "school_id": str(svc.schools[school]),
            "draw_id": draw_id,
            "name": "2024级一年级",
            "year": "2024",
            "profile": "taobei-2024",
            "scheduled": "2024-08-14T09:00",
            "witnesses": "家长代表 贾雪\n区教育局监督员",
            "beacon": "",
        },
        on="/staff/intakes/new",
    )


def created(c: FlaskClient, svc: Service, **kw: str) -> int:
    r = create(c, svc, **kw)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    m = re.search(r"/staff/intakes/(\d+)$", r.headers["Location"])
    assert m
    return int(m.group(1))


STAGES = ("draft", "imported", "frozen", "announced", "witnessed", "drawn", "published")


def intake_at(svc: Service, stage: str, *, draw_id: str = "tb-2024-shiyan") -> int:
    """A demo intake taken through the pages (as admin) up to ``stage``."""
    c = svc.client(Role.ADMIN)
    iid = created(c, svc, draw_id=draw_id)
    todo = STAGES[1 : STAGES.index(stage) + 1]
    for s in todo:
        if s == "imported":
            ok(upload(c, iid, "roster", ROSTER, "roster.csv"))
            ok(upload(c, iid, "teams", TEAMS, "teams.csv"))
        elif s == "witnessed":
            ok(
                step(
                    c, iid, "witness", {"role": "家长代表", "name": "贾雪", "input": "3 1 4 1 5 9"}
                )
            )
        elif s in {"frozen", "announced", "drawn", "published"}:
            name = {"frozen": "freeze", "announced": "announce", "drawn": "draw"}.get(s, "publish")
            ok(step(c, iid, name))
    return iid


def ok(r: TestResponse) -> TestResponse:
    """A form post that succeeded: redirected back (PRG)."""
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    return r


def text(r: TestResponse) -> str:
    return r.get_data(as_text=True)


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The app on 127.0.0.1 and a free port, in a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def log_in(page: Any, base: str, username: str) -> None:
    """Sign a browser page in through the login form (lands on the staff index)."""
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/staff/")
