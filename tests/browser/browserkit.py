"""Helpers for the browser tests: a static web server on 127.0.0.1 (a secure context,
so ``crypto.subtle`` exists), copies of the verify page and Chromium via Playwright.

Chromium is Debian's ``/usr/bin/chromium``; ``playwright install`` is never run.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "web" / "static" / "verify"
VECTORS = ROOT / "tests" / "vectors" / "v1"


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 - the base class defines it as a class attribute
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".json": "application/json",
        ".zip": "application/zip",
    }

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def end_headers(self) -> None:
        # the portal's policy: the page must work under it
        self.send_header(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; "
            "frame-ancestors 'none'",
        )
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a browser dropping a connection (offline tests) is not an error here


class Server:
    """A threaded static file server for one directory, on 127.0.0.1 and a free port."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.httpd: _QuietServer | None = None
        self.thread: threading.Thread | None = None
        self.port = 0

    def start(self) -> None:
        handler = partial(_Handler, directory=str(self.root))
        self.httpd = _QuietServer(("127.0.0.1", self.port), handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None
        if self.thread is not None:
            self.thread.join(timeout=5)
            self.thread = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def serving(root: Path) -> Iterator[Server]:
    server = Server(root)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def install_page(
    dst: Path, keyring: Path | dict[str, Any], portal: dict[str, str] | None = None
) -> Path:
    """Copy the verify page into ``dst`` with this keyring (and portal.json)."""
    shutil.copytree(STATIC, dst, dirs_exist_ok=True)
    if isinstance(keyring, Path):
        shutil.copyfile(keyring, dst / "keyring.json")
    else:
        (dst / "keyring.json").write_text(json.dumps(keyring, ensure_ascii=False), "utf-8")
    if portal is not None:
        (dst / "portal.json").write_text(json.dumps(portal, ensure_ascii=False), "utf-8")
    return dst


def vector_keyring() -> dict[str, Any]:
    data = json.loads((VECTORS / "record" / "keys.json").read_text("utf-8"))
    ring: dict[str, Any] = data["keyring"]
    return ring


def wait_verified(page: Any, timeout: float = 15_000) -> None:
    page.wait_for_selector("body[data-verified]", state="attached", timeout=timeout)


def open_verified(page: Any, url: str) -> None:
    """Go to ``url`` and wait for its verdict; a fragment-only change keeps the document,
    so the marker of the previous verdict is removed first."""
    if page.url.startswith("http"):
        page.evaluate("() => { delete document.body.dataset.verified; }")
    page.goto(url)
    wait_verified(page)


def verdict(page: Any) -> str:
    return str(page.get_attribute("#verdict", "data-result"))


def names(page: Any) -> list[str]:
    return [str(x) for x in page.locator("#names td.pupil").all_text_contents()]


def checks(page: Any, where: str = "#checks") -> dict[str, bool]:
    out = {}
    for li in page.locator(f"{where} li").all():
        out[str(li.get_attribute("data-check"))] = li.get_attribute("class") == "ok"
    return out


def js(page: Any, body: str, arg: Any = None) -> Any:
    """Run ``body`` (an async function body that sees ``arg`` and the helper ``mod``,
    which imports a module of the page by its name) in the page."""
    script = (
        "async (arg) => {\n"
        "const mod = (n) => import(new URL(`js/${n}.js`, document.baseURI).href);\n" + body + "\n}"
    )
    return page.evaluate(script, arg)


_ROW = re.compile(r"(\d{1,2})\s+(\S+?)\s+(男|女)(?=\s|$)")


def printed_rows(text: str) -> list[tuple[int, str, str]]:
    """(序号, 姓名, 性别) rows of a class list's ``pdftotext -layout`` text, by 序号."""
    body = text.split("序号", 1)[1].split("家长代表", 1)[0]
    return sorted({(int(n), name, sex) for n, name, sex in _ROW.findall(body)})


def to_digits(text: str) -> str:
    return "".join(f"{ord(c) - 45:02d}" for c in text)


def from_digits(digits: str) -> str:
    return "".join(chr(int(digits[i : i + 2]) + 45) for i in range(0, len(digits), 2))
