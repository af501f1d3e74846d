"""Review decisions (资格审核, spec S6): each names its rule, reason and reviewer.

The signed document is private (it names the application and the proofs); its
public facts — number, entry, outcome, rule, school — are what the log carries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from placement.canonical import Json, nfc
from placement.season.application import Application
from placement.season.documents import DECISION, TIME, SeasonError
from placement.season.outcome import Outcome, admits
from placement.season.plan import Plan


@dataclass(frozen=True, slots=True)
class CheckedProof:
    """A proof presented at the desk: type (户口本 …), its number, who checked it."""

    type: str
    number: str
    checked_by: str


@dataclass(frozen=True, slots=True)
class Decision:
    number: int
    application: Application
    school: str  # where the application is when decided
    outcome: Outcome
    rule: str
    reason: str
    reviewer: str
    decided_at: str
    to_school: str | None = None
    missing: tuple[str, dt.date] | None = None
    approved_by: str | None = None
    allocation: bytes | None = None
    proofs: tuple[CheckedProof, ...] = ()

    @property
    def admits_to(self) -> str | None:
        return admits(self.outcome, self.school, self.to_school)

    def to_json(self) -> dict[str, Json]:
        app = self.application
        return {
            "allocation": None if self.allocation is None else self.allocation.hex(),
            "application": app.number,
            "approved_by": self.approved_by,
            "decided_at": self.decided_at,
            "entry": app.entry().hex(),
            "intake": app.intake,
            "missing": None
            if self.missing is None
            else {"by": self.missing[1].isoformat(), "items": self.missing[0]},
            "number": self.number,
            "outcome": self.outcome.value,
            "proofs": [
                {"checked_by": p.checked_by, "number": p.number, "type": p.type}
                for p in self.proofs
            ],
            "reason": self.reason,
            "reviewer": self.reviewer,
            "revision": app.revision,
            "rule": self.rule,
            "school": self.school,
            "season": app.season,
            "submission": app.submission().hex(),
            "t": DECISION,
            "to_school": self.to_school,
        }

    def log_detail(self, digest: bytes) -> dict[str, Json]:
        """What the public log shows of this decision (spec S10): no name, no number."""
        return {
            "digest": digest.hex(),
            "entry": self.application.entry().hex(),
            "intake": self.application.intake,
            "number": self.number,
            "outcome": self.outcome.value,
            "rule": self.rule,
            "school": self.school,
            "to_school": self.to_school,
        }


def decide(  # noqa: PLR0913 - every part of a decision is named
    *,
    plan: Plan,
    number: int,
    application: Application,
    school: str,
    outcome: Outcome,
    rule: str,
    reason: str,
    reviewer: str,
    decided_at: str,
    to_school: str | None = None,
    missing: tuple[str, dt.date] | None = None,
    approved_by: str | None = None,
    allocation: bytes | None = None,
    proofs: Sequence[CheckedProof] = (),
) -> Decision:
    """A decision checked against the plan's rules; refused with a bilingual reason."""
    known = plan.rule(rule)
    if known is None or known.outcome is not outcome:
        raise SeasonError(
            f"规则 {rule!r} 不存在或不适用于“{outcome.value}”",
            f"rule {rule!r} does not exist or is not for {outcome.value}",
        )
    if not reason.strip() or not reviewer.strip() or not TIME.fullmatch(decided_at):
        raise SeasonError("决定须写明理由、审核人和时间", "a decision needs reason, reviewer, time")
    needs_school = outcome in {Outcome.RETURN, Outcome.ASSIGN}
    if needs_school != bool(to_school):
        raise SeasonError("退回或统筹须写明学校", "return and assign (only) name a school")
    if (outcome is Outcome.PENDING) != (missing is not None):
        raise SeasonError("材料待补须写明所缺材料和期限", "pending (only) says what and by when")
    if outcome is Outcome.DEFER and not (approved_by or "").strip():
        raise SeasonError("延缓入学须经教育局审批", "deferral needs the bureau's approval")
    target = admits(outcome, school, to_school)
    if target is not None and plan.intake(target, application.intake) is None:
        raise SeasonError(
            f"{target} 没有 {application.intake} 的招生计划",
            f"{target} has no planned intake {application.intake}",
        )
    return Decision(
        number=number,
        application=application,
        school=nfc(school),
        outcome=outcome,
        rule=rule,
        reason=nfc(reason.strip()),
        reviewer=nfc(reviewer.strip()),
        decided_at=decided_at,
        to_school=None if to_school is None else nfc(to_school),
        missing=None if missing is None else (nfc(missing[0].strip()), missing[1]),
        approved_by=None if approved_by is None else nfc(approved_by.strip()),
        allocation=allocation,
        proofs=tuple(proofs),
    )
