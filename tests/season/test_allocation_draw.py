"""The 统筹 allocation draw in the season (spec S11): pool frozen, seed committed, the
smallest tickets assigned by logged decisions; the verifier replays it, and a child
assigned without winning fails; applying again never yields a new ticket."""

from __future__ import annotations

import io
import json
import zipfile

from seasonkit import PRIMARY, SY, X3, Made, form, keys, label_bytes, new_ledger

from placement.documents import WitnessInput
from placement.policy import Level
from placement.season import allocating, bundle
from placement.season.outcome import Outcome
from verifier.checks import Status
from verifier.season_report import verify_season
from web.record.season_bundle import build_zip


def season_with_draw(*, cheat: bool = False):
    k = keys()
    led = new_ledger(k, places=4)
    made = Made(led, k)
    t = made.clock
    led.publish_policy(t(7, 1))
    x3 = [
        led.register(
            form(n, "铁东社区"),
            school=X3,
            intake=PRIMARY,
            level=Level.PRIMARY,
            now=t(7, 15),
            salt=label_bytes(f"x3 {n}", 16),
        )
        for n in (1, 2)
    ]
    renters = [
        led.register(
            form(n, "新华社区"),
            school=SY,
            intake=PRIMARY,
            level=Level.PRIMARY,
            now=t(7, 15),
            salt=label_bytes(f"r {n}", 16),
        )
        for n in range(3, 8)
    ]
    for app in x3:
        led.decide(
            app.number,
            outcome=Outcome.APPROVE,
            rule="catchment-resident",
            reason="ok",
            reviewer="r",
            now=t(7, 22),
        )
    server = label_bytes("allocation seed")
    ann = allocating.announce(
        led,
        school=X3,
        intake=PRIMARY,
        numbers=[a.number for a in renters],
        server_seed=server,
        scheduled="2024-07-25T10:00:00+08:00",
        witnesses=["家长代表 王芳"],
        now=t(7, 24),
    )
    assert ann.document["places"] == 2
    witnesses = [WitnessInput("家长代表", "王芳", "3 1 4 1 5", "2024-07-25T10:01:00+08:00")]
    result = allocating.draw(
        led,
        school=X3,
        intake=PRIMARY,
        witnesses=witnesses,
        beacon=None,
        reviewer="区教育局",
        now=t(7, 25),
    )
    if cheat:  # a winner defers, and the bureau gives the place to a child who did not win
        winners = set(result["winners"])
        winner = next(a for a in renters if a.entry().hex() in winners)
        led.decide(
            winner.number,
            outcome=Outcome.DEFER,
            rule="deferral-approved",
            reason="病",
            reviewer="r",
            approved_by="r",
            now=t(7, 26),
        )
        loser = next(a for a in renters if a.entry().hex() not in winners)
        led.decide(
            loser.number,
            outcome=Outcome.ASSIGN,
            rule="migrant-or-renter",
            reason="x",
            reviewer="r",
            approved_by="r",
            to_school=X3,
            now=t(7, 26),
        )
    pools = {ann.digest.hex(): ann.pool.hex_list()}
    files = bundle.members(
        led,
        kind="public",
        keyring=k.keyring.to_json(),
        sign_checkpoint=k.log.sign_note,
        origin=k.log.name,
        pools=pools,
    )
    data = build_zip(
        kind="public", season="taobei-2024", created="2024-08-01T00:00:00+08:00", files=files
    )
    return made, led.allocations, renters, result, data


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
