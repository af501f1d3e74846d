"""Sheets printed from an intake kept in the database: the gate copy lists the drawn
classes with names only, its QR codes verify, and the printing is logged."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from servicekit import Service
from sqlmodel import select
from test_workflow_steps import imported

from web.db.engine import reading
from web.db.models import LogEntry, Pupil
from web.service import workflow
from web.service.intake_sheets import print_intake
from web.sheets.options import Options

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sheets"))
from sheetkit import need_tools, pdf_text, qr_codes


def test_gate_copy_from_the_database(sqlite_service: Service, tmp_path: Path) -> None:
    need_tools()
    env = sqlite_service.env
    iid = imported(sqlite_service)
    workflow.freeze(env, iid, user="op")
    workflow.announce(env, iid, user="op")
    workflow.add_witness(env, iid, role="家长代表", name="贾雪", text="3 1 4", user="sv")
    workflow.draw(env, iid, beacon_value=None, user="op")
    out = tmp_path / "out"
    heard: list[tuple[int, int]] = []
    result = print_intake(
        env,
        iid,
        out,
        copies=["gate"],
        notices=False,
        opts=Options(),
        user="op",
        on_pages=lambda done, total: heard.append((done, total)),
    )
    assert len(result.files) == 1
    # progress: pages laid out of the pages planned, from none to all, after each part
    totals = {total for _, total in heard}
    assert len(totals) == 1
    (total,) = totals
    assert heard[0] == (0, total)
    assert heard[-1] == (total, total)
    assert [d for d, _ in heard] == sorted(d for d, _ in heard)
    assert len(heard) == 1 + result.rendered  # the start, then each part laid out
    assert total == result.pages  # one page a sheet here, as planned
    pdf = result.files[0]
    text = pdf_text(pdf)
    with reading(env.engine) as s:
        pupils = s.exec(select(Pupil).where(Pupil.intake_id == iid)).all()
        events = [json.loads(d)["event"] for d in s.exec(select(LogEntry.data))]
    assert all(p.name in text for p in pupils[:50])
    assert not any(p.id_number in text for p in pupils)
    assert events[-1] == "sheets.printed"
    codes = qr_codes(pdf, tmp_path)
    assert len(codes) >= 9  # one per class, plus the announcement and ceremony sheets
    assert not (out / ".records").exists() or not any((out / ".records").iterdir())
