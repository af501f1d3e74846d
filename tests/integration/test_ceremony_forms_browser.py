"""The ceremony's forms in real Chromium, on a desk screen and a phone: a refused draw
(wrong passphrase) says why next to the draw form, with the page opened at that form;
a witness's phone, once its input is recorded, shows what was recorded and offers no
empty form again."""

from __future__ import annotations

from pathlib import Path

import pytest
from pagekit import intake_at, page_of, serving, step
from playwright.sync_api import Browser
from screenkit import box, in_view, overflow_x, shot
from servicekit import SUPERVISOR, Service
from test_projector_browser import log_in

from web.db.engine import reading
from web.db.models import Intake
from web.service.roles import Role

SCREENS = (
    pytest.param({"width": 1366, "height": 768}, id="desk"),
    pytest.param({"width": 390, "height": 844}, id="phone"),
)


def tag(size: dict[str, int]) -> str:
    return f"{size['width']}x{size['height']}"


@pytest.mark.parametrize("size", SCREENS)
def test_wrong_passphrase_is_shown_at_the_draw_form(
    sqlite_service: Service, browser: Browser, size: dict[str, int], tmp_path: Path
) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "witnessed")
    with serving(svc.app) as base:
        ctx = browser.new_context(viewport=size)  # type: ignore[arg-type]
        try:
            page = ctx.new_page()
            log_in(page, base, svc.users[Role.SUPERVISOR])
            page.goto(f"{base}{page_of(iid)}")
            page.select_option("#draw-form select[name=supervisor_key]", SUPERVISOR)
            page.fill("#draw-form input[name=passphrase]", "not the passphrase")
            page.click("#confirm-draw > summary")
            with page.expect_navigation():
                page.click("#confirm-draw-yes")
            page.wait_for_timeout(300)  # the browser scrolls to the form's fragment
            assert page.url.endswith("/draw#draw-form")
            assert "口令错误" in page.inner_text("#draw-form #error-draw")
            assert "wrong passphrase" in page.inner_text("#draw-form #error-draw")
            assert in_view(page, "#error-draw"), box(page, "#error-draw")
            assert in_view(page, "#draw-form input[name=passphrase]")
            assert overflow_x(page) == 0
            shot(page, f"draw-error-{tag(size)}", tmp_path)
            assert page.inner_text("#stage").startswith("已公告")  # nothing was drawn
        finally:
            ctx.close()


@pytest.mark.parametrize("size", SCREENS)
def test_witness_phone_shows_what_was_recorded(
    sqlite_service: Service, browser: Browser, size: dict[str, int], tmp_path: Path
) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "announced")
    with reading(svc.env.engine) as s:
        intake = s.get(Intake, iid)
        assert intake is not None
        code = intake.witness_code
    # another witness first, so "what was recorded" is this phone's entry, not the first
    step(svc.client(Role.ADMIN), iid, "witness", {"role": "公证员", "name": "张晓燕", "input": "7"})
    with serving(svc.app) as base:
        ctx = browser.new_context(viewport=size)  # type: ignore[arg-type]
        try:
            phone = ctx.new_page()
            phone.goto(f"{base}/w/{iid}")
            phone.fill("input[name=code]", code)
            phone.fill("input[name=role]", "家长代表")
            phone.fill("input[name=name]", "欧阳丽娜")
            phone.fill("input[name=input]", "2718 2818")
            phone.click("#witness-form button[type=submit]")
            phone.wait_for_selector("#witness-done")
            recorded = phone.inner_text("#witness-recorded")
            for words in ("家长代表", "欧阳丽娜", "2718 2818", "第 2 位"):
                assert words in recorded, (words, recorded)
            assert phone.locator("#witness-form").count() == 0, "an empty form is offered again"
            assert in_view(phone, "#witness-recorded")
            assert overflow_x(phone) == 0
            shot(phone, f"witness-done-{tag(size)}", tmp_path)
            phone.reload()  # the same page again (a refresh) still shows it, no form
            assert "欧阳丽娜" in phone.inner_text("#witness-recorded")
            assert phone.locator("#witness-form").count() == 0
            phone.click("#witness-another")  # a second witness on the same phone
            phone.wait_for_selector("#witness-form")
            assert phone.input_value("input[name=name]") == ""
        finally:
            ctx.close()
