"""Freeze, announce, draw and publish cannot be undone, so each asks first (real Chromium,
a desk screen with JavaScript and a phone without): the first click opens a box that
names the intake and says the step cannot be undone; closing it changes nothing; only
its own button does the step."""

from __future__ import annotations

from pathlib import Path

import pytest
from pagekit import SCHOOL, intake_at, page_of, serving, step
from playwright.sync_api import Browser, Page
from screenkit import shot
from servicekit import Service
from test_projector_browser import log_in

from web.service.roles import Role

SCREENS = (
    pytest.param({"width": 1366, "height": 768}, True, id="desk"),
    pytest.param({"width": 390, "height": 844}, False, id="phone-no-js"),
)
STEPS = (
    ("freeze", "frozen"),
    ("announce", "announced"),
    ("draw", "drawn"),
    ("publish", "published"),
)


def stage(page: Page) -> str:
    return str(page.get_attribute("#stage", "class")).split("stage-")[-1]


@pytest.mark.parametrize(("size", "js"), SCREENS)
def test_each_irreversible_step_asks_first(
    sqlite_service: Service, browser: Browser, size: dict[str, int], js: bool, tmp_path: Path
) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "imported")
    tag = "desk" if js else "phone"
    with serving(svc.app) as base:
        ctx = browser.new_context(viewport=size, java_script_enabled=js)  # type: ignore[arg-type]
        try:
            page = ctx.new_page()
            log_in(page, base, svc.users[Role.ADMIN])
            for name, after in STEPS:
                if name == "draw":
                    step(
                        svc.client(Role.ADMIN),
                        iid,
                        "witness",
                        {"role": "家长代表", "name": "贾雪", "input": "42"},
                    )
                page.goto(f"{base}{page_of(iid)}")
                before = stage(page)
                yes = page.locator(f"#confirm-{name}-yes")
                assert not yes.is_visible(), f"{name}: one click would do it"
                page.click(f"#confirm-{name} > summary")
                assert yes.is_visible()
                box = page.inner_text(f"#confirm-{name} .confirm-box")
                for words in (
                    SCHOOL,
                    "2024级一年级",
                    "tb-2024-shiyan",
                    "不能撤销",
                    "cannot be undone",
                ):
                    assert words in box, (name, words, box)
                shot(page, f"confirm-{tag}-{name}", tmp_path)
                page.click(f"#confirm-{name} > summary")  # changed my mind
                assert not yes.is_visible()
                page.reload()
                assert stage(page) == before, f"{name} happened without its confirmation"
                page.click(f"#confirm-{name} > summary")
                page.click(f"#confirm-{name}-yes")
                page.wait_for_load_state()
                assert stage(page) == after, (name, page.inner_text("main")[:500])
        finally:
            ctx.close()
