"""The pupil list as columns of lines: every row one line, so the columns line up."""

from __future__ import annotations

from dataclasses import replace
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader
from sheetkit import Made, pdf_text
from test_printed import printed_rows as layout_rows

from verifier.sheets import printed_rows
from web.sheets import render
from web.sheets.columns import ARCHIVE, GATE, PT_PER_MM, ems, halves, name_size
from web.sheets.options import Options
from web.sheets.pages import class_list
from web.sheets.source import Row, load


def rows(names: list[str]) -> list[Row]:
    return [Row(i, n, "男", i, f"G{i:018d}", "2018-01-01") for i, n in enumerate(names, 1)]


def test_usual_names_keep_the_usual_size():
    assert name_size("欧阳子涵", GATE) is None
    assert name_size("欧阳子涵", ARCHIVE) is None


def test_a_long_name_is_set_small_enough_for_one_line():
    """A name too wide for its column gets a smaller size that fits it on one line."""
    long = "阿卜杜热合曼·买买提艾力"
    size = name_size(long, ARCHIVE)
    assert size is not None
    assert size < ARCHIVE.font_pt
    assert ems(long) * size / PT_PER_MM <= 0.9 * ARCHIVE.name_mm + 0.05
    assert name_size(long, GATE) is None  # the gate copy's name column is wider


def test_halves_split_the_rows_and_keep_one_line_each():
    """45 pupils: 23 on the left, 22 on the right; every column has one line a pupil,
    and names are escaped (they are HTML here)."""
    names = [f"张{i}" for i in range(44)] + ["<b>王</b>"]
    left, right = halves(rows(names), archive=True)
    assert (left.rows, right.rows) == (23, 22)
    assert [c.css for c in left.columns] == ["n", "name", "sex", "no", "born"]
    for half in (left, right):
        for column in half.columns:
            assert column.lines.count("\n") == half.rows - 1
    assert "&lt;b&gt;王&lt;/b&gt;" in right.columns[1].lines
    gate_left, _ = halves(rows(names), archive=False)
    assert [c.css for c in gate_left.columns] == ["n", "name", "sex"]


def test_a_long_name_keeps_every_row_in_line(middle: Made, tmp_path: Path):
    """A rendered bureau copy with a very long name: the name is printed whole, on its
    pupil's row, and every row below stays level with its number (read back as the
    verifier reads a page)."""
    src = load(middle.draw)
    first = src.classes[0]
    long = "阿卜杜热合曼·买买提艾力江"
    rows = (first.rows[0], replace(first.rows[1], name=long), *first.rows[2:])
    src = replace(src, classes=(replace(first, rows=rows), *src.classes[1:]))
    data, pages = render.pdf_pages(class_list(src, first.number, "bureau", Options()))
    assert pages == 1
    (tmp_path / "long.pdf").write_bytes(data)
    # by position on the page (pdftotext -layout): each row's number, name and sex level
    expected = [(r.number, r.name, r.sex) for r in rows]
    assert layout_rows(pdf_text(tmp_path / "long.pdf", layout=True)) == expected
    # in content order, as verify-placement reads it (pypdf)
    text = PdfReader(BytesIO(data)).pages[0].extract_text()
    assert printed_rows(text) == [(r.name, r.sex) for r in rows]
