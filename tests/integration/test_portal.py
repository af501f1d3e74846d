"""The public pages: what a parent's phone sees before and after the draw, and what it
must never see (ID numbers, 学籍号, flags)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from flask.testing import FlaskClient
from portalkit import FLAG_WORDS, SCHOOL, announced, cancelled, created, drawn, published
from portalkit import roster_rows as rows
from servicekit import Service
from sqlmodel import select
from werkzeug.test import TestResponse

from placement.canonical import canonical_json
from placement.jws import parse
from placement.tlog import checkpoint_of, entries_from_tiles, root_from_tiles, tile_paths_for
from verifier.signatures import verify_checkpoint
from web.app.factory import CSP
from web.db.engine import reading
from web.db.models import RecordBlob
from web.sheets.qr import from_digits

DRAW = "tb-2024-shiyan"


def get(c: FlaskClient, path: str, **kw: Any) -> TestResponse:
    """A response read in full and closed (static files are sent as open files)."""
    r = c.get(path, **kw)
    r.get_data()
    r.close()
    return r


def text(svc: Service, path: str, status: int = 200) -> str:
    r = get(svc.client(), path)
    assert r.status_code == status, (path, r.status_code)
    return unescape(r.get_data(as_text=True))


def blob(svc: Service, name: str) -> bytes:
    with reading(svc.env.engine) as s:
        return s.exec(select(RecordBlob.data).where(RecordBlob.name == name)).one()


class TestResults:
    def test_names_as_on_the_gate_copy_and_nothing_private(self, sqlite_service: Service) -> None:
        published(sqlite_service)
        html = text(sqlite_service, f"/results/{DRAW}")
        roster = rows()
        for row in roster:
            assert row.name in html
            assert row.id_number not in html
            assert row.id_number[:6] + row.id_number[6:14] not in html
            assert row.student_no not in html
            assert row.birth_date not in html
        for word in FLAG_WORDS:
            assert word not in html
        visible = re.sub(r'href="[^"]*"|\b[0-9a-f]{64}\b', "", html)  # links, digests
        assert not re.search(r"\d{17}[\dX]", visible)  # nothing shaped like an ID number
        assert "林秀云" in html  # head teacher of class 1
        assert html.count('class="card class"') == 9
        assert "序号" in html
        assert "学籍" not in html
        assert f"/verify/?bundle=/results/{DRAW}/public.zip" in html  # full replay

    def test_verify_links_carry_the_signed_statements(self, sqlite_service: Service) -> None:
        published(sqlite_service)
        html = text(sqlite_service, f"/results/{DRAW}")
        links = re.findall(r'href="(/verify/#n=(\d+))"', html)
        assert len(links) == 9
        first = from_digits(links[0][1])
        assert first == blob(sqlite_service, "public/statements/01.jws").decode().strip()
        # the service's records are protocol v2: sorted lists, no names in the leaves
        assert parse(first).document()["t"] == "sunshine-placement/v2/class-statement"

    def test_bundle_download(self, sqlite_service: Service) -> None:
        published(sqlite_service)
        r = get(sqlite_service.client(), f"/results/{DRAW}/public.zip")
        assert r.status_code == 200
        assert r.mimetype == "application/zip"
        assert r.data == blob(sqlite_service, "bundle/public.zip")
        assert "public" in r.headers["Cache-Control"]
        assert r.headers["ETag"]
        again = get(
            sqlite_service.client(),
            f"/results/{DRAW}/public.zip",
            headers={"If-None-Match": r.headers["ETag"]},
        )
        assert again.status_code == 304

    @pytest.mark.parametrize("step", [created, announced, drawn])
    def test_unpublished_intake_has_no_results(self, sqlite_service: Service, step) -> None:
        step(sqlite_service)
        page = text(sqlite_service, f"/results/{DRAW}", 404)
        text(sqlite_service, f"/results/{DRAW}/public.zip", 404)
        elsewhere = text(sqlite_service, "/results/no-such-draw", 404)
        for html in (page, elsewhere):  # the portal's page: navigation and the hotline
            assert 'href="/announcements"' in html
            assert 'href="/verify/"' in html
            assert "区教育局监督电话" in html
            assert 'class="tel"' in html
            assert "尚未公布" in html
        if step is created:  # before the announcement nothing names the intake
            assert SCHOOL not in page
            assert "没有找到已公布的分班结果" in page
        else:
            assert "分班结果尚未公布" in page
            assert SCHOOL in page
            assert f'href="/announcements/{DRAW}"' in page
        assert SCHOOL not in elsewhere
        en = unescape(get(sqlite_service.client(), f"/results/{DRAW}?lang=en").get_data(True))
        assert "not published yet" in en.lower()
        assert "尚未公布" not in en


class TestAnnouncements:
    def test_announcement_before_the_draw(self, sqlite_service: Service) -> None:
        announced(sqlite_service)
        ann = parse(blob(sqlite_service, "public/announcement.jws").decode()).document()
        html = text(sqlite_service, f"/announcements/{DRAW}")
        roster, teams = ann["roster"], ann["teams"]
        assert isinstance(roster, dict)
        assert isinstance(teams, dict)
        for value in (roster["root"], teams["root"], ann["seed_commitment"], ann["algorithm"]):
            assert str(value) in html
        assert "2024-08-14 09:00" in html
        assert "家长代表 贾雪" in html
        assert "区教育局监督员 王强" in html
        assert "抽签后将核验的内容" in html
        assert f'href="/announcements/{DRAW}/announcement.jws"' in html
        listing = text(sqlite_service, "/announcements")
        assert SCHOOL in listing
        assert f"/announcements/{DRAW}" in listing
        r = get(sqlite_service.client(), f"/announcements/{DRAW}/announcement.jws")
        assert r.data == blob(sqlite_service, "public/announcement.jws")
        m = re.search(r'href="/verify/#n=(\d+)"', html)
        assert m
        compact = from_digits(m.group(1))
        assert parse(compact).document() == ann

    def test_draft_intake_has_no_announcement(self, sqlite_service: Service) -> None:
        created(sqlite_service)
        text(sqlite_service, f"/announcements/{DRAW}", 404)
        text(sqlite_service, f"/announcements/{DRAW}/announcement.jws", 404)
        assert DRAW not in text(sqlite_service, "/announcements")

    def test_cancelled_shows_the_reason(self, sqlite_service: Service) -> None:
        cancelled(sqlite_service, reason="名单有误，重新公告")
        html = text(sqlite_service, f"/announcements/{DRAW}")
        assert "已撤销" in html
        assert "名单有误，重新公告" in html
        assert "已撤销" in text(sqlite_service, "/")
        text(sqlite_service, f"/results/{DRAW}", 404)


class TestPages:
    def test_home_lists_schools_and_states(self, sqlite_service: Service) -> None:
        published(sqlite_service)
        html = text(sqlite_service, "/")
        for name in ("洮北区实验小学", "洮北区第一小学", "第二中学", "铁路二中"):
            assert name in html
        assert "结果已公布" in html
        assert f'href="/results/{DRAW}"' in html
        assert "停止招生" in html  # 铁路二中, closed in 2024

    def test_hotline_and_procedure_on_every_page(self, sqlite_service: Service) -> None:
        published(sqlite_service)
        for path in ("/", "/announcements", f"/announcements/{DRAW}", f"/results/{DRAW}"):
            html = text(sqlite_service, path)
            assert "0436-0000000" in html
            assert "对分班结果有异议的" in html
        assert "0436-0000000" in text(sqlite_service, "/lookup")

    def test_english_by_parameter_then_cookie(self, sqlite_service: Service) -> None:
        published(sqlite_service)
        c = sqlite_service.client()
        r = get(c, f"/results/{DRAW}?lang=en")
        html = r.get_data(as_text=True)
        assert '<html lang="en">' in html
        assert "Complaints and appeals" in html
        assert "Head teacher" in html
        assert f'href="/results/{DRAW}?lang=zh"' in html  # the switch back
        assert "lang=en" in r.headers["Set-Cookie"]
        assert "private" in r.headers["Cache-Control"]
        again = get(c, "/").get_data(as_text=True)  # remembered
        assert "Complaints and appeals" in again
        assert "投诉与申诉" in get(c, "/?lang=zh").get_data(as_text=True)

    def test_csp_and_no_inline_code_on_every_portal_page(self, sqlite_service: Service) -> None:
        published(sqlite_service)
        c = sqlite_service.client()
        paths = [
            "/",
            "/?lang=en",
            "/announcements",
            f"/announcements/{DRAW}",
            f"/results/{DRAW}",
            "/lookup",
            "/verify/",
            "/verify/keyring.json",
            "/log/checkpoint",
            "/results/nothing-here",
        ]
        for path in paths:
            r = get(c, path)
            assert r.headers["Content-Security-Policy"] == CSP, path
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            html = r.get_data(as_text=True)
            assert "<script>" not in html
            assert "<style" not in html
            assert " style=" not in html
            assert "http://" not in html
            assert "https://" not in html
            if path != "/results/nothing-here":
                assert "Cache-Control" in r.headers, path
        css = get(c, "/static/portal.css")
        assert css.status_code == 200


class TestVerifyPage:
    def test_served_with_keyring_and_portal_json(self, sqlite_service: Service) -> None:
        c = sqlite_service.client()
        r = get(c, "/verify")
        assert r.status_code in (301, 308)
        assert r.headers["Location"].endswith("/verify/")  # the browser keeps the #fragment
        page = get(c, "/verify/")
        assert page.status_code == 200
        assert b'src="js/page.js"' in page.data
        js = get(c, "/verify/js/page.js")
        assert js.status_code == 200
        assert js.mimetype == "text/javascript"
        assert get(c, "/verify/sw.js").mimetype == "text/javascript"
        ring = get(c, "/verify/keyring.json")
        assert ring.data == canonical_json(sqlite_service.env.keyring().to_json())
        portal = get(c, "/verify/portal.json").get_json()
        assert set(portal) == {"hotline", "procedure_zh", "procedure_en"}
        assert portal["hotline"] in portal["procedure_zh"]
        assert get(c, "/verify/../app.py").status_code == 404


class TestLog:
    def test_tiles_verify_against_the_signed_checkpoint(self, sqlite_service: Service) -> None:
        published(sqlite_service)
        c = sqlite_service.client()
        r = get(c, "/log/checkpoint")
        assert r.status_code == 200
        note = r.get_data(as_text=True)
        cp = verify_checkpoint(note, sqlite_service.env.keyring())
        assert cp.size == checkpoint_of(note).size > 5
        files = {}
        for path in tile_paths_for(cp.size):
            t = get(c, f"/log/{path}")
            assert t.status_code == 200, path
            assert t.mimetype == "application/octet-stream"
            files[path] = t.data
        assert root_from_tiles(files, cp.size) == cp.root
        entries = entries_from_tiles(files, cp.size)
        assert b"draw.performed" in b"".join(entries)
        assert get(c, "/log/tile/0/999").status_code == 404

    def test_no_log_yet(self, sqlite_service: Service) -> None:
        assert get(sqlite_service.client(), "/log/checkpoint").status_code == 404
