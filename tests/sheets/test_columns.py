"""The pupil list as columns of lines: every row one line, so the columns line up."""

from __future__ import annotations

from web.sheets.columns import ARCHIVE, GATE, PT_PER_MM, ems, halves, name_size
from web.sheets.source import Row


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
    assert ems(long) * size / PT_PER_MM <= ARCHIVE.name_mm + 0.05
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
