"""Signed-record vectors (spec Part II, §13-§17) under ``tests/vectors/v1/record/``.

Run by ``python tests/vectors/generate.py [--check]`` together with the Part I vectors.

    keys.json              the TEST keys (seeds included!) and the keyring
    jws.json               every document type signed as JWS, step by step (§14, §15)
    log.json               one log: entries, checkpoints, receipts, consistency, tiles (§16)
    receipt.json           a pupil receipt and how it verifies (§17)
    bundles.json           what the sample bundles are
    bundle-public.zip      a small draw exported by web.record (public kind)
    bundle-archive.zip     the same draw, archive kind (private/ members)
    bundle-cancelled.zip   a draw announced, witnessed once, cancelled, exported

THE KEYS ARE TEST KEYS. Their Ed25519 seeds are SHA-256 of a public label and are
printed in keys.json: anyone can sign with them. They exist so that signatures are
reproducible; never put them in a real keyring.

Everything else comes from the real record flow (``web.record.DrawRecord`` with a
``web.filelog.FileLog``) run in a temporary folder with fixed times and with
``token_bytes`` (salts, server seeds) replaced by a SHA-256 counter. Ed25519 is
deterministic, so every signature is reproducible. DEFLATE is not quite: the
class statements' ``zip: DEF`` payloads and the zip files are made by this
Python's zlib, whose version is recorded. ``--check`` compares zips member by
member, and when the running zlib differs from the recorded one it accepts
differences confined to DEFLATE output (same header, same inflated payload).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import itertools
import json
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import placement
from keys.signer import Signer
from placement import jws, merkle, note
from placement.announcement import from_json as announcement_from_json
from placement.canonical import TAG_PUPIL_PRIVATE, canonical_json, tagged_hash
from placement.documents import Change, amendment, digest
from placement.draw import Intake
from placement.idcard import check_character
from placement.keyring import CST, KeyEntry, Keyring, KeyRole
from placement.policy import TAOBEI_2024, Level
from placement.roster import PupilRecord, Sex, TwinWish
from placement.teams import Teacher, Team
from placement.tlog import (
    checkpoint_of,
    entry_bytes,
    entry_leaf_hash,
    format_hashes,
    format_proof,
    parse_hashes,
    parse_proof,
)
from web.record.draw import DrawRecord, Signers
from web.record.filelog import FileLog

Doc = dict[str, Any]

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = "tests/vectors/generate_record.py (run by tests/vectors/generate.py)"
JSON_FILES = ("keys.json", "jws.json", "log.json", "receipt.json", "bundles.json")
ZIP_FILES = ("bundle-public.zip", "bundle-archive.zip", "bundle-cancelled.zip")
TEST_KEYS_WARNING = (
    "TEST KEYS ONLY: each Ed25519 seed is SHA-256('sunshine-placement vectors TEST KEY "
    "<role>') and is published in keys.json, so anyone can sign with these keys. They make "
    "the vectors reproducible and must never appear in a real keyring."
)

# --- fixed inputs ---------------------------------------------------------------------------

VALID_FROM = dt.date(2024, 6, 1)
ANNOUNCED = dt.datetime(2024, 8, 10, 10, 0, tzinfo=CST)
SCHEDULED = "2024-08-14T09:00:00+08:00"
CEREMONY = dt.datetime(2024, 8, 14, 9, 0, tzinfo=CST)
CANCELLED_SCHEDULED = "2024-08-21T09:00:00+08:00"
CANCELLED_CEREMONY = dt.datetime(2024, 8, 21, 9, 0, tzinfo=CST)
AMENDED = dt.datetime(2024, 9, 2, 10, 0, tzinfo=CST)
DRAW_ID = "vectors-2024-record"
CANCELLED_ID = "vectors-2024-cancelled"
BEACON_ROUND = "drand quicknet round 12345678 (vectors stand-in)"
WITNESSES = (  # role, name, what they typed, minutes after CEREMONY
    ("家长代表", "张媛媛", "3 1 4 1 5 9", 2),
    ("区教育局监督员", "王强", "２７１８２８ 阳光", 3),
)
KEYS = (  # role, name, keyring label
    (KeyRole.BUREAU, "test.invalid/bureau-2024", "洮北区教育局（测试密钥 TEST ONLY）"),
    (KeyRole.SUPERVISOR, "test.invalid/supervisor-2024", "家长委员会监督员（测试密钥 TEST ONLY）"),
    (KeyRole.LOG, "test.invalid/log-2024", "洮北区教育局透明日志（测试密钥 TEST ONLY）"),
)


def label_bytes(label: str, n: int = 32) -> bytes:
    """SHA-256("sunshine-placement vectors " ‖ label)[:n], UTF-8: vectors only."""
    return hashlib.sha256(f"sunshine-placement vectors {label}".encode()).digest()[:n]


class TokenCounter:
    """Stands in for ``secrets.token_bytes``: call i returns
    SHA-256('sunshine-placement vectors <label> token <i>')[:n] (i from 0, n ≤ 32)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.calls = 0

    def __call__(self, n: int) -> bytes:
        if not 0 < n <= 32:
            raise ValueError(n)
        out = label_bytes(f"{self.label} token {self.calls}", n)
        self.calls += 1
        return out


