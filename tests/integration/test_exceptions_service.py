"""Exceptions after the draw through the service (spec Part E), on SQLite and PostgreSQL:
every kind requested and decided, the refusals in both languages with nothing stored,
the lookup answering the current class, and the published bundle replaying it all."""

from __future__ import annotations

from datetime import datetime

import pytest
from servicekit import Service
from sqlmodel import func, select
from test_workflow_steps import imported

from placement.keyring import CST
from verifier.checks import Status
from verifier.verify import verify_bundle
from web.db.engine import reading
from web.db.models import LogEntry, Pupil, RecordBlob
from web.portal.lookup import lookup
from web.service import exceptions as ex
from web.service import workflow
from web.service.errors import ServiceError
from web.service.exceptions import current_classes
from web.service.intakes import get_intake, record_of

LATE = {"name": "宋雨桐", "gender": "女", "id_number": "22080220180505002X"}
LATE_BOY = {"name": "韩子墨", "gender": "男", "id_number": "220802201801200011"}
SEPT = datetime(2024, 9, 2, 10, 0, tzinfo=CST)
NEXT_YEAR = datetime(2025, 9, 1, 10, 0, tzinfo=CST)


def _fix(fields: dict[str, str]) -> dict[str, str]:
    """The sample ID numbers with their real check character."""
    from placement.idcard import check_character  # noqa: PLC0415 - test data only

    out = dict(fields)
    out["id_number"] = out["id_number"][:17] + check_character(out["id_number"][:17])
    return out


def published(svc: Service) -> int:
    env = svc.env
    iid = imported(svc)
    workflow.freeze(env, iid, user="op")
    workflow.announce(env, iid, user="op")
    workflow.add_witness(env, iid, role="家长代表", name="贾雪", text="3 1 4 1 5 9", user="sv")
    workflow.draw(env, iid, beacon_value=None, user="op")
    workflow.publish(env, iid, user="op")
    return iid


def open_class(svc: Service, iid: int, not_this: int | None) -> int:
    """A class with a vacancy other than ``not_this`` (the demo's classes are 44–45 of 45:
    a correction into a full class is refused)."""
    with reading(svc.env.engine) as s:
        classes = current_classes(record_of(s, get_intake(s, iid)))
    return next(c.number for c in classes if c.size < 45 and c.number != not_this)


def stored(svc: Service, iid: int) -> tuple[int, int]:
    with reading(svc.env.engine) as s:
        blobs = s.exec(select(func.count()).where(RecordBlob.intake_id == iid)).one()
        log = s.exec(select(func.count()).select_from(LogEntry)).one()
    return int(blobs), int(log)


def public_bundle(svc: Service, iid: int) -> bytes:
    with reading(svc.env.engine) as s:
        data = record_of(s, get_intake(s, iid)).store.get("bundle/public.zip")
    assert data is not None
    return data


