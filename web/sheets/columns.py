"""The pupil list of a class-list sheet as columns of text lines, not a cell per value.

WeasyPrint computes a style and builds boxes for every element, displayed or not: a
table of 50 pupils with a cell per value (about 400 elements) cost a class list three
notices before any text was laid out (docs/benchmarks.md). Here each column of each half
is one block of lines (``white-space: pre``), so a page has some twenty elements for its
pupils. Rows line up because every line has the same fixed height; the row rules are a
background repeated at that pitch. A name too wide for its column is set smaller so it
stays on one line (a wrapped name would shift every row below it).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from markupsafe import Markup, escape

from web.sheets.source import Row

PT_PER_MM: Final = 72 / 25.4
SAFETY: Final = 0.9  # of the column's width: borders, rounding, glyphs a little wider than 1 em


@dataclass(frozen=True, slots=True)
class Layout:
    """One copy's column widths (mm) and type size (pt); ``pitch`` is a row's height."""

    font_pt: float
    pitch_mm: float
    name_mm: float  # the name column's width, padding excluded
    archive: bool


GATE: Final = Layout(font_pt=11.5, pitch_mm=5.4, name_mm=61.0, archive=False)
ARCHIVE: Final = Layout(font_pt=9.5, pitch_mm=4.6, name_mm=19.0, archive=True)


@dataclass(frozen=True, slots=True)
class Column:
    css: str  # the column's class: n | name | sex | no | born
    lines: Markup


@dataclass(frozen=True, slots=True)
class Half:
    columns: tuple[Column, ...]
    rows: int


def ems(text: str) -> float:
    """The width of ``text`` in em, generously: wide (CJK) characters 1 em, and so are
    ambiguous ones (a CJK font sets the middle dot of 阿卜杜·买买提 full width), others 0.6."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WFA" else 0.6 for c in text)


def name_size(name: str, layout: Layout) -> float | None:
    """The type size that keeps ``name`` on one line of its column, or None for the usual."""
    fits = SAFETY * layout.name_mm * PT_PER_MM / max(ems(name), 1.0)
    return None if fits >= layout.font_pt else round(fits, 1)


def _name(name: str, layout: Layout) -> Markup:
    size = name_size(name, layout)
    if size is None:
        return escape(name)
    return Markup('<span style="font-size: {}pt">{}</span>').format(size, name)


def _lines(items: Sequence[Markup | str]) -> Markup:
    return Markup("\n").join(escape(i) for i in items)


def half(rows: Sequence[Row], layout: Layout) -> Half:
    cols = [
        Column("n", _lines([str(r.number) for r in rows])),
        Column("name", _lines([_name(r.name, layout) for r in rows])),
        Column("sex", _lines([r.sex for r in rows])),
    ]
    if layout.archive:
        cols += [
            Column("no", _lines([r.student_no for r in rows])),
            Column("born", _lines([r.birth_date for r in rows])),
        ]
    return Half(tuple(cols), len(rows))


def halves(rows: Sequence[Row], *, archive: bool) -> tuple[Half, Half]:
    """The first half of the class on the left, the rest on the right."""
    layout = ARCHIVE if archive else GATE
    cut = (len(rows) + 1) // 2
    return half(rows[:cut], layout), half(rows[cut:], layout)