def seed_of(role: KeyRole) -> bytes:
    return label_bytes(f"TEST KEY {role.value}")


def signer(role: KeyRole) -> Signer:
    name = next(n for r, n, _ in KEYS if r is role)
    return Signer(name, role, Ed25519PrivateKey.from_private_bytes(seed_of(role)))


def keyring(signers: Sequence[Signer]) -> Keyring:
    labels = {r: lab for r, _, lab in KEYS}
    return Keyring(tuple(KeyEntry(s.vkey, s.role, labels[s.role], VALID_FROM) for s in signers))


def record(
    row: int,
    name: str,
    sex: Sex,
    born: str,
    serial: int,
    *,
    twin: str = "",
    wish: TwinWish = TwinWish.NONE,
    flags: Sequence[str] = (),
) -> PupilRecord:
    """A valid record (as generate.py's): order-code parity matches ``sex``, check char right."""
    order = 2 * serial + (1 if sex is Sex.MALE else 2)
    first17 = f"220802{born.replace('-', '')}{order:03d}"
    number = first17 + check_character(first17)
    return PupilRecord(
        row=row,
        name=name,
        sex=sex,
        id_number=number,
        birth_date=dt.date.fromisoformat(born),
        student_no=f"G{number}",
        twin_group=twin,
        twin_wish=wish,
        flags=tuple(sorted(flags)),
    )


M, F = Sex.MALE, Sex.FEMALE
SAME, APART = TwinWish.SAME, TwinWish.APART
LEFT_BEHIND = ("留守儿童",)
ROSTER: tuple[tuple[str, Sex, str, str, TwinWish, tuple[str, ...]], ...] = (
    ("李睿", M, "2017-10-15", "T01", SAME, ()),
    ("李欣悦", F, "2017-10-15", "T01", SAME, LEFT_BEHIND),
    ("郭梓萱", F, "2018-03-02", "T02", APART, ()),
    ("郭梓铭", M, "2018-03-02", "T02", APART, ()),
    ("王浩宇", M, "2018-01-11", "", TwinWish.NONE, LEFT_BEHIND),
    ("王浩宇", M, "2017-11-16", "", TwinWish.NONE, ()),
    ("赵冉", F, "2017-12-24", "", TwinWish.NONE, LEFT_BEHIND),
    ("魏清妍", F, "2018-06-14", "", TwinWish.NONE, ()),
    ("林俊宇", M, "2017-09-21", "", TwinWish.NONE, ()),
    ("张一诺", F, "2018-02-08", "", TwinWish.NONE, LEFT_BEHIND),
    ("刘宇航", M, "2018-04-19", "", TwinWish.NONE, ()),
    ("陈思彤", F, "2017-09-30", "", TwinWish.NONE, ()),
    ("杨博文", M, "2018-05-27", "", TwinWish.NONE, ()),
    ("黄梦琪", F, "2018-07-07", "", TwinWish.NONE, ()),
    ("周天佑", M, "2017-12-02", "", TwinWish.NONE, ()),
    ("吴语嫣", F, "2018-01-29", "", TwinWish.NONE, ()),
    ("徐睿泽", M, "2018-08-31", "", TwinWish.NONE, ()),
    ("孙可馨", F, "2018-03-15", "", TwinWish.NONE, ()),
    ("胡明哲", M, "2017-10-03", "", TwinWish.NONE, ()),
    ("朱佳怡", F, "2018-06-01", "", TwinWish.NONE, ()),
    ("高嘉懿", F, "2017-11-08", "", TwinWish.NONE, ()),
    ("何皓轩", M, "2018-02-20", "", TwinWish.NONE, ()),
    ("马晨曦", F, "2018-04-04", "", TwinWish.NONE, ()),
    ("罗铭泽", M, "2018-07-19", "", TwinWish.NONE, ()),
)
ROSTER_TEXT = (
    "24 pupils (12 girls, 12 boys), 3 classes: a 同班 twin pair (李睿/李欣悦), a 分班 twin "
    "pair (郭梓萱/郭梓铭), two pupils named 王浩宇 (重名, kept apart), one stratum (留守儿童, "
    "4 pupils); a beacon is declared and its value revealed at the ceremony"
)


