"""JSON Schemas of the record's documents (verifier/schemas, spec Parts I and II).

Each schema is itself valid 2020-12, closed (no unknown fields), and accepts the
documents the core really produces for a small draw, while refusing mutated
copies of them (extra field, wrong type field, bad hex …).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from samples import sample_intake
from schemakit import Validator

import verifier
from placement import documents
from placement.commitment import private_json
from placement.draw import perform, prepare
from placement.idcard import check_character
from placement.keyring import KeyEntry, Keyring, KeyRole, vkey
from placement.policy import PROFILES
from placement.roster import PupilRecord, Sex, TwinWish
from placement.teams import Teacher, Team

SCHEMA_DIR = Path(verifier.__file__).resolve().parent / "schemas"
BASE = "https://sunshine-placement.example/schemas/v1/"
NAMES = (
    "pupil-leaf",
    "pupil-private",
    "team-leaf",
    "announcement",
    "ceremony",
    "result",
    "class-statement",
    "amendment",
    "keyring",
    "log-entry",
    "bundle-manifest",
    "receipt",
)
TYPE_FIELD = {name: f"sunshine-placement/v1/{name}" for name in NAMES}
TYPE_FIELD["bundle-manifest"] = "sunshine-placement/v1/bundle"  # spec §17 names it so
del TYPE_FIELD["pupil-private"]  # the private object has no type field (spec §4.1)
MAX_SAFE = 2**53 - 1
EVENTS = (
    "announcement.published",
    "announcement.cancelled",
    "witness.entered",
    "seed.revealed",
    "draw.performed",
    "result.signed",
    "sheets.printed",
    "bundle.exported",
    "amendment.approved",
)

SCHEMAS: dict[str, dict[str, Any]] = {
    name: json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text("utf-8")) for name in NAMES
}


REGISTRY: Registry = Registry().with_resources(
    (s["$id"], Resource.from_contents(s)) for s in SCHEMAS.values()
)


def check(name: str, doc: Any, *, valid: bool) -> None:
    """The one helper every document test goes through."""
    validator = Validator(
        SCHEMAS[name], registry=REGISTRY, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    if valid:
        assert errors == [], f"{name} refused a real document"
    else:
        assert errors, f"{name} accepted a mutated document: {doc!r}"


def subschemas(node: Any, path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object below ``node``; `if` conditions are tests, not definitions."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key in {"if", "const", "enum", "required", "description", "$comment"}:
                continue
            if key in {"properties", "patternProperties", "$defs"}:
                for sub, schema in value.items():
                    yield from subschemas(schema, f"{path}/{key}/{sub}")
            else:
                yield from subschemas(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from subschemas(item, f"{path}/{i}")


# ---------------------------------------------------------------------------
# The schemas themselves


@pytest.mark.parametrize("name", NAMES)
class TestSchemaFiles:
    def test_valid_2020_12(self, name):
        """Each file is a valid draft 2020-12 schema with its own $id, title and description."""
        schema = SCHEMAS[name]
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["$id"] == f"{BASE}{name}.schema.json"
        for key in ("title", "description"):
            assert re.search("[\u4e00-\u9fff]", schema[key]), f"{key} should carry the Chinese term"
            assert re.search(r"[A-Za-z]{3}", schema[key]), f"{key} should be in English"

    def test_stable_bytes(self, name):
        """Pretty-printed, sorted keys, UTF-8 with literal Chinese, one trailing newline."""
        raw = (SCHEMA_DIR / f"{name}.schema.json").read_bytes()
        want = json.dumps(SCHEMAS[name], ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        assert raw == want.encode("utf-8")

    def test_closed_objects(self, name):
        """Every object is closed, and every declared field is required (JCS bytes are fixed)."""
        for path, node in subschemas(SCHEMAS[name]):
            if node.get("type") == "object":
                assert node.get("additionalProperties") is False, path
                assert set(node.get("properties", {})) <= set(node.get("required", [])), path

    def test_type_field_is_const(self, name):
        """The type field `t` is an exact constant (spec §2.3, §12)."""
        props = SCHEMAS[name]["properties"]
        if name not in TYPE_FIELD:
            assert "t" not in props
            return
        assert props["t"]["const"] == TYPE_FIELD[name]
        assert "t" in SCHEMAS[name]["required"]

    def test_integers_within_safe_range(self, name):
        """Every integer is bounded inside ±(2^53 − 1), the JSON safe range (spec §2.1)."""
        for path, node in subschemas(SCHEMAS[name]):
            if node.get("type") != "integer" or "const" in node or "enum" in node:
                continue
            assert -MAX_SAFE <= node["minimum"] <= node["maximum"] <= MAX_SAFE, path

    def test_patterns(self, name):
        """Patterns compile, are anchored at the start, and `$` only ever ends them."""
        for path, node in subschemas(SCHEMAS[name]):
            patterns = [node["pattern"]] if "pattern" in node else []
            patterns += node.get("patternProperties", {})
            for p in patterns:
                re.compile(p)
                assert p == r"\S" or p.startswith("^"), path
                assert "$" not in p[:-1], path

    def test_defs_used_and_resolvable(self, name):
        """Every local $ref resolves and every $defs entry is used."""
        schema = SCHEMAS[name]
        text = json.dumps(schema)
        refs = set(re.findall(r'"\$ref": "#/\$defs/([a-z_]+)"', text))
        assert refs == set(schema.get("$defs", {}))


def test_shared_defs_agree():
    """A definition repeated in several files (digest, date, time …) is the same everywhere."""
    seen: dict[str, tuple[str, Any]] = {}
    for name, schema in SCHEMAS.items():
        for key, value in schema.get("$defs", {}).items():
            first = seen.setdefault(key, (name, value))
            assert value == first[1], f"$defs/{key} differs between {first[0]} and {name}"


def test_readme_lists_every_schema():
    """The directory holds exactly these schemas, and the README names each one."""
    on_disk = sorted(p.name for p in SCHEMA_DIR.glob("*.json"))
    assert on_disk == sorted(f"{name}.schema.json" for name in NAMES)
    readme = (SCHEMA_DIR / "README.md").read_text("utf-8")
    for name in NAMES:
        assert f"`{name}.schema.json`" in readme


_LEAF = {
    "name": "李娜",
    "private": "ab" * 32,
    "sex": "F",
    "stratum": "",
    "t": "sunshine-placement/v1/pupil-leaf",
    "twin": "",
    "twin_wish": "",
}


def test_trailing_newline_refused():
    """`$` means end of text (ECMA-262), so a digest with a trailing newline is refused."""
    check("pupil-leaf", _LEAF, valid=True)
    check("pupil-leaf", {**_LEAF, "private": "ab" * 32 + "\n"}, valid=False)


# ---------------------------------------------------------------------------
# A small real draw


def _record(row: int, name: str, sex: Sex, born: str, **kw: Any) -> PupilRecord:
    order = 2 * row + (1 if sex is Sex.MALE else 2)  # odd 17th digit means male
    first17 = f"220802{born.replace('-', '')}{order:03d}"
    number = first17 + check_character(first17)
    return PupilRecord(
        row=row,
        name=name,
        sex=sex,
        id_number=number,
        birth_date=dt.date.fromisoformat(born),
        student_no=f"G{number}",
        **kw,
    )


M, F = Sex.MALE, Sex.FEMALE
PUPILS = [
    _record(2, "王小明", M, "2018-03-31", flags=("随班就读",)),
    _record(3, "李娜", F, "2017-12-24"),
    _record(4, "张伟", M, "2018-06-15", twin_group="双A", twin_wish=TwinWish.SAME),
    _record(5, "张丽", F, "2018-06-15", twin_group="双A", twin_wish=TwinWish.SAME),
    _record(6, "赵敏", F, "2018-01-02", flags=("留守儿童", "随迁子女")),
    _record(7, "孙悟", M, "2018-07-07", flags=("随班就读",)),
    _record(8, "刘洋", M, "2017-10-10", twin_group="双B", twin_wish=TwinWish.APART),
    _record(9, "刘静", F, "2017-10-10", twin_group="双B", twin_wish=TwinWish.APART),
    _record(10, "陈静", F, "2018-02-02"),
    _record(11, "陈静", F, "2018-04-04"),  # 重名
    _record(12, "杨磊", M, "2018-05-05"),
    _record(13, "周杰", M, "2018-08-31"),
]
TEAMS = [
    Team(
        number=n,
        label=f"2024级一年级（{n}）班",
        head_teacher=head,
        teachers=(Teacher("语文", head), Teacher("数学", "王强")),
    )
    for n, head in enumerate(("张老师", "李老师", "吴老师"), 1)
]
INPUTS = ("3 1 4 1 5 9", "2 7 1 8 2 8")
BEACON_ROUND = "drand quicknet round 12345678"
BEACON_VALUE = "a1" * 32
DRAW_ID = "taobei-2024-schema-test"


def _bytes(label: str, n: int) -> bytes:
    return hashlib.sha256(f"sunshine-placement schema test {label}".encode()).digest()[:n]


def _public_key(label: str) -> bytes:
    private = Ed25519PrivateKey.from_private_bytes(_bytes(label, 32))
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _keyrings() -> list[dict[str, Any]]:
    # These labels were checked to give base64 keys without '+': placement.keyring.parse_vkey
    # splits on every '+' and so refuses about half of all valid vkeys (reported upstream).
    name = "taobei.edu.example/"
    ring = (
        Keyring()
        .with_key(
            KeyEntry(
                vkey=vkey(name + "bureau-2024", _public_key("bureau 1")),
                role=KeyRole.BUREAU,
                label="洮北区教育局",
                valid_from=dt.date(2024, 1, 1),
            )
        )
        .with_key(
            KeyEntry(
                vkey=vkey(name + "supervisor-2024", _public_key("supervisor 0")),
                role=KeyRole.SUPERVISOR,
                label="洮北区纪检监察组",
                valid_from=dt.date(2024, 1, 1),
            )
        )
        .with_key(
            KeyEntry(
                vkey=vkey(name + "log-2024", _public_key("log 0")),
                role=KeyRole.LOG,
                label="洮北区教育局透明日志",
                valid_from=dt.date(2024, 1, 1),
            )
        )
    )
    old = vkey(name + "bureau-2023", _public_key("bureau 0"))
    ring = ring.with_key(
        KeyEntry(
            vkey=old, role=KeyRole.BUREAU, label="洮北区教育局", valid_from=dt.date(2023, 1, 1)
        )
    ).retire(old, dt.date(2023, 12, 31))
    ring = ring.revoke(ring.keys[1].vkey, dt.date(2024, 9, 1), "密钥丢失 key lost")
    # A valid vkey whose base64 holds '+' (spec §13 / C2SP allow it), built without parsing.
    plus = next(
        v
        for i in range(100)
        if "+" in (v := vkey(name + "bureau-2025", _public_key(f"plus {i}"))).split("+", 2)[2]
    )
    entry = KeyEntry(
        vkey=plus, role=KeyRole.BUREAU, label="洮北区教育局", valid_from=dt.date(2025, 1, 1)
    )
    return [ring.to_json(), Keyring((entry,)).to_json()]


def _sha(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


@pytest.fixture(scope="module")
def docs() -> dict[str, list[Any]]:
    salts = [_bytes(f"salt {p.id_number}", 16) for p in PUPILS]
    server_seed = _bytes("server seed", 32)
    intake = sample_intake(draw_id=DRAW_ID, beacon=BEACON_ROUND)
    prepared = prepare(
        intake=intake,
        profile=PROFILES["taobei-2024"],
        pupils=PUPILS,
        teams=TEAMS,
        salts=salts,
        server_seed=server_seed,
    )
    outcome = perform(
        prepared, server_seed=server_seed, witness_inputs=INPUTS, beacon_value=BEACON_VALUE
    )
    roster, ann = prepared.roster, prepared.announcement
    leaves = [leaf.to_json() for leaf in roster.leaves]
    privates = [private_json(PUPILS[i], salts[i]) for i in roster.order]
    witnesses = [
        documents.WitnessInput(role, who, text, f"2024-08-14T09:0{n}:30+08:00")
        for n, (role, who, text) in enumerate(
            zip(("家长代表", "监督员"), ("贾雪", "王芳"), INPUTS, strict=True), 1
        )
    ]
    ceremony = documents.ceremony(
        announcement_digest=ann.digest(),
        witnesses=witnesses,
        beacon_round=BEACON_ROUND,
        beacon_value=BEACON_VALUE,
        server_seed=server_seed,
        final_seed=outcome.final_seed,
        revealed_at="2024-08-14T09:05:00+08:00",
    )
    no_beacon = {**ceremony, "beacon": None}
    heads = {t.number: t.head_teacher for t in TEAMS}
    statements = [
        documents.class_statement(
            draw_id=DRAW_ID,
            school=ann.school,
            intake=ann.intake,
            placed=c,
            head_teacher=heads[c.number],
            leaves=roster.leaves,
            result_digest=outcome.result_digest,
        )
        for c in outcome.placement.classes
    ]
    first = outcome.placement.classes[0]
    amendment = documents.amendment(
        result_digest=outcome.result_digest,
        seq=1,
        changes=[documents.Change(pupil=first.pupils[0], from_class=first.number, to_class=2)],
        reason="家长申请，经区教育局批准 / parent request approved by the bureau",
        approved_by="洮北区教育局",
        approved_on="2024-08-20",
    )
    digests = {
        "announcement.published": ann.digest(),
        "announcement.cancelled": ann.digest(),
        "seed.revealed": documents.digest(ceremony),
        "draw.performed": outcome.result_digest,
        "result.signed": outcome.result_digest,
        "sheets.printed": outcome.result_digest,
        "bundle.exported": outcome.result_digest,
        "amendment.approved": documents.digest(amendment),
    }
    extra: dict[str, dict[str, Any]] = {
        "announcement.cancelled": {"reason": "停电，改期 / power cut, rescheduled"},
        "sheets.printed": {"copies": 3},
        "bundle.exported": {"kind": "public"},
    }
    log = [
        {
            "actor": "witness" if event == "witness.entered" else "bureau",
            "detail": {"index": 0, "input": INPUTS[0], "role": "家长代表"}
            if event == "witness.entered"
            else {"digest": digests[event].hex(), **extra.get(event, {})},
            "draw": DRAW_ID,
            "event": event,
            "t": "sunshine-placement/v1/log-entry",
            "time": "2024-08-14T09:01:30+08:00",
        }
        for event in EVENTS
    ]
    public = {
        path: _sha(path)  # stand-ins for the members' SHA-256
        for path in (
            "keyring.json",
            "announcement.jws",
            "result.jws",
            "ceremony.jws",
            *(f"statements/{c.number:02d}.jws" for c in outcome.placement.classes),
            "roster/leaves.json",
            "teams.json",
            "log/checkpoint",
            "log/checkpoints/7",
            "log/consistency/7-12",
            "log/entries.json",
            *(f"log/proofs/{i}.tlog-proof" for i in range(7, 12)),
            *(f"schemas/{name}.schema.json" for name in NAMES),
        )
    }
    private = {p: _sha(p) for p in ("private/leaves.json", "private/codes.json")}
    manifest = {
        "created": "2024-08-14T10:00:00+08:00",
        "draw": DRAW_ID,
        "files": public,
        "kind": "public",
        "t": "sunshine-placement/v1/bundle",
        "version": 1,
    }
    receipts = []
    for i in (0, len(leaves) - 1):
        placed = next(c for c in outcome.placement.classes if i in c.pupils)
        receipts.append(
            {
                "class": {"label": placed.label, "number": placed.number},
                "draw": DRAW_ID,
                "index": i,
                "leaf": leaves[i],
                "private": privates[i],
                "proof": [h.hex() for h in roster.tree.inclusion_proof(i)],
                "root": roster.root.hex(),
                "size": roster.size,
                "t": "sunshine-placement/v1/receipt",
            }
        )
    receipts.append({**receipts[0], "class": None})
    return {
        "pupil-leaf": leaves,
        "pupil-private": privates,
        "team-leaf": [t.to_json() for t in prepared.teams.teams],
        "announcement": [ann.to_json(), {**ann.to_json(), "beacon": None}],
        "ceremony": [ceremony, no_beacon],
        "result": [outcome.result],
        "class-statement": statements,
        "amendment": [amendment],
        "keyring": _keyrings(),
        "log-entry": log,
        "bundle-manifest": [manifest, {**manifest, "files": public | private, "kind": "archive"}],
        "receipt": receipts,
    }


def test_draw_exercises_every_feature(docs):
    """The fixture draw has strata, both twin wishes, 重名 and all log events."""
    ann = docs["announcement"][0]
    assert {"stratum:s1", "stratum:s2", "twin:same", "twin:apart"} <= set(ann["strata"])
    report = docs["result"][0]["report"]
    assert report["apart_groups"] == report["same_name_groups"] == report["units_together"] == 1
    assert [e["event"] for e in docs["log-entry"]] == list(
        SCHEMAS["log-entry"]["properties"]["event"]["enum"]
    )


@pytest.mark.parametrize("name", NAMES)
def test_real_documents_validate(name, docs):
    """What the core (or, for log, bundle and receipt, spec §16–§17 by hand) produces is valid."""
    assert docs[name]
    for doc in docs[name]:
        check(name, doc, valid=True)


# ---------------------------------------------------------------------------
# Mutations: each must be refused


class Mutation(NamedTuple):
    schema: str
    which: int | str  # index into the fixture's documents, or a log event
    path: tuple[str | int, ...]  # where to change; the last key is set (or deleted)
    value: Any

    def apply(self, docs: dict[str, list[Any]]) -> Any:
        pool = docs[self.schema]
        if isinstance(self.which, str):
            doc = next(d for d in pool if d["event"] == self.which)
        else:
            doc = pool[self.which]
        doc = copy.deepcopy(doc)
        node = doc
        for key in self.path[:-1]:
            node = node[key]
        if self.value is DELETE:
            del node[self.path[-1]]
        else:
            node[self.path[-1]] = self.value
        return doc


DELETE = object()
BAD_HEX = "AB" * 32  # uppercase
T = "sunshine-placement/v1/"


def _m(schema: str, which: int | str, path: tuple[str | int, ...], value: Any, why: str) -> Any:
    return pytest.param(Mutation(schema, which, path, value), id=f"{schema}:{why}")


MUTATIONS = [
    # pupil-leaf
    _m("pupil-leaf", 0, ("extra",), 1, "extra field"),
    _m("pupil-leaf", 0, ("t",), T + "team-leaf", "wrong t"),
    _m("pupil-leaf", 0, ("private",), BAD_HEX, "uppercase hex"),
    _m("pupil-leaf", 0, ("private",), "ab" * 31, "short hex"),
    _m("pupil-leaf", 0, ("sex",), "男", "sex not F/M"),
    _m("pupil-leaf", 0, ("stratum",), "s01", "stratum code"),
    _m("pupil-leaf", 0, ("twin_wish",), "same", "wish without twin"),
    _m("pupil-leaf", 0, ("name",), "", "empty name"),
    _m("pupil-leaf", 0, ("name",), DELETE, "missing field"),
    # pupil-private
    _m("pupil-private", 0, ("extra",), 1, "extra field"),
    _m("pupil-private", 0, ("id_type",), "passport", "wrong id_type"),
    _m("pupil-private", 0, ("salt",), "ab" * 32, "salt 32 bytes"),
    _m("pupil-private", 0, ("salt",), "zz" * 16, "salt not hex"),
    _m("pupil-private", 0, ("id_number",), "22080220180331001x", "lowercase x"),
    _m("pupil-private", 0, ("birth_date",), "2018-3-31", "date"),
    _m("pupil-private", 0, ("birth_date",), "2018-02-30", "impossible date"),
    _m("pupil-private", 0, ("flags",), ["随班就读、留守儿童"], "joined flags"),
    _m("pupil-private", 0, ("flags",), ["随班就读", "随班就读"], "duplicate flags"),
    # team-leaf
    _m("team-leaf", 0, ("extra",), 1, "extra field"),
    _m("team-leaf", 0, ("t",), T + "pupil-leaf", "wrong t"),
    _m("team-leaf", 0, ("number",), 0, "number 0"),
    _m("team-leaf", 0, ("number",), 1.5, "number float"),
    _m("team-leaf", 0, ("number",), True, "number bool"),
    _m("team-leaf", 0, ("teachers", 0, "extra"), "x", "nested extra field"),
    # announcement
    _m("announcement", 0, ("extra",), 1, "extra field"),
    _m("announcement", 0, ("t",), T + "result", "wrong t"),
    _m("announcement", 0, ("seed_commitment",), BAD_HEX, "bad hex"),
    _m("announcement", 0, ("roster", "root"), "00", "bad root"),
    _m("announcement", 0, ("roster", "extra"), 1, "nested extra field"),
    _m("announcement", 0, ("roster", "size"), 2**53, "size above 2^53-1"),
    _m("announcement", 0, ("algorithm",), "balanced-deal/2", "algorithm"),
    _m("announcement", 0, ("scheduled",), "2024-08-14T09:00:00", "time without offset"),
    _m("announcement", 0, ("scheduled",), "2024-08-14 09:00:00+08:00", "time without T"),
    _m("announcement", 0, ("strata", "sex:F"), 0, "zero count"),
    _m("announcement", 0, ("strata", "flag:随班就读"), 2, "flag meaning as key"),
    _m("announcement", 0, ("size_tolerance",), 3, "tolerance 3"),
    _m("announcement", 0, ("draw_id",), "洮北 2024", "non-ASCII draw id"),
    _m("announcement", 0, ("level",), "high", "level"),
    # ceremony
    _m("ceremony", 0, ("extra",), 1, "extra field"),
    _m("ceremony", 0, ("t",), T + "announcement", "wrong t"),
    _m("ceremony", 0, ("server_seed",), BAD_HEX, "bad hex"),
    _m("ceremony", 0, ("beacon",), BEACON_VALUE, "beacon as bare text"),
    _m("ceremony", 0, ("beacon", "extra"), 1, "beacon extra field"),
    _m("ceremony", 0, ("witnesses",), [], "no witness"),
    _m("ceremony", 0, ("witnesses", 0, "input"), "3 1 4\n", "input with newline"),
    _m("ceremony", 0, ("witnesses", 0, "input"), "   ", "blank input"),
    _m("ceremony", 0, ("witnesses", 0, "input"), "1" * 201, "input too long"),
    _m("ceremony", 0, ("witnesses", 0, "input"), "3\u30001", "ideographic space"),
    _m("ceremony", 0, ("witnesses", 0, "entered_at"), "2024-08-14T09:01:30Z", "Z time"),
    # result
    _m("result", 0, ("extra",), 1, "extra field"),
    _m("result", 0, ("t",), T + "ceremony", "wrong t"),
    _m("result", 0, ("final_seed",), BAD_HEX, "bad hex"),
    _m("result", 0, ("classes", 0, "team"), "ab", "bad team hash"),
    _m("result", 0, ("classes", 0, "pupils", 0), -1, "negative leaf index"),
    _m("result", 0, ("classes", 0, "pupils", 0), 2**53, "leaf index above 2^53-1"),
    _m("result", 0, ("classes", 0, "pupils", 0), "0", "leaf index as text"),
    _m("result", 0, ("report", "extra"), 1, "report extra field"),
    _m("result", 0, ("report", "classes", 0, "extra"), 1, "report class extra field"),
    _m("result", 0, ("report", "classes", 0, "strata", "随班就读"), 1, "stratum meaning"),
    _m("result", 0, ("report", "spread", "stratum:x"), 0, "spread key"),
    _m("result", 0, ("report", "spread", "size"), DELETE, "spread without size"),
    # class statement
    _m("class-statement", 0, ("extra",), 1, "extra field"),
    _m("class-statement", 0, ("t",), T + "result", "wrong t"),
    _m("class-statement", 0, ("result",), BAD_HEX, "bad hex"),
    _m("class-statement", 0, ("pupils", 0), ["李娜", "F", 3], "pupil with 3 items"),
    _m("class-statement", 0, ("pupils", 0), ["李娜"], "pupil without sex"),
    _m("class-statement", 0, ("pupils", 0, 1), "女", "sex in Chinese"),
    # amendment
    _m("amendment", 0, ("extra",), 1, "extra field"),
    _m("amendment", 0, ("t",), T + "result", "wrong t"),
    _m("amendment", 0, ("amends",), BAD_HEX, "bad hex"),
    _m("amendment", 0, ("changes",), [], "no change"),
    _m("amendment", 0, ("changes", 0, "extra"), 1, "change extra field"),
    _m("amendment", 0, ("seq",), 0, "seq 0"),
    _m("amendment", 0, ("approved_on",), "2024/08/20", "date"),
    _m("amendment", 0, ("reason",), " ", "blank reason"),
    # keyring
    _m("keyring", 0, ("extra",), 1, "extra field"),
    _m("keyring", 0, ("t",), T + "keys", "wrong t"),
    _m("keyring", 0, ("keys", 0, "extra"), 1, "key extra field"),
    _m("keyring", 0, ("keys", 0, "role"), "school", "role"),
    _m("keyring", 0, ("keys", 0, "vkey"), "bureau+ABCDEF01+AQ" + "A" * 42, "key id hex"),
    _m("keyring", 0, ("keys", 0, "vkey"), "a b+abcdef01+AQ" + "A" * 42, "name with space"),
    _m("keyring", 0, ("keys", 0, "vkey"), "bureau+abcdef01+Ag" + "A" * 42, "not Ed25519"),
    _m("keyring", 0, ("keys", 0, "retired"), "2024-13-01", "retired date"),
    _m("keyring", 0, ("keys", 0, "revoked"), {"date": "2024-09-01"}, "revoked no reason"),
    # log entries
    _m("log-entry", "draw.performed", ("extra",), 1, "extra field"),
    _m("log-entry", "draw.performed", ("t",), T + "log", "wrong t"),
    _m("log-entry", "draw.performed", ("detail", "digest"), BAD_HEX, "bad hex"),
    _m("log-entry", "draw.performed", ("event",), "draw.redone", "unknown event"),
    _m("log-entry", "draw.performed", ("actor",), "parent", "unknown actor"),
    _m("log-entry", "draw.performed", ("detail", "extra"), 1, "detail extra field"),
    _m("log-entry", "draw.performed", ("event",), "sheets.printed", "detail of other event"),
    _m("log-entry", "sheets.printed", ("event",), "draw.performed", "copies on performed"),
    _m("log-entry", "sheets.printed", ("detail", "copies"), 0, "zero copies"),
    _m("log-entry", "bundle.exported", ("detail", "kind"), DELETE, "export without kind"),
    _m("log-entry", "bundle.exported", ("kind",), "public", "kind outside detail"),
    _m("log-entry", "bundle.exported", ("detail", "kind"), "full", "export kind"),
    _m("log-entry", "announcement.cancelled", ("detail", "reason"), DELETE, "no reason"),
    _m("log-entry", "witness.entered", ("detail", "index"), -1, "negative index"),
    _m("log-entry", "witness.entered", ("detail", "name"), "贾雪", "witness name"),
    _m("log-entry", "witness.entered", ("detail", "input"), "\t", "control input"),
    _m("log-entry", "witness.entered", ("event",), "seed.revealed", "witness detail"),
    _m("log-entry", "seed.revealed", ("time",), "2024-08-14T09:01+08:00", "time without s"),
    # bundle manifest
    _m("bundle-manifest", 0, ("extra",), 1, "extra field"),
    _m("bundle-manifest", 0, ("t",), T + "bundle-manifest", "wrong t"),
    _m("bundle-manifest", 0, ("files", "teams.json"), BAD_HEX, "bad hex"),
    _m("bundle-manifest", 0, ("files", "notes.txt"), "ab" * 32, "unknown member"),
    _m("bundle-manifest", 0, ("files", "manifest.json"), "ab" * 32, "lists itself"),
    _m("bundle-manifest", 0, ("files", "statements/1.jws"), "ab" * 32, "one-digit class"),
    _m("bundle-manifest", 0, ("files", "private/leaves.json"), "ab" * 32, "public w/ private"),
    _m("bundle-manifest", 0, ("files", "result.jws"), DELETE, "missing result"),
    _m("bundle-manifest", 0, ("version",), 2, "version 2"),
    _m("bundle-manifest", 1, ("files", "private/codes.json"), DELETE, "archive w/o codes"),
    # receipt
    _m("receipt", 0, ("extra",), 1, "extra field"),
    _m("receipt", 0, ("t",), T + "pupil-leaf", "wrong t"),
    _m("receipt", 0, ("root",), BAD_HEX, "bad hex"),
    _m("receipt", 0, ("proof", 0), "ab", "bad proof hash"),
    _m("receipt", 0, ("leaf", "extra"), 1, "leaf extra field"),
    _m("receipt", 0, ("leaf", "t"), T + "team-leaf", "leaf wrong t"),
    _m("receipt", 0, ("private", "salt"), BAD_HEX[:32], "private bad salt"),
    _m("receipt", 0, ("class", "extra"), 1, "class extra field"),
    _m("receipt", 0, ("index",), 2**53, "index above 2^53-1"),
]


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_mutation_refused(mutation, docs):
    """A real document changed in one place is refused."""
    check(mutation.schema, mutation.apply(docs), valid=False)


def test_every_schema_has_mutations():
    """Each schema is tested with an extra field, a wrong type field and bad hex."""
    for name in NAMES:
        mine = [p.values[0] for p in MUTATIONS if p.values[0].schema == name]
        assert any(m.path == ("extra",) for m in mine), name
        assert any(m.path == ("t",) for m in mine) or name not in TYPE_FIELD, name
