"""Fixtures every test folder shares: one headless Chromium for the whole run.

Playwright's sync API allows one running instance per thread, so the browser tests
(``tests/browser``) and the service's browser tests (``tests/integration``) share this
session-scoped browser instead of each starting its own. Debian's Chromium, never a
downloaded one (``playwright install`` is not used).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Without the networking flags Chromium keeps trying to reach the outside and is refused.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium (./dev installs it)")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only browser tests pay

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