def pupils() -> list[PupilRecord]:
    return [
        record(i + 2, name, sex, born, i + 1, twin=twin, wish=wish, flags=flags)
        for i, (name, sex, born, twin, wish, flags) in enumerate(ROSTER)
    ]


def teams() -> list[Team]:
    heads = ("林秀云", "杜春梅", "赵海涛")
    return [
        Team(
            number=n,
            label=f"2024级一年级（{n}）班",
            head_teacher=heads[n - 1],
            teachers=(
                Teacher("语文", heads[n - 1]),
                Teacher("数学", ("孙悦", "周杰", "吴芳")[n - 1]),
                Teacher("道德与法治", ("王强", "刘洋", "陈静")[n - 1]),
            ),
        )
        for n in (1, 2, 3)
    ]


def intake(draw_id: str, scheduled: str, beacon: str | None) -> Intake:
    return Intake(
        draw_id=draw_id,
        district="吉林省白城市洮北区",
        school="向量实验小学",
        intake="2024级一年级",
        level=Level.PRIMARY,
        year=2024,
        scheduled=scheduled,
        witnesses=tuple(f"{role} {name}" for role, name, _, _ in WITNESSES),
        beacon=beacon,
    )


def _time(t: dt.datetime) -> str:
    return t.isoformat(timespec="seconds")


# --- the record flow -------------------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    """Everything the vectors need from one run of the record flow (folders are gone)."""

    signers: Signers
    keyring: Keyring
    pupils: tuple[PupilRecord, ...]
    public: dict[str, str]  # the draw's public/ files as text (JWS, leaves, teams)
    entries: tuple[dict[str, Any], ...]
    checkpoints: dict[int, str]
    tiles: dict[str, bytes]
    receipt: Doc
    receipt_pupil: int  # input position of the receipt's pupil
    bundles: dict[str, bytes]  # zip file name → bytes
    times: dict[str, str]


def run_flow() -> Flow:
    bureau, supervisor, log_key = (signer(role) for role, _, _ in KEYS)
    sig = Signers(bureau=bureau, log=log_key, supervisor=supervisor)
    ring = keyring([bureau, supervisor, log_key])
    roster = pupils()
    t = {
        "announced": ANNOUNCED,
        **{f"witness {i}": CEREMONY + dt.timedelta(minutes=w[3]) for i, w in enumerate(WITNESSES)},
        "revealed": CEREMONY + dt.timedelta(minutes=5),
        "exported public": CEREMONY + dt.timedelta(minutes=30),
        "exported archive": CEREMONY + dt.timedelta(minutes=45),
        "cancelled announced": CEREMONY + dt.timedelta(hours=2),
        "cancelled witness 0": CANCELLED_CEREMONY + dt.timedelta(minutes=2),
        "cancelled": CANCELLED_CEREMONY + dt.timedelta(minutes=10),
        "cancelled exported": CANCELLED_CEREMONY + dt.timedelta(minutes=20),
    }
    with tempfile.TemporaryDirectory(prefix="sunshine-vectors-") as tmp:
        base = Path(tmp)
        log = FileLog(base / "log")
        rec = DrawRecord.announce(
            base / "draw",
            log,
            intake=intake(DRAW_ID, SCHEDULED, BEACON_ROUND),
            profile=TAOBEI_2024,
            pupils=roster,
            teams=teams(),
            signers=sig,
            now=t["announced"],
            token_bytes=TokenCounter(DRAW_ID),
        )
        for i, (role, name, text, _) in enumerate(WITNESSES):
            rec.add_witness(role=role, name=name, text=text, now=t[f"witness {i}"])
        rec.reveal(beacon_value=label_bytes("record beacon").hex(), now=t["revealed"], signers=sig)
        public = rec.export(kind="public", keyring=ring, now=t["exported public"], signers=sig)
        archive = rec.export(kind="archive", keyring=ring, now=t["exported archive"], signers=sig)
        receipt_pupil = 1  # 李欣悦: 同班 twin with a flag
        receipt = rec.receipt(roster[receipt_pupil].id_number)
        files = {
            str(p.relative_to(base / "draw/public")): p.read_text("utf-8")
            for p in sorted((base / "draw/public").rglob("*"))
            if p.is_file()
        }
        # The same log then records a second draw that is cancelled.
        other = DrawRecord.announce(
            base / "cancelled",
            log,
            intake=intake(CANCELLED_ID, CANCELLED_SCHEDULED, None),
            profile=TAOBEI_2024,
            pupils=roster,
            teams=teams(),
            signers=sig,
            now=t["cancelled announced"],
            token_bytes=TokenCounter(CANCELLED_ID),
        )
        role, name, text, _ = WITNESSES[0]
        other.add_witness(role=role, name=name, text=text, now=t["cancelled witness 0"])
        other.cancel(reason="名单有误，撤销后重新公告", now=t["cancelled"], signers=sig)
        cancelled = other.export(
            kind="public", keyring=ring, now=t["cancelled exported"], signers=sig
        )
        checkpoints = log.checkpoints()
        final = checkpoints[max(checkpoints)]
        return Flow(
            signers=sig,
            keyring=ring,
            pupils=tuple(roster),
            public=files,
            entries=tuple(log.entries()),
            checkpoints=checkpoints,
            tiles=log.tiles(final),
            receipt=receipt,
            receipt_pupil=receipt_pupil,
            bundles={
                "bundle-public.zip": public,
                "bundle-archive.zip": archive,
                "bundle-cancelled.zip": cancelled,
            },
            times={k: _time(v) for k, v in t.items()},
        )


