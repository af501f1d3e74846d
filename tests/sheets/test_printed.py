"""The printed sheets, checked as a parent and an inspector would check them.

Every page of the school's PDF is rendered to PNG, every QR code decoded with
zxing-cpp, and what it carries is given to the project's verifier; the text on the
page is extracted with pdftotext and compared with the signed content.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from sheetkit import (
    Decoded,
    Printed,
    jws_of,
    page_count,
    payload,
    pdf_text,
    qr_codes,
    receipt_of,
    verify,
)

from web.cli import main
from web.record.draw import DrawRecord
from web.sheets.receipts import receipts
from web.sheets.source import load

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")
STUDENT_NO = re.compile(r"[GLJ]\d{6,}")
FLAG_WORDS = ("随班就读", "留守儿童", "随迁子女")
ROW = re.compile(r"(\d{1,2})\s+(\S+?)\s+(男|女)(?=\s|$)")


@pytest.fixture(scope="module")
def codes(printed: Printed, tmp_path_factory: pytest.TempPathFactory) -> list[Decoded]:
    return qr_codes(printed.pdf, tmp_path_factory.mktemp("pages"))


def part(printed: Printed, name: str) -> Path:
    path = printed.parts / f"{name}.pdf"
    assert path.exists(), sorted(p.name for p in printed.parts.iterdir())
    return path


def printed_rows(text: str) -> list[tuple[int, str, str]]:
    """(序号, 姓名, 性别) rows from a class list's layout text, in 序号 order: the lines
    between the table heading and the signature lines."""
    body = text.split("序号", 1)[1].split("家长代表", 1)[0]
    rows = {(int(n), name, sex) for n, name, sex in ROW.findall(body)}
    return sorted(rows)


class TestEveryCode:
    def test_one_code_per_page(self, printed: Printed, codes: list[Decoded]):
        """Every page carries exactly one QR code, and every one decodes."""
        pages = page_count(printed.pdf)
        # announcement + ceremony + 2 classes × 3 copies + 100 notices
        assert pages == 1 + 1 + 6 + 100
        assert Counter(c.page for c in codes) == dict.fromkeys(range(1, pages + 1), 1)

    def test_documents_verify(self, printed: Printed, codes: list[Decoded]):
        """Each signed document's code is accepted by the verifier (signature, content)."""
        ring = printed.made.keyring
        kinds = Counter()
        for c in codes:
            if "#n=" not in c.text:
                continue
            jws = jws_of(c.text)
            kinds[str(payload(jws)["t"]).rsplit("/", 1)[1]] += 1
            # the verifier reads a link whose fragment is the compact JWS
            assert verify(f"https://verify.taobei.edu.example/verify#{jws}", ring) == 0, c.page
        assert kinds == {"announcement": 1, "ceremony": 1, "class-statement": 6}

    def test_receipts_verify(self, printed: Printed, codes: list[Decoded], tmp_path: Path):
        """Each admission notice's code is the pupil's receipt, and it verifies against
        the signed announcement."""
        ring, draw = printed.made.keyring, printed.made.draw
        seen = set()
        for c in codes:
            if "#r=" not in c.text:
                continue
            doc = receipt_of(c.text)
            path = tmp_path / f"{c.page}.json"
            path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
            ann = str(draw / "public/announcement.jws")
            assert verify(str(path), ring, "--announcement", ann) == 0, c.page
            private = doc["private"]
            assert isinstance(private, dict)
            seen.add(private["id_number"])
            # the name printed on the notice is the receipt's pupil
            leaf = doc["leaf"]
            assert isinstance(leaf, dict)
            assert f"{leaf['name']} 同学" in pdf_text(printed.pdf, page=c.page)
        assert seen == {p.id_number for p in printed.made.pupils}

    def test_versions(self, codes: list[Decoded]):
        """Class-list codes stay small enough to print at 45 mm (spec §18.1)."""
        statements = [c.version for c in codes if "#n=" in c.text]
        assert max(statements) <= 30
        notices = [c.version for c in codes if "#r=" in c.text]
        assert max(notices) <= 27


