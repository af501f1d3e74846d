"""Protocol v2 vectors (spec Part III) under ``tests/vectors/v2/``.

Run by ``python tests/vectors/generate.py [--check]`` with the v1 vectors.

    leaves.json            v2 leaves and private objects: no names, same-name codes, a
                           withheld stratum (§20, §21.1), the names digest (§21.2)
    draws.json             v2 draws replayed from public inputs; one with a widened stratum
                           (§26.2); the sorted class statements (§21.3)
    references.json        QR references (§22) and key / keyring fingerprints (§23.1)
    receipts.json          a v2 receipt with the signed documents it names, and a forged
                           one-leaf receipt that MUST fail (§21.5)
    bundles.json           the sample bundles and their verdict under each trust level (§23.2)
    bundle-*.zip           see bundles.json

The keys are the TEST keys of ``v1/record/keys.json`` (their seeds are public), plus an
"evil" key made the same way: a key that a forged bundle adds to its own keyring.
Everything else comes from ``placement/`` and the record flow (``web.record``), with
salts and seeds from SHA-256 counters, as in ``generate_record.py``.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import generate_record as rec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from keys.signer import Signer, sign_general
from placement import jws, merkle
from placement.announcement import names_digest
from placement.canonical import canonical_json
from placement.commitment import commit_roster, private_json
from placement.deal import widened_sets
from placement.documents import class_statement_v2, digest
from placement.draw import perform, prepare
from placement.keyring import KeyEntry, Keyring, KeyRole, key_fingerprint, keyring_fingerprint
from placement.policy import TAOBEI_2024
from placement.reference import reference, statement_item
from placement.roster import PupilRecord
from placement.structure import structure
from web.record.bundle import build_bundle
from web.record.draw import DrawRecord, Signers
from web.record.filelog import FileLog

Doc = dict[str, Any]
DRAW_ID = "vectors-2024-record-v2"
BASE_URL = "https://verify.taobei.edu.example/verify/"
F, M, SAME = rec.F, rec.M, rec.SAME
EVIL_NAME = "evil.example/bureau"


def provenance(how: str, *, deflate: bool = False) -> Doc:
    doc: Doc = rec.provenance(how, deflate=deflate)
    doc["generator"] = "tests/vectors/generate_v2.py (run by tests/vectors/generate.py)"
    return doc


def _salts(case: str, pupils: Sequence[PupilRecord]) -> list[bytes]:
    return [rec.label_bytes(f"v2 {case} salt {p.id_number}", 16) for p in pupils]


def evil_signer() -> Signer:
    seed = rec.label_bytes("TEST KEY evil bureau added by a forged bundle")
    return Signer(EVIL_NAME, KeyRole.BUREAU, Ed25519PrivateKey.from_private_bytes(seed))


# --- leaves.json ------------------------------------------------------------------------------


def leaves_file() -> Doc:
    pupils = rec.pupils()
    salts = _salts("leaves", pupils)
    roster = commit_roster(pupils, salts, version=2)
    cases = []
    for i, leaf in enumerate(roster.leaves):
        p = pupils[roster.order[i]]
        private = private_json(p, salts[roster.order[i]], 2)
        cases.append(
            {
                "input_row": p.row,
                "private": private,
                "private_canonical": canonical_json(private).decode("utf-8"),
                "leaf": leaf.to_json(),
                "leaf_canonical": leaf.entry_strict().decode("utf-8"),
                "leaf_hash": roster.leaf_hashes[i].hex(),
            }
        )
    pairs = [(p.name, p.sex.value) for p in pupils]
    return {
        "provenance": provenance("placement.commitment.commit_roster(version=2)"),
        "description": "the v1 sample roster committed as v2 (§21.1): "
        + rec.ROSTER_TEXT
        + ". The two 王浩宇 get same-name code n1 and no public stratum (one of them is "
        "留守儿童: its stratum is withheld, §20.3); leaves are in leaf-hash order.",
        "leaves": cases,
        "roster_root": roster.root.hex(),
        "codes": {
            "names": dict(roster.names),
            "strata": dict(roster.strata),
        },
        "names_pairs": [list(x) for x in sorted(pairs)],
        "names_canonical": canonical_json([list(x) for x in sorted(pairs)]).decode("utf-8"),
        "names_digest": names_digest(pairs).hex(),
    }


# --- draws.json -------------------------------------------------------------------------------


def _draw(name: str, description: str, pupils: list[PupilRecord], k: int, inputs: list[str]) -> Doc:
    intake = dataclasses.replace(rec.intake(f"vectors-v2-{name}", rec.SCHEDULED, None), version=2)
    teams = rec.teams()[:k]
    salts = _salts(name, pupils)
    server = rec.label_bytes(f"v2 {name} server seed")
    prepared = prepare(
        intake=intake,
        profile=TAOBEI_2024,
        pupils=pupils,
        teams=teams,
        salts=salts,
        server_seed=server,
    )
    outcome = perform(prepared, server_seed=server, witness_inputs=inputs, beacon_value=None)
    leaves = prepared.roster.leaves
    ann = prepared.announcement
    widened = widened_sets(structure(leaves, k), leaves, ann.size_tolerance)
    heads = {t.number: t.head_teacher for t in teams}
    names = [pupils[i].name for i in prepared.roster.order]
    statements = [
        class_statement_v2(
            draw_id=ann.draw_id,
            school=ann.school,
            intake=ann.intake,
            placed=c,
            head_teacher=heads[c.number],
            pupils=[(names[i], leaves[i].sex.value) for i in c.pupils],
            result_digest=outcome.result_digest,
        )
        for c in outcome.placement.classes
    ]
    return {
        "name": name,
        "description": description,
        "inputs": {
            "leaves": [leaf.to_json() for leaf in leaves],
            "teams": [t.to_json() for t in prepared.teams.teams],
            "announcement": ann.to_json(),
            "server_seed": server.hex(),
            "witness_inputs": inputs,
            "beacon": None,
            "names_by_leaf": names,
        },
        "expected": {
            "announcement_digest": ann.digest().hex(),
            "size_tolerance": ann.size_tolerance,
            "widened": sorted(widened),
            "final_seed": outcome.final_seed.hex(),
            "classes": [
                {"number": c.number, "label": c.label, "pupils": list(c.pupils)}
                for c in outcome.placement.classes
            ],
            "result": outcome.result,
            "result_digest": outcome.result_digest.hex(),
            "statements": statements,
            "statement_digests": [digest(s).hex() for s in statements],
        },
    }


def draws_file() -> Doc:
    widened = [
        rec.record(2, "孙悦", F, "2018-02-03", 1, twin="T01", wish=SAME, flags=("留守儿童",)),
        rec.record(3, "孙浩", M, "2018-02-03", 2, twin="T01", wish=SAME, flags=("留守儿童",)),
        rec.record(4, "周雨桐", F, "2018-04-05", 3),
        rec.record(5, "吴昊", M, "2018-05-06", 4),
        rec.record(6, "郑爽", F, "2018-01-07", 5),
        rec.record(7, "冯磊", M, "2017-12-08", 6),
    ]
    return {
        "provenance": provenance("placement.draw.prepare / perform with Intake(version=2)"),
        "description": "v2 draws: replay each from its inputs (§10 with v2 leaves: the 重名 "
        "rule reads same_name codes, §20.2) and compare every expected value",
        "draws": [
            _draw(
                "sample",
                "the v1 sample roster as v2 in 3 classes: 重名 pair kept apart by its "
                "same-name code; statements sorted by name",
                rec.pupils(),
                3,
                ["3 1 4 1 5 9", "２７１８２８ 阳光"],
            ),
            _draw(
                "widened-stratum",
                "a 同班 twin pair sharing 留守儿童, the only two pupils of that stratum, in 2 "
                "classes: τ = 1 cannot keep them together (ceil(s:s1) = 1), so τ = 2 and "
                "s:s1 is widened (§26.2) together with *",
                widened,
                2,
                ["6 6 6"],
            ),
        ],
    }


# --- the v2 record flow -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Flow:
    signers: Signers
    keyring: Keyring
    public: bytes
    archive: bytes
    receipt: Doc
    announcement: str
    result: str
    statements: dict[str, str]
    draw_id: str


def run_flow() -> Flow:
    bureau, supervisor, log_key = (rec.signer(role) for role, _, _ in rec.KEYS)
    sig = Signers(bureau=bureau, log=log_key, supervisor=supervisor)
    ring = rec.keyring([bureau, supervisor, log_key])
    intake = dataclasses.replace(rec.intake(DRAW_ID, rec.SCHEDULED, None), version=2)
    with tempfile.TemporaryDirectory(prefix="sunshine-vectors-v2-") as tmp:
        base = Path(tmp)
        draw = DrawRecord.announce(
            base / "draw",
            FileLog(base / "log"),
            intake=intake,
            profile=TAOBEI_2024,
            pupils=rec.pupils(),
            teams=rec.teams(),
            signers=sig,
            now=rec.ANNOUNCED,
            token_bytes=rec.TokenCounter(DRAW_ID),
        )
        for role, name, text, minutes in rec.WITNESSES:
            draw.add_witness(
                role=role,
                name=name,
                text=text,
                now=rec.CEREMONY + rec.dt.timedelta(minutes=minutes),
            )
        draw.reveal(beacon_value=None, now=rec.CEREMONY + rec.dt.timedelta(minutes=5), signers=sig)
        later = rec.CEREMONY + rec.dt.timedelta(minutes=30)
        public = draw.export(kind="public", keyring=ring, now=later, signers=sig)
        archive = draw.export(
            kind="archive", keyring=ring, now=later + rec.dt.timedelta(minutes=15), signers=sig
        )
        receipt = draw.receipt(rec.pupils()[1].id_number)
        members = rec.zip_members(public)
        return Flow(
            signers=sig,
            keyring=ring,
            public=public,
            archive=archive,
            receipt=receipt,
            announcement=members["announcement.jws"].decode(),
            result=members["result.jws"].decode(),
            statements={p: d.decode() for p, d in members.items() if p.startswith("statements/")},
            draw_id=DRAW_ID,
        )


def _repack(members: dict[str, bytes], created: str) -> bytes:
    manifest = json.loads(members["manifest.json"])
    rest = {p: d for p, d in members.items() if p != "manifest.json"}
    return build_bundle(
        kind=manifest["kind"], draw_id=manifest["draw"], created=created, members=rest, version=2
    )


def _resign(text: str, signer: Signer, *, general: bool) -> str:
    """The same document signed by ``signer`` with the original signing time."""
    parsed = jws.parse(text)
    first = parsed.signatures[0]
    doc = parsed.document()
    if general:
        return sign_general(doc, [signer], iat=first.iat)
    return signer.sign_jws(doc, iat=first.iat, compress="zip" in first.header)


def evil_bundles(flow: Flow) -> dict[str, bytes]:
    """Two forgeries of the public bundle by someone without the bureau's key."""
    evil = evil_signer()
    created = json.loads(rec.zip_members(flow.public)["manifest.json"])["created"]
    entry = KeyEntry(evil.vkey, KeyRole.BUREAU, "洮北区教育局", rec.VALID_FROM)
    # 1. one statement re-signed by a key the bundle adds to its own keyring
    one = rec.zip_members(flow.public)
    one["keyring.json"] = canonical_json(flow.keyring.with_key(entry).to_json())
    one["statements/01.jws"] = _resign(
        one["statements/01.jws"].decode(), evil, general=False
    ).encode()
    # 2. every document re-signed by that key, which replaces the bureau's in the keyring
    own = rec.zip_members(flow.public)
    ring = Keyring((*(k for k in flow.keyring.keys if k.role is not KeyRole.BUREAU), entry))
    own["keyring.json"] = canonical_json(ring.to_json())
    for path in [p for p in own if p.endswith(".jws")]:
        general = path in {"announcement.jws", "result.jws"}
        own[path] = _resign(own[path].decode(), evil, general=general).encode()
    return {
        "bundle-evil-key.zip": _repack(one, created),
        "bundle-own-keys.zip": _repack(own, created),
    }