# --- helpers ---------------------------------------------------------------------------------


class RecordVectorError(Exception):
    """The flow's output disagrees with what the generator recomputes."""


def _require(ok: bool, what: str) -> None:
    if not ok:
        raise RecordVectorError(what)


def provenance(how: str, *, deflate: bool = False) -> Doc:
    doc: Doc = {
        "generator": GENERATOR,
        "protocol": placement.PROTOCOL,
        "algorithm": placement.ALGORITHM,
        "produced_by": how,
        "test_keys": TEST_KEYS_WARNING,
        "hex": "every byte string is lowercase hex unless a field says otherwise",
    }
    if deflate:
        doc["zlib"] = zlib.ZLIB_RUNTIME_VERSION
        doc["deflate_note"] = (
            "DEFLATE output (zip: DEF payloads, zip members) depends on the zlib that made it; "
            "a reader checks signatures over the recorded bytes and inflates them, and need not "
            "reproduce them"
        )
    return doc


def _signed(text: str) -> Any:
    """The document a JWS text carries (checked canonical by placement.jws)."""
    return jws.parse(text).document()


def _text(value: Any) -> str:
    return canonical_json(value).decode("utf-8")


def _iat(t: dt.datetime) -> int:
    return int(t.timestamp())


# --- keys.json ---------------------------------------------------------------------------


def keys_file(flow: Flow) -> Doc:
    ring = flow.keyring.to_json()
    keys = []
    for role, name, label in KEYS:
        s = signer(role)
        _require(flow.keyring.by_kid(s.kid) is not None and s.name == name, f"{role} key")
        keys.append(
            {
                "role": role.value,
                "name": name,
                "label": label,
                "seed_TEST_ONLY": seed_of(role).hex(),
                "seed_label": f"sunshine-placement vectors TEST KEY {role.value}",
                "public_key": s.public_key.hex(),
                "key_id": s.key_id.hex(),
                "key_id_input": (name.encode() + b"\n\x01" + s.public_key).hex(),
                "kid": s.kid,
                "vkey": s.vkey,
                "vkey_base64_part": base64.b64encode(b"\x01" + s.public_key).decode(),
            }
        )
    return {
        "provenance": provenance(
            "Ed25519 keys from the fixed seeds, key ids and vkeys by placement/keyring.py "
            "(spec §13), the keyring by placement.keyring.Keyring; the signers are "
            "keys.signer.Signer built from the seeds"
        ),
        "fields": {
            "seed_TEST_ONLY": "the 32-byte Ed25519 private key seed (RFC 8032), TEST ONLY",
            "key_id_input": "name ‖ 0x0a ‖ 0x01 ‖ public key: its SHA-256, first 4 bytes, is "
            "the key id",
            "kid": "the JWS kid: name '+' hex(key id)",
            "vkey": "name '+' hex(key id) '+' base64(0x01 ‖ public key)",
        },
        "keys": keys,
        "keyring": ring,
        "keyring_canonical": _text(ring),
        "keyring_valid_from": VALID_FROM.isoformat(),
    }


# --- jws.json ----------------------------------------------------------------------------


def _parts(s: Signer, doc: Doc, iat: int, *, compress: bool) -> Doc:
    header = jws.protected_header(kid=s.kid, typ=doc["t"], iat=iat, deflate=compress)
    payload = jws.payload_bytes(doc, compress=compress)
    si = jws.signing_input(header, payload)
    signature = s.sign(si)
    return {
        "kid": s.kid,
        "header": json.loads(header),
        "header_canonical": header.decode("utf-8"),
        "protected": jws.b64u(header),
        "payload_hex": payload.hex(),
        "payload_b64u": jws.b64u(payload),
        "signing_input": si.decode("ascii"),
        "signature": signature.hex(),
        "signature_b64u": jws.b64u(signature),
        "compact": jws.compact(header, payload, signature),
    }


