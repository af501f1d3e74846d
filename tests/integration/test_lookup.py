"""学位锁定查询: found and not found answer alike (same keys, same database work), bad
input is refused before the database, and the per-client rate limit holds."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from portalkit import INTAKE, SCHOOL, drawn, published, roster_rows
from servicekit import Service, csrf, make_service
from sqlalchemy import event
from sqlmodel import select

from placement.idcard import check_character
from web.app.services import services
from web.db.engine import reading
from web.db.models import Pupil
from web.portal.lookup import forget_connection

KEYS = {"found", "school", "intake", "class_label"}


def ask(c: FlaskClient, name: str, id_number: str, **kw: Any) -> Any:
    return c.post("/api/lookup", json={"name": name, "id_number": id_number}, **kw)


def unknown_id() -> str:
    """A valid ID number that is in no roster."""
    first17 = "22080220180101999"
    return first17 + check_character(first17)


@contextmanager
def statements(svc: Service) -> Iterator[list[str]]:
    """The SQL statements SQLite runs while the block runs (traced by the driver, so
    statements sent on a raw DB-API connection count too)."""
    seen: list[str] = []
    engine = services(svc.app).engine
    engine.dispose()  # fresh connections, each traced from its checkout
    forget_connection()  # the lookup's own kept connection too (the client runs in this thread)

    def trace(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        dbapi_conn.set_trace_callback(seen.append)

    event.listen(engine, "checkout", trace)
    try:
        yield seen
    finally:
        event.remove(engine, "checkout", trace)
        forget_connection()
        engine.dispose()


def class_label_of(svc: Service, id_number: str) -> str:
    with reading(svc.env.engine) as s:
        return s.exec(select(Pupil.class_label).where(Pupil.id_number == id_number)).one()


def test_found_gives_school_intake_and_class_only(sqlite_service: Service) -> None:
    published(sqlite_service)
    pupil = roster_rows()[5]
    r = ask(sqlite_service.client(), pupil.name, pupil.id_number)
    assert r.status_code == 200
    body = r.get_json()
    assert body == {
        "found": True,
        "school": SCHOOL,
        "intake": INTAKE,
        "class_label": class_label_of(sqlite_service, pupil.id_number),
    }
    assert body["class_label"].startswith("2024级一年级（")
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Content-Security-Policy"]


def test_fullwidth_and_spaces_are_folded(sqlite_service: Service) -> None:
    published(sqlite_service)
    pupil = next(p for p in roster_rows() if p.id_number.endswith("X"))
    spaced = " ".join(pupil.name)
    body = ask(sqlite_service.client(), spaced, pupil.id_number.lower()).get_json()
    assert body["found"] is True


def test_not_found_has_the_same_shape(sqlite_service: Service) -> None:
    published(sqlite_service)
    pupil = roster_rows()[5]
    c = sqlite_service.client()
    found = ask(c, pupil.name, pupil.id_number)
    for name, number in [
        ("王小明", unknown_id()),  # nobody
        ("王小明", pupil.id_number),  # the ID of a pupil, with another name
        (pupil.name, unknown_id()),  # a pupil's name with another ID
    ]:
        r = ask(c, name, number)
        assert r.status_code == found.status_code == 200
        body = r.get_json()
        assert set(body) == set(found.get_json()) == KEYS
        assert body == {"found": False, "school": None, "intake": None, "class_label": None}
        assert r.headers["Content-Type"] == found.headers["Content-Type"]
        assert sorted(r.headers.keys()) == sorted(found.headers.keys())


def test_found_and_not_found_do_the_same_database_work(sqlite_service: Service) -> None:
    published(sqlite_service)
    pupil = roster_rows()[7]
    c = sqlite_service.client()
    ask(c, pupil.name, pupil.id_number)  # warm up
    with statements(sqlite_service) as hit:
        ask(c, pupil.name, pupil.id_number)
    with statements(sqlite_service) as miss:
        ask(c, "王小明", unknown_id())
    with statements(sqlite_service) as wrong_name:
        ask(c, "王小明", pupil.id_number)

    def shape(log: list[str]) -> list[str]:  # the statements without their values
        return [re.sub(r"'[^']*'", "?", q) for q in log]

    assert shape(hit) == shape(miss) == shape(wrong_name)
    assert sum(q.startswith("SELECT") for q in hit) == 1


def test_found_and_not_found_take_about_the_same_time(sqlite_service: Service) -> None:
    published(sqlite_service)
    pupil = roster_rows()[9]
    c = sqlite_service.client()
    times: dict[bool, list[float]] = {True: [], False: []}
    for i in range(60):
        hit = i % 2 == 0
        start = time.perf_counter()
        ask(c, pupil.name, pupil.id_number if hit else unknown_id())
        times[hit].append(time.perf_counter() - start)
    ratio = statistics.median(times[True]) / statistics.median(times[False])
    assert 0.6 < ratio < 1.6, ratio  # loose: a shared machine is noisy


def test_only_published_intakes_answer(sqlite_service: Service) -> None:
    drawn(sqlite_service)  # placed, but not yet published
    pupil = roster_rows()[5]
    assert class_label_of(sqlite_service, pupil.id_number)
    body = ask(sqlite_service.client(), pupil.name, pupil.id_number).get_json()
    assert body["found"] is False


@pytest.mark.parametrize(
    ("name", "number", "code"),
    [
        ("王小明", "220802201806147028", "校验位"),  # wrong check character
        ("王小明", "22080220180614702", "18位"),
        ("王小明", "2208022018061470ZZ", "数字"),
        ("王小明", "220802201813147021", "出生日期"),
        ("", "220802201806147027", "姓名"),
        ("王" * 65, "220802201806147027", "姓名"),
    ],
)
def test_malformed_input_is_refused_before_the_database(
    sqlite_service: Service, name: str, number: str, code: str
) -> None:
    c = sqlite_service.client()
    with statements(sqlite_service) as seen:
        r = ask(c, name, number)
    assert r.status_code == 400
    err = r.get_json()["error"]
    assert code in err["zh"]
    assert err["en"]
    assert not seen


def test_wrong_types_and_content_type(sqlite_service: Service) -> None:
    c = sqlite_service.client()
    r = c.post("/api/lookup", json={"name": 1, "id_number": ["x"]})
    assert r.status_code == 400
    r = c.post("/api/lookup", json=[1, 2])
    assert r.status_code == 400
    r = c.post("/api/lookup", data={"name": "王小明", "id_number": unknown_id()})
    assert r.status_code == 415  # a cross-site form cannot send application/json
    assert "application/json" in r.get_json()["error"]["en"]
    r = c.post("/api/lookup", data="{", content_type="application/json")
    assert r.status_code == 400


def test_rate_limit(tmp_path: Path) -> None:
    svc = make_service(tmp_path, "sqlite", config={"LOOKUP_LIMIT": 3})
    try:
        c = svc.client()
        for _ in range(3):
            assert ask(c, "王小明", unknown_id()).status_code == 200
        r = ask(c, "王小明", unknown_id())
        assert r.status_code == 429
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        assert r.get_json()["error"]["zh"].startswith("查询过于频繁")
        assert r.headers["Cache-Control"] == "no-store"
        # another client is not affected
        other = ask(c, "王小明", unknown_id(), environ_base={"REMOTE_ADDR": "10.0.0.9"})
        assert other.status_code == 200
        # the form shares the limit
        page = c.post("/lookup", data={"name": "x", "id_number": unknown_id()})
        assert page.status_code in (400, 429)
    finally:
        services(svc.app).engine.dispose()


def test_form_with_csrf_token(sqlite_service: Service) -> None:
    published(sqlite_service)
    pupil = roster_rows()[5]
    c = sqlite_service.client()
    page = c.get("/lookup")
    assert page.headers["Cache-Control"] == "no-store"
    token = csrf(c, "/lookup")
    r = c.post(
        "/lookup", data={"name": pupil.name, "id_number": pupil.id_number, "csrf_token": token}
    )
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert class_label_of(sqlite_service, pupil.id_number) in html
    assert pupil.id_number not in html  # not echoed back
    r = c.post("/lookup", data={"name": "王小明", "id_number": unknown_id(), "csrf_token": token})
    assert "未查到" in r.get_data(as_text=True)
    r = c.post("/lookup", data={"name": "王小明", "id_number": "123", "csrf_token": token})
    assert r.status_code == 400
    assert "身份证号应为18位" in r.get_data(as_text=True)
    r = c.post("/lookup", data={"name": pupil.name, "id_number": pupil.id_number})
    assert r.status_code == 400  # no CSRF token
    assert "CSRF" in r.get_data(as_text=True)
