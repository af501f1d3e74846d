"""Transparency log entries (spec §16): one JSON object per step of a draw.

``entry`` refuses unknown events and actors and checks every ``detail`` field
against the spec's table; ``entry_from_json`` also refuses non-canonical input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

from placement import merkle
from placement.canonical import MAX_SAFE_INT, Json, canonical_json, nfc
from placement.seed import SeedError, check_witness_input
from placement.tlog_tiles import TlogError

LOG_ENTRY_TYPE = "sunshine-placement/v1/log-entry"
_HEX = re.compile(r"[0-9a-f]{64}")
_DRAW_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", re.ASCII)


class Event(StrEnum):
    PUBLISHED = "announcement.published"
    CANCELLED = "announcement.cancelled"
    WITNESS = "witness.entered"
    REVEALED = "seed.revealed"
    PERFORMED = "draw.performed"
    SIGNED = "result.signed"
    PRINTED = "sheets.printed"
    EXPORTED = "bundle.exported"
    AMENDED = "amendment.approved"
    REQUESTED = "exception.requested"  # Part E (§E4)
    DECIDED = "exception.decided"
    ROTATED = "key.rotated"  # spec §23.3: one bureau key replaced by another


class Actor(StrEnum):
    BUREAU = "bureau"
    SCHOOL = "school"
    SUPERVISOR = "supervisor"
    WITNESS = "witness"
    SYSTEM = "system"


def _uint(v: Json, low: int = 0) -> Json:
    ok = isinstance(v, int) and not isinstance(v, bool) and low <= v <= MAX_SAFE_INT
    return v if ok else _bad(f"an integer ≥ {low}")


def _digest(v: Json) -> Json:
    return v if isinstance(v, str) and _HEX.fullmatch(v) else _bad("64 lowercase hex digits")


def _text(v: Json) -> Json:
    return nfc(v) if isinstance(v, str) and v.strip() else _bad("non-empty text")


def _input(v: Json) -> Json:
    try:
        return check_witness_input(v) if isinstance(v, str) else _bad("text")
    except SeedError as e:
        raise TlogError(str(e)) from e


_KID = re.compile(r"[\x21-\x2a\x2c-\x7e]+\+[0-9a-f]{8}", re.ASCII)


def _kid(v: Json) -> Json:
    return v if isinstance(v, str) and _KID.fullmatch(v) else _bad("a key id: name+8 hex digits")


def _kind(v: Json) -> Json:
    return v if v in {"public", "archive"} else _bad('"public" or "archive"')


def _decision(v: Json) -> Json:
    return v if v in {"approved", "refused"} else _bad('"approved" or "refused"')


def _bad(expected: str) -> Json:
    raise TlogError("应为", f"expected {expected}")


_D = {"digest": _digest}
DETAIL_FIELDS = {
    Event.PUBLISHED: _D,
    Event.CANCELLED: {"digest": _digest, "reason": _text},
    Event.WITNESS: {"index": _uint, "input": _input, "role": _text},
    Event.REVEALED: _D,
    Event.PERFORMED: _D,
    Event.SIGNED: _D,
    Event.PRINTED: {"copies": lambda v: _uint(v, 1), "digest": _digest},
    Event.EXPORTED: {"digest": _digest, "kind": _kind},
    Event.AMENDED: _D,
    Event.REQUESTED: {"digest": _digest, "number": lambda v: _uint(v, 1)},
    Event.DECIDED: {"decision": _decision, "digest": _digest, "number": lambda v: _uint(v, 1)},
    Event.ROTATED: {"from": _kid, "to": _kid},
}


def is_draw_id(text: str) -> bool:
    """A draw id as the log and the documents accept it (spec §16): ASCII, 1–128 chars."""
    return isinstance(text, str) and _DRAW_ID.fullmatch(text) is not None


def entry(
    *, event: str, draw_id: str, actor: str, time: str, detail: Mapping[str, Json]
) -> dict[str, Json]:
    """A log entry (spec §16), refusing unknown events, actors and detail fields."""
    try:
        ev, who = Event(event), Actor(actor)
    except ValueError as e:
        raise TlogError("未知的事件或角色", f"unknown event or actor: {e}") from e
    if not isinstance(draw_id, str) or not _DRAW_ID.fullmatch(draw_id):
        raise TlogError("抽签编号须为 ASCII 标识", f"draw id must be ASCII: {draw_id!r}")
    if not isinstance(time, str) or not _TIME.fullmatch(time):
        raise TlogError("时间须为带时区的 ISO 8601", f"time must be ISO 8601 with offset: {time!r}")
    try:
        datetime.fromisoformat(time)
    except ValueError as e:
        raise TlogError("时间无效", f"invalid time {time!r}") from e
    fields = DETAIL_FIELDS[ev]
    if not isinstance(detail, Mapping) or set(detail) != set(fields):
        got = sorted(detail) if isinstance(detail, Mapping) else detail
        raise TlogError(
            f"{ev} 的 detail 字段应为", f"detail of {ev} must have {sorted(fields)}: {got}"
        )
    out: dict[str, Json] = {}
    for key, check in fields.items():
        try:
            out[key] = check(detail[key])
        except TlogError as e:
            raise TlogError(f"{ev} detail.{key}: {e}") from e
    head: dict[str, Json] = {"actor": who.value, "detail": out, "draw": draw_id}
    return {**head, "event": ev.value, "t": LOG_ENTRY_TYPE, "time": time}


def entry_from_json(value: Json) -> dict[str, Json]:
    """Validate a parsed entry; its re-serialisation must be identical."""
    keys = {"actor", "detail", "draw", "event", "t", "time"}
    if not isinstance(value, dict) or set(value) != keys or value["t"] != LOG_ENTRY_TYPE:
        raise TlogError("不是日志条目", "not a sunshine-placement/v1/log-entry object")
    detail, draw, ev, actor, time = (value[k] for k in ("detail", "draw", "event", "actor", "time"))
    if not all(isinstance(x, str) for x in (draw, ev, actor, time)) or not isinstance(detail, dict):
        raise TlogError("日志条目字段类型错误", "log entry fields have wrong types")
    e = entry(event=str(ev), draw_id=str(draw), actor=str(actor), time=str(time), detail=detail)
    if e != value:
        raise TlogError("日志条目不规范", "log entry is not in canonical form")
    return e


def entry_bytes(e: Mapping[str, Json]) -> bytes:
    """JCS(entry): the bytes the log stores and hashes."""
    return canonical_json(entry_from_json(dict(e)))


def entry_leaf_hash(e: Mapping[str, Json]) -> bytes:
    return merkle.leaf_hash(entry_bytes(e))
