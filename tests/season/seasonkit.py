"""A small 洮北 season run through the ledger, with TEST keys, for the season tests.

Deterministic: salts and seeds are SHA-256 of labels, times are fixed, Ed25519 is
deterministic. ``Made`` holds the ledger and the keys; ``public()``/``archive()``
export the season bundle; ``draw_bundle()`` makes the minimal draw bundle the season
verifier reads (a signed announcement naming the derivation, and its private leaves).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from keys.signer import Signer
from placement.canonical import Json
from placement.commitment import private_json
from placement.documents import WitnessInput
from placement.draw import Intake, prepare
from placement.keyring import CST, KeyEntry, Keyring, KeyRole
from placement.policy import TAOBEI_2024, Level
from placement.roster import PupilRecord
from placement.season import allocating, bundle
from placement.season.application import Application
from placement.season.catchment import Area, AreaKind, Catchment, SchoolArea
from placement.season.ledger import Ledger
from placement.season.outcome import Outcome
from placement.season.plan import TAOBEI_RULES, Plan, PlannedIntake, windows_from_profile
from placement.teams import Teacher, Team
from placement.tlog import entry
from web.demo.season import form
from web.record.season_bundle import build_zip

SEASON = "taobei-2024"
PRIMARY = "2024级一年级"
MIDDLE = "2024级七年级"
SY, X1, X3 = "洮北区实验小学", "洮北区第一小学", "洮北区第三小学"
Z2, TL2 = "第二中学", "铁路二中"


def label_bytes(label: str, n: int = 32) -> bytes:
    return hashlib.sha256(f"sunshine-placement season tests {label}".encode()).digest()[:n]


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, month, day, hour, minute, tzinfo=CST)


class Clock:
    """Monotone times: the given day at 08:00, or a minute after the previous call."""

    def __init__(self) -> None:
        self.last = at(1, 1)

    def __call__(self, month: int, day: int) -> dt.datetime:
        self.last = max(self.last + dt.timedelta(minutes=1), at(month, day, 8))
        return self.last


def catchment() -> Catchment:
    def areas(*names: str) -> tuple[Area, ...]:
        return tuple(
            sorted(
                (Area(AreaKind.COMMUNITY, n) for n in names), key=lambda a: (a.kind.value, a.name)
            )
        )

    return Catchment(
        season=SEASON,
        district="吉林省白城市洮北区",
        year=2024,
        schools=tuple(
            sorted(
                (
                    SchoolArea(
                        SY, Level.PRIMARY, True, None, areas("新华社区", "光明社区", "瑞光社区")
                    ),
                    SchoolArea(X1, Level.PRIMARY, True, None, areas("长庆社区", "明仁社区")),
                    SchoolArea(X3, Level.PRIMARY, True, None, areas("铁东社区", "幸福社区")),
                    SchoolArea(Z2, Level.MIDDLE, True, None, areas("新华社区", "光明社区")),
                    SchoolArea(TL2, Level.MIDDLE, False, Z2, areas("铁东社区", "站前社区")),
                ),
                key=lambda s: (s.level.value, s.school),
            )
        ),
    )


def plan(places: int = 45) -> Plan:
    classes = max(1, -(-places // 45))
    cap = -(-places // classes)
    intakes = [PlannedIntake(s, PRIMARY, Level.PRIMARY, classes, cap) for s in (SY, X1, X3)]
    intakes.append(PlannedIntake(Z2, MIDDLE, Level.MIDDLE, 2, 50))
    return Plan(
        season=SEASON,
        district="吉林省白城市洮北区",
        year=2024,
        intakes=tuple(sorted(intakes, key=lambda i: (i.school, i.intake))),
        rules=TAOBEI_RULES,
        windows=windows_from_profile(TAOBEI_2024),
    )


@dataclass
class Keys:
    bureau: Signer
    log: Signer
    keyring: Keyring


def keys() -> Keys:
    def signer(role: KeyRole, name: str) -> Signer:
        return Signer(name, role, Ed25519PrivateKey.from_private_bytes(label_bytes(role.value)))

    bureau = signer(KeyRole.BUREAU, "test.invalid/bureau-2024")
    log = signer(KeyRole.LOG, "test.invalid/log-2024")
    ring = Keyring(
        (
            KeyEntry(bureau.vkey, KeyRole.BUREAU, "洮北区教育局（TEST）", dt.date(2024, 1, 1)),
            KeyEntry(log.vkey, KeyRole.LOG, "透明日志（TEST）", dt.date(2024, 1, 1)),
        )
    )
    return Keys(bureau, log, ring)


@dataclass
class Made:
    ledger: Ledger
    keys: Keys
    apps: dict[str, list[Application]] = field(default_factory=dict)  # school → applications
    clock: Clock = field(default_factory=Clock)

    def bundle(self, kind: str) -> bytes:
        files = bundle.members(
            self.ledger,
            kind=kind,
            keyring=self.keys.keyring.to_json(),
            sign_checkpoint=self.keys.log.sign_note,
            origin=self.keys.log.name,
        )
        return build_zip(kind=kind, season=SEASON, created="2024-08-10T12:00:00+08:00", files=files)

    def public(self) -> bytes:
        return self.bundle("public")

    def archive(self) -> bytes:
        return self.bundle("archive")


def new_ledger(k: Keys, places: int = 45) -> Ledger:
    def sign(doc: dict[str, Json], iat: int) -> str:
        return k.bureau.sign_jws(doc, iat=iat)

    return Ledger(profile=TAOBEI_2024, catchment=catchment(), plan=plan(places), sign=sign)


def run(
    *,
    per_school: int = 12,
    reports: Sequence[tuple[int, bool]] = ((2, True), (5, False)),
    late_add: bool = True,
    places: int = 45,
    k: Keys | None = None,
    before_notice: Callable[[Made], None] | None = None,
    stop_at_notice: bool = False,
) -> Made:
    """Registration → review → 公示 → reports → a later decision → derivation, at 实验小学.

    ``reports``: (index of the 实验小学 applicant reported, upheld?). ``late_add``: one
    application decided after 公示 (材料补齐) joins the roster by a logged decision.
    """
    k = k or keys()
    led = new_ledger(k, places)
    made = Made(led, k)
    t = made.clock
    led.publish_policy(t(7, 1))
    serial = 0
    for school, communities in (
        (SY, ("新华社区", "光明社区")),
        (X1, ("长庆社区",)),
        (X3, ("幸福社区",)),
    ):
        for i in range(per_school):
            serial += 1
            app = led.register(
                form(serial, communities[i % len(communities)]),
                school=school,
                intake=PRIMARY,
                level=Level.PRIMARY,
                now=t(7, 15),
                salt=label_bytes(f"salt {serial}", 16),
            )
            made.apps.setdefault(school, []).append(app)
    # one out-of-catchment application at 实验小学 from a 第一小学 community: returned there
    serial += 1
    stray = led.register(
        form(serial, "明仁社区"),
        school=SY,
        intake=PRIMARY,
        level=Level.PRIMARY,
        now=t(7, 16),
        salt=label_bytes(f"salt {serial}", 16),
    )
    for school, apps in made.apps.items():
        for n, app in enumerate(apps):
            late = late_add and school == SY and n == len(apps) - 1
            if late:
                decide(
                    led,
                    app.number,
                    t(7, 22),
                    Outcome.PENDING,
                    reason="缺房本原件",
                    reviewer="实验小学 李老师",
                    missing=("房本原件", dt.date(2024, 8, 5)),
                )
                continue
            decide(
                led,
                app.number,
                t(7, 22),
                reason="户口本、房本齐全，社区核实",
                reviewer=f"{school} 审核员",
            )
    decide(
        led,
        stray.number,
        t(7, 23),
        Outcome.RETURN,
        reason="明仁社区属第一小学学区",
        reviewer="实验小学 李老师",
    )
    decide(led, stray.number, t(7, 24), reason="户口本齐全", reviewer="第一小学 审核员")
    made.apps[X1].append(stray)
    if before_notice is not None:
        before_notice(made)
    for school in (SY, X1, X3):
        led.commit_notice(school=school, intake=PRIMARY, now=t(7, 29))
    if stop_at_notice:
        return made
    sy = made.apps[SY]
    for idx, upheld in reports:
        case = led.file_case(
            school=SY,
            intake=PRIMARY,
            application=sy[idx].number,
            claim="该生实际居住在外区",
            channel="online",
            now=t(7, 30),
        )
        led.decide_case(
            case.number,
            upheld=upheld,
            reason="社区走访核实" if upheld else "房产属实",
            handled_by="区教育局 基础教育科",
            now=t(7, 31),
        )
        if upheld:
            decide(
                led,
                sy[idx].number,
                t(7, 31),
                Outcome.RETURN,
                reason="举报查实：居住在第三小学学区",
                reviewer="区教育局 基础教育科",
                to_school=X3,
            )
    if late_add:
        decide(led, sy[-1].number, t(8, 2), reason="房本原件已补交", reviewer="实验小学 李老师")
    for school in (SY, X1, X3):
        led.derive_roster(school=school, intake=PRIMARY, now=t(8, 10))
    return made


def season_with_draw(
    *, cheat: bool = False
) -> tuple[Made, dict[Any, Any], list[Application], dict[str, Json], bytes]:
    """5 renters 统筹 to 第三小学 with 2 places left: an allocation draw, its winners assigned
    (``cheat``: a winner defers and a child who did not win gets the place); public bundle."""
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
        decide(led, app.number, t(7, 22))
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
        decide(led, winner.number, t(7, 26), Outcome.DEFER, reason="病", approved_by="r")
        loser = next(a for a in renters if a.entry().hex() not in winners)
        decide(
            led, loser.number, t(7, 26), Outcome.ASSIGN, reason="x", approved_by="r", to_school=X3
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


def draw_bundle(
    made: Made,
    *,
    school: str = SY,
    extra: Sequence[Application] = (),
    drop: int = 0,
    log_it: bool = True,
) -> bytes:
    """The draw of ``school`` from its derived roster (+ ``extra`` children slipped in,
    − ``drop`` children): a signed announcement naming the derivation, and private leaves."""
    led = made.ledger
    place = (school, PRIMARY)
    apps = led.roster_applications(place)[drop:] + list(extra)
    pupils = [
        PupilRecord(
            row=i + 2, name=a.name, sex=a.sex, id_number=a.id_number, birth_date=a.birth_date
        )
        for i, a in enumerate(apps)
    ]
    teams = [
        Team(n, f"{PRIMARY}（{n}）班", f"班主任{n}", (Teacher("语文", f"语文{n}"),))
        for n in range(1, 2)
    ]
    salts = [label_bytes(f"draw salt {i}", 16) for i in range(len(pupils))]
    prepared = prepare(
        intake=Intake(
            draw_id="taobei-2024-sy-primary",
            district="吉林省白城市洮北区",
            school=school,
            intake=PRIMARY,
            level=Level.PRIMARY,
            year=2024,
            scheduled="2024-08-14T09:00:00+08:00",
        ),
        profile=TAOBEI_2024,
        pupils=pupils,
        teams=teams,
        salts=salts,
        server_seed=label_bytes("server seed"),
    )
    derivation = next(
        d
        for d, t in led.types.items()
        if t.endswith("/roster") and json.loads(_payload(led.signed[d]))["school"] == school
    )
    ann = dataclasses.replace(prepared.announcement, enrolment=bytes.fromhex(derivation))
    text = made.keys.bureau.sign_jws(ann.to_json(), iat=int(at(8, 12).timestamp()))
    if log_it:
        led.append_foreign(
            entry(
                event="announcement.published",
                draw_id=ann.draw_id,
                actor="bureau",
                time=made.clock(8, 12).isoformat(),
                detail={"digest": ann.digest().hex()},
            )
        )
    order = prepared.roster.order
    private = [private_json(pupils[order[i]], salts[order[i]]) for i in range(len(pupils))]
    return build_zip(
        kind="archive",
        season=SEASON,
        created="2024-08-12T09:00:00+08:00",
        files={
            "announcement.jws": text.encode(),
            "private/leaves.json": json.dumps(private).encode(),
        },
    )


def _payload(text: str) -> bytes:
    from placement import jws  # noqa: PLC0415

    return jws.parse(text).payload


RULES = {
    Outcome.APPROVE: "catchment-resident",
    Outcome.RETURN: "outside-catchment",
    Outcome.PENDING: "documents-missing",
    Outcome.DEFER: "deferral-approved",
    Outcome.ASSIGN: "migrant-or-renter",
}


def decide(
    led: Ledger,
    number: str,
    now: dt.datetime,
    outcome: Outcome = Outcome.APPROVE,
    *,
    reason: str = "ok",
    reviewer: str = "r",
    **more: Any,
) -> Any:
    """``led.decide`` with the tests' defaults: the outcome's usual rule (S4), reason "ok",
    reviewer "r"; ``more`` passes rule, to_school, missing, approved_by … through."""
    more.setdefault("rule", RULES[outcome])
    return led.decide(number, outcome=outcome, reason=reason, reviewer=reviewer, now=now, **more)
