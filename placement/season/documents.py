"""Season document types and their digests (spec Part S, S1)."""

from __future__ import annotations

import re
from typing import Final

from placement.canonical import Json, canonical_json, tagged_hash
from placement.errors import PlacementError

PREFIX: Final = "sunshine-placement/season/v1/"
CATCHMENT: Final = PREFIX + "catchment"
PLAN: Final = PREFIX + "plan"
APPLICATION: Final = PREFIX + "application"
RECEIPT: Final = PREFIX + "application-receipt"
DECISION: Final = PREFIX + "decision"
NOTICE: Final = PREFIX + "notice"
CASE: Final = PREFIX + "case"
FINDING: Final = PREFIX + "finding"
ROSTER: Final = PREFIX + "roster"
ADMISSION: Final = PREFIX + "admission"
ALLOCATION: Final = PREFIX + "allocation"
ALLOCATION_RESULT: Final = PREFIX + "allocation-result"
LOG_ENTRY: Final = PREFIX + "log-entry"
BUNDLE: Final = PREFIX + "bundle"
TAG_SUBMISSION: Final = PREFIX + "submission"
TAG_ENTRY: Final = PREFIX + "entry"
TAG_ALLOCATION_TICKET: Final = PREFIX + "allocation-ticket"

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", re.ASCII)
DAY = re.compile(r"\d{4}-\d\d-\d\d", re.ASCII)
SEASON_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", re.ASCII)
HEX64 = re.compile(r"[0-9a-f]{64}", re.ASCII)


class SeasonError(PlacementError):
    """A season value or document is malformed, or a step is not allowed."""


def digest(doc: dict[str, Json]) -> bytes:
    """H(t, JCS(doc)) for a season document (the rule of spec §14)."""
    t = doc.get("t")
    if not isinstance(t, str) or not t.startswith(PREFIX):
        raise SeasonError("不是招生季文件", "not a sunshine-placement/season/v1 document")
    return tagged_hash(t, canonical_json(doc))
