"""The verify page on a phone (real Chromium at 360 and 390 CSS pixels, the common
narrow Android and iPhone widths): nothing wider than the screen in either language, on
an empty page, a verified class list and a refused code, and the language button on one
line."""

from __future__ import annotations

import json
import os
import re
import string
from pathlib import Path
from typing import Any

import pytest
from browserkit import VECTORS, open_verified, to_digits, verdict, wait_verified

WIDTHS = (360, 390)


def _compact(name: str) -> str:
    cases = json.loads((VECTORS / "record" / "jws.json").read_text("utf-8"))["cases"]
    return str(next(c for c in cases if c["name"] == name)["expected"]["compact"])


def overflow_x(page: Any) -> int:
    return int(
        page.evaluate(
            "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - document.documentElement.clientWidth"
        )
    )


def wider_than_screen(page: Any) -> list[str]:
    """Elements whose right edge passes the screen's (the culprits, for the message)."""
    found: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right
            > document.documentElement.clientWidth + 0.5)
          .map((e) => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)"""
    )
    return found


def text_lines(page: Any, selector: str) -> int:
    """How many lines the element's text is set on."""
    return int(
        page.evaluate(
            """(sel) => {
              const el = document.querySelector(sel);
              const r = document.createRange();
              r.selectNodeContents(el);
              return new Set([...r.getClientRects()].map((x) => Math.round(x.top))).size;
            }""",
            selector,
        )
    )


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def phone(request: pytest.FixtureRequest, browser: Any) -> Any:
    ctx = browser.new_context(
        viewport={"width": request.param, "height": 780},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    try:
        yield ctx.new_page()
    finally:
        ctx.close()


def test_no_sideways_scrolling_on_a_phone(phone: Any, vector_site: str, tmp_path: Path) -> None:
    good = to_digits(_compact("class-statement-1"))
    bad = good[:-6] + ("11" if not good.endswith("11") else "12") + good[-4:]
    width = phone.viewport_size["width"]
    folder = Path(os.environ.get("PLACEMENT_SCREENSHOTS") or tmp_path)  # for people to look at
    phone.goto(vector_site)
    for lang in ("zh", "en"):
        phone.evaluate("(l) => localStorage.setItem('lang', l)", lang)  # as the button does
        for label, fragment in (("empty", ""), ("list", f"#n={good}"), ("refused", f"#n={bad}")):
            phone.goto("about:blank")
            phone.goto(f"{vector_site}{fragment}")
            wait_verified(phone) if fragment else phone.wait_for_selector("#reason:not(:empty)")
            assert phone.get_attribute("html", "lang") == ("en" if lang == "en" else "zh-CN")
            path = folder / f"verify-{width}-{lang}-{label}.png"
            phone.screenshot(path=str(path), full_page=True)
            assert overflow_x(phone) == 0, (lang, label, wider_than_screen(phone))
            assert text_lines(phone, "#lang") == 1, (lang, label)
    assert verdict(phone) == "bad"
    open_verified(phone, f"{vector_site}#n={good}")
    assert verdict(phone) == "ok"


def test_chinese_reasons_carry_no_library_text(page: Any, vector_site: str) -> None:
    """A code whose base64url has stray padding bits: the Chinese reason is Chinese words
    only; the English view names the library's detail."""
    compact = _compact("class-statement-1")
    head, payload, sig = compact.split(".")
    # 64 signature bytes in 86 characters leave 4 unused bits in the last one: set one
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    assert len(sig) == 86
    broken = f"{head}.{payload}.{sig[:-1]}{alphabet[alphabet.index(sig[-1]) | 1]}"
    page.goto(vector_site)
    for lang in ("zh", "en"):
        page.evaluate("(l) => localStorage.setItem('lang', l)", lang)
        page.goto("about:blank")
        open_verified(page, f"{vector_site}#n={to_digits(broken)}")
        assert verdict(page) == "bad"
        reason = page.inner_text("#reason")
        shown = reason + page.inner_text("#checks-box")
        if lang == "zh":
            assert not re.search(r"[A-Za-z]{3,}", shown), shown
        else:
            assert "padding" in shown or "canonical" in shown, shown
