"""Looking at a page the way a room or a phone does: is an element inside the visible
screen, is any heading hidden behind something drawn over it, does the page overflow
sideways; screenshots for people to look at (kept when PLACEMENT_SCREENSHOTS names a
folder)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Page

DESKTOPS = ({"width": 1366, "height": 768}, {"width": 1920, "height": 1080})
PHONES = ({"width": 360, "height": 740}, {"width": 390, "height": 844})

_BOX = """(sel) => {
  const el = document.querySelector(sel);
  if (!el) return null;
  const r = el.getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};
}"""


def box(page: Page, selector: str) -> dict[str, float]:
    found: dict[str, float] | None = page.evaluate(_BOX, selector)
    assert found is not None, f"{selector} is not on the page"
    return found


def in_view(page: Page, selector: str) -> bool:
    """The whole element lies inside the visible screen."""
    b = box(page, selector)
    size = page.viewport_size
    assert size is not None
    return (
        b["top"] >= 0
        and b["left"] >= 0
        and b["bottom"] <= size["height"]
        and b["right"] <= size["width"] + 0.5
    )


def wait_in_view(page: Page, selector: str, timeout: float = 15_000) -> None:
    """Wait until the element has come fully into view (smooth scrolling takes a moment)."""
    page.wait_for_function(
        """(sel) => {
          const el = document.querySelector(sel);
          if (!el) return false;
          const r = el.getBoundingClientRect();
          return r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth;
        }""",
        arg=selector,
        timeout=timeout,
    )
    page.wait_for_timeout(300)  # let a smooth scroll come to rest


_COVERED = """() => {
  const out = [];
  for (const h of document.querySelectorAll('h1, h2, h3')) {
    const r = h.getBoundingClientRect();
    if (r.width === 0 || r.bottom <= 0 || r.top >= innerHeight) continue;
    const y = Math.min(Math.max(r.top + Math.min(r.height, 12) / 2, 0), innerHeight - 1);
    const x = Math.min(r.left + 4, innerWidth - 1);
    const hit = document.elementFromPoint(x, y);
    if (hit && hit !== h && !h.contains(hit)) out.push(h.textContent.trim().slice(0, 40));
  }
  return out;
}"""


def covered_headings(page: Page) -> list[str]:
    """Headings on screen with something else drawn over their first line."""
    found: list[str] = page.evaluate(_COVERED)
    return found


def covered_anywhere(page: Page, step: int = 200) -> list[str]:
    """``covered_headings`` at every scroll position, top to bottom."""
    height = int(page.evaluate("document.documentElement.scrollHeight"))
    out: list[str] = []
    for y in range(0, height, step):
        page.evaluate("(y) => window.scrollTo(0, y)", y)
        out += covered_headings(page)
    page.evaluate("window.scrollTo(0, 0)")
    return out


def overflow_x(page: Page) -> int:
    """How many CSS pixels the page is wider than the screen (0: none)."""
    return int(
        page.evaluate(
            "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - innerWidth"
        )
    )


def shot(page: Page, name: str, tmp: Path) -> Path:
    """A screenshot, in tmp and (for people to look at) in $PLACEMENT_SCREENSHOTS."""
    folder = Path(os.environ.get("PLACEMENT_SCREENSHOTS") or tmp)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{re.sub(r'[^A-Za-z0-9_.-]', '-', name)}.png"
    page.screenshot(path=str(path))
    return path


def decode_qr(page: Page, selector: str, tmp: Path) -> str:
    """The text of the QR code an element shows, read from a screenshot of it."""
    import zxingcpp  # noqa: PLC0415
    from PIL import Image  # noqa: PLC0415

    path = tmp / "qr.png"
    page.locator(selector).screenshot(path=str(path))
    with Image.open(path) as img:
        found = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(found) == 1, f"{len(found)} QR codes in {selector}"
    return str(found[0].text)