# --- receipts.json / references.json / bundles.json --------------------------------------------


def forged_receipt(good: Doc) -> Doc:
    """The pupil's real leaf and private part, in a roster of one: root = its leaf hash."""
    leaf = merkle.leaf_hash(canonical_json(good["leaf"]))
    return {**good, "index": 0, "size": 1, "proof": [], "root": leaf.hex()}


def receipts_file(flow: Flow) -> Doc:
    good = flow.receipt
    return {
        "provenance": provenance("web.record.DrawRecord.receipt of the v2 sample draw"),
        "description": "v2 receipts (§21.5). Each is checked against `announcement` and "
        "`result` (signed, keyring_canonical of v1/record/keys.json). The good one verifies; "
        "the forged one carries the real pupil's leaf and private part in a one-leaf roster "
        "of its own and MUST fail (its root is in no signed announcement); a receipt given "
        "alone MUST NOT verify.",
        "announcement": flow.announcement,
        "result": flow.result,
        "cases": [
            {"name": "good", "receipt": good, "verified": True},
            {"name": "forged-one-leaf-root", "receipt": forged_receipt(good), "verified": False},
        ],
    }


def references_file(flow: Flow) -> Doc:
    cases = []
    ann_digest = digest(jws.parse(flow.announcement).document())
    cases.append(("announcement.jws", reference(flow.draw_id, "a", ann_digest)))
    for path, text in sorted(flow.statements.items()):
        doc = jws.parse(text).document()
        cases.append(
            (path, reference(flow.draw_id, statement_item(int(doc["class"])), digest(doc)))
        )
    return {
        "provenance": provenance("placement.reference and placement.keyring fingerprints"),
        "description": "v2 QR references (§22) to documents of bundle-public.zip, the URL a "
        "sheet prints (default base URL), and fingerprints (§23.1)",
        "base_url": BASE_URL,
        "references": [
            {
                "member": member,
                "fragment": ref.fragment(),
                "url": BASE_URL + "#" + ref.fragment(),
                "draw": ref.draw,
                "item": ref.item,
                "digest": ref.digest.hex(),
            }
            for member, ref in cases
        ],
        "invalid_fragments": [
            "d=vectors-2024-record-v2/x1/" + "A" * 43,
            "d=vectors-2024-record-v2/s0/" + "A" * 43,
            "d=vectors-2024-record-v2/s1/" + "A" * 42,
            "d=/a/" + "A" * 43,
            "d=vectors-2024-record-v2/a/" + "A" * 42 + "B",  # non-canonical base64url
        ],
        "fingerprints": {
            "keys": [
                {"vkey": k.vkey, "role": k.role.value, "fingerprint": key_fingerprint(k.vkey)}
                for k in flow.keyring.keys
            ],
            "keyring_canonical": canonical_json(flow.keyring.to_json()).decode("utf-8"),
            "keyring": keyring_fingerprint(flow.keyring),
            "evil": key_fingerprint(evil_signer().vkey),
        },
    }


