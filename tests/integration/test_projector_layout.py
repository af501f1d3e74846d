"""The projector as a room sees it, at 1366×768 and 1920×1080 (real Chromium): at each
stage everything the room must read is on the screen without anyone scrolling (or the
page scrolls itself to the new part), nothing is drawn over a heading, and the witness
address is also a QR code that decodes to that address."""

from __future__ import annotations

from pathlib import Path

import pytest
from pagekit import intake_at, serving, step
from playwright.sync_api import Browser
from screenkit import (
    DESKTOPS,
    covered_anywhere,
    covered_headings,
    decode_qr,
    in_view,
    overflow_x,
    shot,
    wait_in_view,
)
from servicekit import Service
from test_projector_browser import WAIT, log_in

from web.service.roles import Role

WITNESSES = (  # five inputs, as a real ceremony plans them
    ("家长代表", "贾雪", "3 1 4 1 5 9"),
    ("家长代表", "欧阳丽娜", "2718281828"),
    ("区教育局监督员", "王建国", "一九八四年十月"),
    ("纪检监察组", "李明", "161803398874989"),
    ("公证员", "张晓燕", "42 17 8 99"),
)


@pytest.mark.parametrize("size", DESKTOPS, ids=lambda s: f"{s['width']}x{s['height']}")
def test_each_stage_fits_the_screen(
    sqlite_service: Service, browser: Browser, size: dict[str, int], tmp_path: Path
) -> None:
    svc = sqlite_service
    iid = intake_at(svc, "announced")
    admin = svc.client(Role.ADMIN)
    tag = f"{size['width']}x{size['height']}"
    with serving(svc.app) as base:
        room = browser.new_context(viewport=size)  # type: ignore[arg-type]
        try:
            pj = room.new_page()
            log_in(pj, base, svc.users[Role.OPERATOR])
            pj.goto(f"{base}/ceremony/{iid}/projector")
            pj.wait_for_selector("#pj-witness-code")

            # announced: the code, its QR code and the address, beside the inputs
            for sel in ("#pj-witness-code", "#pj-witness-qr", "#pj-witness-url"):
                assert in_view(pj, sel), f"{sel} is below the fold at {tag}"
            url = pj.inner_text("#pj-witness-url")
            assert url == f"{base}/w/{iid}"
            assert decode_qr(pj, "#pj-witness-qr", tmp_path) == url
            shot(pj, f"projector-{tag}-1-announced", tmp_path)

            for n, (role, name, text) in enumerate(WITNESSES, start=1):
                step(admin, iid, "witness", {"role": role, "name": name, "input": text})
                pj.wait_for_selector(f"#pj-witness-list li:nth-child({n})", timeout=WAIT)
                wait_in_view(pj, f"#pj-witness-list li:nth-child({n})")
            for sel in ("#pj-witness-code", "#pj-witness-qr", "#pj-witness-list"):
                assert in_view(pj, sel), f"{sel} is off the screen with 5 witnesses at {tag}"
            assert covered_headings(pj) == []
            assert overflow_x(pj) == 0
            shot(pj, f"projector-{tag}-2-witnessed", tmp_path)

            # the draw: the page brings the reveal onto the screen by itself
            step(admin, iid, "draw")
            pj.wait_for_selector("#pj-reveal", timeout=WAIT)
            wait_in_view(pj, "#pj-reveal")
            assert "与种子承诺一致" in pj.inner_text("#pj-reveal")
            assert covered_headings(pj) == []
            assert overflow_x(pj) == 0
            shot(pj, f"projector-{tag}-3-drawn", tmp_path)

            # no heading hidden at any scroll position, down to the last class list
            assert covered_anywhere(pj) == []
            pj.locator("#pj-classes .pj-class").last.scroll_into_view_if_needed()
            shot(pj, f"projector-{tag}-4-classes", tmp_path)
        finally:
            room.close()
