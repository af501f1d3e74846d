"""Printing from the intake page: one PDF with the chosen copies, QR codes that the
verifier accepts, names and no ID numbers, and the printing logged."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

from flask.testing import FlaskClient
from pagekit import intake_at, page_of, post
from servicekit import Service
from sqlmodel import select

from web.db.engine import reading
from web.db.models import LogEntry, Pupil
from web.service.roles import Role

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sheets"))
from sheetkit import need_tools, pdf_text, qr_codes


def test_operator_prints_the_gate_copy(sqlite_service: Service, tmp_path: Path) -> None:
    need_tools()
    iid = intake_at(sqlite_service, "drawn")
    c = sqlite_service.client(Role.OPERATOR)
    assert "打印名单" in c.get(page_of(iid)).get_data(as_text=True)
    r = post(c, f"{page_of(iid)}/sheets", {"copy_gate": "1"}, on=page_of(iid))
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]  # laid out in the background
    progress = r.headers["Location"]  # the job's progress page
    assert re.fullmatch(rf"{page_of(iid)}/sheets/[0-9a-f]+", progress), progress
    seen = follow_progress(c, progress)
    assert any(total > 0 and done < total for state, done, total in seen if state == "running")
    assert all(done <= total for _, done, total in seen)
    state, done, total = seen[-1]
    assert state == "done"
    assert done == total > 0
    link = wait_for_pdf(c, iid)
    assert link == f"{progress}.pdf"
    assert f'href="{link}" download' in c.get(progress).get_data(as_text=True)
    r = c.get(link)
    assert r.status_code == 200
    assert r.mimetype == "application/pdf"
    # a download, named after the draw, not a page opened in the browser's tab
    job = link.rsplit("/", 1)[1].removesuffix(".pdf")
    assert r.headers["Content-Disposition"] == (
        f"attachment; filename=tb-2024-shiyan-sheets-{job}.pdf"
    )
    pdf = tmp_path / "sheets.pdf"
    pdf.write_bytes(r.data)
    r.close()
    text = pdf_text(pdf)
    with reading(sqlite_service.env.engine) as s:
        pupils = s.exec(select(Pupil).where(Pupil.intake_id == iid)).all()
        last = json.loads(s.exec(select(LogEntry.data).order_by(LogEntry.index.desc())).first())
    assert sum(p.name in text for p in pupils) >= 390  # every name (a few share a name)
    assert not any(p.id_number in text for p in pupils)
    assert last["event"] == "sheets.printed"
    assert last["detail"]["copies"] == 1
    urls = [q.text for q in qr_codes(pdf, tmp_path)]
    assert urls
    # v2 codes are references to the record's documents (spec §22), not the documents
    assert all(u.startswith("https://verify.taobei.edu.example/verify/#d=") for u in urls)


_JOB = re.compile(r'id="print-job" data-state="(\w+)" data-done="(\d+)" data-total="(\d+)"')


def follow_progress(c: FlaskClient, path: str, timeout: float = 120) -> list[tuple[str, int, int]]:
    """Read the progress page as a browser refreshing it would, until the job ends:
    every (state, pages done, pages planned) seen."""
    seen: list[tuple[str, int, int]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = c.get(path).get_data(as_text=True)
        m = _JOB.search(page)
        assert m, page[:2000]
        seen.append((m.group(1), int(m.group(2)), int(m.group(3))))
        if m.group(1) != "running":
            return seen
        assert '<meta http-equiv="refresh" content="2">' in page
        assert "正在" in page
        time.sleep(0.2)
    raise AssertionError("the print job did not finish")


def wait_for_pdf(c: FlaskClient, iid: int, timeout: float = 120) -> str:
    """The intake page lists the job; return its download link once it is done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = c.get(page_of(iid)).get_data(as_text=True)
        assert 'data-state="failed"' not in page, page[page.find('class="jobs"') :][:500]
        link = re.search(r'href="(/staff/intakes/\d+/sheets/[0-9a-f]+\.pdf)"', page)
        if link:
            return link.group(1)
        time.sleep(0.5)
    raise AssertionError("the print job did not finish")


def test_auditor_cannot_print(sqlite_service: Service) -> None:
    iid = intake_at(sqlite_service, "drawn")
    c = sqlite_service.client(Role.AUDITOR)
    assert "打印名单" not in c.get(page_of(iid)).get_data(as_text=True)
    r = post(c, f"{page_of(iid)}/sheets", {"copy_gate": "1"}, on=page_of(iid))
    assert r.status_code == 403
