"""入学通知书 (spec S13): one page a child, a QR with the school's signed admission that
holds no name or ID; the season verifier ties each admission to its derivation."""

from __future__ import annotations

import sys
from pathlib import Path

from sheetkit import jws_of, need_tools, page_count, pdf_text, qr_codes

from verifier.signatures import verify_jws
from web.sheets.season import admission_pdf

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "season"))
import seasonkit

from placement.season.documents import ADMISSION
from verifier.season_report import verify_season
from web.demo import season as demo
from web.service.season.pages import admission_values


def test_admission_notices_and_their_qr(tmp_path: Path):
    need_tools()
    k = seasonkit.keys()
    led = demo.new_ledger(lambda doc, iat: k.bureau.sign_jws(doc, iat=iat))
    demo.run_season(led, demo.Clock(), per_school=6)
    made = seasonkit.Made(led, k)
    report = verify_season(made.public(), trusted=k.keyring)
    assert report.verified, report.table()
    assert next(c for c in report.checks if c.name == "season.admissions").status.value == "pass"
    place = (demo.SY, demo.PRIMARY)
    values = admission_values(led, place)
    pdf = tmp_path / "notices.pdf"
    pdf.write_bytes(admission_pdf(**values))
    kids = values["children"]
    assert isinstance(kids, list)
    assert page_count(pdf) == len(kids) == led.roster_sets[place].size
    text = pdf_text(pdf)
    admitted = [a for a in led.current.values() if a.entry() in led.roster_sets[place].entries]
    for app in admitted:
        assert app.name in text
        assert app.id_number not in text
    codes = qr_codes(pdf, tmp_path)
    assert {c.text for c in codes} == {codes[0].text}  # the same admission on every notice
    doc = verify_jws(jws_of(codes[0].text), k.keyring, expected_type=ADMISSION).document
    assert doc["school"] == demo.SY
    assert doc["admitted"] == led.rosters[place]["roster"]
    for app in admitted:  # the QR names nobody
        assert app.name not in codes[0].text
        assert app.name not in str(doc)