def test_every_kind_end_to_end(service: Service) -> None:
    env = service.env
    iid = published(service)
    service.at(SEPT)
    late = ex.request_late(
        env,
        iid,
        admitted=ex.Admitted(_fix(LATE), "late-review", "复审决定 2024-0901-03"),
        reason="资格复审于派位后通过",
        user="op-shiyan",
    )
    doc = ex.decide(env, iid, number=late, approve=True, reason="按补录规则安排", user="admin")
    placed = doc["placed"]
    assert isinstance(placed, int)
    answer = lookup(env.engine, "宋雨桐", _fix(LATE)["id_number"])
    assert answer.found
    assert answer.class_label is not None
    assert answer.class_label.endswith(f"（{placed}）班")

    with reading(env.engine) as s:
        first = s.exec(select(Pupil).where(Pupil.intake_id == iid, Pupil.row == 2)).one()
    out = ex.request_transfer_out(
        env,
        iid,
        id_number=first.id_number,
        to_school="外省某小学",
        category="family-move",
        reason="家庭迁往外省",
        user="op-shiyan",
    )
    before = stored(service, iid)
    with pytest.raises(ServiceError) as e:  # first year, no waiver
        ex.decide(env, iid, number=out, approve=True, reason="同意转出", user="admin")
    assert "不允许转学" in e.value.zh
    assert "first year" in e.value.en
    assert stored(service, iid) == before  # nothing stored
    ex.decide(
        env,
        iid,
        number=out,
        approve=True,
        reason="户籍已迁出，特批",
        waivers=["first-year"],
        user="admin",
    )
    with reading(env.engine) as s:
        row = s.get(Pupil, first.id)
        assert row is not None
        assert row.class_number is None

    with reading(env.engine) as s:
        other = s.exec(select(Pupil).where(Pupil.intake_id == iid, Pupil.row == 3)).one()
    to = open_class(service, iid, other.class_number)
    fix = ex.request_correction(
        env,
        iid,
        id_number=other.id_number,
        to_class=to,
        evidence="2024-07-16 家长签字的双胞胎同班意愿表",
        category="twin-wish",
        reason="双胞胎意愿登记错误",
        user="op-shiyan",
    )
    ex.decide(env, iid, number=fix, approve=True, reason="核对原件属实", user="admin")
    with reading(env.engine) as s:
        moved = s.get(Pupil, other.id)
        assert moved is not None
        assert moved.class_number == to

    team = ex.request_teacher_change(
        env,
        iid,
        class_number=2,
        head_teacher="郑晓燕",
        teachers=[("语文", "郑晓燕"), ("数学", "周杰")],
        category="leave",
        reason="原班主任长期病假",
        user="op-shiyan",
    )
    ex.decide(env, iid, number=team, approve=True, reason="同意接任", user="admin")

    service.at(NEXT_YEAR)
    tin = ex.request_transfer_in(
        env,
        iid,
        fields=_fix(LATE_BOY),
        from_school="洮南市某小学",
        category="family-move",
        reason="家庭迁入本学区",
        user="op-shiyan",
    )
    refused = ex.decide(
        env, iid, number=tin, approve=False, reason="材料不全，不予批准", user="admin"
    )
    assert refused["decision"] == "refused"

    views = ex.listing(env, iid)
    assert [(v.kind.value, v.status) for v in views] == [
        ("late-placement", "approved"),
        ("transfer-out", "approved"),
        ("correction", "approved"),
        ("teacher-change", "approved"),
        ("transfer-in", "refused"),
    ]
    report = verify_bundle(public_bundle(service, iid), trusted=env.keyring())
    assert report.verified, [c for c in report.checks if c.status is Status.FAIL]
    names = {c.name: c for c in report.checks}
    assert names["exceptions.rules"].status is Status.PASS
    assert "1 added pupils recomputed" in names["exceptions.rules"].message_en


def test_transfer_into_a_full_school_needs_the_cap_waiver(sqlite_service: Service) -> None:
    """400 pupils in 9 classes of at most 45: after five late placements every class is
    full, and a sixth pupil needs the bureau's cap waiver."""
    svc = sqlite_service
    env = svc.env
    iid = published(svc)
    svc.at(NEXT_YEAR)
    for n in range(5):
        fields = {"name": f"补录{n}号", "gender": "女", "id_number": f"22080220180301{n:02d}2"}
        num = ex.request_late(
            env,
            iid,
            admitted=ex.Admitted(_fix(fields), "bureau-assignment", f"统筹 {n}"),
            reason="统筹安排入学",
            user="admin",
        )
        ex.decide(env, iid, number=num, approve=True, reason="按规则安排", user="admin")
    num = ex.request_transfer_in(
        env,
        iid,
        fields=_fix(LATE_BOY),
        from_school="外区某小学",
        category="family-move",
        reason="家庭迁入本学区",
        user="op-shiyan",
    )
    before = stored(svc, iid)
    with pytest.raises(ServiceError) as e:
        ex.decide(env, iid, number=num, approve=True, reason="同意转入", user="admin")
    assert "没有学位空缺" in e.value.zh
    assert "no vacancy" in e.value.en
    assert stored(svc, iid) == before
    doc = ex.decide(
        env,
        iid,
        number=num,
        approve=True,
        reason="特殊情况，批准超额",
        waivers=["cap"],
        user="admin",
    )
    assert doc["waivers"] == ["cap"]
    report = verify_bundle(public_bundle(svc, iid), trusted=env.keyring())
    assert report.verified
