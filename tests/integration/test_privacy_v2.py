"""The privacy property of protocol v2 (spec §20.1), tested as an attack.

An intake with flags, 同班 and 分班 twins and a flagged 重名 pair is drawn through the
real record flow and exported. An attacker then reads every public artefact — the
public bundle (leaves, result with its balance report, class statements, log entries),
the codes printed on the sheets — plus one admission notice's QR code, and names every
pupil it can *prove* to carry a flag or to be a twin. Under v2 it must name nobody; the
same attack on the same intake recorded as v1 must name pupils (else the attack proves
nothing).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import zipfile
import zlib
from collections import defaultdict
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from keys.signer import Signer
from placement.canonical import canonical_json
from placement.documents import digest
from placement.draw import Intake
from placement.idcard import check_character
from placement.jws import b64u, parse
from placement.keyring import CST, KeyEntry, Keyring, KeyRole
from placement.policy import TAOBEI_2024, Level
from placement.reference import parse_fragment, reference, statement_item
from placement.roster import PupilRecord, Sex, TwinWish
from placement.teams import Teacher, Team
from web.record.draw import DrawRecord, Signers
from web.record.filelog import FileLog

DAY = dt.datetime(2024, 8, 14, 9, 0, tzinfo=CST)
FLAGS = ("随迁子女", "留守儿童", "随班就读")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘"
GIVEN = "浩宇欣怡子涵梓轩雨桐俊杰诗琪博文佳怡宇航思彤一诺晨曦明哲嘉懿天佑语嫣睿泽可馨"


def _bytes(label: str, n: int = 32) -> bytes:
    return hashlib.sha256(f"privacy test {label}".encode()).digest()[:n]


def _pupil(i: int, name: str, sex: Sex, **kw: Any) -> PupilRecord:
    born = dt.date(2017, 9, 1) + dt.timedelta(days=(i * 37) % 360)
    order = 2 * i + (1 if sex is Sex.MALE else 2)
    first17 = f"220802{born:%Y%m%d}{order % 1000:03d}"
    number = first17 + check_character(first17)
    return PupilRecord(
        row=i + 2,
        name=name,
        sex=sex,
        id_number=number,
        birth_date=born,
        student_no=f"G{number}",
        twin_group=kw.get("twin", ""),
        twin_wish=kw.get("wish", TwinWish.NONE),
        flags=tuple(sorted(kw.get("flags", ()))),
    )


def intake_pupils() -> list[PupilRecord]:
    """72 pupils, 3 classes: 12 flagged (3 kinds), 3 twin pairs, a flagged 重名 pair."""
    pupils: list[PupilRecord] = []
    for i in range(64):
        name = (
            SURNAMES[i % len(SURNAMES)]
            + GIVEN[(2 * i) % len(GIVEN)]
            + GIVEN[(5 * i + 1) % len(GIVEN)]
        )
        sex = Sex.FEMALE if i % 2 else Sex.MALE
        flags: tuple[str, ...] = (FLAGS[i % 3],) if i % 6 == 1 else ()
        pupils.append(_pupil(i, name, sex, flags=flags))
    twins = [
        (
            "T1",
            TwinWish.SAME,
            ("李晓晨", Sex.FEMALE, ("留守儿童",)),
            ("李晓阳", Sex.MALE, ("留守儿童",)),
        ),
        ("T2", TwinWish.SAME, ("周一鸣", Sex.MALE, ()), ("周一航", Sex.MALE, ())),
        ("T3", TwinWish.APART, ("郭梓萱", Sex.FEMALE, ()), ("郭梓铭", Sex.MALE, ())),
    ]
    for label, wish, one, two in twins:
        for name, sex, marks in (one, two):
            pupils.append(_pupil(len(pupils), name, sex, twin=label, wish=wish, flags=marks))
    pupils.append(_pupil(len(pupils), "王浩宇", Sex.MALE, flags=("随迁子女",)))
    pupils.append(_pupil(len(pupils), "王浩宇", Sex.MALE))
    return pupils


def _teams() -> list[Team]:
    return [
        Team(
            number=n,
            label=f"2024级一年级（{n}）班",
            head_teacher=h,
            teachers=(Teacher("语文", h), Teacher("数学", f"数学{n}")),
        )
        for n, h in ((1, "林秀云"), (2, "杜春梅"), (3, "赵海涛"))
    ]


@dataclasses.dataclass(frozen=True)
class Published:
    version: int
    pupils: list[PupilRecord]
    bundle: dict[str, bytes]  # the public bundle's members
    sheet_codes: list[str]  # what the class list / announcement / ceremony QR codes hold
    notice_code: str  # the QR code of one admission notice
    notice_pupil: PupilRecord


def publish(tmp: Path, version: int) -> Published:
    """Record and export an intake; the codes its sheets and one notice carry."""
    seeds = {r: _bytes(f"key {r.value}") for r in KeyRole}
    signers = {
        r: Signer(f"test.invalid/{r.value}", r, Ed25519PrivateKey.from_private_bytes(s))
        for r, s in seeds.items()
    }
    sig = Signers(bureau=signers[KeyRole.BUREAU], log=signers[KeyRole.LOG])
    start = dt.date(2024, 1, 1)
    ring = Keyring(
        tuple(KeyEntry(s.vkey, s.role, s.role.value, start) for s in (sig.bureau, sig.log))
    )
    pupils = intake_pupils()
    counter = iter(range(10**6))
    draw_id = f"privacy-v{version}"
    rec = DrawRecord.announce(
        tmp / "draw",
        FileLog(tmp / "log"),
        intake=Intake(
            draw_id=draw_id,
            district="吉林省白城市洮北区",
            school="隐私测试小学",
            intake="2024级一年级",
            level=Level.PRIMARY,
            year=2024,
            scheduled="2024-08-14T09:00:00+08:00",
            witnesses=("家长代表 张媛媛",),
            version=version,
        ),
        profile=TAOBEI_2024,
        pupils=pupils,
        teams=_teams(),
        signers=sig,
        now=DAY - dt.timedelta(days=3),
        token_bytes=lambda n: _bytes(f"{draw_id} token {next(counter)}", n),
    )
    rec.add_witness(role="家长代表", name="张媛媛", text="3 1 4", now=DAY)
    rec.reveal(beacon_value=None, now=DAY + dt.timedelta(minutes=5), signers=sig)
    data = rec.export(kind="public", keyring=ring, now=DAY + dt.timedelta(hours=1), signers=sig)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        bundle = {i.filename: z.read(i) for i in z.infolist()}
    statements = {p: bundle[p].decode() for p in bundle if p.startswith("statements/")}
    target = pupils[64]  # 李晓晨: a flagged 同班 twin, the worst notice to photograph
    if version == 1:  # v1 sheets: whole documents in the codes; the notice: the receipt
        sheet_codes = ["n=" + t for t in statements.values()]
        raw = zlib.compressobj(9, zlib.DEFLATED, -15)
        receipt_bytes = canonical_json(rec.receipt(target.id_number))
        notice = "r=" + b64u(raw.compress(receipt_bytes) + raw.flush())
    else:  # v2: references (§22); the notice refers to its class statement
        ann = _doc(bundle["announcement.jws"])
        sheet_codes = [reference(draw_id, "a", digest(ann)).fragment()]
        for text in statements.values():
            doc = _doc(text.encode())
            sheet_codes.append(
                reference(draw_id, statement_item(int(doc["class"])), digest(doc)).fragment()
            )
        receipt: Any = rec.receipt(target.id_number)
        notice = next(c for c in sheet_codes if f"/s{receipt['class']['number']}/" in c)
    return Published(version, pupils, bundle, sheet_codes, notice, target)


# --- the attacker ---------------------------------------------------------------------------


def _doc(data: bytes) -> Any:
    return parse(data.decode()).document()


def _json(pub: Published, path: str) -> Any:
    return json.loads(pub.bundle[path])


def _decode_notice(code: str) -> Any:
    """What a photographed notice's code tells: a v1 receipt (flags in plain text), or a
    v2 reference (draw, class, digest): nothing about the pupil beyond the class."""
    if code.startswith("r="):
        data = zlib.decompress(base64url(code[2:]), -15)
        return json.loads(data)
    parse_fragment(code)
    return None


def base64url(text: str) -> bytes:
    import base64  # noqa: PLC0415

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def candidates(pub: Published) -> dict[tuple[int, str], set[int]]:
    """For each (class, name) on a gate list, the leaves it can be, from public data."""
    leaves = _json(pub, "roster/leaves.json")
    result = _doc(pub.bundle["result.jws"])
    out: dict[tuple[int, str], set[int]] = {}
    shared: dict[str, list[int]] = defaultdict(list)  # name → classes listing it
    for path in sorted(p for p in pub.bundle if p.startswith("statements/")):
        st = _doc(pub.bundle[path])
        number = int(st["class"])
        pupils = next(c for c in result["classes"] if c["number"] == number)["pupils"]
        for pos, (name, sex) in enumerate(st["pupils"]):
            shared[name].append(number)
            if "name" in leaves[0]:  # v1: the leaves carry names
                out[(number, name)] = {i for i in pupils if leaves[i]["name"] == name}
            elif st["t"].startswith("sunshine-placement/v1/"):  # v1 order = result order
                out[(number, name)] = {pupils[pos]}
            else:  # v2: any leaf of this class and sex (§20.2)
                out[(number, name)] = {i for i in pupils if leaves[i]["sex"] == sex}
    for name, classes in shared.items():  # 重名: a name in several classes, a code per class
        if len(classes) > 1 and "same_name" in leaves[0]:
            for number in classes:
                coded = {i for i in out[(number, name)] if leaves[i]["same_name"]}
                if len(coded) == 1:
                    out[(number, name)] = coded
    return out


def proven(pub: Published) -> dict[str, set[str]]:
    """Names proven to carry a flag ("flag"), to be a twin ("twin"), or to carry the
    specific flag the notice revealed ("meaning"), from public data plus the notice."""
    leaves = _json(pub, "roster/leaves.json")
    notice = _decode_notice(pub.notice_code)
    meaning: dict[str, list[str]] = {}
    if notice is not None:  # v1: the receipt's leaf and its flags in plain text
        meaning[notice["leaf"]["stratum"]] = notice["private"]["flags"]
    found: dict[str, set[str]] = {"flag": set(), "twin": set(), "meaning": set()}
    for (_, name), leaf_set in candidates(pub).items():
        chosen = [leaves[i] for i in leaf_set]
        if chosen and all(x["stratum"] for x in chosen):
            found["flag"].add(name)
            if all(x["stratum"] in meaning for x in chosen):
                found["meaning"].add(name)
        if chosen and all(x["twin"] for x in chosen):
            found["twin"].add(name)
    return found


def _truth(pub: Published) -> tuple[set[str], set[str]]:
    return {p.name for p in pub.pupils if p.flags}, {p.name for p in pub.pupils if p.twin_group}


# --- the tests ------------------------------------------------------------------------------


def test_v1_output_gives_flags_and_twins_away(tmp_path: Path) -> None:
    """The attack works: on v1-style output it names flagged pupils and twins, correctly."""
    pub = publish(tmp_path, 1)
    flagged, twins = _truth(pub)
    found = proven(pub)
    assert found["flag"]
    assert found["flag"] <= flagged
    assert found["twin"]
    assert found["twin"] <= twins
    assert found["meaning"]  # the notice told what one code means: everyone with it is named


def test_v2_output_gives_nothing_away(tmp_path: Path) -> None:
    """From every public artefact plus one notice, nobody is proven flagged or a twin."""
    pub = publish(tmp_path, 2)
    found = proven(pub)
    assert found == {"flag": set(), "twin": set(), "meaning": set()}
    # the notice photographed holds no ID number, birth date, 学籍号, salt or flag
    text = pub.notice_code
    p = pub.notice_pupil
    for secret in (p.id_number, p.birth_date.isoformat(), p.student_no, *p.flags, "salt"):
        assert secret not in text
    # and the public artefacts hold no name beside a leaf
    leaves = _json(pub, "roster/leaves.json")
    assert all("name" not in x for x in leaves)
    assert all(len(c) < 120 for c in pub.sheet_codes)  # references, not documents


def test_v2_same_name_pair_keeps_its_flag_private(tmp_path: Path) -> None:
    """The 重名 pair is tied to its leaves through the gate lists (§20.3), so those leaves
    carry no stratum: the flagged 王浩宇 is not distinguishable from the other."""
    pub = publish(tmp_path, 2)
    leaves = _json(pub, "roster/leaves.json")
    coded = [x for x in leaves if x["same_name"]]
    assert len(coded) >= 2
    assert all(x["stratum"] == "" for x in coded)
    links = {k: v for k, v in candidates(pub).items() if k[1] == "王浩宇"}
    assert len(links) >= 2
    assert all(len(v) == 1 for v in links.values())  # linked, as the spec says …
    assert all(leaves[next(iter(v))]["stratum"] == "" for v in links.values())  # … with nothing


def test_v2_counts_are_what_is_public(tmp_path: Path) -> None:
    """The per-class counts stay published: the balance report still shows each code."""
    pub = publish(tmp_path, 2)
    result = _doc(pub.bundle["result.jws"])
    assert all(c["strata"] for c in result["report"]["classes"])
