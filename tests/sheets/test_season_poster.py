"""The 公示 gate poster as printed: the PDF decoded with pdftotext and its QR with
pdftoppm + zxing-cpp; the QR's notice verifies against the bureau's keyring."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sheetkit import jws_of, need_tools, pdf_text, qr_codes

from verifier.signatures import verify_jws
from web.sheets.season import poster_pdf

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "season"))
import seasonkit

from placement.season.documents import NOTICE
from web.service.season.pages import poster_values


def test_the_gate_poster_shows_names_and_sex_only_and_its_qr_verifies(tmp_path: Path):
    need_tools()
    made = seasonkit.run(stop_at_notice=True)
    led = made.ledger
    place = (seasonkit.SY, seasonkit.PRIMARY)
    pdf = tmp_path / "poster.pdf"
    pdf.write_bytes(poster_pdf(**poster_values(led, place)))
    text = pdf_text(pdf)
    listed = set(led.notices[place].entries.entries)
    apps = [a for a in led.records if a.entry() in listed]
    assert apps
    for app in apps:
        assert app.name in text
        for private in (app.id_number, app.guardian_phone, app.address, app.birth_date.isoformat()):
            assert private not in text
    assert led.notices[place].entries.root.hex()[:16] in text
    codes = qr_codes(pdf, tmp_path)
    assert len(codes) == 1
    doc = verify_jws(jws_of(codes[0].text), made.keys.keyring, expected_type=NOTICE).document
    assert doc["entries"] == {"root": led.notices[place].entries.root.hex(), "size": len(apps)}
    assert json.dumps(doc, ensure_ascii=False).count(apps[0].name) == 0  # no names in the QR
