"""举报 during 公示 (spec S8): numbered cases and the bureau's findings.

Case and finding documents are private (who reported whom, and why); the log shows
case numbers and outcomes, and for an upheld case only the entry it removes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from placement.canonical import Json, nfc
from placement.season.documents import CASE, FINDING, TIME, SeasonError


class Finding(StrEnum):
    UPHELD = "upheld"  # 查实: removed from the list
    REJECTED = "rejected"  # 不实: kept


FINDING_ZH = {Finding.UPHELD: "查实，移出名单", Finding.REJECTED: "不实，保留"}
FINDING_EN = {Finding.UPHELD: "upheld: removed from the list", Finding.REJECTED: "rejected: kept"}


@dataclass(frozen=True, slots=True)
class Case:
    season: str
    number: int
    notice: bytes  # digest of the 公示 document the report is about
    school: str
    intake: str
    application: str | None  # the reported application's number, when known
    claim: str
    channel: str  # "online" | "desk"
    filed_at: str

    def to_json(self) -> dict[str, Json]:
        return {
            "application": self.application,
            "case": self.number,
            "channel": self.channel,
            "claim": self.claim,
            "filed_at": self.filed_at,
            "intake": self.intake,
            "notice": self.notice.hex(),
            "school": self.school,
            "season": self.season,
            "t": CASE,
        }


def file_case(  # noqa: PLR0913
    *,
    season: str,
    number: int,
    notice: bytes,
    school: str,
    intake: str,
    application: str | None,
    claim: str,
    channel: str,
    filed_at: str,
) -> Case:
    if not claim.strip() or len(claim) > 2000 or channel not in {"online", "desk"}:
        raise SeasonError("举报须写明事由（最多2000字）", "a report states its claim (≤ 2000)")
    if not TIME.fullmatch(filed_at):
        raise SeasonError("时间格式错误", "malformed time")
    return Case(
        season,
        number,
        notice,
        nfc(school),
        nfc(intake),
        application,
        nfc(claim.strip()),
        channel,
        filed_at,
    )


@dataclass(frozen=True, slots=True)
class CaseFinding:
    case: Case
    outcome: Finding
    entry: bytes | None  # the entry removed; only when upheld
    reason: str
    handled_by: str
    decided_at: str
    application: str | None = None  # the reported application, as the bureau identified it

    def __post_init__(self) -> None:
        if (self.outcome is Finding.UPHELD) != (self.entry is not None):
            raise SeasonError("查实的举报须指明移出的条目", "an upheld case names the entry")
        if not self.reason.strip() or not self.handled_by.strip():
            raise SeasonError("处理结果须写明理由和经办人", "a finding needs reason and handler")
        if not TIME.fullmatch(self.decided_at):
            raise SeasonError("时间格式错误", "malformed time")

    def to_json(self) -> dict[str, Json]:
        return {
            "application": self.application or self.case.application,
            "case": self.case.number,
            "decided_at": self.decided_at,
            "entry": None if self.entry is None else self.entry.hex(),
            "handled_by": nfc(self.handled_by),
            "notice": self.case.notice.hex(),
            "outcome": self.outcome.value,
            "reason": nfc(self.reason),
            "season": self.case.season,
            "t": FINDING,
        }


def case_from_json(doc: Json) -> Case:
    """Rebuild a stored case document."""
    try:
        assert isinstance(doc, dict)
        assert doc["t"] == CASE
        number = doc["case"]
        assert isinstance(number, int)
        app = doc["application"]
        case = Case(
            str(doc["season"]),
            number,
            bytes.fromhex(str(doc["notice"])),
            str(doc["school"]),
            str(doc["intake"]),
            None if app is None else str(app),
            str(doc["claim"]),
            str(doc["channel"]),
            str(doc["filed_at"]),
        )
    except (AssertionError, KeyError, ValueError, TypeError) as e:
        raise SeasonError(f"举报文件格式错误：{e}", f"malformed case: {e}") from e
    if case.to_json() != doc:
        raise SeasonError("举报文件含多余字段", "case has unknown fields")
    return case
