"""资格审核 in bulk: a sheet of decisions (报名号, 结果, 规则, 理由, 审核人 …) in one step.

A district reviews thousands of applications in a week; one transaction per decision
would write a checkpoint over the whole log each time. The sheet is decided as one
ledger step, all or nothing: every refused row is listed with its number and field, and
then nothing is stored (the store drops the ledger it changed in memory).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Final

from placement.errors import InvalidInput, Issue, PlacementError
from placement.season.ledger import Ledger
from placement.season.outcome import OUTCOME_ZH, Outcome
from web.db.engine import writing
from web.service.errors import ServiceError
from web.service.intakes import Env, audit
from web.service.season.steps import store_for

OUTCOMES: Final = {zh: o for o, zh in OUTCOME_ZH.items()} | {o.value: o for o in Outcome}


def _missing(n: int, row: Mapping[str, str]) -> tuple[str, dt.date] | Issue | None:
    items = row.get("missing", "").strip()
    if not items:
        return None
    try:
        return items, dt.date.fromisoformat(row.get("by", "").strip())
    except ValueError:
        return Issue(n, "by", "decision.by", "补交期限应为 YYYY-MM-DD", "by must be YYYY-MM-DD")


def _decide_row(led: Ledger, n: int, row: Mapping[str, str], now: dt.datetime) -> Issue | int:
    outcome = OUTCOMES.get(row.get("outcome", "").strip())
    if outcome is None:
        return Issue(
            n,
            "outcome",
            "decision.outcome",
            "结果应为 " + "/".join(OUTCOME_ZH.values()),
            "outcome must be one of " + ", ".join(o.value for o in Outcome),
        )
    missing = _missing(n, row)
    if isinstance(missing, Issue):
        return missing
    try:
        return led.decide(
            row.get("number", "").strip(),
            outcome=outcome,
            rule=row.get("rule", "").strip(),
            reason=row.get("reason", "").strip(),
            reviewer=row.get("reviewer", "").strip(),
            now=now,
            to_school=row.get("to_school", "").strip() or None,
            missing=missing,
            approved_by=row.get("approved_by", "").strip() or None,
        ).number
    except PlacementError as e:
        return Issue(n, "", "decision.refused", e.zh, e.en)


def decide_rows(
    env: Env, season: str, rows: Sequence[tuple[int, Mapping[str, str]]], *, user: str
) -> list[int]:
    """Decide every row of a review sheet in one step; the decision numbers, in order."""
    now = env.now()

    def step(led: Ledger) -> list[int]:
        made: list[int] = []
        issues: list[Issue] = []
        for n, row in rows:
            got = _decide_row(led, n, row, now)
            if isinstance(got, Issue):
                issues.append(got)
            else:
                made.append(got)
        if issues:
            raise InvalidInput(tuple(issues))
        return made

    try:
        made = store_for(env, season).step(step)
    except InvalidInput as e:
        raise ServiceError(
            f"{len({i.row for i in e.issues})} 行有误，全部未记录",
            f"{len({i.row for i in e.issues})} rows have errors; no decision was recorded",
            issues=e.issues,
        ) from e
    with writing(env.engine) as s:
        audit(s, env.now(), user, "season.decided", None, f"{len(made)} decisions from a sheet")
    return made
