"""Fixtures every test folder shares: one headless Chromium per test process, and under
pytest-xdist a PostgreSQL database per worker.

Playwright's sync API allows one running instance per thread, so the browser tests
(``tests/browser``) and the service's browser tests (``tests/integration``) share this
session-scoped browser instead of each starting its own. Debian's Chromium, never a
downloaded one (``playwright install`` is not used).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PG_ENV = "PLACEMENT_TEST_DATABASE_URL"


def pytest_configure(config: pytest.Config) -> None:  # noqa: ARG001 - the hook's signature
    """Under ``pytest -n N`` each worker gets its own PostgreSQL database, ``<db>_gw0`` …,
    made through the server's admin database and then named in PLACEMENT_TEST_DATABASE_URL
    for everything in that worker (the tests empty it as they go). SQLite tests already
    use a temporary folder each."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get(PG_ENV)
    if not worker or not url:
        return
    from sqlalchemy import create_engine, make_url, text  # noqa: PLC0415 - PostgreSQL only

    base = make_url(url)
    name = f"{base.database}_{worker}"
    server = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as c:
        found = c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if found.first() is None:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    os.environ[PG_ENV] = base.set(database=name).render_as_string(hide_password=False)


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
