"""The five outcomes of a review decision (spec S6) and what each admits to."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    APPROVE = "approve"  # 通过
    RETURN = "return"  # 退回原学区
    PENDING = "pending"  # 材料待补
    DEFER = "defer"  # 延缓入学
    ASSIGN = "assign"  # 统筹安排


OUTCOME_ZH = {
    Outcome.APPROVE: "通过",
    Outcome.RETURN: "退回原学区",
    Outcome.PENDING: "材料待补",
    Outcome.DEFER: "延缓入学",
    Outcome.ASSIGN: "统筹安排",
}
OUTCOME_EN = {
    Outcome.APPROVE: "approved",
    Outcome.RETURN: "returned to own catchment",
    Outcome.PENDING: "documents pending",
    Outcome.DEFER: "deferred entry",
    Outcome.ASSIGN: "assigned by the bureau",
}


def admits(outcome: Outcome, school: str, to_school: str | None) -> str | None:
    """The school whose list a decision puts the child on, or None (spec S6)."""
    if outcome is Outcome.APPROVE:
        return school
    if outcome is Outcome.ASSIGN:
        return to_school
    return None