def _compact_case(name: str, desc: str, s: Signer, doc: Doc, iat: int, *, zip_: bool) -> Doc:
    parts = _parts(s, doc, iat, compress=zip_)
    _require(s.sign_jws(doc, iat=iat, compress=zip_) == parts["compact"], f"{name}: Signer")
    expected: Doc = {
        "canonical_text": _text(doc),
        "digest": digest(doc).hex(),
        **{k: v for k, v in parts.items() if k != "kid"},
    }
    if zip_:
        expected["inflated_text"] = zlib.decompress(
            bytes.fromhex(parts["payload_hex"]), -15
        ).decode()
        _require(expected["inflated_text"] == expected["canonical_text"], f"{name}: inflate")
    return {
        "name": name,
        "kind": "compact",
        "description": desc,
        "document": doc,
        "kid": s.kid,
        "iat": iat,
        "zip": "DEF" if zip_ else None,
        "expected": expected,
    }


def _general_case(name: str, desc: str, signers: Sequence[Signer], doc: Doc, iat: int) -> Doc:
    sigs = [_parts(s, doc, iat, compress=False) for s in signers]
    payload = bytes.fromhex(sigs[0]["payload_hex"])
    text = jws.general(
        payload, [(s["header_canonical"].encode(), bytes.fromhex(s["signature"])) for s in sigs]
    )
    keep = ("kid", "header", "header_canonical", "protected", "signing_input", "signature")
    return {
        "name": name,
        "kind": "general",
        "description": desc,
        "document": doc,
        "kids": [s.kid for s in signers],
        "iat": iat,
        "expected": {
            "canonical_text": _text(doc),
            "digest": digest(doc).hex(),
            "payload_hex": payload.hex(),
            "payload_b64u": jws.b64u(payload),
            "signatures": [{k: s[k] for k in keep} for s in sigs],
            "general": text,
        },
    }


def jws_file(flow: Flow) -> Doc:
    bureau, supervisor = flow.signers.bureau, flow.signers.supervisor
    assert supervisor is not None
    files = flow.public
    announced, revealed = _iat(ANNOUNCED), _iat(dt.datetime.fromisoformat(flow.times["revealed"]))
    ann = _signed(files["announcement.jws"])
    cer = _signed(files["ceremony.jws"])
    result = _signed(files["result.jws"])
    cases = [
        _compact_case(
            "announcement-compact",
            "the draw's announcement (§7) signed by the bureau alone, compact form; its "
            "signature equals the bureau's in the general form below",
            bureau,
            ann,
            announced,
            zip_=False,
        ),
        _general_case(
            "announcement-general",
            "the announcement exactly as the record publishes it: general JSON serialization, "
            "bureau first, then the supervisor (announcement.jws of the sample bundles)",
            [bureau, supervisor],
            ann,
            announced,
        ),
        _compact_case(
            "ceremony",
            "the ceremony (§15): witness inputs, beacon, revealed server seed and final seed; "
            "compact, bureau (ceremony.jws of the sample bundles)",
            bureau,
            cer,
            revealed,
            zip_=False,
        ),
        _compact_case(
            "result-compact",
            "the result (§8) signed by the bureau alone, compact form",
            bureau,
            result,
            revealed,
            zip_=False,
        ),
        _general_case(
            "result-general",
            "the result as published: general JSON serialization, bureau then supervisor "
            "(result.jws of the sample bundles)",
            [bureau, supervisor],
            result,
            revealed,
        ),
    ]
    _require(
        cases[1]["expected"]["general"] == files["announcement.jws"], "announcement.jws differs"
    )
    _require(cases[2]["expected"]["compact"] == files["ceremony.jws"], "ceremony.jws differs")
    _require(cases[4]["expected"]["general"] == files["result.jws"], "result.jws differs")
    for general, compact in ((cases[1], cases[0]), (cases[4], cases[3])):
        first = general["expected"]["signatures"][0]["signature"]
        _require(first == compact["expected"]["signature"], "compact = general's bureau signature")
    _require(
        cases[0]["expected"]["digest"] == announcement_from_json(ann).digest().hex(), "§7 digest"
    )
    for path in sorted(p for p in files if p.startswith("statements/")):
        doc = _signed(files[path])
        case = _compact_case(
            f"class-statement-{doc['class']}",
            f"the class statement of class {doc['class']} (§15), compact with zip DEF (raw "
            "DEFLATE level 9, window 15): what the printed sheet's QR code holds "
            f"({path} of the sample bundles)",
            bureau,
            doc,
            revealed,
            zip_=True,
        )
        _require(case["expected"]["compact"] == files[path], f"{path} differs")
        cases.append(case)
    result_digest = digest(result)
    pupil = result["classes"][0]["pupils"][-1]
    amend = amendment(
        result_digest=result_digest,
        seq=1,
        changes=[Change(pupil=pupil, from_class=1, to_class=2)],
        reason="家长申请转入（2）班，经区教育局批准（测试向量）",
        approved_by="洮北区教育局",
        approved_on=AMENDED.date().isoformat(),
    )
    cases.append(
        _compact_case(
            "amendment",
            f"an amendment (§15) of the sample result moving leaf {pupil} from class 1 to class "
            "2, compact, bureau; not part of the sample bundles (the record flow has no "
            "amendment step yet)",
            bureau,
            amend,
            _iat(AMENDED),
            zip_=False,
        )
    )
    return {
        "provenance": provenance(
            "documents from the record flow (web.record.DrawRecord, placement/ documents); "
            "headers, payloads and signing inputs by placement/jws.py, Ed25519 signatures "
            "(deterministic, RFC 8032) by keys.signer.Signer with the TEST keys of keys.json; "
            "each signed text is checked equal to the file the record flow wrote",
            deflate=True,
        ),
        "fields": {
            "canonical_text": "JCS(document), UTF-8",
            "digest": "H(t, JCS(document)) = tagged_hash(document.t, canonical bytes)",
            "header_canonical": "JCS of the protected header",
            "protected": "b64u(header bytes)",
            "payload_hex": "the signed payload: JCS(document), or for zip DEF its raw DEFLATE",
            "inflated_text": "zip DEF only: the payload inflated (equals canonical_text)",
            "signing_input": "b64u(header) '.' b64u(payload), ASCII",
            "signature": "Ed25519(seed of the kid's key, signing_input), 64 bytes",
            "compact": "b64u(header) '.' b64u(payload) '.' b64u(signature)",
            "general": "the general JSON serialization as written (compact JSON, sorted keys)",
            "iat": "unix seconds; the signing day is its date in UTC+08:00",
        },
        "cases": cases,
    }


