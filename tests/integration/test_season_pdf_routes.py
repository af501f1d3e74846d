"""The staff routes that print the season's PDFs, as a signed-in user downloads them: the
公示 gate poster and the admission notices, rendered with pdftoppm and their QR codes
decoded with zxing-cpp; each QR's document verifies against the service's keyring.
A reviewer prints only their own school's; a supervisor none."""

from __future__ import annotations

from pathlib import Path

import pytest
from servicekit import PUBLIC_BASE_URL, Service
from sheetkit import digits_to_text, need_tools, page_count, pdf_text, qr_codes

from placement.season.documents import ADMISSION, NOTICE
from verifier.signatures import verify_jws
from web.demo import season as demo
from web.service.roles import Role
from web.service.season import steps

PER_SCHOOL = 4


def jws_in(url: str) -> str:
    """The signed document a printed QR carries (``…/verify/#n=<digits>``, spec §18.1)."""
    base, _, frag = url.partition("#n=")
    assert base == f"{PUBLIC_BASE_URL}/verify/", url
    return digits_to_text(frag)


@pytest.fixture
def season(sqlite_service: Service) -> Service:
    need_tools()
    demo.run_demo_season(sqlite_service.env, per_school=PER_SCHOOL)
    return sqlite_service


def download(svc: Service, role: Role, path: str, tmp: Path) -> Path:
    r = svc.client(role).get(path)
    assert r.status_code == 200, (role, path, r.status_code)
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.headers["Cache-Control"] == "no-store"  # names of children: never cached
    pdf = tmp / (path.rsplit("/", 1)[1])
    pdf.write_bytes(r.get_data())
    return pdf


def test_the_gate_poster_downloaded_by_staff_and_its_qr(season: Service, tmp_path: Path):
    svc = season
    led = steps.store_for(svc.env, demo.SEASON).read()
    places = list(led.notices)
    n = places.index((demo.SY, demo.PRIMARY))
    pdf = download(svc, Role.OPERATOR, f"/staff/season/poster/{n}.pdf", tmp_path)
    notice = led.notices[places[n]]
    listed = set(notice.entries.entries)
    apps = [a for a in led.records if a.entry() in listed]
    assert apps
    text = pdf_text(pdf)
    for app in apps:
        assert app.name in text
        for private in (app.id_number, app.guardian_phone, app.birth_date.isoformat()):
            assert private not in text
    assert notice.digest.hex()[:16] in text
    codes = qr_codes(pdf, tmp_path / "poster")
    assert len(codes) == 1
    doc = verify_jws(jws_in(codes[0].text), svc.env.keyring(), expected_type=NOTICE).document
    assert doc["school"] == demo.SY
    assert doc["entries"] == {"root": notice.entries.root.hex(), "size": len(apps)}
    assert not any(a.name in codes[0].text for a in apps)
    # the admin prints any school's; a reviewer not another school's; a supervisor none
    other = next(i for i, p in enumerate(places) if p[0] != demo.SY)
    assert svc.client(Role.ADMIN).get(f"/staff/season/poster/{other}.pdf").status_code == 200
    assert svc.client(Role.OPERATOR).get(f"/staff/season/poster/{other}.pdf").status_code == 403
    assert svc.client(Role.SUPERVISOR).get(f"/staff/season/poster/{n}.pdf").status_code == 403
    assert svc.client(Role.ADMIN).get(f"/staff/season/poster/{len(places)}.pdf").status_code == 404


def test_the_admission_notices_downloaded_by_staff_and_their_qr(season: Service, tmp_path: Path):
    """As the route returns them today: one PDF, a page a child (the print queue may
    later move this route onto a job; this checks what it serves now)."""
    svc = season
    led = steps.store_for(svc.env, demo.SEASON).read()
    places = list(led.admissions)
    n = places.index((demo.SY, demo.PRIMARY))
    pdf = download(svc, Role.ADMIN, f"/staff/season/admission/{n}.pdf", tmp_path)
    admitted = [a for a in led.current.values() if a.entry() in led.roster_sets[places[n]].entries]
    assert page_count(pdf) == len(admitted) > 0
    text = pdf_text(pdf)
    for app in admitted:
        assert app.name in text
        assert app.id_number not in text
    codes = qr_codes(pdf, tmp_path / "notices")
    assert len(codes) == len(admitted)  # one QR a page, every one readable
    assert {c.text for c in codes} == {codes[0].text}  # the same admission on every notice
    doc = verify_jws(jws_in(codes[0].text), svc.env.keyring(), expected_type=ADMISSION).document
    assert doc["school"] == demo.SY
    assert doc["admitted"] == led.rosters[places[n]]["roster"]
    assert not any(a.name in codes[0].text for a in admitted)
    other = next(i for i, p in enumerate(places) if p[0] != demo.SY)
    assert svc.client(Role.OPERATOR).get(f"/staff/season/admission/{other}.pdf").status_code == 403
    assert svc.client(Role.AUDITOR).get(f"/staff/season/admission/{n}.pdf").status_code == 403
