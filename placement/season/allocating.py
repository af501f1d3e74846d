"""The 统筹 allocation draw as season steps (spec S11): announce a frozen pool, then draw.

When more children are to be assigned to a designated school than it has places left,
the bureau announces the pool (their entries) with a seed commitment; witnesses speak;
the seed is revealed and the smallest tickets win. Each winner is then assigned by a
logged decision naming the result (rule ``migrant-or-renter``). A child who applies
again gets a new record, which is not in the frozen pool: never a new ticket.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from placement.canonical import Json
from placement.documents import WitnessInput
from placement.season.allocation import allocation_document, allocation_result, ticket
from placement.season.documents import SeasonError, digest
from placement.season.ledger import Ledger, Place, cst_time
from placement.season.log import SeasonEvent
from placement.season.notice import EntrySet, entry_set
from placement.season.outcome import Outcome
from placement.seed import seed_commitment

RULE = "migrant-or-renter"


@dataclass
class Allocation:
    document: dict[str, Json]
    digest: bytes
    pool: EntrySet
    numbers: dict[bytes, str]  # entry → application number
    server_seed: bytes  # secret until the draw
    result: dict[str, Json] | None = None


def announce(
    led: Ledger,
    *,
    school: str,
    intake: str,
    numbers: Sequence[str],
    server_seed: bytes,
    scheduled: str,
    witnesses: Sequence[str],
    now: dt.datetime,
) -> Allocation:
    """Freeze the pool and commit to the seed; ``places`` is what the plan leaves."""
    place = (school, intake)
    allocations = led.allocations
    if place in allocations and allocations[place].result is None:
        raise SeasonError("该校已有未完成的统筹摇号", "an allocation draw is already announced")
    planned = led.plan.intake(school, intake)
    if planned is None:
        raise SeasonError(
            f"{school} 没有 {intake} 的招生计划", f"{school} has no planned intake {intake}"
        )
    apps = [led.current[n] for n in numbers if n in led.current]
    if len(apps) != len(numbers) or len(set(numbers)) != len(numbers):
        raise SeasonError("统筹名单中有不存在或重复的报名号", "unknown or repeated applications")
    pool = entry_set(a.entry() for a in apps)
    places = planned.places - led.counts[place]
    doc = allocation_document(
        season=led.season,
        school=school,
        intake=intake,
        places=places,
        pool=pool,
        seed_commitment=seed_commitment(server_seed),
        scheduled=scheduled,
        witnesses=witnesses,
    )
    d = led.sign_and_log(
        doc, event=SeasonEvent.ALLOCATION, now=now, detail={"intake": intake, "school": school}
    )
    made = Allocation(doc, d, pool, {a.entry(): a.number for a in apps}, server_seed)
    allocations[place] = made
    return made


def draw(
    led: Ledger,
    *,
    school: str,
    intake: str,
    witnesses: Sequence[WitnessInput],
    beacon: str | None,
    reviewer: str,
    now: dt.datetime,
) -> dict[str, Json]:
    """Reveal, draw once, and assign every winner by a logged decision naming the result."""
    a = led.allocations.get((school, intake))
    if a is None or a.result is not None:
        raise SeasonError("没有待进行的统筹摇号", "no announced allocation draw to perform")
    places = a.document["places"]
    assert isinstance(places, int)
    result = allocation_result(
        allocation_digest=a.digest,
        pool=list(a.pool.entries),
        places=places,
        server_seed=a.server_seed,
        witnesses=witnesses,
        beacon=beacon,
    )
    d = led.sign_and_log(
        result, event=SeasonEvent.ALLOCATED, now=now, detail={"intake": intake, "school": school}
    )
    a.result = result
    winners = result["winners"]
    assert isinstance(winners, list)
    for rank, hex_entry in enumerate(winners, start=1):
        number = a.numbers[bytes.fromhex(str(hex_entry))]
        led.decide(
            number,
            outcome=Outcome.ASSIGN,
            rule=RULE,
            to_school=school,
            reason=f"统筹摇号中签（第 {rank} 位）",
            reviewer=reviewer,
            approved_by=reviewer,
            allocation=d,
            now=now,
        )
    return result


def my_ticket(led: Ledger, entry: bytes) -> tuple[Place, str] | None:
    """A family's own ticket, once the draw is done (shown on its application page)."""
    for place, a in led.allocations.items():
        if a.result is not None and entry in a.pool.entries:
            seed = bytes.fromhex(str(a.result["final_seed"]))
            return place, ticket(seed, entry).hex()
    return None


__all__ = ["Allocation", "announce", "cst_time", "draw", "my_ticket"]


def state(led: Ledger) -> dict[str, Json]:
    """Allocation digest → what a store keeps (the seed is secret until the draw)."""
    return {
        a.digest.hex(): {
            "numbers": {e.hex(): n for e, n in a.numbers.items()},
            "result": None if a.result is None else digest(a.result).hex(),
            "server_seed": a.server_seed.hex(),
        }
        for a in led.allocations.values()
    }


def restore(led: Ledger, saved: Json, docs: Mapping[str, dict[str, Json]]) -> None:
    """Rebuild ``led.allocations`` from :func:`state` and the signed documents."""
    if not isinstance(saved, dict):
        return
    for d, raw in saved.items():
        assert isinstance(raw, dict)
        doc = docs[d]
        numbers = raw["numbers"]
        assert isinstance(numbers, dict)
        result = raw["result"]
        place = (str(doc["school"]), str(doc["intake"]))
        led.allocations[place] = Allocation(
            document=doc,
            digest=bytes.fromhex(d),
            pool=entry_set(bytes.fromhex(e) for e in numbers),
            numbers={bytes.fromhex(e): str(n) for e, n in numbers.items()},
            server_seed=bytes.fromhex(str(raw["server_seed"])),
            result=None if result is None else docs[str(result)],
        )
