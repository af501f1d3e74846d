"""Fixtures for the browser tests; helpers live in ``browserkit``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browserkit import Server, install_page, vector_keyring


@pytest.fixture(scope="session")
def webroot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("www")


@pytest.fixture(scope="session")
def server(webroot: Path) -> Iterator[Server]:
    s = Server(webroot)
    s.start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def vector_site(webroot: Path, server: Server) -> str:
    """The verify page with the vectors' test keyring, at <server>/vec/verify/."""
    install_page(webroot / "vec" / "verify", vector_keyring())
    return f"{server.url}/vec/verify/"


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context()
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.page_errors = errors
    return p
