"""Roster rows: the fast path for clean rows and the careful path agree (spec §3).

``parse_row`` reads a clean row in one pass (``_clean_row``) and hands every other
row to ``parse_row_careful``. Rows are drawn clean and then damaged in the ways
spreadsheets damage them (spaces, full-width digits, a lowercase x, decomposed
names, other date spellings, wrong check characters, twin fields half filled …):
wherever the fast path returns a record it is the careful path's record, and
``parse_row`` gives exactly what the careful path gives, issues and messages included.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from hypothesis import example, given
from hypothesis import strategies as st

from placement.idcard import CHECK_CHARACTERS, WEIGHTS, check_character, check_of_digits
from placement.roster import _clean_row, parse_row, parse_row_careful

_REGIONS = ("220802", "110105", "440305")


def _check(first17: str) -> str:
    return CHECK_CHARACTERS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


@st.composite
def clean_rows(draw: st.DrawFn) -> dict[str, str]:
    born = date(1995, 1, 1) + timedelta(days=draw(st.integers(0, 365 * 25)))
    male = draw(st.booleans())
    order = draw(st.integers(0, 499)) * 2 + male
    first17 = f"{draw(st.sampled_from(_REGIONS))}{born:%Y%m%d}{order:03d}"
    wish = draw(st.sampled_from(["", "同班", "分班"]))
    return {
        "name": draw(st.sampled_from(["张三", "欧阳丽丽", "李娜", "Zoë Li", "王"])),
        "gender": "男" if male else "女",
        "id_number": first17 + _check(first17),
        "birth_date": draw(st.sampled_from([born.isoformat(), ""])),
        "student_no": draw(st.sampled_from(["", "G123", " G9 "])),
        "twin_group": draw(st.sampled_from(["T1", "双胞胎甲"])) if wish else "",
        "twin_preference": wish,
        "flags": draw(st.sampled_from(["", "随迁子女", "留守儿童、随班就读", " 随迁子女 ; x "])),
    }


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "0" <= c <= "9" else c for c in text)


def _wrong_check(ident: str) -> str:
    return ident[:-1] + next(c for c in CHECK_CHARACTERS if c != ident[-1])


def _cn_date(born: str) -> str:
    y, m, d = born.split("-")
    return f"{y}年{int(m)}月{int(d)}日"


Row = dict[str, str]


def _id(r: Row, start: int, end: int, text: str) -> Row:
    return r | {"id_number": r["id_number"][:start] + text + r["id_number"][end:]}


# Each damage takes a row and the pupil's ISO birth date and returns the damaged row.
DAMAGE: dict[str, Callable[[Row, str], Row]] = {
    "none": lambda r, _: r,
    "spaces": lambda r, _: {k: f" {v}\u3000" for k, v in r.items()},
    "fullwidth": lambda r, _: r | {"id_number": _fullwidth(r["id_number"])},
    "lower-x": lambda r, _: r | {"id_number": r["id_number"].lower()},
    "check": lambda r, _: r | {"id_number": _wrong_check(r["id_number"])},
    "date": lambda r, _: _id(r, 10, 14, "1332"),
    "old": lambda r, _: _id(r, 6, 14, "18991231"),
    "short": lambda r, _: _id(r, 17, 18, ""),
    "superscript": lambda r, _: _id(r, 5, 6, "\u00b2"),
    "decomposed": lambda r, _: (
        r | {"name": "Zoe\u0308", "twin_group": "e\u0301" if r["twin_group"] else ""}
    ),
    "empty-name": lambda r, _: r | {"name": ""},
    "long-name": lambda r, _: r | {"name": "张" * 41},
    "control": lambda r, _: r | {"name": "张\t三"},
    "gender": lambda r, _: r | {"gender": {"男": "M", "女": "female"}.get(r["gender"], "?")},
    "sex-mismatch": lambda r, _: r | {"gender": "女" if r["gender"] == "男" else "男"},
    "birth-format": lambda r, born: r | {"birth_date": born.replace("-", "/")},
    "birth-cn": lambda r, born: r | {"birth_date": _cn_date(born)},
    "birth-mismatch": lambda r, _: r | {"birth_date": "2001-02-03"},
    "birth-bad": lambda r, _: r | {"birth_date": "soon"},
    "wish-only": lambda r, _: r | {"twin_preference": "同班", "twin_group": ""},
    "group-only": lambda r, _: r | {"twin_group": "T9", "twin_preference": ""},
    "wish-en": lambda r, _: r | {"twin_preference": "Apart", "twin_group": "T2"},
    "wish-bad": lambda r, _: r | {"twin_preference": "随便"},
    "missing": lambda r, _: {k: v for k, v in r.items() if k not in {"name", "birth_date"}},
}


@given(clean_rows(), st.lists(st.sampled_from(sorted(DAMAGE)), max_size=3))
@example(
    {
        "name": "张三",
        "gender": "男",
        "id_number": "11010520120229001X",
        "birth_date": "",
        "student_no": "",
        "twin_group": "",
        "twin_preference": "",
        "flags": "",
    },
    ["none"],
)
def test_fast_path_agrees_with_the_careful_path(row: dict[str, str], hows: list[str]) -> None:
    """Any row: the fast path says nothing or the careful path's record; parse_row
    returns the careful path's result, issues and messages included."""
    born = row["birth_date"] or "2010-01-01"
    for how in hows:
        row = DAMAGE[how](row, born)
    careful = parse_row_careful(7, row)
    fast = _clean_row(7, row)
    assert fast is None or fast == careful
    assert parse_row(7, row) == careful


@given(clean_rows())
def test_clean_rows_take_the_fast_path(row: dict[str, str]) -> None:
    """A clean row is read by the fast path (the one-pass read is really used)."""
    record = _clean_row(3, row)
    assert record is not None
    assert record == parse_row_careful(3, row)


@given(st.text("0123456789", min_size=17, max_size=17))
def test_check_character_by_base_13_equals_the_weight_table(first17: str) -> None:
    """GB 11643 weights are 2^k mod 11 and 13 ≡ 2 (mod 11): the one-call check
    character is the weighted sum's, for every 17 digits."""
    assert check_of_digits(first17) == check_character(first17) == _check(first17)
