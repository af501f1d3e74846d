"""The projector in a real browser (Debian's Chromium through Playwright; never
``playwright install``): the app is served on 127.0.0.1, a witness enters an input
from their own "phone" (another browser context, no account), and it appears on the
projector without a reload; then the draw, and the class lists appear."""

from __future__ import annotations

from pagekit import intake_at, log_in, page_of, serving
from playwright.sync_api import Browser, ConsoleMessage, Response
from servicekit import Service

from web.db.engine import reading
from web.db.models import Intake
from web.service.roles import Role

WAIT = 15_000  # ms; the projector polls every second


def note_console(problems: list[str], message: ConsoleMessage) -> None:
    # A failed request is reported by note_response (with its URL).
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        problems.append(message.text)


def note_response(problems: list[str], response: Response) -> None:
    if response.status >= 400 and not response.url.endswith("/favicon.ico"):
        problems.append(f"{response.status} {response.url}")


def test_projector_updates_live(sqlite_service: Service, browser: Browser) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "announced")
    with reading(svc.env.engine) as s:
        intake = s.get(Intake, iid)
        assert intake is not None
        code = intake.witness_code
    problems: list[str] = []
    with serving(svc.app) as base:
        room = browser.new_context(viewport={"width": 1280, "height": 800})
        phone_context = browser.new_context(viewport={"width": 390, "height": 800})
        try:
            projector = room.new_page()
            projector.on("console", lambda m: note_console(problems, m))
            projector.on("pageerror", lambda e: problems.append(str(e)))
            projector.on("response", lambda r: note_response(problems, r))
            log_in(projector, base, svc.users[Role.OPERATOR])
            projector.goto(f"{base}/ceremony/{iid}/projector")
            projector.wait_for_selector("#pj-witness-code")
            assert "等待见证人输入" in projector.inner_text("#pj-witness-list")
            projector.evaluate("window.__notReloaded = true")

            phone = phone_context.new_page()
            phone.goto(f"{base}/w/{iid}")
            phone.fill("input[name=code]", code)
            phone.fill("input[name=role]", "家长代表")
            phone.fill("input[name=name]", "贾雪")
            phone.fill("input[name=input]", "3 1 4 1 5 9")
            phone.click("#witness-form button[type=submit]")
            phone.wait_for_selector("#witness-done")

            projector.wait_for_selector("#pj-witness-list li:has-text('贾雪')", timeout=WAIT)
            assert "3 1 4 1 5 9" in projector.inner_text("#pj-witness-list")
            assert projector.evaluate("window.__notReloaded") is True

            desk = room.new_page()  # the operator's own tab, same session
            desk.goto(f"{base}{page_of(iid)}")
            desk.click("#confirm-draw > summary")
            desk.click("#confirm-draw-yes")
            desk.wait_for_url(f"{base}{page_of(iid)}#ceremony")

            projector.wait_for_selector("#pj-classes .pj-class", timeout=WAIT)
            assert projector.locator("#pj-classes .pj-class").count() == 9
            assert "与种子承诺一致" in projector.inner_text("#pj-reveal")
            assert projector.locator("#pj-witness-code").count() == 0
            assert projector.evaluate("window.__notReloaded") is True
            assert projector.get_attribute("#projector", "data-stage") == "drawn"
        finally:
            phone_context.close()
            room.close()
    assert not problems, problems  # no CSP violation, no script error