BUNDLES: dict[str, tuple[str, dict[str, int]]] = {
    # file: (description, {trust mode: exit code})
    "bundle-public.zip": (
        "the v2 sample draw, public kind: leaves without names, sorted statements, no schemas",
        {"bundle": 3, "keyring": 0, "pinned": 0},
    ),
    "bundle-archive.zip": (
        "the same draw, archive kind: private objects carry the names (§21.1)",
        {"bundle": 3, "keyring": 0, "pinned": 0},
    ),
    "bundle-evil-key.zip": (
        (
            f"the public bundle with statement 1 re-signed by {EVIL_NAME}, a bureau key the "
            "bundle added to its own keyring: two bureau keys without a logged rotation (§23.3)"
        ),
        {"bundle": 1, "keyring": 1, "pinned": 1},
    ),
    "bundle-own-keys.zip": (
        (
            f"the public bundle with every document re-signed by {EVIL_NAME}, which replaces "
            "the bureau key in the bundle's keyring: consistent with itself, authenticated by "
            "nothing (§23.2)"
        ),
        {"bundle": 3, "keyring": 1, "pinned": 1},
    ),
}


def bundles_file(flow: Flow, zips: dict[str, bytes]) -> Doc:
    return {
        "provenance": provenance(
            "web.record.DrawRecord with Intake(version=2); forgeries re-signed with the "
            "evil TEST key and repacked by web.bundle.build_bundle",
            deflate=True,
        ),
        "description": "v2 sample bundles and the exit status of `verify-placement <file>` "
        "under each trust level (§23.2): 'bundle' = no option, 'keyring' = --keyring "
        "(keyring_canonical of references.json), 'pinned' = --key-fingerprint <bureau key "
        "fingerprint of references.json>",
        "bureau_fingerprint": key_fingerprint(flow.signers.bureau.vkey),
        "bundles": [
            {
                "file": name,
                "description": text,
                "members": sorted(rec.zip_members(zips[name])),
                "exit_codes": codes,
            }
            for name, (text, codes) in BUNDLES.items()
        ],
    }