class TestClassLists:
    @pytest.mark.parametrize("copy", ["gate", "school", "bureau"])
    @pytest.mark.parametrize("number", [1, 2])
    def test_names_match_the_code(self, printed: Printed, tmp_path: Path, copy: str, number: int):
        """The names printed on a class list are exactly the names its QR code signs,
        in the same order and with the same sex; and 50 pupils fit on one page: a copy's
        part has one page per class."""
        pdf = part(printed, f"{['gate', 'school', 'bureau'].index(copy) + 2:02d}-{copy}")
        assert page_count(pdf) == 2
        (code,) = [c for c in qr_codes(pdf, tmp_path) if c.page == number]
        doc = payload(jws_of(code.text))
        pupils = doc["pupils"]
        assert isinstance(pupils, list)
        assert len(pupils) == 50
        sex = {"M": "男", "F": "女"}
        expected = [(i, name, sex[s]) for i, (name, s) in enumerate(pupils, 1)]
        assert printed_rows(pdf_text(pdf, layout=True, page=number)) == expected
        text = pdf_text(pdf, page=number)
        assert str(doc["label"]) in text
        assert str(doc["head_teacher"]) in text

    def test_gate_copy_is_public(self, printed: Printed):
        """The gate copy shows no ID number, no 学籍号 and no flag."""
        for number in (1, 2):
            text = pdf_text(part(printed, "02-gate"), page=number)
            assert not ID_NUMBER.search(text)
            assert not STUDENT_NO.search(text)
            assert "学籍号" not in text
            assert "出生日期" not in text
            assert not [w for w in FLAG_WORDS if w in text]

    def test_archive_copies_add_register_data(self, printed: Printed):
        """The school and bureau copies add 学籍号 and birth date, still without flags
        (so the gate-copy check above would catch them if they leaked)."""
        for name, number in (("03-school", 1), ("04-bureau", 2)):
            text = pdf_text(part(printed, name), page=number)
            assert "学籍号" in text
            assert STUDENT_NO.search(text)
            assert not [w for w in FLAG_WORDS if w in text]

    def test_footer(self, printed: Printed):
        """Signature lines, copy role, hotline, deadline, key fingerprint, digests."""
        text = pdf_text(part(printed, "02-gate"), page=1)
        for needle in (
            "家长代表",
            "贾雪",
            "刘洋",
            "班主任",
            "校长",
            "学校盖章",
            "教育局监督员",
            "王强",
            "校门张贴",
            "投诉电话",
            "0436-",
            "异议受理截止",
            "2024年8月21日",
            "taobei.edu.example/bureau-2024",
            "test-2024-middle",
        ):
            assert needle in text, needle
        src = load(printed.made.draw)
        assert src.ceremony is not None
        kid_hex = src.classes[0].kid.rsplit("+", 1)[1]
        assert kid_hex in text
        assert src.ceremony.final_seed[:16] in text
        assert src.ceremony.result_digest.hex()[:16] in text


class TestNotices:
    def test_notice_masks_the_id(self, printed: Printed):
        text = pdf_text(part(printed, "90-notices-class-01"))
        assert "入学通知书" in re.sub(r"\s", "", text)
        assert "2024级七年级（1）班" in text
        assert not ID_NUMBER.search(text)

    def test_batch_receipts_equal_record_receipts(self, printed: Printed):
        """The notices' receipts are byte for byte the record's own receipts."""
        src = load(printed.made.draw)
        batch = receipts(src)
        record = DrawRecord(printed.made.draw, None)  # type: ignore[arg-type]
        for pupil in printed.made.pupils[:5]:
            one = record.receipt(pupil.id_number)
            assert batch[int(str(one["index"]))] == one


class TestTamper:
    def test_changed_digit_is_rejected(self, printed: Printed, codes: list[Decoded]):
        """One digit changed in a class list's code: the verifier refuses it."""
        url = next(
            c.text
            for c in codes
            if "#n=" in c.text and "class" in str(payload(jws_of(c.text))["t"])
        )
        key, _, digits = url.partition("#n=")
        jws = jws_of(url)
        start = len(jws.split(".")[0]) * 2 + 40  # inside the payload
        for pos in range(start, len(digits)):
            d = str((int(digits[pos]) + 1) % 10)
            tampered = digits[:pos] + d + digits[pos + 1 :]
            pair = tampered[pos - pos % 2 : pos - pos % 2 + 2]
            if re.fullmatch(r"[A-Za-z0-9_-]", chr(int(pair) + 45)):
                break
        jws2 = jws_of(f"{key}#n={tampered}")
        assert jws2 != jws
        assert len(jws2) == len(jws)
        assert verify(f"https://verify.taobei.edu.example/verify#{jws2}", printed.made.keyring) != 0


class TestResume:
    def test_rerun_reuses_parts(self, printed: Printed, capsys: pytest.CaptureFixture[str]):
        """A second run renders nothing; a lost part is rendered again, alone."""
        before = {p.name: p.stat().st_mtime_ns for p in printed.parts.iterdir()}
        argv = ["print", "--dir", str(printed.made.draw), "--out", str(printed.out), "--notices"]
        assert main(argv) == 0
        # 6 parts: announcement with ceremony, 3 copies, notices of 2 classes
        assert "108 页 pages; 0 份新排版 rendered, 6 份沿用 reused" in capsys.readouterr().out
        after = {p.name: p.stat().st_mtime_ns for p in printed.parts.iterdir()}
        assert after == before
        (printed.parts / "00-front.pdf").unlink()
        (printed.parts / ".02-gate.pdf.dead.tmp").write_bytes(b"half a file")
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert "1 份新排版 rendered" in out
        names = {p.name for p in printed.parts.iterdir()}
        assert "00-front.pdf" in names
        assert not [n for n in names if n.endswith(".tmp")]
        assert page_count(printed.pdf) == 108
