"""The portal in a real browser (Debian's Chromium through Playwright; never
``playwright install``): the lookup form and API, found / not found / rate limited,
and a class list's verify link opening the verify page with a ✓ — all under the
portal's Content-Security-Policy, with the app served on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from portalkit import published, roster_rows
from servicekit import Service, make_service
from werkzeug.serving import make_server

from placement.idcard import check_character
from placement.keyring import CST
from web.app.services import services
from web.service import exceptions as ex

LIMIT = 12


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Service, str]]:
    svc = make_service(tmp_path, "sqlite", config={"LOOKUP_LIMIT": LIMIT})
    published(svc)
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
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
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


FETCH = """async ([name, id_number]) => {
  const t0 = performance.now();
  const r = await fetch('/api/lookup', {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify({name, id_number})});
  const ms = performance.now() - t0;
  return {status: r.status, body: await r.json(), ms, retry: r.headers.get('Retry-After')};
}"""


def unknown_id() -> str:
    first17 = "22080220180101999"
    return first17 + check_character(first17)


def test_lookup_found_not_found_and_rate_limited(site: tuple[Service, str], page: Any) -> None:
    _, url = site
    pupil = roster_rows()[3]
    page.goto(f"{url}/lookup")
    page.fill("input[name=name]", pupil.name)
    page.fill("input[name=id_number]", pupil.id_number)
    page.click("button[type=submit]")
    found = page.inner_text("section.answer")
    assert "已查到" in found
    assert "2024级一年级（" in found
    assert pupil.id_number not in page.content()

    page.fill("input[name=name]", "王小明")
    page.fill("input[name=id_number]", unknown_id())
    page.click("button[type=submit]")
    assert "未查到" in page.inner_text("section.answer")

    hit = page.evaluate(FETCH, [pupil.name, pupil.id_number])
    miss = page.evaluate(FETCH, ["王小明", unknown_id()])
    assert hit["status"] == miss["status"] == 200
    assert hit["body"]["found"] is True
    assert miss["body"] == {"found": False, "school": None, "intake": None, "class_label": None}
    assert set(hit["body"]) == set(miss["body"])

    statuses = [page.evaluate(FETCH, ["王小明", unknown_id()]) for _ in range(LIMIT)]
    limited = [s for s in statuses if s["status"] == 429]
    assert limited, [s["status"] for s in statuses]
    assert int(limited[0]["retry"]) >= 1
    assert limited[0]["body"]["error"]["en"].startswith("too many lookups")
    assert not page.problems


def test_class_list_verify_link_shows_a_tick(site: tuple[Service, str], page: Any) -> None:
    _, url = site
    page.goto(f"{url}/")
    page.click("a.primary")  # the published intake's class lists
    assert "班主任" in page.inner_text("main")
    link = page.get_attribute("a.verify-link", "href")
    page.click("a.verify-link")
    page.wait_for_selector("body[data-verified]", timeout=15_000)
    assert page.get_attribute("#verdict", "data-result") == "ok", page.inner_text("#reason")
    assert "0436-0000000" in page.inner_text("#hotline")  # portal.json
    # The printed QR code's base URL has no trailing slash: the redirect keeps the fragment.
    page.goto(f"{url}{link.replace('/verify/#', '/verify#')}")
    page.wait_for_selector("body[data-verified]", timeout=15_000)
    assert page.url.startswith(f"{url}/verify/#n=")
    assert page.get_attribute("#verdict", "data-result") == "ok"
    assert not page.problems


def looked_up_and_verified(page: Any, url: str, name: str, id_number: str) -> str:
    """Look a pupil up, follow the receipt link, wait for ✓; return the lookup's answer."""
    page.goto(f"{url}/lookup")
    page.fill("input[name=name]", name)
    page.fill("input[name=id_number]", id_number)
    page.click("button[type=submit]")
    answer = str(page.inner_text("section.answer"))
    link = page.get_attribute("#receipt-link", "href")
    assert link is not None
    assert link.startswith("/verify/#p=")
    page.goto(f"{url}{link}")
    page.wait_for_selector("body[data-verified]", state="attached", timeout=15_000)
    assert page.get_attribute("#verdict", "data-result") == "ok", page.inner_text("#reason")
    return answer


def test_lookup_hands_the_receipt_to_the_browser(site: tuple[Service, str], page: Any) -> None:
    """v2 (spec §21.5): after a lookup the family follows a link whose fragment holds the
    receipt and the signed documents; the verify page checks it in the browser: ✓, with
    the class confirmed by the signed result. The receipt never went into a code."""
    _, url = site
    pupil = roster_rows()[3]
    looked_up_and_verified(page, url, pupil.name, pupil.id_number)
    details = page.inner_text("#details")
    assert pupil.name in details
    checks = page.locator("#checks li[data-check]")
    ids = {checks.nth(i).get_attribute("data-check") for i in range(checks.count())}
    assert {"receipt_announcement", "receipt_class"} <= ids
    assert page.problems == []


def test_a_late_pupil_gets_a_receipt_the_browser_verifies(
    site: tuple[Service, str], page: Any
) -> None:
    """A pupil placed after the draw by an approved 补录 (spec §E6): the lookup answers
    with the class late-placement/1 gave and hands over the added receipt with the signed
    request and decision; the verify page checks all of them: ✓, placed by exception 1."""
    svc, url = site
    svc.at(datetime(2024, 9, 2, 10, 0, tzinfo=CST))
    iid = 1
    first17 = "22080220180505002"
    late = {"name": "宋雨桐", "gender": "女", "id_number": first17 + check_character(first17)}
    n = ex.request_late(
        svc.env,
        iid,
        admitted=ex.Admitted(late, "late-review", "复审决定 2024-0901-03"),
        reason="资格复审于派位后通过",
        user="op",
    )
    placed = ex.decide(svc.env, iid, number=n, approve=True, reason="按补录规则安排", user="admin")
    answer = looked_up_and_verified(page, url, late["name"], late["id_number"])
    assert f"（{placed['placed']}）班" in answer
    details = page.inner_text("#details")
    assert "宋雨桐" in details
    assert "第 1 号例外" in details
    assert f"（{placed['placed']}）班" in details
    checks = page.locator("#checks li[data-check]")
    ids = [checks.nth(i).get_attribute("data-check") for i in range(checks.count())]
    assert ids[-3:] == ["receipt_request", "receipt_decision", "receipt_class"]
    assert "receipt_inclusion" not in ids  # no roster leaf, no inclusion proof
    assert page.problems == []