# --- log.json ----------------------------------------------------------------------------


def _note_parts(text: str) -> Doc:
    parsed = note.parse_note(text)
    (sig,) = parsed.signatures
    cp = checkpoint_of(text)
    return {
        "size": cp.size,
        "origin": cp.origin,
        "root": cp.root.hex(),
        "body": parsed.body,
        "key_name": sig.name,
        "key_id": sig.key_id.hex(),
        "signature": sig.signature.hex(),
        "note": text,
    }


def log_file(flow: Flow) -> Doc:
    log_signer = flow.signers.log
    hashes = [entry_leaf_hash(e) for e in flow.entries]
    tree = merkle.MerkleTree.from_leaf_hashes(hashes)
    sizes = sorted(flow.checkpoints)
    final = flow.checkpoints[sizes[-1]]
    checkpoints = []
    for size in sizes:
        cp = _note_parts(flow.checkpoints[size])
        _require(cp["root"] == tree.root_at(size).hex(), f"checkpoint {size} root")
        _require(log_signer.sign(cp["body"].encode()).hex() == cp["signature"], "note signature")
        checkpoints.append(cp)
    entries = [
        {
            "index": i,
            "draw": e["draw"],
            "event": e["event"],
            "entry": e,
            "canonical_text": entry_bytes(e).decode("utf-8"),
            "leaf_hash": h.hex(),
        }
        for i, (e, h) in enumerate(zip(flow.entries, hashes, strict=True))
    ]
    receipts = []
    for i in range(len(entries)):
        path = tree.inclusion_proof(i)
        text = format_proof(i, path, final)
        _require(parse_proof(text).audit_path == tuple(path), "receipt round trip")
        receipts.append(
            {"index": i, "size": tree.size, "audit_path": [h.hex() for h in path], "text": text}
        )
    pairs = [*itertools.pairwise(sizes), (sizes[0], sizes[-1])]
    consistency = []
    for old, new in pairs:
        hashes_ = tree.consistency_proof(old, new)
        text = format_hashes(hashes_)
        _require(parse_hashes(text) == hashes_, "hash list round trip")
        consistency.append(
            {
                "old_size": old,
                "new_size": new,
                "old_root": tree.root_at(old).hex(),
                "new_root": tree.root_at(new).hex(),
                "proof": [h.hex() for h in hashes_],
                "text": text,
            }
        )
    return {
        "provenance": provenance(
            "one transparency log (web.filelog.FileLog) holding the sample draw "
            f"{DRAW_ID} (announced, two witnesses, revealed, performed, signed, exported "
            f"public then archive) and then {CANCELLED_ID} (announced, one witness, "
            "cancelled); checkpoints signed by the TEST log key; proofs by placement/merkle.py, "
            "texts by placement/tlog.py, tiles by FileLog.tiles"
        ),
        "fields": {
            "entries": "every log entry in append order: the entry, JCS(entry) and its leaf hash "
            "SHA-256(0x00 ‖ JCS(entry))",
            "checkpoints": "every checkpoint the log signed, by tree size: the C2SP note, its "
            "body (the signed bytes), and the Ed25519 signature split from its 4-byte key id",
            "receipts": "a tlog-proof@v1 inclusion receipt per entry against the final checkpoint",
            "consistency": "RFC 9162 consistency proofs between successive checkpoints and "
            "from the first to the last, as hex and as the one-base64-hash-a-line text",
            "tiles": "the tlog-tiles files of the final size (path → hex), partial tiles of "
            "earlier checkpoint sizes kept",
        },
        "origin": log_signer.name,
        "log_kid": log_signer.kid,
        "size": tree.size,
        "root": tree.root.hex(),
        "entries": entries,
        "checkpoints": checkpoints,
        "receipts": receipts,
        "consistency": consistency,
        "tiles": {
            "size": tree.size,
            "earlier_sizes": sizes[:-1],
            "files": {p: b.hex() for p, b in sorted(flow.tiles.items())},
        },
    }


