"""A twin added after the draw through the staff pages (spec §E7): the request form's
``twin_of`` field, the listing's twin link, the approval placing the twin in the first
twin's class, and bad values refused in both languages with nothing logged."""

from __future__ import annotations

from pagekit import intake_at, ok, text
from servicekit import Service
from sqlmodel import select
from test_exceptions_pages import SEPT, _id, log_size, post

from web.db.engine import reading
from web.db.models import Pupil
from web.service.exceptions import current_classes
from web.service.intakes import get_intake, record_of
from web.service.roles import Role


def _late(name: str, gender: str, stem: str, **more: str) -> dict[str, str]:
    return {
        "kind": "late-placement",
        "name": name,
        "gender": gender,
        "id_number": _id(stem),
        "category": "late-review",
        "reference": "复审决定 2024-0901-09",
        "reason": "资格复审于派位后通过",
        **more,
    }


def _class_of(svc: Service, iid: int, name: str) -> int | None:
    with reading(svc.env.engine) as s:
        row = s.exec(select(Pupil).where(Pupil.intake_id == iid, Pupil.name == name)).one()
    return row.class_number


def _size(svc: Service, iid: int, number: int) -> int:
    with reading(svc.env.engine) as s:
        classes = current_classes(record_of(s, get_intake(s, iid)))
    return next(c.size for c in classes if c.number == number)


def test_a_twin_requested_on_the_page_joins_the_first_twin(sqlite_service: Service) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "published")
    svc.at(SEPT)
    school = svc.client(Role.OPERATOR)
    bureau = svc.client(Role.ADMIN)
    page = text(school.get(f"/staff/intakes/{iid}/exceptions"))  # type: ignore[arg-type]
    assert 'name="twin_of"' in page

    ok(post(school, iid, "/request", _late("林晓雨", "女", "22080220180309002")))  # type: ignore[arg-type]
    ok(post(bureau, iid, "/1/decide", {"decision": "approve", "reason": "按补录规则安排"}))  # type: ignore[arg-type]
    home = _class_of(svc, iid, "林晓雨")
    assert home is not None

    before = log_size(svc)
    for bad, words in (("abc", "whole number"), ("5", "twin_of must be the number")):
        twin = _late("林晓阳", "男", "22080220180309011", twin_of=bad)
        r = post(school, iid, "/request", twin)
        assert r.status_code == 400, bad  # type: ignore[attr-defined]
        assert words in text(r)  # type: ignore[arg-type]
    assert log_size(svc) == before

    ok(post(school, iid, "/request", _late("林晓阳", "男", "22080220180309011", twin_of="1")))  # type: ignore[arg-type]
    page = text(school.get(f"/staff/intakes/{iid}/exceptions"))  # type: ignore[arg-type]
    assert "twin of #1" in page
    decision = {"decision": "approve", "reason": "双胞胎同班意愿属实"}
    if _size(svc, iid, home) >= 45:  # the demo's classes hold 44–45 of 45
        r = post(bureau, iid, "/2/decide", decision)
        assert r.status_code == 400  # type: ignore[attr-defined]
        assert "双胞胎所在班已满额" in text(r)  # type: ignore[arg-type]
        decision["waiver"] = "cap"
    ok(post(bureau, iid, "/2/decide", decision))  # type: ignore[arg-type]
    assert _class_of(svc, iid, "林晓阳") == home
