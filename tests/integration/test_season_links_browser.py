"""The season is reachable: the portal's navigation leads to the season's public pages
(招生区域, 招生计划, 公示 during its window, 举报, statistics) and the staff navigation to
the season's staff page and its parts (review, 公示, reports, notices, 统筹, calendar) —
in a real browser at desktop and 360 px phone size, with nothing wider than the screen.
Screenshots go to $PLACEMENT_SCREENSHOTS when it names a folder."""

from __future__ import annotations

from pathlib import Path

import seasonflow
from pagekit import log_in, serving
from playwright.sync_api import Browser, Page
from screenkit import overflow_x, shot
from servicekit import Service

from web.demo import season as demo

SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 360, "height": 740}}


def posted(svc: Service) -> None:
    """A season on its first 公示 day: two approved children of 实验小学, posted."""
    seasonflow.started(svc)
    seasonflow.approved(svc, seasonflow.registered(svc, (70, 71)))
    seasonflow.posted(svc)


def nav_links(page: Page, selector: str) -> dict[str, str]:
    """Link text → href of a navigation bar."""
    found: dict[str, str] = page.eval_on_selector_all(
        f"{selector} a",
        "els => Object.fromEntries(els.map(a => [a.textContent.trim(), a.getAttribute('href')]))",
    )
    return found


def follow(page: Page, base: str, href: str) -> None:
    r = page.goto(base + href if href.startswith("/") else href)
    assert r is not None
    assert r.status == 200, (href, r.status)


def test_portal_navigation_reaches_the_season(
    sqlite_service: Service, browser: Browser, tmp_path: Path
) -> None:
    svc = sqlite_service
    with serving(svc.app) as base:
        # before a season is set up, the portal does not link to it
        page = browser.new_page(viewport=SIZES["desktop"])
        page.goto(f"{base}/")
        assert "招生报名" not in nav_links(page, "header.bar nav")
        page.close()
        posted(svc)
        for size, viewport in SIZES.items():
            page = browser.new_page(viewport=viewport, locale="zh-CN")
            page.goto(f"{base}/")
            shot(page, f"season-links-portal-{size}", tmp_path)
            assert overflow_x(page) == 0, size
            page.click("header.bar nav >> text=招生报名")
            page.wait_for_url(f"{base}/season/")
            shot(page, f"season-links-season-{size}", tmp_path)
            assert overflow_x(page) == 0, size
            links = nav_links(page, "nav.season-nav")
            for text in ("招生区域", "招生计划", "公示名单", "举报", "举报处理", "统计"):
                assert text in links, (text, links)
            for text in ("招生区域", "招生计划", "网上报名", "举报", "举报处理", "统计"):
                follow(page, base, links[text])
                assert overflow_x(page) == 0, (size, text)
                if text == "网上报名":
                    page.locator("fieldset.pupil-fields").scroll_into_view_if_needed()
                    shot(page, f"season-links-register-{size}", tmp_path)
            page.goto(f"{base}/season/")
            page.click("nav.season-nav >> text=公示名单")
            page.click(f"#notices >> text={demo.SY}")
            assert page.locator("#list tbody tr").count() == 2
            shot(page, f"season-links-notice-{size}", tmp_path)
            assert overflow_x(page) == 0, size
            page.close()
        # English keeps its language through the season's links
        page = browser.new_page(viewport=SIZES["phone"])
        page.goto(f"{base}/season/?lang=en")
        assert nav_links(page, "nav.season-nav")["Plan"].endswith("lang=en")
        page.close()
        # after the window the 公示 and 举报 links are gone; the pages that stay remain
        svc.at(seasonflow.at(8, 1))
        page = browser.new_page(viewport=SIZES["phone"])
        page.goto(f"{base}/season/")
        links = nav_links(page, "nav.season-nav")
        assert "公示名单" not in links
        assert "举报" not in links
        assert "举报处理" in links
        page.close()


def test_staff_navigation_reaches_the_season(
    sqlite_service: Service, browser: Browser, tmp_path: Path
) -> None:
    svc = sqlite_service
    posted(svc)
    parts = ("审核 Review", "公示 Posted lists", "举报 Reports", "通知书 Notices")
    parts += ("统筹 Allocation", "时间例外 Calendar")
    with serving(svc.app) as base:
        for role in ("admin", "supervisor"):
            for size, viewport in SIZES.items():
                page = browser.new_page(viewport=viewport, locale="zh-CN")
                log_in(page, base, svc.users[next(r for r in svc.users if r.value == role)])
                page.click("header.top nav >> text=招生审核 Season")
                page.wait_for_url(f"{base}/staff/season/")
                links = nav_links(page, "nav.subnav")
                for text in parts:
                    anchor = links[text]
                    assert anchor.startswith("#")
                    assert page.locator(anchor).count() == 1, (role, text)
                shot(page, f"season-links-staff-{role}-{size}", tmp_path)
                assert overflow_x(page) == 0, (role, size)
                page.click("nav.subnav >> text=统筹 Allocation")
                shot(page, f"season-links-staff-{role}-{size}-allocation", tmp_path)
                forms = page.locator("#assign-form, #allocate-form, #override-form").count()
                assert forms == (3 if role == "admin" else 0)
                page.close()