# --- receipt.json ------------------------------------------------------------------------


def receipt_file(flow: Flow) -> Doc:
    r = flow.receipt
    private_text = _text(r["private"])
    commitment = tagged_hash(TAG_PUPIL_PRIVATE, private_text.encode())
    leaf_text = _text(r["leaf"])
    leaf = merkle.leaf_hash(leaf_text.encode())
    proof = [bytes.fromhex(h) for h in r["proof"]]
    _require(commitment.hex() == r["leaf"]["private"], "receipt commitment")
    _require(
        merkle.verify_inclusion(leaf, r["index"], r["size"], proof, bytes.fromhex(r["root"])),
        "receipt proof",
    )
    ann = _signed(flow.public["announcement.jws"])
    _require(ann["roster"]["root"] == r["root"], "receipt root = announcement roster root")
    p = flow.pupils[flow.receipt_pupil]
    return {
        "provenance": provenance(
            "web.record.DrawRecord.receipt of the sample draw; recomputed by placement/ "
            "(tagged hash, RFC 6962 inclusion); the salt is a TokenCounter stand-in"
        ),
        "description": f"the receipt of {p.name} (input row {p.row}): a 同班 twin with a flag, "
        "TEST data; the ID number is synthetic (valid check character)",
        "receipt": r,
        "receipt_text": json.dumps(r, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
        "announcement": flow.public["announcement.jws"],
        "expected": {
            "private_canonical": private_text,
            "private_commitment": commitment.hex(),
            "leaf_canonical": leaf_text,
            "leaf_hash": leaf.hex(),
            "index": r["index"],
            "size": r["size"],
            "audit_path": r["proof"],
            "root": r["root"],
            "class": r["class"],
        },
    }


# --- bundles -------------------------------------------------------------------------------


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def zip_layout(data: bytes) -> list[tuple[Any, ...]]:
    """Member order, dates, compression method and modes: what zlib does not decide."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(i.filename, i.date_time, i.compress_type, i.external_attr) for i in z.infolist()]


BUNDLE_TEXT = {
    "bundle-public.zip": f"public bundle of {DRAW_ID}: {ROSTER_TEXT}",
    "bundle-archive.zip": f"archive bundle of {DRAW_ID} (private/ leaves with salts and codes)",
    "bundle-cancelled.zip": f"public bundle of {CANCELLED_ID}: announced (same roster), one "
    "witness entry, cancelled, exported: no ceremony, result or statements",
}


def bundles_file(flow: Flow) -> Doc:
    out = []
    for name in ZIP_FILES:
        members = zip_members(flow.bundles[name])
        manifest = json.loads(members["manifest.json"])
        out.append(
            {
                "file": name,
                "description": BUNDLE_TEXT[name],
                "kind": manifest["kind"],
                "draw": manifest["draw"],
                "created": manifest["created"],
                "members": sorted(members),
                "verifier_exit_code": 0,
            }
        )
    return {
        "provenance": provenance(
            "web.record.DrawRecord.export (web/bundle.py) in the record flow of log.json, "
            "with the fixed times of 'steps' (the 'now' each step was given) and salts and "
            "server seeds from SHA-256('sunshine-placement vectors <draw id> token <i>')",
            deflate=True,
        ),
        "steps": flow.times,
        "description": "sample record bundles (§17). Every one MUST verify: `verify-placement "
        "<file>` and `verify-placement --keyring keyring.json <file>` (keyring_canonical of "
        "keys.json) exit 0. The zip bytes depend on zlib; compare members, not zip bytes.",
        "bundles": out,
    }


# --- rendering, drift, writing ---------------------------------------------------------------


def dumps(doc: Doc) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


FILES: dict[str, Callable[[Flow], Doc]] = {
    "keys.json": keys_file,
    "jws.json": jws_file,
    "log.json": log_file,
    "receipt.json": receipt_file,
    "bundles.json": bundles_file,
}


def render() -> dict[str, bytes]:
    """Every file's bytes, keyed by name (zips as this Python's zlib writes them)."""
    flow = run_flow()
    out = {name: dumps(build(flow)).encode("utf-8") for name, build in FILES.items()}
    out.update(flow.bundles)
    return out


def _inflated(jws_text: bytes) -> Any:
    """A JWS with its DEFLATE bytes replaced by what they inflate to."""
    parsed = jws.parse(jws_text.decode("utf-8"))
    return [[s.header for s in parsed.signatures], parsed.document()]


def _zlib_free_file(name: str, data: bytes) -> Any:
    """jws.json or bundles.json without the bytes DEFLATE made and the zlib version."""
    doc = json.loads(data)
    doc["provenance"].pop("zlib", None)
    for case in doc["cases"] if name == "jws.json" else ():
        if case.get("zip") == "DEF":
            ex = case["expected"]
            ex["payload_hex"] = zlib.decompress(bytes.fromhex(ex["payload_hex"]), -15).hex()
            for k in ("payload_b64u", "signing_input", "signature", "signature_b64u", "compact"):
                ex.pop(k)
    return doc


def _zlib_free_members(members: dict[str, bytes]) -> Any:
    out: dict[str, Any] = {}
    for path, data in members.items():
        if path.startswith("statements/"):
            out[path] = _inflated(data)
        elif path == "manifest.json":
            manifest = json.loads(data)
            manifest["files"] = {
                p: h for p, h in manifest["files"].items() if not p.startswith("statements/")
            }
            out[path] = manifest
        else:
            out[path] = data
    return out


def _recorded_zlib(out: Path) -> str | None:
    try:
        return str(json.loads((out / "bundles.json").read_text("utf-8"))["provenance"]["zlib"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _same(name: str, have: bytes, want: bytes, *, zlib_free: bool) -> bool:
    """Is the committed ``have`` what the generator now makes (``want``)?"""
    if name.endswith(".zip"):
        try:
            old, new = zip_members(have), zip_members(want)
            if zip_layout(have) != zip_layout(want):
                return False
        except zipfile.BadZipFile:
            return False
        return old == new or (zlib_free and _zlib_free_members(old) == _zlib_free_members(new))
    if have == want or not zlib_free or name not in {"jws.json", "bundles.json"}:
        return have == want
    return bool(_zlib_free_file(name, have) == _zlib_free_file(name, want))


def compare(out: Path, files: dict[str, bytes] | None = None) -> tuple[list[str], list[str]]:
    """(problems, notes) comparing the committed files under ``out`` with a fresh rendering.

    Zips are compared member by member. When the running zlib is not the one recorded,
    DEFLATE-made bytes may differ: that is a note, not a problem, if the headers and the
    inflated payloads are the same.
    """
    files = render() if files is None else files
    recorded = _recorded_zlib(out)
    zlib_free = recorded is not None and recorded != zlib.ZLIB_RUNTIME_VERSION
    have = {p.name for p in out.iterdir() if p.is_file()} if out.is_dir() else set()
    problems = [f"missing: {_shown(out / n)}" for n in sorted(files.keys() - have)]
    problems += [f"extra: {_shown(out / n)}" for n in sorted(have - files.keys())]
    notes = []
    for name in sorted(files.keys() & have):
        old = (out / name).read_bytes()
        if old == files[name] or _same(name, old, files[name], zlib_free=False):
            continue
        if _same(name, old, files[name], zlib_free=zlib_free):
            notes.append(
                f"zlib only: {_shown(out / name)} (recorded with zlib {recorded}, running "
                f"{zlib.ZLIB_RUNTIME_VERSION}; same headers and inflated payloads)"
            )
        else:
            problems.append(f"differs: {_shown(out / name)}")
    return problems, notes


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def drift(out: Path) -> list[str]:
    """The problems of :func:`compare`; its notes go to stderr."""
    problems, notes = compare(out)
    for line in notes:
        sys.stderr.write(line + "\n")
    return problems


def write(out: Path) -> list[str]:
    """Rewrite the JSON files; rewrite a zip only when one of its members changed."""
    files = render()
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for stale in sorted({p.name for p in out.iterdir() if p.is_file()} - files.keys()):
        (out / stale).unlink()
        lines.append(f"removed {_shown(out / stale)}")
    for name, data in files.items():
        path = out / name
        zipped = name.endswith(".zip") and path.exists()
        if zipped and _same(name, path.read_bytes(), data, zlib_free=False):
            lines.append(f"kept {_shown(path)} (members unchanged)")
            continue
        path.write_bytes(data)
        lines.append(f"wrote {_shown(path)} ({len(data):,} bytes)")
    return lines
