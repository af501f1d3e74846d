"""The ceremony's forms in real Chromium, on a desk screen and a phone: a refused draw
(wrong passphrase) says why next to the draw form, with the page opened at that form;
a witness's phone, once its input is recorded, shows what was recorded and offers no
empty form again."""

from __future__ import annotations

from pathlib import Path

import pytest
from pagekit import intake_at, page_of, serving
from playwright.sync_api import Browser
from screenkit import box, in_view, overflow_x, shot
from servicekit import SUPERVISOR, Service
from test_projector_browser import log_in

from web.roles import Role

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
