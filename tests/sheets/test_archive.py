"""Class-list copies as PDF/A-3b carrying their signed record (spec §18.4), checked with
pikepdf/qpdf (veraPDF installs from none of the registries this project uses) and with
the project's verifier, as an inspector years later would check the bureau's copy."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pikepdf
import pytest
from sheetkit import NOW, PASSPHRASE, Made, make_record, need_tools, verify

from keys.store import KeyStore
from web.cli import main
from web.record.draw import DrawRecord, Signers
from web.record.filelog import FileLog

NS = "https://sunshine-placement.org/ns/sheets/1.0/"


@dataclass(frozen=True)
class Archived:
    made: Made
    gate: Path
    bureau: Path


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory, store: KeyStore) -> Archived:
    need_tools()
    base = tmp_path_factory.mktemp("archived")
    made = make_record(base, store, school="洮北区第四中学", draw_id="test-2024-archive", n=100)
    signers = Signers(
        bureau=store.signer("taobei.edu.example/bureau-2024", PASSPHRASE),
        log=store.signer("taobei.edu.example/log-2024", PASSPHRASE),
    )
    record = DrawRecord(made.draw, FileLog(base / "log"))
    bundles = []
    for kind in ("public", "archive"):
        path = base / f"{kind}.zip"
        when = NOW + timedelta(hours=1)
        path.write_bytes(
            record.export(kind=kind, keyring=store.keyring(), now=when, signers=signers)
        )
        bundles += ["--bundle", str(path)]
    out = base / "out"
    argv = ["print", "--dir", str(made.draw), "--out", str(out), "--copies", "gate,bureau"]
    assert main([*argv, *bundles, "--jobs", "2"]) == 0
    (parts,) = (out / ".parts").iterdir()
    return Archived(made, parts / "02-gate.pdf", parts / "03-bureau.pdf")


@pytest.mark.parametrize("copy", ["gate", "bureau"])
def test_pdfa_3b_structure(archived: Archived, copy: str):
    """PDF/A-3b identification in XMP, an sRGB output intent, embedded files associated
    with the document (AF, AFRelationship), every font embedded, qpdf finds no error,
    and the XMP names the draw, the copy and the signing key in a described schema."""
    path = archived.gate if copy == "gate" else archived.bureau
    with pikepdf.open(path) as pdf:
        assert pdf.check_pdf_syntax() == []  # qpdf: every object and stream reads back
        with pdf.open_metadata() as meta:
            assert meta.pdfa_status == "3B"
            assert meta[f"{{{NS}}}DrawId"] == "test-2024-archive"
            assert meta[f"{{{NS}}}Copy"] == copy
            assert meta[f"{{{NS}}}KeyName"] == "taobei.edu.example/bureau-2024"
            assert len(meta[f"{{{NS}}}KeyFingerprint"]) == 8
        xmp = bytes(pdf.Root.Metadata.read_bytes())
        assert b"pdfaExtension:schemas" in xmp
        assert NS.encode() in xmp
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1"
        assert intent.DestOutputProfile.read_bytes()[36:40] == b"acsp"  # an ICC profile
        specs = list(pdf.Root.AF)
        assert specs
        assert {str(s.AFRelationship) for s in specs} == {"/Data"}
        # every embedded file is associated (WeasyPrint lists each one twice in /AF)
        assert len({s.objgen for s in specs}) == len(pdf.attachments)
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows
    assert all(" yes yes yes " in r for r in rows), rows


def test_only_the_bureau_copy_carries_the_archive(archived: Archived):
    """The gate copy leaves the bureau: statements and the public bundle only. The
    bureau's own copy carries the archive bundle (ID numbers, salts) instead."""
    statements = {"statements/01.jws", "statements/02.jws"}
    with pikepdf.open(archived.gate) as pdf:
        assert set(pdf.attachments) == {*statements, "record-public.zip"}
    with pikepdf.open(archived.bureau) as pdf:
        assert set(pdf.attachments) == {*statements, "record-archive.zip"}
    gate = archived.gate.read_bytes()
    for pupil in archived.made.pupils:
        assert pupil.id_number.encode() not in gate  # not even inside the compressed bundle


def test_verify_placement_checks_record_and_pages(
    archived: Archived, capsys: pytest.CaptureFixture[str]
):
    """``verify-placement sheets.pdf`` verifies the embedded bundle (the archive one:
    private leaves open their commitments), every embedded statement, and that the
    names on each page are the statement's; without a keyring, the bundle's own."""
    assert verify(str(archived.bureau), archived.made.keyring) == 0
    out = capsys.readouterr().out
    assert "record.archive.private" in out
    assert "the names on 2 pages equal their signed statements" in out
    from verifier._cli import main as verify_main  # noqa: PLC0415

    assert verify_main([str(archived.gate)]) == 0
    assert "record.bundle.privacy" in capsys.readouterr().out


def test_a_swapped_statement_is_refused(archived: Archived, tmp_path: Path):
    """Class 2's statement put in place of class 1's: page 1 (class 1's names) matches
    no embedded statement, and the statement differs from the bundle's."""
    with pikepdf.open(archived.gate) as pdf:
        two = pdf.attachments["statements/02.jws"].get_file().read_bytes()
        pdf.attachments["statements/01.jws"] = pikepdf.AttachedFileSpec(pdf, two)
        pdf.save(tmp_path / "swapped.pdf")
    from verifier._cli import main as verify_main  # noqa: PLC0415

    assert verify_main([str(tmp_path / "swapped.pdf"), "--json"]) == 1


def test_printed_rows_reads_the_column_blocks():
    from verifier.sheets import printed_rows  # noqa: PLC0415

    text = "序号 姓名 性别\n1\n2\n张三\n李四\n男\n女\n3\n王五\n男\n家长代表"
    assert printed_rows(text) == [("张三", "男"), ("李四", "女"), ("王五", "男")]
    assert printed_rows("1\n张三\n不明") == []
