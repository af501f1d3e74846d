"""统筹 allocation draw for an oversubscribed designated school (spec S11).

The pool of entries is frozen in a signed announcement before the seed exists; the
seed is the class draw's commit–witness–reveal (§5) with this announcement's digest.
One ticket per entry, smallest tickets win: re-applying makes a record that is not
in the pool, so it never yields a new ticket.
"""

from __future__ import annotations

from collections.abc import Sequence

from placement.canonical import Json, nfc, tagged_hash
from placement.documents import WitnessInput
from placement.season.documents import (
    ALLOCATION,
    ALLOCATION_RESULT,
    TAG_ALLOCATION_TICKET,
    TIME,
    SeasonError,
)
from placement.season.notice import EntrySet
from placement.seed import final_seed


def allocation_document(
    *,
    season: str,
    school: str,
    intake: str,
    places: int,
    pool: EntrySet,
    seed_commitment: bytes,
    scheduled: str,
    witnesses: Sequence[str],
) -> dict[str, Json]:
    if places < 1 or places >= pool.size:
        raise SeasonError(
            "只有报名多于余位时才需摇号", "a draw is only for more children than places left"
        )
    if not TIME.fullmatch(scheduled):
        raise SeasonError("时间格式错误", "malformed time")
    return {
        "intake": intake,
        "places": places,
        "pool": {"root": pool.root.hex(), "size": pool.size},
        "scheduled": scheduled,
        "school": school,
        "season": season,
        "seed_commitment": seed_commitment.hex(),
        "t": ALLOCATION,
        "witnesses": [nfc(w) for w in witnesses],
    }


def ticket(seed: bytes, entry: bytes) -> bytes:
    return tagged_hash(TAG_ALLOCATION_TICKET, seed, entry)


def winners(seed: bytes, pool: Sequence[bytes], places: int) -> list[bytes]:
    """The ``places`` entries with the smallest tickets, in ticket order (ties by entry)."""
    ranked = sorted(pool, key=lambda e: (ticket(seed, e), e))
    return ranked[:places]


def allocation_result(
    *,
    allocation_digest: bytes,
    pool: Sequence[bytes],
    places: int,
    server_seed: bytes,
    witnesses: Sequence[WitnessInput],
    beacon: str | None,
) -> dict[str, Json]:
    seed = final_seed(
        announcement_digest=allocation_digest,
        server_seed=server_seed,
        witness_inputs=[w.input for w in witnesses],
        beacon=beacon,
    )
    return {
        "allocation": allocation_digest.hex(),
        "beacon": None if beacon is None else nfc(beacon),
        "final_seed": seed.hex(),
        "server_seed": server_seed.hex(),
        "t": ALLOCATION_RESULT,
        "winners": [e.hex() for e in winners(seed, pool, places)],
        "witnesses": [
            {"input": nfc(w.input), "name": nfc(w.name), "role": nfc(w.role)} for w in witnesses
        ],
    }
