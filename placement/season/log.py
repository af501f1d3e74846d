"""Season entries of the transparency log (spec S10): one type, its events and details.

They share the district's log with the draw entries of §16 but have their own type
string, so a draw verifier never mistakes one for the other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum

from placement.canonical import MAX_SAFE_INT, Json, fast_json, nfc
from placement.season.documents import HEX64, LOG_ENTRY, SEASON_ID, TIME, SeasonError
from placement.season.outcome import Outcome
from placement.season.plan import STAGES
from placement.tlog_entries import Actor
from placement.tlog_entries import entry_bytes as draw_entry_bytes
from placement.tlog_entries import entry_from_json as draw_entry_from_json


class SeasonEvent(StrEnum):
    POLICY = "policy.published"
    OVERRIDE = "override.recorded"
    RECEIVED = "application.received"
    DECISION = "decision.recorded"
    NOTICE = "notice.committed"
    CASE_FILED = "case.filed"
    CASE_DECIDED = "case.decided"
    ROSTER = "roster.derived"
    ADMISSION = "admission.issued"
    ALLOCATION = "allocation.announced"
    ALLOCATED = "allocation.drawn"


Check = Callable[[Json], Json]


def _bad(expected: str) -> Json:
    raise SeasonError(f"应为 {expected}", f"expected {expected}")


def _digest(v: Json) -> Json:
    return v if isinstance(v, str) and HEX64.fullmatch(v) else _bad("64 lowercase hex digits")


def _opt_digest(v: Json) -> Json:
    return None if v is None else _digest(v)


def _text(v: Json) -> Json:
    ok = isinstance(v, str) and v.strip() and len(v) <= 500 and nfc(v) == v
    return v if ok else _bad("non-empty NFC text")


def _opt_text(v: Json) -> Json:
    return None if v is None else _text(v)


def _uint(v: Json) -> Json:
    ok = isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_SAFE_INT
    return v if ok else _bad("a positive integer")


def _one_of(*values: str) -> Check:
    return lambda v: v if v in values else _bad(" | ".join(values))


_D: dict[str, Check] = {"digest": _digest}
_SI: dict[str, Check] = {"digest": _digest, "intake": _text, "school": _text}
DETAIL_FIELDS: Mapping[SeasonEvent, Mapping[str, Check]] = {
    SeasonEvent.POLICY: {**_D, "kind": _one_of("catchment", "plan")},
    SeasonEvent.OVERRIDE: {"reason": _text, "stage": _one_of(*STAGES)},
    SeasonEvent.RECEIVED: {**_SI, "revision": _uint},
    SeasonEvent.DECISION: {
        **_SI,
        "entry": _digest,
        "number": _uint,
        "outcome": _one_of(*(o.value for o in Outcome)),
        "rule": _text,
        "to_school": _opt_text,
    },
    SeasonEvent.NOTICE: _SI,
    SeasonEvent.CASE_FILED: {**_SI, "case": _uint, "notice": _digest},
    SeasonEvent.CASE_DECIDED: {
        **_D,
        "case": _uint,
        "entry": _opt_digest,
        "outcome": _one_of("upheld", "rejected"),
    },
    SeasonEvent.ROSTER: _SI,
    SeasonEvent.ADMISSION: _SI,
    SeasonEvent.ALLOCATION: _SI,
    SeasonEvent.ALLOCATED: _SI,
}


def season_entry(
    *, event: str, season: str, actor: str, time: str, detail: Mapping[str, Json]
) -> dict[str, Json]:
    """A season log entry, refusing unknown events, actors and detail fields."""
    try:
        ev, who = SeasonEvent(event), Actor(actor)
    except ValueError as e:
        raise SeasonError(f"未知的事件或角色：{e}", f"unknown event or actor: {e}") from e
    if not isinstance(season, str) or not SEASON_ID.fullmatch(season):
        raise SeasonError(f"招生季编号无效：{season!r}", f"invalid season id {season!r}")
    if not isinstance(time, str) or not TIME.fullmatch(time):
        raise SeasonError(
            f"时间须为带时区的 ISO 8601：{time!r}", f"time must be ISO 8601: {time!r}"
        )
    try:
        datetime.fromisoformat(time)
    except ValueError as e:
        raise SeasonError(f"时间无效：{time!r}", f"invalid time {time!r}") from e
    fields = DETAIL_FIELDS[ev]
    if not isinstance(detail, Mapping) or set(detail) != set(fields):
        raise SeasonError(
            f"{ev} 的 detail 字段应为 {sorted(fields)}",
            f"detail of {ev} must have {sorted(fields)}",
        )
    out: dict[str, Json] = {}
    for key, check in fields.items():
        try:
            out[key] = check(detail[key])
        except SeasonError as e:
            raise SeasonError(f"{ev} detail.{key}: {e}") from e
    return {
        "actor": who.value,
        "detail": out,
        "event": ev.value,
        "season": season,
        "t": LOG_ENTRY,
        "time": time,
    }


def season_entry_from_json(value: Json) -> dict[str, Json]:
    """Validate a parsed season entry; its re-serialisation must be identical."""
    keys = {"actor", "detail", "event", "season", "t", "time"}
    if not isinstance(value, dict) or set(value) != keys or value["t"] != LOG_ENTRY:
        raise SeasonError("不是招生季日志条目", "not a season log entry")
    detail = value["detail"]
    if not isinstance(detail, dict):
        raise SeasonError("detail 须为对象", "detail must be an object")
    e = season_entry(
        event=str(value["event"]),
        season=str(value["season"]),
        actor=str(value["actor"]),
        time=str(value["time"]),
        detail=detail,
    )
    # The detail checks refuse booleans for numbers and non-NFC text, so equal values
    # mean equal JCS bytes (and ``entry_bytes`` may use the fast serialiser).
    if e != value:
        raise SeasonError("日志条目不规范", "log entry is not in canonical form")
    return e


def entry_bytes(e: dict[str, Json]) -> bytes:
    """JCS bytes of a season entry made or checked by this module (spec §2.1 fast path)."""
    return fast_json(e)


def any_entry_from_json(value: Json) -> dict[str, Json]:
    """A log entry of either kind the district log holds: a draw step (§16) or a season step."""
    if isinstance(value, dict) and value.get("t") == LOG_ENTRY:
        return season_entry_from_json(value)
    return draw_entry_from_json(value)


def any_entry_bytes(e: dict[str, Json]) -> bytes:
    """JCS bytes of either kind of entry, checked."""
    if e.get("t") == LOG_ENTRY:
        return entry_bytes(season_entry_from_json(e))
    return draw_entry_bytes(e)
