"""Offline after first load (issue 6): the service worker keeps the verify page, its
scripts, styles and the keyring, so a parent who opened it once can verify a code
with no network — the server stopped, or the phone offline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browserkit import (
    VECTORS,
    Server,
    install_page,
    names,
    open_verified,
    to_digits,
    vector_keyring,
    verdict,
    wait_verified,
)


def statement(n: int) -> tuple[str, list[str]]:
    cases = json.loads((VECTORS / "record" / "jws.json").read_text("utf-8"))["cases"]
    case = next(c for c in cases if c["name"] == f"class-statement-{n}")
    return case["expected"]["compact"], [p[0] for p in case["document"]["pupils"]]


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Server]:
    install_page(tmp_path / "verify", vector_keyring())
    s = Server(tmp_path)
    s.start()
    try:
        yield s
    finally:
        s.stop()


def first_load(page: Any, url: str) -> None:
    page.goto(url)
    wait_verified(page)
    page.wait_for_selector("body[data-offline=ready]", state="attached", timeout=15_000)
    assert verdict(page) == "ok"


def test_reload_with_the_server_stopped(page: Any, own_server: Server):
    jws, pupils = statement(1)
    url = f"{own_server.url}/verify/#n={to_digits(jws)}"
    first_load(page, url)
    own_server.stop()
    page.reload()
    wait_verified(page)
    assert verdict(page) == "ok"
    assert names(page) == pupils
    # another code, opened while the server is still down
    other, others = statement(2)
    open_verified(page, f"{own_server.url}/verify/#n={to_digits(other)}")
    assert verdict(page) == "ok"
    assert names(page) == others
    assert page.page_errors == []


def test_offline_phone(page: Any, context: Any, own_server: Server):
    jws, _ = statement(1)
    base = f"{own_server.url}/verify/"
    first_load(page, f"{base}#n={to_digits(jws)}")
    context.set_offline(True)
    try:
        other, others = statement(3)
        open_verified(page, f"{base}#n={to_digits(other)}")
        page.reload()
        wait_verified(page)
        assert verdict(page) == "ok"
        assert names(page) == others
        # a changed code is still refused offline
        bad = other[:-3] + ("A" if other[-3] != "A" else "B") + other[-2:]
        open_verified(page, f"{base}#n={to_digits(bad)}")
        assert verdict(page) == "bad"
        page.reload()
        wait_verified(page)
        assert verdict(page) == "bad"
    finally:
        context.set_offline(False)
    assert page.page_errors == []
