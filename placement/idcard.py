"""Resident ID numbers (居民身份证号码, GB 11643-1999) and their ISO 7064 MOD 11-2 check.

The number is 6 digits of address code, 8 of birth date (YYYYMMDD), 3 of order
code (odd = male) and one check character (digit or ``X``). The address code is
where the household was first registered: it does not prove current catchment.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Final

from placement.errors import Issue, PlacementError

WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS: Final = "10X98765432"
LENGTH: Final = 18
EARLIEST_BIRTH: Final = dt.date(1900, 1, 1)

# str.isdigit() also accepts other scripts' digits (e.g. "٣"), so test membership.
_DIGITS: Final = frozenset("0123456789")


class IdNumberError(PlacementError):
    """An ID number was refused; ``code`` names the rule, ``zh``/``en`` say it in words."""

    def __init__(self, *, code: str, zh: str, en: str) -> None:
        self.code = code
        self.zh = zh
        self.en = en
        super().__init__(f"{zh} / {en}")

    def issue(self, row: int, field: str = "id_number") -> Issue:
        """The same problem as a roster row issue."""
        return Issue(row=row, field=field, code=self.code, zh=self.zh, en=self.en)


@dataclass(frozen=True, slots=True)
class ResidentId:
    """A parsed, checked ID number (``number`` is normalised: ASCII, uppercase ``X``)."""

    number: str
    region: str
    birth_date: dt.date
    male: bool


def _is_digits(text: str) -> bool:
    # isdigit alone also accepts "²" and other scripts' digits; ASCII first.
    return text.isascii() and text.isdigit()


def check_character(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits of an ID number."""
    if len(first17) != LENGTH - 1 or not _is_digits(first17):
        raise IdNumberError(
            code="id.chars",
            zh="身份证号前17位必须是数字",
            en="the first 17 characters must be digits",
        )
    return check_of_digits(first17)


def check_of_digits(first17: str) -> str:
    """``check_character`` for 17 ASCII digits, unchecked (the roster's fast path).

    The weights are 2^17 … 2^1 mod 11, so Σ dᵢ·wᵢ ≡ 2·Σ dᵢ·2^(16−i) (mod 11): the digits
    read as a polynomial at 2; and 13 ≡ 2 (mod 11), so ``int(first17, 13)`` evaluates
    it in C. tests/unit/test_idcard.py holds this to the weight table for every input.
    """
    return CHECK_CHARACTERS[2 * int(first17, 13) % 11]


def normalise(text: str) -> str:
    """Strip, fold fullwidth forms (NFKC) and uppercase: "１１０…ｘ" becomes "110…X"."""
    return unicodedata.normalize("NFKC", text.strip()).upper()


def _birth_date(digits: str) -> dt.date:
    # The message leaves the digits out: error text ends up in logs, birth dates are personal.
    try:
        born = dt.date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        born = None
    if born is None or born < EARLIEST_BIRTH:
        raise IdNumberError(
            code="id.date",
            zh="身份证号中的出生日期不是有效日期",
            en="the birth date in the ID number is not a real date",
        )
    return born


def parse_resident_id(text: str) -> ResidentId:
    """Check and split an 18-character ID number, or raise :class:`IdNumberError`.

    No comparison with today's date: the core has no clock, and the intake's
    birth cut-off is checked against the policy profile instead.
    """
    number = normalise(text)
    if len(number) != LENGTH:
        raise IdNumberError(
            code="id.length",
            zh=f"身份证号应为18位，实际为{len(number)}位",
            en=f"an ID number has 18 characters, this one has {len(number)}",
        )
    first17, last = number[:17], number[17]
    if not _is_digits(first17) or not (last in _DIGITS or last == "X"):
        raise IdNumberError(
            code="id.chars",
            zh="身份证号只能是17位数字加一位数字或X",
            en="an ID number is 17 digits followed by a digit or X",
        )
    born = _birth_date(number[6:14])
    expected = check_character(first17)
    if last != expected:
        raise IdNumberError(
            code="id.check",
            zh=f"身份证号校验位错误（应为{expected}）",
            en=f"check character is wrong (expected {expected})",
        )
    return ResidentId(
        number=number,
        region=number[:6],
        birth_date=born,
        male=int(number[16]) % 2 == 1,
    )
