"""The 统筹 allocation draw in the season (spec S11): pool frozen, seed committed, the
smallest tickets assigned by logged decisions; the verifier replays it, and a child
assigned without winning fails; applying again never yields a new ticket."""

from __future__ import annotations

import io
import json
import zipfile

from seasonkit import PRIMARY, SY, X3, form, label_bytes, season_with_draw

from placement.policy import Level
from placement.season import allocating
from placement.season.outcome import Outcome
from verifier.checks import Status
from verifier.season_report import verify_season


def status(data: bytes, name: str) -> Status:
    return next(c.status for c in verify_season(data).checks if c.name == name)


def test_the_draw_replays_and_winners_are_assigned():
    made, _, renters, result, data = season_with_draw()
    assert status(data, "season.allocations") is Status.PASS
    won = set(result["winners"])
    assert len(won) == 2
    for app in renters:
        last = made.ledger.standing(app.number)
        assigned = last is not None and last["outcome"] == Outcome.ASSIGN.value
        assert assigned == (app.entry().hex() in won)
    # each family sees its own ticket
    place, mine = allocating.my_ticket(made.ledger, renters[0].entry())
    assert place == (X3, PRIMARY)
    assert len(mine) == 64
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert json.loads(z.read("allocations/01.pool.json")) == sorted(
            json.loads(z.read("allocations/01.pool.json")), key=lambda _: 0
        )


def test_a_child_assigned_without_winning_fails():
    *_, data = season_with_draw(cheat=True)
    assert status(data, "season.allocations") is Status.FAIL


def test_applying_again_never_yields_a_new_ticket():
    made, allocations, renters, result, _ = season_with_draw()
    led = made.ledger
    led.override(stage="registration", reason="更正地址", now=made.clock(7, 26))
    again = led.register(
        form(3, "新华社区"),
        school=SY,
        intake=PRIMARY,
        level=Level.PRIMARY,
        now=made.clock(7, 26),
        salt=label_bytes("again", 16),
        number=renters[0].number,
    )
    assert again.entry() != renters[0].entry()
    assert allocating.my_ticket(led, again.entry()) is None
    assert result["winners"] == allocations[(X3, PRIMARY)].result["winners"]