def render() -> dict[str, bytes]:
    flow = run_flow()
    zips = {"bundle-public.zip": flow.public, "bundle-archive.zip": flow.archive}
    zips.update(evil_bundles(flow))
    files: dict[str, Callable[[], Doc]] = {
        "leaves.json": leaves_file,
        "draws.json": draws_file,
        "references.json": lambda: references_file(flow),
        "receipts.json": lambda: receipts_file(flow),
        "bundles.json": lambda: bundles_file(flow, zips),
    }
    out = {name: rec.dumps(build()).encode("utf-8") for name, build in files.items()}
    out.update(zips)
    return out


def drift(out: Path) -> list[str]:
    problems, notes = rec.compare(out, render())
    for line in notes:
        rec.sys.stderr.write(line + "\n")
    return problems


def write(out: Path) -> list[str]:
    files = render()
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    for stale in sorted({p.name for p in out.iterdir() if p.is_file()} - files.keys()):
        (out / stale).unlink()
        lines.append(f"removed {stale}")
    for name, data in files.items():
        path = out / name
        if name.endswith(".zip") and path.exists():
            same = rec._same(name, path.read_bytes(), data, zlib_free=False)
            if same:
                lines.append(f"kept {name} (members unchanged)")
                continue
        path.write_bytes(data)
        lines.append(f"wrote tests/vectors/v2/{name} ({len(data):,} bytes)")
    return lines
