"""Small text grammars of the record (spec Part II): digests, times, draw ids."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TypeGuard

from placement.canonical import Json

HEX64 = re.compile(r"[0-9a-f]{64}")
DRAW_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_time(value: Json) -> bool:
    """``YYYY-MM-DDTHH:MM:SS±HH:MM``, a real moment."""
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def moment(value: str) -> datetime:
    """A checked time as an aware datetime (call :func:`is_time` first)."""
    return datetime.fromisoformat(value)


def is_date(value: Json) -> bool:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_hex64(value: Json) -> TypeGuard[str]:
    return isinstance(value, str) and HEX64.fullmatch(value) is not None


def is_text(value: Json) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def is_int(value: Json) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)
