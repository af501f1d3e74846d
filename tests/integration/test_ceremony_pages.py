"""The ceremony pages: the projector view and its polled state, the witness entry form
(a witness's phone with the code, or signed-in staff), and the RFC 3797 helper."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from pagekit import intake_at, ok, page_of, post, step, text
from servicekit import DEMO, Service, make_service
from sqlmodel import select
from werkzeug.test import TestResponse

from placement.rfc3797 import canonical_key, select_names
from web.app.services import services
from web.db.engine import reading
from web.db.models import Intake, Pupil
from web.demo.terminal import DEMO_SOURCES
from web.service.roles import Role

FULL_ID = re.compile(r"\d{17}[\dX]")


def code_of(svc: Service, iid: int) -> str:
    with reading(svc.env.engine) as s:
        intake = s.get(Intake, iid)
        assert intake is not None
        return intake.witness_code


def witnesses(svc: Service, iid: int) -> list[str]:
    state = svc.client(Role.AUDITOR).get(f"/ceremony/{iid}/state.json").get_json()
    return [w["name"] for w in state["witnesses"]]


def enter(
    phone: FlaskClient, iid: int, *, code: str, name: str = "贾雪", value: str = "3 1 4"
) -> TestResponse:
    data = {"code": code, "role": "家长代表", "name": name, "input": value}
    return post(phone, f"/w/{iid}", data, on=f"/w/{iid}")


# -- projector -------------------------------------------------------------------------------


def test_projector_before_and_after_the_draw(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "witnessed")
    sup = svc.client(Role.SUPERVISOR)
    r = sup.get(f"/ceremony/{iid}/projector")
    assert r.status_code == 200
    page = text(r)
    assert "Content-Security-Policy" in r.headers
    assert "<script>" not in page
    assert "style=" not in page
    assert 'src="/static/projector.js"' in page
    assert "洮北区实验小学" in page
    assert "种子承诺" in page
    code = code_of(svc, iid)
    assert f"{code[:4]} {code[4:]}" in page
    assert "3 1 4 1 5 9" in page
    assert "分班名单" not in page
    ok(step(svc.client(Role.OPERATOR), iid, "draw"))
    page = text(sup.get(f"/ceremony/{iid}/projector"))
    assert "与种子承诺一致" in page
    assert "均衡报告" in page
    assert page.count('<article class="pj-class">') == 9
    assert code not in page  # the code is shown only while inputs are taken
    assert not FULL_ID.search(page)
    with reading(svc.env.engine) as s:
        pupil = s.exec(select(Pupil).where(Pupil.intake_id == iid, Pupil.row == 2)).one()
    assert f"<li>{pupil.name}</li>" in page


def test_state_json_is_cheap_while_nothing_changes(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "announced")
    c = svc.client(Role.AUDITOR)
    r = c.get(f"/ceremony/{iid}/state.json")
    assert r.status_code == 200
    state = r.get_json()
    version = state["version"]
    assert state["stage"] == "announced"
    assert state["witnesses"] == []
    assert len(state["announcement"]["seed_commitment"]) == 64
    assert "pj-head" in state["html"]
    etag = r.headers["ETag"]
    r = c.get(f"/ceremony/{iid}/state.json?since={version}")
    assert r.status_code == 304
    assert r.data == b""
    r = c.get(f"/ceremony/{iid}/state.json", headers={"If-None-Match": etag})
    assert r.status_code == 304
    ok(
        step(
            svc.client(Role.SUPERVISOR),
            iid,
            "witness",
            {"role": "监督员", "name": "王强", "input": "7"},
        )
    )
    r = c.get(f"/ceremony/{iid}/state.json?since={version}")
    assert r.status_code == 200
    new = r.get_json()
    assert new["version"] > version
    assert new["witnesses"][0]["name"] == "王强"
    assert "王强" in new["html"]


def test_projector_of_a_draft_says_not_announced(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "imported")
    page = text(svc.client(Role.ADMIN).get(f"/ceremony/{iid}/projector"))
    assert "尚未公告" in page
    state = svc.client(Role.ADMIN).get(f"/ceremony/{iid}/state.json").get_json()
    assert state["announcement"] is None
    assert state["witness_code"] == ""


# -- witness entry -------------------------------------------------------------------------


def test_witness_from_a_phone_with_the_code(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "announced")
    phone = svc.app.test_client()
    page = text(phone.get(f"/w/{iid}"))
    assert 'name="code"' in page
    r = ok(enter(phone, iid, code=code_of(svc, iid), name="贾雪"))
    assert r.headers["Location"] == f"/w/{iid}?done=1"
    assert "已记录" in text(phone.get(r.headers["Location"]))
    assert witnesses(svc, iid) == ["贾雪"]


def test_wrong_code_is_refused_and_keeps_the_form(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "announced")
    phone = svc.app.test_client()
    wrong = f"{(int(code_of(svc, iid)) + 1) % 10**8:08d}"
    r = enter(phone, iid, code=wrong, name="冒名者", value="42")
    assert r.status_code == 403
    page = text(r)
    assert "见证码不正确" in page
    assert 'value="冒名者"' in page
    assert witnesses(svc, iid) == []


def test_bad_input_is_refused_and_keeps_the_form(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "announced")
    phone = svc.app.test_client()
    r = enter(phone, iid, code=code_of(svc, iid), name="贾雪", value="   ")
    assert r.status_code == 400
    assert 'value="贾雪"' in text(r)
    assert witnesses(svc, iid) == []


@pytest.fixture
def strict_service(tmp_path: Path) -> Iterator[Service]:
    svc = make_service(tmp_path, "sqlite", config={"LOGIN_LIMIT": 5})
    yield svc
    services(svc.app).engine.dispose()


def test_wrong_codes_are_rate_limited(strict_service: Service) -> None:
    svc = strict_service
    iid = intake_at(svc, "announced")
    code = code_of(svc, iid)
    phone = svc.app.test_client()
    for _ in range(5):
        assert enter(phone, iid, code="00000000").status_code == 403
    r = enter(phone, iid, code=code)
    assert r.status_code == 429
    assert "Retry-After" in r.headers
    assert witnesses(svc, iid) == []
    # Signed-in staff are not limited by the code form.
    sup = svc.client(Role.SUPERVISOR)
    assert 'name="code"' not in text(sup.get(f"/w/{iid}"))
    ok(enter(sup, iid, code=""))
    assert witnesses(svc, iid) == ["贾雪"]


def test_operator_of_another_school_needs_the_code(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "announced")
    own = svc.client(Role.OPERATOR)
    assert 'name="code"' not in text(own.get(f"/w/{iid}"))
    auditor = svc.client(Role.AUDITOR)  # read-only: like anyone else, needs the code
    assert 'name="code"' in text(auditor.get(f"/w/{iid}"))
    assert enter(auditor, iid, code="").status_code == 403


def test_witness_form_closed_outside_the_announcement(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "drawn")  # before the announcement the form is not found at all
    phone = svc.app.test_client()
    page = text(phone.get(f"/w/{iid}"))
    assert "不接受见证人输入" in page
    assert 'name="input"' not in page
    assert phone.get("/w/999").status_code == 404


# -- RFC 3797 --------------------------------------------------------------------------------


def test_rfc3797_helper_matches_the_core(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "announced")
    parents = [p for p in (DEMO / "parents.txt").read_text("utf-8").splitlines() if p.strip()]
    sources = "\n".join(" ".join(str(n) for n in s) for s in DEMO_SOURCES)
    c = svc.client(Role.SUPERVISOR)
    path = f"/ceremony/{iid}/rfc3797"
    page = text(c.get(path))
    assert 'name="count" type="number" min="1" required value="1"' in page  # one 家长代表 planned
    r = post(c, path, {"pool": "\n".join(parents), "sources": sources, "count": "2"}, on=path)
    assert r.status_code == 200
    page = text(r)
    key = canonical_key(DEMO_SOURCES)
    assert key in page
    for name in select_names(parents, key, 2):
        assert f"<b>{name}</b>" in page
    r = post(c, path, {"pool": "\n".join(parents), "sources": "洮北", "count": "2"}, on=path)
    assert r.status_code == 400
    assert "无法抽选" in text(r)
    assert parents[0] in text(r)  # the pool is kept
    r = post(c, path, {"pool": "", "sources": "1", "count": "1"}, on=path)
    assert r.status_code == 400


def test_intake_page_links_the_ceremony(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "announced")
    page = text(svc.client(Role.OPERATOR).get(page_of(iid)))
    assert f'href="/ceremony/{iid}/projector"' in page
    assert f"http://localhost/w/{iid}" in page
    assert code_of(svc, iid) in page
