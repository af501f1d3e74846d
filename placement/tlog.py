"""The transparency log's pure parts (spec §16): one import for all of them.

Every step of a draw is a JSON entry (:mod:`placement.tlog_entries`) in an
append-only RFC 6962 log. The C2SP text formats (checkpoints, tlog-proof receipts,
hash lists) are in :mod:`placement.tlog_proofs`, the tlog-tiles layout in
:mod:`placement.tlog_tiles`; all are re-exported here. This module adds the
export with its checkpoint and the order rules of a draw's events. Signing and
signature checks live elsewhere (``keys/``, ``verifier/``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from placement.canonical import Json
from placement.tlog_entries import (
    DETAIL_FIELDS,
    LOG_ENTRY_TYPE,
    Actor,
    Event,
    entry,
    entry_bytes,
    entry_from_json,
    entry_leaf_hash,
    is_draw_id,
)
from placement.tlog_proofs import (
    PROOF_HEADER,
    Checkpoint,
    Proof,
    checkpoint_body,
    checkpoint_of,
    format_hashes,
    format_proof,
    parse_checkpoint,
    parse_hashes,
    parse_proof,
    proof_includes,
)
from placement.tlog_tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    TlogError,
    entries_from_tiles,
    root_from_tiles,
    tile_files,
    tile_layout,
    tile_path,
    tile_paths_for,
)

__all__ = [
    "DETAIL_FIELDS",
    "LOG_ENTRY_TYPE",
    "PROOF_HEADER",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "Actor",
    "Checkpoint",
    "Event",
    "Proof",
    "TlogError",
    "check_draw_events",
    "checkpoint_body",
    "checkpoint_of",
    "entries_from_tiles",
    "entry",
    "entry_bytes",
    "entry_from_json",
    "entry_leaf_hash",
    "format_hashes",
    "format_proof",
    "is_draw_id",
    "parse_checkpoint",
    "parse_hashes",
    "parse_proof",
    "proof_includes",
    "root_from_tiles",
    "tile_layout",
    "tile_path",
    "tile_paths_for",
    "tiles",
]


def tiles(
    entries: Sequence[bytes], checkpoint_text: str, *, earlier_sizes: Iterable[int] = ()
) -> dict[str, bytes]:
    """The whole log as tlog-tiles files: ``checkpoint``, hash tiles and entry bundles.

    The checkpoint must be for exactly these entries (size and root).
    """
    cp = checkpoint_of(checkpoint_text)
    files = tile_files(entries, earlier_sizes)
    if cp.size != len(entries) or root_from_tiles(files, cp.size) != cp.root:
        raise TlogError("检查点与日志条目不符", "the checkpoint does not match the entries")
    return {"checkpoint": checkpoint_text.encode("utf-8"), **files}


# --- the order of a draw's events (spec §16) -------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Draw:
    phase: int = 0  # 0 no announcement in force, 1 published, 2 revealed, 3 performed, 4 signed
    announcement: str = ""
    witnesses: int = 0
    result: str = ""
    published: frozenset[str] = frozenset()
    cancelled: bool = False
    seen: frozenset[Event] = frozenset()  # steps of the chain logged for this announcement


_CHAIN = {Event.REVEALED: 2, Event.PERFORMED: 3, Event.SIGNED: 4}
_BEFORE = {2: "witness.entered", 3: Event.REVEALED, 4: Event.PERFORMED}


_Found = tuple[_Draw, list[tuple[str, str]]]  # next state, problems (zh, en)


def _publish(s: _Draw, _ev: Event, digest: str, _d: dict[str, Json]) -> _Found:
    if s.phase:
        return s, [("前一公告未撤销", f"announcement {s.announcement} is still in force")]
    bad = [("该公告已发布过", "this announcement was published before")]
    new = _Draw(1, digest, published=s.published | {digest})
    return new, bad if digest in s.published else []


def _cancel(s: _Draw, _ev: Event, digest: str, _d: dict[str, Json]) -> _Found:
    if digest != s.announcement:
        return s, [("撤销的不是现行公告", "cancels an announcement that is not in force")]
    return replace(s, phase=0, cancelled=True), []


def _witness(s: _Draw, _ev: Event, _digest: str, d: dict[str, Json]) -> _Found:
    index = d["index"]
    assert isinstance(index, int)
    if s.phase > 1:
        return s, [("见证人输入晚于种子揭示", "witness entry after seed.revealed")]
    bad = [(f"见证人序号应为 {s.witnesses}", f"witness index {index}, expected {s.witnesses}")]
    return replace(s, witnesses=index + 1), bad if index != s.witnesses else []


def _chain(s: _Draw, ev: Event, digest: str, _d: dict[str, Json]) -> _Found:
    target, problems = _CHAIN[ev], []
    if ev in s.seen:
        once = "同一公告只能抽签一次" if ev is Event.PERFORMED else f"{ev} 重复"
        return s, [(once, f"a second {ev} for announcement {s.announcement}")]
    if s.phase >= target:
        problems.append(("顺序颠倒，应在后续步骤之前", f"out of order: {ev} after a later step"))
    elif s.phase != target - 1:
        problems.append((f"须在 {_BEFORE[target]} 之后", f"must follow {_BEFORE[target]}"))
    if ev is Event.REVEALED and not s.witnesses:
        problems.append(("揭示种子前没有见证人输入", "no witness entry before seed.revealed"))
    if ev is Event.SIGNED and s.result and digest != s.result:
        problems.append(("签署的不是所抽结果", "signs a result other than the one performed"))
    result = digest if ev is Event.PERFORMED else s.result
    seen = s.seen | {ev}
    return replace(s, phase=max(s.phase, target), result=result, seen=seen), problems


# Events after the draw whose digest is of their own document, not of the result.
_OWN_DIGEST = frozenset({Event.AMENDED, Event.REQUESTED, Event.DECIDED})


def _after(s: _Draw, ev: Event, digest: str, _d: dict[str, Json]) -> _Found:
    if s.phase < 4:
        return s, [("须在 result.signed 之后", "must follow result.signed")]
    if ev not in _OWN_DIGEST and digest != s.result:
        return s, [("结果摘要与已签署结果不符", "names a result other than the signed one")]
    return s, []


def _rotated(s: _Draw, _ev: Event, _digest: str, _d: dict[str, Json]) -> _Found:
    return s, []  # a key rotation may be logged at any step after the announcement


_STEPS: dict[Event, Callable[[_Draw, Event, str, dict[str, Json]], _Found]] = {
    Event.ROTATED: _rotated,
    Event.PUBLISHED: _publish,
    Event.CANCELLED: _cancel,
    Event.WITNESS: _witness,
    **dict.fromkeys(_CHAIN, _chain),
}


def _step(s: _Draw, ev: Event, d: dict[str, Json]) -> _Found:
    if ev is not Event.PUBLISHED and not s.phase:
        if s.cancelled:
            return s, [
                ("公告已撤销，其后不得再有事件", "nothing may follow announcement.cancelled")
            ]
        return s, [("须先有 announcement.published", "announcement.published must come first")]
    return _STEPS.get(ev, _after)(s, ev, str(d.get("digest", "")), d)


def check_draw_events(
    entries: Sequence[tuple[int, Mapping[str, Json]]],
) -> list[tuple[str, str]]:
    """Problems with the order of events of every draw in ``(log index, entry)`` pairs.

    Returns one (Chinese, English) pair per problem; an empty list means the order is right.
    """
    problems: list[tuple[str, str]] = []
    draws: dict[str, _Draw] = {}
    last = -1
    for index, raw in entries:
        try:
            e = entry_from_json(dict(raw))
        except TlogError as err:
            problems.append(
                (f"第 {index} 条日志无效：{err.zh}", f"log entry {index} is invalid: {err.en}")
            )
            continue
        draw, ev, detail = str(e["draw"]), Event(str(e["event"])), e["detail"]
        assert isinstance(detail, dict)
        where = (f"第 {index} 条日志（{draw}，{ev}）", f"log entry {index} ({draw}, {ev})")
        if index <= last:
            problems.append((f"{where[0]}：序号未递增", f"{where[1]}: index not increasing"))
        last = max(last, index)
        draws[draw], found = _step(draws.get(draw, _Draw()), ev, detail)
        problems += [(f"{where[0]}：{zh}", f"{where[1]}: {en}") for zh, en in found]
    return problems
