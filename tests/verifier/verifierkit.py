"""Fresh signed records made with the real record flow (web.record.draw, keys.store).

Session-scoped: keys are created once (KDF rounds lowered for speed), then a small
draw (40 pupils, 3 classes, twins both ways, a same-name pair, flags), a second
small draw, a cancelled draw and the demo intake (400 pupils) are announced,
witnessed, revealed and exported into temporary folders.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from samples import sample_intake

from keys.signer import Signer
from keys.store import KeyStore
from placement.canonical import Json
from placement.draw import Intake
from placement.idcard import check_character
from placement.keyring import CST, Keyring, KeyRole
from placement.policy import TAOBEI_2024
from placement.roster import PupilRecord, Sex, TwinWish
from placement.teams import Teacher, Team
from web.record.draw import DrawRecord, Signers
from web.record.filelog import FileLog
from web.service.intake_files import read_roster, read_teams

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "correct horse battery"
VALID_FROM = date(2024, 6, 1)
NOW = datetime(2024, 8, 14, 9, 30, tzinfo=CST)
BUREAU = "taobei.edu.example/bureau-2024"
SUPERVISOR = "taobei.edu.example/supervisor-2024"
LOG = "taobei.edu.example/log-2024"

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
_GIVEN = ["子涵", "一诺", "浩然", "欣怡", "梓萱", "宇轩", "雨桐", "俊熙", "思远", "佳怡"]


@dataclass(frozen=True)
class Keys:
    store: KeyStore
    signers: Signers

    @property
    def keyring(self) -> Keyring:
        return self.store.keyring()

    @property
    def bureau(self) -> Signer:
        return self.signers.bureau


@dataclass(frozen=True)
class Made:
    """One exported draw: its folders and the bytes a verifier gets."""

    base: Path
    record: DrawRecord
    public: bytes
    archive: bytes
    receipt: dict[str, Json]
    pupils: tuple[PupilRecord, ...]


def id_number(born: date, serial: int, sex: Sex) -> str:
    seq = serial * 2 + (1 if sex is Sex.MALE else 0)
    first17 = f"220802{born:%Y%m%d}{seq % 1000:03d}"
    return first17 + check_character(first17)


def small_roster(seed: int = 7, n: int = 40) -> list[PupilRecord]:
    """Pupils with a 同班 pair, a 分班 pair, a 重名 pair and two kinds of flags."""
    rng = random.Random(seed)
    pupils = []
    for i in range(n):
        sex = Sex.FEMALE if i % 2 else Sex.MALE
        born = date(2017, 9, 1) + timedelta(days=rng.randrange(360))
        name = _SURNAMES[i % len(_SURNAMES)] + _GIVEN[(i + i // 20 * 3 + seed) % len(_GIVEN)]
        twin, wish, flags = "", TwinWish.NONE, ()
        if i in {0, 1}:
            twin, wish, name = "甲家双胞胎", TwinWish.SAME, ["王大宝", "王二宝"][i]
        elif i in {2, 3}:
            twin, wish, name = "乙家双胞胎", TwinWish.APART, ["李小龙", "李小凤"][i - 2]
        elif i in {4, 5}:
            name = "张伟"  # 重名: kept apart
        if i % 5 == 1:
            flags = ("随迁子女",)
        elif i % 7 == 3:
            flags = ("留守儿童",)
        elif i == 12:
            flags = ("留守儿童", "随迁子女")
        if twin:
            born = date(2018, 3, 3)
        pupils.append(
            PupilRecord(
                row=i + 2,
                name=name,
                sex=sex,
                id_number=id_number(born, i + seed, sex),
                birth_date=born,
                student_no=f"G{i:05d}",
                twin_group=twin,
                twin_wish=wish,
                flags=flags,
            )
        )
    return pupils


def small_teams(k: int = 3) -> list[Team]:
    heads = ["林秀云", "杜春梅", "赵海涛", "赵琳"]
    return [
        Team(
            number=c,
            label=f"2024级一年级（{c}）班",
            head_teacher=heads[c - 1],
            teachers=(Teacher("语文", heads[c - 1]), Teacher("数学", f"数学老师{c}")),
        )
        for c in range(1, k + 1)
    ]


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    store = KeyStore(tmp_path_factory.mktemp("keys") / "store", kdf_rounds=1_000)
    store.init()
    store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", VALID_FROM, PASSPHRASE)
    store.create(SUPERVISOR, KeyRole.SUPERVISOR, "家长委员会监督员", VALID_FROM, PASSPHRASE)
    store.create(LOG, KeyRole.LOG, "洮北区教育局透明日志", VALID_FROM, PASSPHRASE)
    signers = Signers(
        bureau=store.signer(BUREAU, PASSPHRASE),
        log=store.signer(LOG, PASSPHRASE),
        supervisor=store.signer(SUPERVISOR, PASSPHRASE),
    )
    return Keys(store, signers)


def intake(draw_id: str, *, beacon: str | None = None) -> Intake:
    return sample_intake(draw_id=draw_id, witnesses=("家长代表 贾雪", "监督员 王强"), beacon=beacon)


def make_draw(
    base: Path,
    keys: Keys,
    pupils: list[PupilRecord],
    teams: list[Team],
    draw_id: str,
    *,
    seed: int = 1,
    beacon: str | None = None,
    signers: Signers | None = None,
) -> Made:
    signers = signers or keys.signers
    rng = random.Random(seed)
    log = FileLog(base / "log")
    rec = DrawRecord.announce(
        base / "draw",
        log,
        intake=intake(draw_id, beacon=beacon),
        profile=TAOBEI_2024,
        pupils=pupils,
        teams=teams,
        signers=signers,
        now=NOW,
        token_bytes=rng.randbytes,
    )
    rec.add_witness(
        role="家长代表", name="贾雪", text="3 1 4 1 5 9", now=NOW + timedelta(minutes=5)
    )
    rec.add_witness(role="监督员", name="王强", text="２７１８２８", now=NOW + timedelta(minutes=6))
    rec.reveal(
        beacon_value=None if beacon is None else "drand 4242: 9f8e7d",
        now=NOW + timedelta(minutes=10),
        signers=signers,
    )
    ring = keys.keyring
    public = rec.export(kind="public", keyring=ring, now=NOW + timedelta(hours=1), signers=signers)
    archive = rec.export(
        kind="archive", keyring=ring, now=NOW + timedelta(hours=2), signers=signers
    )
    receipt = rec.receipt(pupils[0].id_number)
    return Made(base, rec, public, archive, receipt, tuple(pupils))


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Made:
    base = tmp_path_factory.mktemp("small")
    return make_draw(
        base, keys, small_roster(), small_teams(), "test-2024-small", beacon="drand 4242"
    )


@pytest.fixture(scope="session")
def other(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Made:
    """A second draw of the same school: its statements and receipts must not pass for ours."""
    base = tmp_path_factory.mktemp("other")
    return make_draw(base, keys, small_roster(seed=11), small_teams(), "test-2024-other", seed=2)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Made:
    """The demo intake (400 pupils, 9 classes), signed by the bureau alone."""
    base = tmp_path_factory.mktemp("demo")
    pupils = read_roster(ROOT / "demo/taobei-2024-primary-school.csv")
    teams = read_teams(ROOT / "demo/taobei-2024-primary-teams.csv")
    alone = Signers(bureau=keys.signers.bureau, log=keys.signers.log)
    return make_draw(base, keys, pupils, teams, "taobei-2024-shiyan-primary", seed=3, signers=alone)


@pytest.fixture(scope="session")
def cancelled(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> bytes:
    """A draw announced, witnessed once, then cancelled and exported."""
    base = tmp_path_factory.mktemp("cancelled")
    log = FileLog(base / "log")
    rec = DrawRecord.announce(
        base / "draw",
        log,
        intake=intake("test-2024-cancelled"),
        profile=TAOBEI_2024,
        pupils=small_roster(seed=5),
        teams=small_teams(),
        signers=keys.signers,
        now=NOW,
        token_bytes=random.Random(9).randbytes,
    )
    rec.add_witness(role="家长代表", name="贾雪", text="1 2 3", now=NOW + timedelta(minutes=1))
    rec.cancel(reason="名单有误，重新公告", now=NOW + timedelta(minutes=2), signers=keys.signers)
    return rec.export(
        kind="public", keyring=keys.keyring, now=NOW + timedelta(minutes=3), signers=keys.signers
    )
