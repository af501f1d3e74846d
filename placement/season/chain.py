"""From decisions to 公示 to the draw's roster (spec S7, S9), over the public log alone.

``standing`` folds the logged decisions; ``derive`` walks the log from a notice to a
derivation and lists every change with the case or decision that made it. The
service builds its documents with these; the verifier recomputes them on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from placement.canonical import Json
from placement.season.documents import LOG_ENTRY, ROSTER, SeasonError
from placement.season.log import SeasonEvent
from placement.season.notice import EntrySet, entry_set
from placement.season.outcome import Outcome, admits

Place = tuple[str, str]  # (school, intake)


@dataclass(frozen=True, slots=True)
class Change:
    by: str  # "case" | "decision"
    number: int
    entry: bytes
    effect: str  # "remove" | "add"

    def to_json(self) -> dict[str, Json]:
        return {
            "by": self.by,
            "effect": self.effect,
            "entry": self.entry.hex(),
            "number": self.number,
        }


def _detail(e: Mapping[str, Json]) -> Mapping[str, Json]:
    d = e["detail"]
    assert isinstance(d, dict)
    return d


def _season(e: Mapping[str, Json], event: SeasonEvent) -> bool:
    return e.get("t") == LOG_ENTRY and e.get("event") == event.value


def decision_place(detail: Mapping[str, Json]) -> Place | None:
    """Where a logged decision puts its entry (spec S6 "admits"), or None."""
    to = detail["to_school"]
    target = admits(
        Outcome(str(detail["outcome"])), str(detail["school"]), None if to is None else str(to)
    )
    return None if target is None else (target, str(detail["intake"]))


def standing(log: Sequence[Mapping[str, Json]], end: int) -> dict[bytes, Place | None]:
    """Each entry's standing after the first ``end`` log entries: its latest decision's place."""
    out: dict[bytes, Place | None] = {}
    for e in log[:end]:
        if _season(e, SeasonEvent.DECISION):
            d = _detail(e)
            out[bytes.fromhex(str(d["entry"]))] = decision_place(d)
    return out


def admitted(log: Sequence[Mapping[str, Json]], end: int, place: Place) -> set[bytes]:
    """The entries standing at ``place`` after ``end`` entries: what a notice must commit."""
    return {e for e, p in standing(log, end).items() if p == place}


def derive(
    log: Sequence[Mapping[str, Json]],
    *,
    notice_index: int,
    end: int,
    place: Place,
    notice_digest: str,
    listed: set[bytes],
) -> tuple[list[Change], set[bytes]]:
    """Walk log entries ``notice_index + 1 … end − 1``: every change to the list, in order."""
    current = set(listed)
    changes: list[Change] = []
    for e in log[notice_index + 1 : end]:
        if _season(e, SeasonEvent.CASE_DECIDED):
            d = _detail(e)
            if d["outcome"] != "upheld" or not _about(log, d, notice_digest):
                continue
            entry = bytes.fromhex(str(d["entry"]))
            if entry not in current:
                raise SeasonError(
                    f"举报 #{d['case']} 移出的条目不在名单上",
                    f"case #{d['case']} removes an entry that is not on the list",
                )
            current.discard(entry)
            changes.append(Change("case", int(str(d["case"])), entry, "remove"))
        elif _season(e, SeasonEvent.DECISION):
            d = _detail(e)
            entry = bytes.fromhex(str(d["entry"]))
            here = decision_place(d) == place
            number = int(str(d["number"]))
            if here and entry not in current:
                current.add(entry)
                changes.append(Change("decision", number, entry, "add"))
            elif not here and entry in current:
                current.discard(entry)
                changes.append(Change("decision", number, entry, "remove"))
    return changes, current


def _about(log: Sequence[Mapping[str, Json]], decided: Mapping[str, Json], notice: str) -> bool:
    """Is the decided case one filed against this notice?"""
    for e in log:
        if _season(e, SeasonEvent.CASE_FILED):
            d = _detail(e)
            if d["case"] == decided["case"]:
                return d["notice"] == notice
    return False


def roster_document(
    *,
    season: str,
    place: Place,
    notice_digest: str,
    notice_size: int,
    changes: Sequence[Change],
    roster: EntrySet,
    derived_at: str,
) -> dict[str, Json]:
    return {
        "changes": [c.to_json() for c in changes],
        "derived_at": derived_at,
        "intake": place[1],
        "notice": notice_digest,
        "roster": {"root": roster.root.hex(), "size": roster.size},
        "school": place[0],
        "season": season,
        "summary": {
            "added": sum(c.effect == "add" for c in changes),
            "notice": notice_size,
            "removed": sum(c.effect == "remove" for c in changes),
            "roster": roster.size,
        },
        "t": ROSTER,
    }


def summary_line(doc: Mapping[str, Json]) -> tuple[str, str]:
    """ "380 on 公示; 2 removed by reports #3, #7; 1 added by decision #12; 379 in the draw"."""
    changes = doc["changes"]
    summary = doc["summary"]
    assert isinstance(changes, list)
    assert isinstance(summary, dict)
    zh = [f"公示 {summary['notice']} 人"]
    en = [f"{summary['notice']} on 公示"]
    for effect, zh_verb, en_verb in (("remove", "移出", "removed"), ("add", "增加", "added")):
        for by, zh_by, en_by in (("case", "举报", "report"), ("decision", "决定", "decision")):
            nums = [
                c["number"]
                for c in changes
                if isinstance(c, dict) and c["effect"] == effect and c["by"] == by
            ]
            if nums:
                refs = ", ".join(f"#{n}" for n in nums)
                plural = "s" if len(nums) > 1 else ""
                zh.append(f"因{zh_by} {refs} {zh_verb} {len(nums)} 人")
                en.append(f"{len(nums)} {en_verb} by {en_by}{plural} {refs}")
    zh.append(f"进入派位 {summary['roster']} 人")
    en.append(f"{summary['roster']} in the draw")
    return "；".join(zh), "; ".join(en)


def roster_set(entries: set[bytes]) -> EntrySet:
    return entry_set(entries)
