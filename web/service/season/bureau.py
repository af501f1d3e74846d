"""The bureau's 统筹安排 as the web forms run it (spec S6 ``assign``, S11).

Assigning several children to a designated school is one step: all of them, or none
(a plan that would overflow refuses the whole batch and says to announce a draw). When
more children are to go to a school than it has places left, the allocation draw of
``steps.announce_allocation`` / ``steps.draw_allocation`` decides instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from placement.season.allocating import RULE
from placement.season.ledger import Ledger
from placement.season.outcome import Outcome
from web.service.errors import Conflict, ServiceError
from web.service.intakes import Env
from web.service.season.steps import _audit, store_for

MAX_BATCH = 500  # one form's worth; bigger batches go through the CLI
_NUMBERS = re.compile(r"[\s,，;；、]+")


def parse_numbers(text: str) -> list[str]:
    """Application numbers typed or pasted one a line (or separated by commas)."""
    numbers = [n for n in _NUMBERS.split(text.strip()) if n]
    if not numbers:
        raise ServiceError("请填写报名号", "give the application numbers")
    if len(numbers) > MAX_BATCH:
        raise ServiceError(
            f"一次最多 {MAX_BATCH} 份报名", f"at most {MAX_BATCH} applications at once"
        )
    return numbers


@dataclass(frozen=True, slots=True)
class Room:
    """A planned intake's places and how many entries stand there now."""

    school: str
    intake: str
    planned: int
    standing: int

    @property
    def left(self) -> int:
        return max(self.planned - self.standing, 0)


def rooms(led: Ledger) -> list[Room]:
    return [
        Room(i.school, i.intake, i.places, led.counts[(i.school, i.intake)])
        for i in led.plan.intakes
    ]


def assign(
    env: Env,
    season: str,
    numbers: Sequence[str],
    *,
    school: str,
    reason: str,
    reviewer: str,
    user: str,
) -> list[int]:
    """统筹安排: assign every listed application to ``school`` in one transaction."""
    if not reason.strip():
        raise ServiceError("统筹安排须写明理由", "an assignment needs a reason")
    now = env.now()

    def step(led: Ledger) -> list[int]:
        missing = [n for n in numbers if n not in led.current]
        if missing or len(set(numbers)) != len(numbers):
            raise ServiceError(
                f"报名号不存在或重复：{' '.join(missing) or '重复'}",
                f"unknown or repeated application numbers: {' '.join(missing) or 'repeated'}",
            )
        intake = led.current[numbers[0]].intake
        planned = led.plan.intake(school, intake)
        if planned is None:
            raise ServiceError(f"{school} 没有 {intake} 的招生计划", f"{school} plans no {intake}")
        place = (school, intake)
        moving = [n for n in numbers if led.placed.get(led.current[n].entry()) != place]
        left = planned.places - led.counts[place]
        if len(moving) > left:
            raise Conflict(
                f"{school} 余位 {left} 个，少于 {len(moving)} 名儿童：请公告统筹摇号",
                f"{school} has {left} places left for {len(moving)} children: "
                "announce an allocation draw",
            )
        return [
            led.decide(
                n,
                outcome=Outcome.ASSIGN,
                rule=RULE,
                reason=reason,
                reviewer=reviewer,
                approved_by=reviewer,
                to_school=school,
                now=now,
            ).number
            for n in numbers
        ]

    made = store_for(env, season).step(step)
    _audit(env, user, "season.assigned", f"{school}: {len(made)}")
    return made
