"""Class lists reprinted after exceptions (spec Part E): the changed class prints its
current signed version with the version number and the exception that made it, its QR
code carries that version, and the printed names are exactly the code's; an unchanged
class prints as before; a later exception makes the next run print again."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sheetkit import (
    NOW,
    PASSPHRASE,
    jws_of,
    make_record,
    need_tools,
    page_count,
    payload,
    pdf_text,
    qr_codes,
)
from test_printed import printed_rows

from keys.store import KeyStore
from placement.documents import digest
from placement.exceptions import Decision
from placement.idcard import check_character
from placement.jws import parse
from placement.reference import parse_fragment
from placement.roster import PupilRecord, Sex
from web.cli import main
from web.record import exceptions as rx
from web.record.draw import DrawRecord, Signers
from web.record.filelog import FileLog


def _late(n: int) -> PupilRecord:
    first17 = f"22080220110301{n:02d}2"
    born = date(2011, 3, 1)
    return PupilRecord(
        row=900 + n,
        name=f"补录学生{n}",
        sex=Sex.FEMALE,
        id_number=first17 + check_character(first17),
        birth_date=born,
    )


def _add(rec: DrawRecord, signers: Signers, n: int, when: int) -> int:
    leaf, private = rx.admitted_leaf(rec, _late(n), bytes([n]) * 16)
    doc = rx.request(
        rec,
        kind="late-placement",
        category="bureau-assignment",
        reason="统筹安排入学",
        requested_by="第二中学教务处",
        detail={
            "admission": {"basis": "bureau-assignment", "reference": f"统筹 {n}"},
            "leaf": leaf.to_json(),
            **({"name": _late(n).name} if rec.version() == 2 else {}),  # §E5
        },
        private=private,
        now=NOW + timedelta(days=when),
        signers=signers,
    )
    number = int(str(doc["number"]))
    decision, _ = rx.decide(
        rec,
        number=number,
        decision=Decision.APPROVED,
        approver="区教育局 李明",
        reason="按补录规则安排",
        now=NOW + timedelta(days=when, hours=1),
        signers=signers,
    )
    placed = decision["placed"]
    assert isinstance(placed, int)
    return placed


def _print(draw: Path, out: Path) -> Path:
    assert main(["print", "--dir", str(draw), "--out", str(out), "--copies", "gate"]) == 0
    (parts,) = (out / ".parts").iterdir()
    return parts


def test_reprint_shows_the_current_version(tmp_path: Path, store: KeyStore) -> None:
    need_tools()
    made = make_record(tmp_path, store, school="洮北区第二中学", draw_id="test-2024-re", n=60)
    signers = Signers(
        bureau=store.signer("taobei.edu.example/bureau-2024", PASSPHRASE),
        log=store.signer("taobei.edu.example/log-2024", PASSPHRASE),
    )
    rec = DrawRecord(made.draw, FileLog(tmp_path / "log"))
    placed = _add(rec, signers, 1, 14)
    other = 2 if placed == 1 else 1
    parts = _print(made.draw, tmp_path / "out")

    gate = parts / "02-gate.pdf"  # one PDF per copy, a page per class
    assert page_count(gate) == 2
    text = pdf_text(gate, page=placed)
    assert "第 2 版" in text
    assert "第 1 号例外" in text
    (code,) = [d for d in qr_codes(gate, tmp_path / "qr") if d.page == placed]
    doc = payload(jws_of(code.text))
    assert doc["version"] == 2
    assert doc["exception"] == 1
    pupils = doc["pupils"]
    assert isinstance(pupils, list)
    assert ["补录学生1", "F"] in pupils
    sex = {"M": "男", "F": "女"}
    want = [(i, name, sex[s]) for i, (name, s) in enumerate(pupils, 1)]
    assert printed_rows(pdf_text(gate, layout=True, page=placed)) == want

    same = pdf_text(gate, page=other)
    assert "名单版本" not in same
    assert "补录学生1" not in same

    # A second exception: the next run prints again (new parts), with version 3.
    again = _add(rec, signers, 2, 15)
    parts2 = _print(made.draw, tmp_path / "out")
    assert parts2 != parts
    version = 3 if again == placed else 2
    assert f"第 {version} 版" in pdf_text(parts2 / "02-gate.pdf", page=again)


def test_v2_reprint_prints_the_sorted_version_with_its_reference(
    tmp_path: Path, store: KeyStore
) -> None:
    """On a v2 record (spec §E5) the changed class prints its v2 version — names in
    (name, sex) order, the added pupil among them — and its code refers to that version."""
    need_tools()
    made = make_record(
        tmp_path, store, school="洮北区第二中学", draw_id="test-2024-re-v2", n=60, version=2
    )
    signers = Signers(
        bureau=store.signer("taobei.edu.example/bureau-2024", PASSPHRASE),
        log=store.signer("taobei.edu.example/log-2024", PASSPHRASE),
    )
    rec = DrawRecord(made.draw, FileLog(tmp_path / "log"))
    assert rec.version() == 2
    placed = _add(rec, signers, 1, 14)
    parts = _print(made.draw, tmp_path / "out")
    gate = parts / "02-gate.pdf"
    text = pdf_text(gate, page=placed)
    assert "第 2 版" in text
    (code,) = [d for d in qr_codes(gate, tmp_path / "qr") if d.page == placed]
    ref = parse_fragment(code.text.split("#", 1)[1])
    version = made.draw / f"public/statements/{placed:02d}.v2.jws"
    doc = parse(version.read_text("utf-8")).document()
    assert ref.digest == digest(doc)
    assert ref.item == f"s{placed}"
    pupils = doc["pupils"]
    assert isinstance(pupils, list)
    assert ["补录学生1", "F"] in pupils
    assert pupils == sorted(pupils, key=lambda p: (str(p[0]), str(p[1])))  # type: ignore[index]
    sex = {"M": "男", "F": "女"}
    want = [(i, name, sex[s]) for i, (name, s) in enumerate(pupils, 1)]
    assert printed_rows(pdf_text(gate, layout=True, page=placed)) == want
