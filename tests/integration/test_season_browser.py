"""The season on a phone, in a real browser (Debian's Chromium through Playwright):
registration, the receipt with its QR, the family's decision view, the 公示 list and a
report — at 390×844 CSS pixels, under the portal's Content-Security-Policy, with no page
wider than the screen."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from servicekit import Service, make_service
from werkzeug.serving import make_server

from placement.keyring import CST
from placement.season.outcome import Outcome
from web.app.services import services
from web.demo import season as demo
from web.service.season import steps

PHONE = {"width": 390, "height": 844}


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=CST)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Service, str]]:
    svc = make_service(tmp_path, "sqlite")
    svc.at(at(7, 1))
    steps.create(svc.env, catchment=demo.catchment(), plan=demo.plan(), user="admin")
    server = make_server("127.0.0.1", 0, svc.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield svc, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        services(svc.app).engine.dispose()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    try:
        p = context.new_page()
        problems: list[str] = []
        p.on("pageerror", lambda e: problems.append(str(e)))
        p.on(
            "console",
            lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
        )
        p.problems = problems
        yield p
    finally:
        context.close()


def fits(page: Any) -> bool:
    """Nothing wider than the phone: no sideways scrolling."""
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_register_follow_notice_and_report_on_a_phone(site: tuple[Service, str], phone: Any):
    svc, url = site
    child = demo.form(7, "新华社区")
    svc.at(at(7, 15, 10))
    phone.goto(f"{url}/season/register")
    assert fits(phone)
    phone.select_option("select[name=school]", demo.SY)
    phone.fill("input[name=name]", child.name)
    phone.select_option("select[name=sex]", child.sex)
    phone.fill("input[name=id_number]", child.id_number)
    phone.fill("input[name=birth_date]", child.birth_date)
    phone.fill("input[name=address]", child.address)
    phone.fill("input[name=community]", child.community)
    phone.select_option("select[name=proof]", "deed")
    phone.fill("input[name=guardian_name]", child.guardian_name)
    phone.fill("input[name=guardian_phone]", child.guardian_phone)
    phone.click("button[type=submit]")
    number = phone.inner_text("#number")
    assert number.startswith("2024-")
    assert phone.inner_text("#outcome") == "待审核"
    qr = phone.locator("img.qr")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # data: image under CSP
    assert fits(phone)
    assert child.id_number not in phone.content()

    svc.at(at(7, 22, 10))
    steps.decide(
        svc.env,
        demo.SEASON,
        number,
        outcome=Outcome.APPROVE,
        rule="catchment-resident",
        reason="户口本、房本齐全，社区已核实",
        reviewer="实验小学 李老师",
        user="op",
    )
    phone.goto(f"{url}/season/application")
    phone.fill("input[name=number]", number)
    phone.fill("input[name=id_number]", child.id_number)
    phone.click("button[type=submit]")
    assert phone.inner_text("#outcome") == "通过"
    assert "户口本、房本齐全" in phone.inner_text("#reason")
    assert fits(phone)

    svc.at(at(7, 29, 8))
    steps.commit_notice(svc.env, demo.SEASON, school=demo.SY, intake=demo.PRIMARY, user="a")
    svc.at(at(7, 30, 9))
    phone.goto(f"{url}/season/notice/0")
    assert child.name in phone.inner_text("#list")
    assert phone.inner_text("#count") == "1"
    assert fits(phone)

    phone.goto(f"{url}/season/report")
    phone.fill("input[name=child]", child.name)
    phone.fill("textarea[name=claim]", "据了解该生实际居住在外区")
    phone.click("button[type=submit]")
    assert phone.inner_text("#case") == "#1"
    phone.goto(f"{url}/season/cases?lang=en")
    assert "being handled" in phone.inner_text("#cases")
    assert fits(phone)
    assert phone.problems == []


def test_the_verify_page_checks_the_chain_and_refuses_a_tampered_bundle(
    site: tuple[Service, str], browser: Any, tmp_path: Path
):
    """/verify/season.html fetches the site's season bundle and recomputes the chain in
    JavaScript; a bundle with one log entry dropped is refused."""
    import io  # noqa: PLC0415
    import json  # noqa: PLC0415
    import zipfile  # noqa: PLC0415

    from web.record.season_bundle import build_zip  # noqa: PLC0415

    svc, url = site
    numbers = []
    for n in range(3):
        svc.at(at(7, 15, 10, n))
        app = steps.register(
            svc.env,
            demo.SEASON,
            demo.form(20 + n, "光明社区"),
            school=demo.SY,
            intake=demo.PRIMARY,
            level=demo.Level.PRIMARY,
        )
        numbers.append(app.number)
    for k, number in enumerate(numbers):
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
    case = steps.file_case(
        svc.env,
        demo.SEASON,
        school=demo.SY,
        intake=demo.PRIMARY,
        application=numbers[1],
        claim="不在学区",
        channel="desk",
    )
    svc.at(at(7, 31, 9))
    steps.decide_case(
        svc.env, demo.SEASON, case, upheld=True, reason="查实", handled_by="科", user="a"
    )
    svc.at(at(8, 1, 9))
    steps.derive(svc.env, demo.SEASON, school=demo.SY, intake=demo.PRIMARY, user="a")
    steps.admit(svc.env, demo.SEASON, school=demo.SY, intake=demo.PRIMARY, user="a")
    context = browser.new_context(viewport=PHONE)
    try:
        p = context.new_page()
        p.goto(f"{url}/verify/season.html")
        p.wait_for_selector("#verdict.ok, #verdict.fail")  # (the CSP forbids eval'd waits)
        assert "verified" in p.inner_text("#verdict"), p.inner_text("#checks")
        chain = p.inner_text("li[data-check='season.rosters']")
        assert f"{demo.SY}: 3 on 公示; 1 removed by report #1; 2 in the draw" in chain
        assert f"admitted: {demo.SY} 2" in p.inner_text("li[data-check='season.admissions']")
        # a tampered copy: one log entry dropped
        data = steps.export(svc.env, demo.SEASON, kind="public")
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            files = {n: z.read(n) for n in z.namelist() if n != "manifest.json"}
        entries = json.loads(files["log/entries.json"])
        del entries[3]
        files["log/entries.json"] = json.dumps(entries, ensure_ascii=False).encode()
        bad = tmp_path / "tampered.zip"
        bad.write_bytes(
            build_zip(
                kind="public", season=demo.SEASON, created="2024-08-10T12:00:00+08:00", files=files
            )
        )
        p.set_input_files("#file", str(bad))
        p.wait_for_selector("#verdict.fail")
        assert "incomplete or altered" in p.inner_text("li[data-check='season.log']")
    finally:
        context.close()
