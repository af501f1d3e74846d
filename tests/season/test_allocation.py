"""统筹 allocation draw (spec S11): pool frozen before the seed, smallest tickets win."""

from __future__ import annotations

import pytest
from seasonkit import label_bytes

from placement.documents import WitnessInput
from placement.season.allocation import allocation_document, allocation_result, ticket, winners
from placement.season.documents import SeasonError
from placement.season.documents import digest as season_digest
from placement.season.notice import entry_set
from placement.seed import final_seed, seed_commitment

POOL = [label_bytes(f"entry {i}") for i in range(9)]
SERVER = label_bytes("allocation server seed")
WITNESSES = [WitnessInput("家长代表", "王芳", "3 1 4 1 5", "2024-07-27T10:00:00+08:00")]


def announce():
    return allocation_document(
        season="taobei-2024",
        school="洮北区第三小学",
        intake="2024级一年级",
        places=4,
        pool=entry_set(POOL),
        seed_commitment=seed_commitment(SERVER),
        scheduled="2024-07-27T10:00:00+08:00",
        witnesses=["家长代表 王芳"],
    )


def test_winners_replay_from_the_published_values():
    doc = announce()
    d = season_digest(doc)
    result = allocation_result(
        allocation_digest=d,
        pool=POOL,
        places=4,
        server_seed=SERVER,
        witnesses=WITNESSES,
        beacon=None,
    )
    seed = final_seed(
        announcement_digest=d, server_seed=SERVER, witness_inputs=["3 1 4 1 5"], beacon=None
    )
    ranked = sorted(POOL, key=lambda e: ticket(seed, e))
    assert result["winners"] == [e.hex() for e in ranked[:4]]
    assert result["final_seed"] == seed.hex()


def test_a_new_application_is_a_new_entry_outside_the_pool():
    seed = label_bytes("some seed")
    again = label_bytes("entry 0 revision 2")
    assert again not in POOL
    assert winners(seed, POOL, 4) == winners(seed, POOL, 4)


def test_no_draw_without_oversubscription():
    with pytest.raises(SeasonError):
        allocation_document(
            season="taobei-2024",
            school="x",
            intake="y",
            places=9,
            pool=entry_set(POOL),
            seed_commitment=seed_commitment(SERVER),
            scheduled="2024-07-27T10:00:00+08:00",
            witnesses=[],
        )
