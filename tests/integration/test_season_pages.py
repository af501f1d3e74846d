"""The season's public pages through the Flask client: register, the receipt, the
application page, 公示 during and after its window, reports, catchment, plan, statistics."""

from __future__ import annotations

import re
from datetime import datetime

from servicekit import Service, csrf

from placement.keyring import CST
from placement.season.outcome import Outcome
from web.demo import season as demo
from web.service.season import steps


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=CST)


def fields(serial: int, community: str, school: str = demo.SY) -> dict[str, str]:
    f = demo.form(serial, community)
    return {
        "school": school,
        "name": f.name,
        "sex": f.sex,
        "id_number": f.id_number,
        "birth_date": f.birth_date,
        "address": f.address,
        "community": f.community,
        "proof": "hukou",
        "guardian_name": f.guardian_name,
        "guardian_phone": f.guardian_phone,
    }


def started(service: Service) -> None:
    service.at(at(7, 1))
    steps.create(service.env, catchment=demo.catchment(), plan=demo.plan(), user="admin")


def post(c, path: str, data: dict[str, str]):
    return c.post(path, data={**data, "csrf_token": csrf(c, path)})


def test_a_parent_registers_and_follows_the_application(sqlite_service: Service):
    svc = sqlite_service
    started(svc)
    c = svc.client()
    svc.at(at(7, 15, 10))
    r = post(c, "/season/register", fields(1, "新华社区"))
    page = r.get_data(as_text=True)
    assert r.status_code == 200, page[:2000]
    number = re.search(r'id="number">([0-9-]+)<', page).group(1)
    assert "待审核" in page
    assert r.headers["Cache-Control"] == "no-store"
    assert 'src="data:image/png;base64,' in page  # the receipt's QR code
    child = demo.form(1, "新华社区")
    assert child.id_number not in page  # masked on the page
    # the same child again: refused by name of the rule
    r = post(c, "/season/register", fields(1, "新华社区", school=demo.X1))
    assert r.status_code == 409
    assert "一名儿童只能报名一次" in r.get_data(as_text=True)
    # review, then the parent looks it up with number + ID number
    svc.at(at(7, 22, 10))
    steps.decide(
        svc.env,
        demo.SEASON,
        number,
        outcome=Outcome.PENDING,
        rule="documents-missing",
        reason="缺房本原件",
        reviewer="李老师",
        user="op",
        missing=("房本原件", at(8, 5).date()),
    )
    r = post(c, "/season/application", {"number": number, "id_number": child.id_number})
    page = r.get_data(as_text=True)
    assert "材料待补" in page
    assert "缺房本原件" in page
    assert "房本原件" in page
    wrong = post(c, "/season/application", {"number": number, "id_number": "11010519491231002X"})
    assert wrong.status_code == 404


def test_form_errors_name_the_field_in_both_languages(sqlite_service: Service):
    svc = sqlite_service
    started(svc)
    svc.at(at(7, 15, 10))
    bad = {
        **fields(2, "新华社区"),
        "id_number": "220802201809010026",
        "birth_date": "2018-09-01",
        "sex": "女",
    }
    r = post(svc.client(), "/season/register", bad)
    assert r.status_code == 422
    assert 'data-field="birth_date"' in r.get_data(as_text=True)
    r = post(svc.client(), "/season/register?lang=en", bad)
    assert "too young" in r.get_data(as_text=True)


def test_notice_is_public_only_during_its_window_and_reports_get_case_numbers(
    sqlite_service: Service,
):
    svc = sqlite_service
    started(svc)
    c = svc.client()
    names = []
    for n in range(3):
        svc.at(at(7, 15, 10, n))
        post(c, "/season/register", fields(10 + n, "光明社区"))
        names.append(demo.form(10 + n, "光明社区").name)
    led = steps.store_for(svc.env, demo.SEASON).read()
    for k, number in enumerate(led.current):
        svc.at(at(7, 22, 10, k))
        steps.decide(
            svc.env,
            demo.SEASON,
            number,
            outcome=Outcome.APPROVE,
            rule="catchment-resident",
            reason="齐全",
            reviewer="r",
            user="op",
        )
    svc.at(at(7, 29, 8))
    steps.commit_notice(svc.env, demo.SEASON, school=demo.SY, intake=demo.PRIMARY, user="a")
    svc.at(at(7, 30, 9))
    page = c.get("/season/notice/0").get_data(as_text=True)
    for name in names:
        assert name in page
    assert led.records[0].id_number not in page
    r = post(c, "/season/report", {"place": "0", "child": names[0], "claim": "不住本学区"})
    assert 'id="case">#1<' in r.get_data(as_text=True)
    assert "处理中" in c.get("/season/cases").get_data(as_text=True)
    svc.at(at(8, 1, 9))
    r = c.get("/season/notice/0")
    assert r.status_code == 410
    gone = r.get_data(as_text=True)
    assert names[0] not in gone
    assert 'id="count">3<' in gone


def test_catchment_search_plan_and_statistics(sqlite_service: Service):
    svc = sqlite_service
    started(svc)
    c = svc.client()
    page = c.get("/season/catchment?q=站前").get_data(as_text=True)
    assert "铁路二中" in page
    assert demo.Z2 in page
    assert "180" in c.get("/season/plan").get_data(as_text=True)
    assert demo.SY in c.get("/season/stats").get_data(as_text=True)


def test_the_family_sees_the_admission_fingerprint_of_its_notice(sqlite_service: Service):
    svc = sqlite_service
    started(svc)
    c = svc.client()
    svc.at(at(7, 15, 10))
    page = post(c, "/season/register", fields(30, "新华社区")).get_data(as_text=True)
    number = re.search(r'id="number">([0-9-]+)<', page).group(1)
    svc.at(at(7, 22, 10))
    steps.decide(
        svc.env,
        demo.SEASON,
        number,
        outcome=Outcome.APPROVE,
        rule="catchment-resident",
        reason="齐全",
        reviewer="r",
        user="op",
    )
    svc.at(at(7, 29, 8))
    steps.commit_notice(svc.env, demo.SEASON, school=demo.SY, intake=demo.PRIMARY, user="a")
    svc.at(at(8, 1, 9))
    steps.derive(svc.env, demo.SEASON, school=demo.SY, intake=demo.PRIMARY, user="a")
    steps.admit(svc.env, demo.SEASON, school=demo.SY, intake=demo.PRIMARY, user="a")
    led = steps.store_for(svc.env, demo.SEASON).read()
    root = str(led.admissions[(demo.SY, demo.PRIMARY)]["admitted"]["root"])
    child = demo.form(30, "新华社区")
    r = post(c, "/season/application", {"number": number, "id_number": child.id_number})
    assert root[:16] in r.get_data(as_text=True)
