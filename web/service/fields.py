"""The words people read for an input field: an issue names its field by key
(``id_number``), a page says 身份证号 / ID number. The Chinese words are the first
header each file column accepts; the English ones are written here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from placement.roster import HEADERS
from placement.teams import TEAM_HEADERS

_ENGLISH: Final[Mapping[str, str]] = {
    "name": "name",
    "gender": "sex",
    "id_number": "ID number",
    "birth_date": "birth date",
    "student_no": "student number",
    "twin_group": "twin group",
    "twin_preference": "twin wish",
    "flags": "flags",
    "number": "class number",
    "label": "class label",
    "head_teacher": "head teacher",
    "teachers": "teachers",
}


def field_words(key: str) -> tuple[str, str]:
    """(Chinese, English) words for a field key; an unknown key is shown as it is."""
    headers = HEADERS.get(key) or TEAM_HEADERS.get(key)
    zh = headers[0] if headers else key
    return zh, _ENGLISH.get(key, key.replace("_", " "))
