"""Layout of the printed page: real fonts, long names wrap, before-the-draw printing."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from sheetkit import Made, make_record, need_tools, page_count, pdf_text

from keys.store import KeyStore
from web.cli import main

LONG_SCHOOL = (
    "洮北区教育局直属第一实验学校（原洮北区铁路职工子弟第二中学）"
    "义务教育优质均衡发展示范校初中部东校区暨白城市阳光分班试点学校"
)


@dataclass(frozen=True)
class Line:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def lines(pdf: Path) -> list[Line]:
    """Every text line of page 1 with its box (points, y downwards), in reading order."""
    out = subprocess.run(
        ["pdftotext", "-bbox-layout", "-f", "1", "-l", "1", str(pdf), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    root = ET.fromstring(out)
    found = []
    for line in root.iterfind(".//x:line", ns):
        words = [w.text or "" for w in line.iterfind("x:word", ns)]
        box = [float(line.get(k, "0")) for k in ("xMin", "yMin", "xMax", "yMax")]
        found.append(Line("".join(words), *box))
    return found


@pytest.fixture(scope="module")
def long_named(tmp_path_factory: pytest.TempPathFactory, store: KeyStore) -> tuple[Made, Path]:
    need_tools()
    made = make_record(
        tmp_path_factory.mktemp("long"), store, school=LONG_SCHOOL, draw_id="test-2024-long", n=50
    )
    out = tmp_path_factory.mktemp("long-printed")
    assert main(["print", "--dir", str(made.draw), "--out", str(out), "--copies", "gate"]) == 0
    (parts,) = (out / ".parts").iterdir()
    return made, parts / "02-gate.pdf"


class TestLongSchoolName:
    def test_wraps_without_overlap(self, long_named: tuple[Made, Path]):
        """The school name wraps onto several lines inside the header: every line left
        of the copy badge, each below the one before, and the class title below them."""
        _, pdf = long_named
        assert page_count(pdf) == 1
        found = lines(pdf)
        badge = next(ln for ln in found if ln.text == "校门张贴")
        start = next(i for i, ln in enumerate(found) if LONG_SCHOOL.startswith(ln.text) and ln.text)
        name_lines, joined = [], ""
        for ln in found[start:]:
            if ln is badge or ln.text == "第一联":
                continue
            if not LONG_SCHOOL.startswith(joined + ln.text):
                break
            name_lines.append(ln)
            joined += ln.text
        assert joined == LONG_SCHOOL
        assert len(name_lines) >= 2, "a name this long must wrap"
        title = next(ln for ln in found if ln.text.endswith("分班名单"))
        for ln in name_lines:
            assert ln.x1 <= badge.x0, f"{ln.text} runs into the badge"
        for above, below in zip(name_lines, [*name_lines[1:], title], strict=True):
            # font boxes of CJK text are taller than the line pitch; compare by centre
            height = above.y1 - above.y0
            assert below.y0 >= above.y0 + 0.6 * height, f"{below.text} overlaps {above.text}"
        meta = next(ln for ln in found if ln.text.startswith("学段"))
        assert meta.y0 >= title.y0 + 0.6 * (title.y1 - title.y0)

    def test_real_cjk_fonts(self, long_named: tuple[Made, Path]):
        """Chinese is set in Noto Sans CJK SC, embedded; no other CJK or fallback font."""
        _, pdf = long_named
        out = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True)
        rows = out.stdout.splitlines()[2:]
        names = {r.split()[0].split("+", 1)[1] for r in rows}
        assert names <= {"Noto-Sans-CJK-SC", "DejaVu-Sans-Mono"}, names
        assert "Noto-Sans-CJK-SC" in names
        assert all(" yes yes yes " in r for r in rows), rows  # embedded, subset, ToUnicode
        text = pdf_text(pdf)
        assert "分班名单" in text
        assert "家长代表" in text
        assert "\ufffd" not in text


class TestBeforeTheDraw:
    def test_announcement_and_notices_only(
        self, tmp_path: Path, store: KeyStore, capsys: pytest.CaptureFixture[str]
    ):
        """Before the reveal: the announcement sheet and notices without a class."""
        made = make_record(
            tmp_path / "rec", store, school="洮北区第三中学", draw_id="t-pre", n=6, reveal=False
        )
        out = tmp_path / "out"
        assert main(["print", "--dir", str(made.draw), "--out", str(out), "--notices"]) == 0
        pdf = out / "洮北区第三中学.pdf"
        assert page_count(pdf) == 1 + 6
        text = pdf_text(pdf)
        assert "电脑随机分班公告" in text
        assert "种子承诺" in text
        assert "结果另行公布" in text
        assert "分班名单" not in text
        assert "7 页 pages" in capsys.readouterr().out


class TestErrors:
    def test_missing_record(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
        assert main(["print", "--dir", str(tmp_path / "nothing"), "--out", str(tmp_path)]) == 1
        assert "announcement.jws" in capsys.readouterr().err

    def test_no_draw_given(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
        assert main(["print", "--out", str(tmp_path)]) == 2
        assert "--dir" in capsys.readouterr().err


def test_gate_copy_has_no_long_numbers(long_named: tuple[Made, Path]):
    """Belt and braces: the public gate copy holds no 18-digit number at all."""
    _, pdf = long_named
    assert not re.search(r"\d{17}[\dX]", pdf_text(pdf))
