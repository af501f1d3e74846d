"""The results address before publication, in real Chromium on a desk screen and a
phone: the portal's own "尚未公布" page (navigation, hotline, the announcement link),
answered with 404, fitting the screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from pagekit import serving
from playwright.sync_api import Browser
from portalkit import SCHOOL, drawn
from screenkit import DESKTOPS, PHONES, covered_headings, overflow_x, shot
from servicekit import Service

DRAW = "tb-2024-shiyan"


@pytest.mark.parametrize(
    "size", [DESKTOPS[0], PHONES[0]], ids=lambda s: f"{s['width']}x{s['height']}"
)
def test_results_before_publication(
    sqlite_service: Service, browser: Browser, size: dict[str, int], tmp_path: Path
) -> None:
    drawn(sqlite_service)
    with serving(sqlite_service.app) as base:
        ctx = browser.new_context(viewport=size)  # type: ignore[arg-type]
        try:
            page = ctx.new_page()
            r = page.goto(f"{base}/results/{DRAW}")
            assert r is not None
            assert r.status == 404
            assert "尚未公布" in page.inner_text("#not-published h1")
            assert SCHOOL in page.inner_text("#not-published")
            assert page.locator("header.bar nav a").count() >= 3  # the portal's navigation
            assert page.locator("#complaints a.tel").count() == 1  # the hotline
            assert overflow_x(page) == 0
            assert covered_headings(page) == []
            shot(page, f"not-published-{size['width']}", tmp_path)
            page.click(f"#not-published a[href='/announcements/{DRAW}']")
            page.wait_for_url(f"{base}/announcements/{DRAW}")
        finally:
            ctx.close()
