"""Exceptions through the staff pages (spec Part E): the school operator requests every
kind, the bureau admin approves or refuses; a 调班 request, a first-year transfer without
the waiver and an operator trying to approve are refused with both languages' reasons
and change nothing; the lookup and the published bundle follow."""

from __future__ import annotations

from datetime import datetime

from flask.testing import FlaskClient
from pagekit import intake_at, ok, text
from servicekit import Service, csrf
from sqlmodel import func, select

from placement.idcard import check_character
from placement.keyring import CST
from verifier.verify import verify_bundle
from web.db.engine import reading
from web.db.models import LogEntry, Pupil
from web.demo import season as demo
from web.service import exceptions as ex
from web.service.exceptions import current_classes
from web.service.intakes import get_intake, record_of
from web.service.roles import Role
from web.service.season import steps as season_steps

SEPT = datetime(2024, 9, 2, 10, 0, tzinfo=CST)


def _id(first17: str) -> str:
    return first17 + check_character(first17)


def post(c: FlaskClient, iid: int, path: str, data: dict[str, object]) -> object:
    token = csrf(c, f"/staff/intakes/{iid}/exceptions")
    return c.post(f"/staff/intakes/{iid}/exceptions{path}", data={"csrf_token": token, **data})


def open_class(svc: Service, iid: int, not_this: int | None) -> int:
    """A class with a vacancy other than ``not_this`` (the demo's classes are 44–45 of 45:
    a correction into a full class is refused)."""
    with reading(svc.env.engine) as s:
        classes = current_classes(record_of(s, get_intake(s, iid)))
    return next(c.number for c in classes if c.size < 45 and c.number != not_this)


def log_size(svc: Service) -> int:
    with reading(svc.env.engine) as s:
        return int(s.exec(select(func.count()).select_from(LogEntry)).one())


def test_every_kind_through_the_pages(sqlite_service: Service) -> None:  # noqa: PLR0915 - one story
    svc = sqlite_service
    iid = intake_at(svc, "published")
    svc.at(SEPT)
    school = svc.client(Role.OPERATOR)
    bureau = svc.client(Role.ADMIN)
    page = text(school.get(f"/staff/intakes/{iid}/exceptions"))  # type: ignore[arg-type]
    assert "派位后的例外" in page
    assert "Exceptions after the draw" in page

    before = log_size(svc)
    r = post(school, iid, "/request", {"kind": "class-change", "reason": "家长希望换班"})
    body = text(r)  # type: ignore[arg-type]
    assert r.status_code == 400  # type: ignore[attr-defined]
    assert "不允许调班" in body
    assert "class changes are not allowed" in body
    assert log_size(svc) == before

    late = {
        "kind": "late-placement",
        "name": "宋雨桐",
        "gender": "女",
        "id_number": _id("22080220180505002"),
        "category": "late-review",
        "reference": "复审决定 2024-0901-03",
        "reason": "资格复审于派位后通过",
    }
    ok(post(school, iid, "/request", late))  # type: ignore[arg-type]
    r = post(school, iid, "/1/decide", {"decision": "approve", "reason": "学校自行批准"})
    assert r.status_code == 403  # type: ignore[attr-defined]  # a school cannot approve
    ok(post(bureau, iid, "/1/decide", {"decision": "approve", "reason": "按补录规则安排"}))  # type: ignore[arg-type]

    with reading(svc.env.engine) as s:
        first = s.exec(select(Pupil).where(Pupil.intake_id == iid, Pupil.row == 2)).one()
        second = s.exec(select(Pupil).where(Pupil.intake_id == iid, Pupil.row == 3)).one()
    out = {
        "kind": "transfer-out",
        "id_number": first.id_number,
        "to_school": "外省某小学",
        "category": "family-move",
        "reason": "家庭迁往外省",
    }
    ok(post(school, iid, "/request", out))  # type: ignore[arg-type]
    before = log_size(svc)
    r = post(bureau, iid, "/2/decide", {"decision": "approve", "reason": "同意转出"})
    body = text(r)  # type: ignore[arg-type]
    assert r.status_code == 400  # type: ignore[attr-defined]
    assert "不允许转学" in body
    assert "first year" in body
    assert log_size(svc) == before
    ok(
        post(  # type: ignore[arg-type]
            bureau,
            iid,
            "/2/decide",
            {"decision": "approve", "reason": "户籍已迁出，特批", "waiver": "first-year"},
        )
    )

    to = open_class(svc, iid, second.class_number)
    fix = {
        "kind": "correction",
        "id_number": second.id_number,
        "to_class": str(to),
        "evidence": "2024-07-16 家长签字的双胞胎意愿表",
        "category": "twin-wish",
        "reason": "双胞胎意愿登记错误",
    }
    ok(post(school, iid, "/request", fix))  # type: ignore[arg-type]
    ok(post(bureau, iid, "/3/decide", {"decision": "approve", "reason": "核对原件属实"}))  # type: ignore[arg-type]

    team = {
        "kind": "teacher-change",
        "class_number": "2",
        "head_teacher": "郑晓燕",
        "subject": ["语文", "数学"],
        "teacher": ["郑晓燕", "周杰"],
        "category": "leave",
        "reason": "原班主任长期病假",
    }
    ok(post(school, iid, "/request", team))  # type: ignore[arg-type]
    page = text(bureau.get(f"/staff/intakes/{iid}/exceptions"))  # type: ignore[arg-type]
    assert 'data-number="4" data-status="pending"' in page
    ok(post(bureau, iid, "/4/decide", {"decision": "refuse", "reason": "请先提交病假证明"}))  # type: ignore[arg-type]

    transfer_in = {
        "kind": "transfer-in",
        "name": "韩子墨",
        "gender": "男",
        "id_number": _id("22080220180120001"),
        "from_school": "洮南市某小学",
        "category": "family-move",
        "reason": "家庭迁入本学区",
    }
    ok(post(school, iid, "/request", transfer_in))  # type: ignore[arg-type]

    page = text(school.get(f"/staff/intakes/{iid}/exceptions"))  # type: ignore[arg-type]
    for n, status in ((1, "approved"), (2, "approved"), (3, "approved"), (4, "refused")):
        assert f'data-number="{n}" data-status="{status}"' in page
    assert 'data-number="5" data-status="pending"' in page
    assert "郑晓燕" not in page.split('id="classes"')[1].split("</table>")[0]  # refused

    with reading(svc.env.engine) as s:
        moved = s.get(Pupil, second.id)
        gone = s.get(Pupil, first.id)
        bundle = record_of(s, get_intake(s, iid)).store.get("bundle/public.zip")
    assert moved is not None
    assert moved.class_number == to
    assert gone is not None
    assert gone.class_number is None
    assert bundle is not None
    report = verify_bundle(bundle, trusted=svc.env.keyring())
    assert report.verified

    # The public side: the list by kind with counts, no pupil identity; the changes index.
    anyone = svc.client()
    assert 'href="/exceptions"' in text(anyone.get("/"))  # type: ignore[arg-type]
    page = text(anyone.get("/exceptions"))  # type: ignore[arg-type]
    row = page.split('data-school="洮北区实验小学"')[1].split("</tr>")[0]
    for kind, n in (("late-placement", 1), ("transfer-out", 1), ("correction", 1)):
        assert f'data-kind="{kind}">{n}<' in row
    assert 'data-kind="teacher-change">0<' in row
    assert "宋雨桐" not in page  # no names
    assert first.id_number not in page
    assert "资格复审于派位后通过" not in page  # no free-text reasons
    data = anyone.get("/exceptions.json").get_json()
    assert data["schools"]["洮北区实验小学"] == {
        "approved": {
            "correction": 1,
            "late-placement": 1,
            "teacher-change": 0,
            "transfer-in": 0,
            "transfer-out": 1,
        },
        "pending": 1,
        "refused": 1,
    }
    index = anyone.get("/verify/changes.json").get_json()
    entry = index["draws"]["tb-2024-shiyan"]
    assert set(entry["exceptions"]) == {"1", "2", "3"}
    assert all(c["version"] >= 2 for c in entry["classes"].values())

    # The public result page shows each class once, as it is now (the late pupil included).
    page = text(anyone.get("/results/tb-2024-shiyan"))  # type: ignore[arg-type]
    assert "宋雨桐" in page
    counts = {page.count(f"2024级一年级（{n}）班") for n in range(1, 10)}
    assert len(counts) == 1  # no class listed twice (the older versions are not shown)


