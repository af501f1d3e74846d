"""``placement export-public``: the public side as static files — complete, linked
relatively, and working from a plain static file server (no Flask)."""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from functools import partial
from html import unescape
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urldefrag, urlsplit

import pytest
from portalkit import FLAG_WORDS, announced, published, roster_rows
from servicekit import ROOT, Service

from placement.canonical import canonical_json
from placement.tlog import checkpoint_of, root_from_tiles, tile_paths_for
from verifier.signatures import verify_checkpoint
from verifier.verify import verify_bundle
from web.app.export import export_public
from web.cli.export import add_parser
from web.service import workflow

DRAW = "tb-2024-shiyan"
VERIFY = ROOT / "web" / "static" / "verify"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture
def exported(sqlite_service: Service, tmp_path: Path) -> Path:
    published(sqlite_service)
    out = tmp_path / "www"
    summary = export_public(sqlite_service.app, out)
    assert summary.results == 1
    assert summary.announcements == 1
    return out


@pytest.fixture
def static_server(exported: Path) -> Iterator[str]:
    handler = partial(_Quiet, directory=str(exported))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as r:
        return bytes(r.read())


def test_tree_is_complete(exported: Path, sqlite_service: Service) -> None:
    files = {p.relative_to(exported).as_posix() for p in exported.rglob("*") if p.is_file()}
    for page in ("index", "announcements/index", f"announcements/{DRAW}/index"):
        assert f"{page}.html" in files
        assert f"{page}.en.html" in files
    assert f"results/{DRAW}/index.html" in files
    assert f"results/{DRAW}/index.en.html" in files
    assert f"results/{DRAW}/public.zip" in files
    assert f"announcements/{DRAW}/announcement.jws" in files
    assert "portal.css" in files
    for asset in VERIFY.rglob("*"):
        if asset.is_file():
            assert f"verify/{asset.relative_to(VERIFY).as_posix()}" in files
    keyring = sqlite_service.env.keyring()
    assert (exported / "verify/keyring.json").read_bytes() == canonical_json(keyring.to_json())
    assert (exported / "verify/portal.json").is_file()
    note = (exported / "log/checkpoint").read_text()
    cp = verify_checkpoint(note, keyring)
    tiles = {p: (exported / "log" / p).read_bytes() for p in tile_paths_for(cp.size)}
    assert root_from_tiles(tiles, cp.size) == cp.root
    bundle = (exported / f"results/{DRAW}/public.zip").read_bytes()
    assert verify_bundle(bundle, trusted=keyring).verified


def test_every_relative_link_resolves(exported: Path) -> None:
    pages = list(exported.rglob("*.html"))
    assert len(pages) >= 8
    for page in pages:
        if page.is_relative_to(exported / "verify"):
            continue
        html = page.read_text()
        for href in re.findall(r'(?:href|src)="([^"]+)"', html):
            url, _ = urldefrag(unescape(href))
            if url.startswith("tel:") or not url:
                continue
            target, query = urlsplit(url).path, parse_qs(urlsplit(url).query)
            assert "://" not in url
            assert not target.startswith("/"), (page, href)  # relative: any host, any folder
            assert (page.parent / target).resolve().is_file(), (page, href)
            for bundle in query.get("bundle", []):  # resolved by the verify page
                assert ((page.parent / target).parent / bundle).resolve().is_file(), href


def test_result_pages_hold_nothing_private(exported: Path) -> None:
    for lang in ("index.html", "index.en.html"):
        html = unescape((exported / f"results/{DRAW}" / lang).read_text())
        for row in roster_rows():
            assert row.name in html
            assert row.id_number not in html
            assert row.student_no not in html
        for word in FLAG_WORDS:
            assert word not in html
    assert "Complaints and appeals" in (exported / "index.en.html").read_text()


def test_pages_work_from_a_static_server(static_server: str, exported: Path) -> None:
    base = static_server
    assert "洮北区实验小学" in fetch(f"{base}/").decode()
    result = fetch(f"{base}/results/{DRAW}/").decode()  # a folder URL serves index.html
    assert "林秀云" in result
    assert fetch(f"{base}/results/{DRAW}/public.zip")[:2] == b"PK"
    assert b'src="js/page.js"' in fetch(f"{base}/verify/")
    ring = fetch(f"{base}/verify/keyring.json")
    assert ring == (exported / "verify/keyring.json").read_bytes()
    note = fetch(f"{base}/log/checkpoint").decode()
    size = checkpoint_of(note).size
    tiles = {p: fetch(f"{base}/log/{p}") for p in tile_paths_for(size)}
    assert root_from_tiles(tiles, size) == checkpoint_of(note).root
    with pytest.raises(urllib.error.HTTPError):
        fetch(f"{base}/lookup")  # needs the service; not in the export


def test_verify_link_in_a_browser_from_static_files(static_server: str, browser: Any) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{static_server}/index.html")
        page.click("a.primary")
        page.click("a.verify-link >> nth=2")
        page.wait_for_selector("body[data-verified]", timeout=15_000)
        assert page.get_attribute("#verdict", "data-result") == "ok"
        assert "/verify/index.html#n=" in page.url
        page.go_back()
        page.click("a.replay-link")  # the whole draw replayed in JavaScript
        page.wait_for_selector("body[data-replayed]", timeout=60_000)
        verdict = page.get_attribute("#replay-verdict", "data-result")
        assert verdict == "ok", page.inner_text("#replay-checks")
        assert not errors
    finally:
        context.close()


def test_announced_only_and_re_export_replaces(sqlite_service: Service, tmp_path: Path) -> None:
    iid = announced(sqlite_service)
    out = tmp_path / "www"
    export_public(sqlite_service.app, out)
    assert (out / f"announcements/{DRAW}/index.html").is_file()
    assert not (out / "results").exists()
    stale = out / "stale.txt"
    stale.write_text("old")
    workflow.cancel(sqlite_service.env, iid, reason="名单有误，重新公告", user="admin")
    export_public(sqlite_service.app, out)
    assert not stale.exists()
    assert "名单有误，重新公告" in (out / f"announcements/{DRAW}/index.html").read_text()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".www")) == []


def test_command_line_parser() -> None:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["export-public", "out", "--lookup-url", "https://x.example/lookup"])
    assert args.dir == Path("out")
    assert args.lookup_url == "https://x.example/lookup"
    assert callable(args.func)


def test_command_runs_on_the_instance(
    sqlite_service: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    import argparse  # noqa: PLC0415

    published(sqlite_service)
    app = sqlite_service.app
    monkeypatch.setenv("PLACEMENT_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("PLACEMENT_KEYS_DIR", app.config["KEYS_DIR"])
    monkeypatch.setenv("PLACEMENT_BUREAU_KEY", app.config["BUREAU_KEY"])
    monkeypatch.setenv("PLACEMENT_LOG_KEY", app.config["LOG_KEY"])
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command"))
    out = tmp_path / "public"
    args = parser.parse_args(["export-public", str(out), "--instance", str(tmp_path / "inst")])
    assert args.func(args) == 0
    assert (out / f"results/{DRAW}/index.html").is_file()
    assert "1 结果 results" in capsys.readouterr().out
