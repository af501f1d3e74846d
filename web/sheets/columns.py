"""The pupil list of a class-list sheet as columns of text lines, not a cell per value.

WeasyPrint computes a style and builds boxes for every element, displayed or not: a
table of 50 pupils with a cell per value (about 400 elements) cost a class list three
notices before any text was laid out (docs/benchmarks.md). Here each column of each half
is one block of lines (``white-space: pre``), so a page has some twenty elements for its
pupils, placed at fixed positions (no table: even a fixed-layout table is laid out in
several passes). Rows line up because every line has the same fixed height; the row
rules of a half are one small PNG stretched over it (a tiled gradient is drawn once a
row and column). A name too wide for its column is set smaller so it stays on one line
(a wrapped name would shift every row below it).
"""

from __future__ import annotations

import base64
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Final

from markupsafe import Markup, escape

from web.sheets.qr import png
from web.sheets.source import Row

PT_PER_MM: Final = 72 / 25.4
SAFETY: Final = 0.9  # of the column's width: borders, rounding, glyphs a little wider than 1 em


HALF_MM: Final = 90.5  # (186 mm of text width − a 5 mm gap) ÷ 2
PADDING_MM: Final = 1.5  # each side of the name column
RULE_PX: Final = 26  # PNG pixels a row, the rule is the last: 5.4 mm / 26 ≈ 0.21 mm


@dataclass(frozen=True, slots=True)
class Layout:
    """One copy's column widths (mm), type size (pt) and row height (``pitch``)."""

    font_pt: float
    pitch_mm: float
    widths: tuple[tuple[str, float], ...]  # (column, mm) but the name's: the rest
    archive: bool

    @property
    def name_mm(self) -> float:
        """The name column's width, padding excluded."""
        return HALF_MM - sum(w for _, w in self.widths) - 2 * PADDING_MM


GATE: Final = Layout(font_pt=11.5, pitch_mm=5.4, widths=(("n", 13), ("sex", 13)), archive=False)
ARCHIVE: Final = Layout(
    font_pt=9.5,
    pitch_mm=4.6,
    widths=(("n", 9.5), ("sex", 9.5), ("no", 31.5), ("born", 18)),
    archive=True,
)


@dataclass(frozen=True, slots=True)
class Column:
    css: str  # the column's class: n | name | sex | no | born
    lines: Markup
    left_mm: float = 0.0  # from the half's left edge
    width_mm: float = 0.0


@dataclass(frozen=True, slots=True)
class Half:
    columns: tuple[Column, ...]
    rows: int
    left_mm: float = 0.0
    pitch_mm: float = 0.0
    rules: str = ""  # the row rules as a data: PNG, stretched over the lines

    @property
    def lines_mm(self) -> float:
        return round(self.rows * self.pitch_mm, 2)


def ems(text: str) -> float:
    """The width of ``text`` in em, generously: wide (CJK) characters 1 em, and so are
    ambiguous ones (a CJK font sets the middle dot of 阿卜杜·买买提 full width), others 0.6."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.6 for c in text)


def name_size(name: str, layout: Layout) -> float | None:
    """The type size that keeps ``name`` on one line of its column, or None for the usual."""
    fits = SAFETY * layout.name_mm * PT_PER_MM / max(ems(name), 1.0)
    return None if fits >= layout.font_pt else round(fits, 1)


def fitted(text: str, width_mm: float, font_pt: float) -> Markup:
    """``text`` (escaped), in a smaller size if it would not fit ``width_mm`` on one line."""
    fits = SAFETY * width_mm * PT_PER_MM / max(ems(text), 1.0)
    if fits >= font_pt:
        return escape(text)
    return Markup('<span style="font-size: {}pt">{}</span>').format(round(fits, 1), text)


def _name(name: str, layout: Layout) -> Markup:
    return fitted(name, layout.name_mm, layout.font_pt)


def _lines(items: Sequence[Markup | str]) -> Markup:
    return Markup("\n").join(escape(i) for i in items)


@cache
def rules(rows: int) -> str:
    """A 1-pixel-wide PNG with a dark last pixel every ``RULE_PX``: the row rules."""
    row = [[False]] * (RULE_PX - 1) + [[True]]
    return "data:image/png;base64," + base64.b64encode(png(row * max(rows, 1))).decode("ascii")


def half(rows: Sequence[Row], layout: Layout, left_mm: float = 0.0) -> Half:
    values: dict[str, Sequence[Markup | str]] = {
        "n": [str(r.number) for r in rows],
        "name": [_name(r.name, layout) for r in rows],
        "sex": [r.sex for r in rows],
        "no": [r.student_no for r in rows],
        "born": [r.birth_date for r in rows],
    }
    widths = dict(layout.widths)
    widths["name"] = layout.name_mm + 2 * PADDING_MM
    order = ["n", "name", "sex"] + (["no", "born"] if layout.archive else [])
    cols, x = [], 0.0
    for key in order:
        cols.append(Column(key, _lines(values[key]), round(x, 2), widths[key]))
        x += widths[key]
    return Half(tuple(cols), len(rows), left_mm, layout.pitch_mm, rules(len(rows)))


def halves(rows: Sequence[Row], *, archive: bool) -> tuple[Half, Half]:
    """The first half of the class on the left, the rest on the right."""
    layout = ARCHIVE if archive else GATE
    cut = (len(rows) + 1) // 2
    right = 2 * HALF_MM + 5 - HALF_MM
    return half(rows[:cut], layout), half(rows[cut:], layout, right)