def test_district_statistics_count_each_intakes_exceptions(sqlite_service: Service) -> None:
    """The district statistics page (/season/stats) shows, per school and intake, the
    exceptions approved, refused and pending, and the district's approved counts by kind:
    a school that "corrects" pupils shows it next to its enrolment numbers."""
    svc = sqlite_service
    svc.at(datetime(2024, 7, 1, 9, 0, tzinfo=CST))
    season_steps.create(svc.env, catchment=demo.catchment(), plan=demo.plan(), user="admin")
    svc.at(datetime(2024, 8, 14, 9, 30, tzinfo=CST))  # the placement window
    iid = intake_at(svc, "published")
    svc.at(SEPT)
    with reading(svc.env.engine) as s:
        pupil = s.exec(select(Pupil).where(Pupil.intake_id == iid, Pupil.row == 2)).one()
    to = open_class(svc, iid, pupil.class_number)
    env = svc.env
    for approve in (True, False):
        n = ex.request_correction(
            env,
            iid,
            id_number=pupil.id_number,
            to_class=to if approve else (pupil.class_number or 1),
            evidence="户籍证明 2024-031",
            category="data-error",
            reason="信息录入错误",
            user="op",
        )
        ex.decide(env, iid, number=n, approve=approve, reason="核对属实或不予", user="admin")
    ex.request_teacher_change(
        env,
        iid,
        class_number=1,
        head_teacher="郑晓燕",
        teachers=[("语文", "郑晓燕")],
        category="leave",
        reason="班主任长期病假",
        user="op",
    )
    page = text(svc.client().get("/season/stats"))  # type: ignore[arg-type]
    cell = page.split('data-school="洮北区实验小学" data-intake="2024级一年级">')[1].split("</td>")[
        0
    ]
    assert ">1/1/1</a>" in cell  # approved / refused / pending
    district = page.split('id="district-exceptions"')[1].split("</p>")[0]
    assert 'data-kind="correction">1<' in district
    assert 'data-kind="late-placement">0<' in district
    assert 'data-status="pending">1<' in district
    other = page.split('data-school="洮北区第一小学"')[1].split("</td>")[0]
    assert other.endswith(">0/0/0")
