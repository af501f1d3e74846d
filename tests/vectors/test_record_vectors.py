"""The signed-record vectors under ``v1/record/`` (spec Part II), checked from their bytes.

Every signature is verified with ``cryptography`` over the recorded signing input
and public key, every text is parsed back with ``placement/``, every hash and proof
is recomputed, and the sample bundles go through the standalone verifier. DEFLATE
bytes are never recompressed: they are inflated and compared with the JCS text.
The keys are TEST keys (their seeds are in keys.json).
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from placement import ALGORITHM, PROTOCOL, jws, merkle, note
from placement.announcement import from_json as announcement_from_json
from placement.canonical import TAG_PUPIL_PRIVATE, canonical_json, tagged_hash
from placement.documents import digest
from placement.keyring import keyring_from_json, parse_vkey, vkey
from placement.seed import final_seed
from placement.tlog import (
    checkpoint_of,
    entries_from_tiles,
    entry_bytes,
    entry_from_json,
    parse_hashes,
    parse_proof,
    proof_includes,
    root_from_tiles,
)
from verifier._cli import main as verify_main

HERE = Path(__file__).resolve().parent
RECORD = HERE / "v1" / "record"
JSON_FILES = ("keys.json", "jws.json", "log.json", "receipt.json", "bundles.json")
ZIP_FILES = ("bundle-public.zip", "bundle-archive.zip", "bundle-cancelled.zip")

Case = dict[str, Any]


def _load(file: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((RECORD / file).read_text("utf-8"))
    return doc


def cases(
    file: str,
    key: str = "cases",
    *,
    kinds: Sequence[str] = (),
    ident: Callable[[Case], str] = lambda c: str(c["name"]),
) -> pytest.MarkDecorator:
    """Parametrize ``case`` over the list ``key`` of ``file`` (optionally some kinds only)."""
    params = [
        pytest.param(c, id=ident(c))
        for c in _load(file)[key]
        if not kinds or c.get("kind") in kinds
    ]
    return pytest.mark.parametrize("case", params)


def _public_key(kid: str) -> bytes:
    by_kid = {k["kid"]: k for k in _load("keys.json")["keys"]}
    return bytes.fromhex(by_kid[kid]["public_key"])


def _verify(public_key: bytes, signature: bytes, message: bytes) -> None:
    Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _jws_case(name: str) -> Case:
    return next(c for c in _load("jws.json")["cases"] if c["name"] == name)


# ---------------------------------------------------------------------------
# The file set.


def test_files_and_provenance() -> None:
    assert sorted(p.name for p in RECORD.iterdir()) == sorted(JSON_FILES + ZIP_FILES)
    for file in JSON_FILES:
        prov = _load(file)["provenance"]
        assert prov["generator"].startswith("tests/vectors/generate_record.py")
        assert (prov["protocol"], prov["algorithm"]) == (PROTOCOL, ALGORITHM)
        assert prov["produced_by"]
        assert "TEST KEYS ONLY" in prov["test_keys"]
    for file in ("jws.json", "bundles.json"):
        assert _load(file)["provenance"]["zlib"]  # the zlib that made the DEFLATE bytes
    names = [c["name"] for c in _load("jws.json")["cases"]]
    assert len(names) == len(set(names))


# ---------------------------------------------------------------------------
# keys.json


@cases("keys.json", "keys", ident=lambda c: str(c["role"]))
def test_test_key(case: Case) -> None:
    seed = bytes.fromhex(case["seed_TEST_ONLY"])
    assert seed == hashlib.sha256(case["seed_label"].encode()).digest()
    public = (
        Ed25519PrivateKey.from_private_bytes(seed)
        .public_key()
        .public_bytes(Encoding.Raw, PublicFormat.Raw)
    )
    assert public.hex() == case["public_key"]
    key_input = case["name"].encode() + b"\n\x01" + public
    assert key_input.hex() == case["key_id_input"]
    assert hashlib.sha256(key_input).digest()[:4].hex() == case["key_id"]
    assert case["kid"] == f"{case['name']}+{case['key_id']}"
    assert case["vkey"] == vkey(case["name"], public)
    assert case["vkey"] == f"{case['kid']}+{case['vkey_base64_part']}"
    assert parse_vkey(case["vkey"]) == (case["name"], bytes.fromhex(case["key_id"]), public)


def test_keyring() -> None:
    doc = _load("keys.json")
    ring = keyring_from_json(doc["keyring"])
    assert canonical_json(doc["keyring"]).decode() == doc["keyring_canonical"]
    assert canonical_json(ring.to_json()).decode() == doc["keyring_canonical"]
    assert {k.vkey: k.role.value for k in ring.keys} == {k["vkey"]: k["role"] for k in doc["keys"]}
    assert all("TEST ONLY" in k.label for k in ring.keys)


# ---------------------------------------------------------------------------
# jws.json


def _check_document(case: Case, payload: bytes, *, deflated: bool) -> None:
    doc, want = case["document"], case["expected"]
    assert canonical_json(doc).decode() == want["canonical_text"]
    raw = zlib.decompress(payload, -15) if deflated else payload
    assert raw.decode() == want["canonical_text"]
    assert digest(doc).hex() == want["digest"]
    assert tagged_hash(doc["t"], raw).hex() == want["digest"]


def _check_signature(sig: Case, payload_b64u: str, doc: Case, iat: int) -> None:
    header = json.loads(sig["header_canonical"])
    assert header == sig["header"]
    assert canonical_json(header).decode() == sig["header_canonical"]
    assert jws.b64u(sig["header_canonical"].encode()) == sig["protected"]
    assert (header["alg"], header["typ"], header["iat"]) == ("EdDSA", doc["t"], iat)
    assert sig["signing_input"] == f"{sig['protected']}.{payload_b64u}"
    public, signature = _public_key(header["kid"]), bytes.fromhex(sig["signature"])
    _verify(public, signature, sig["signing_input"].encode())
    with pytest.raises(InvalidSignature):
        _verify(public, signature, sig["signing_input"].encode() + b".")


@cases("jws.json", kinds=["compact"])
def test_jws_compact(case: Case) -> None:
    want = case["expected"]
    payload = bytes.fromhex(want["payload_hex"])
    deflated = case["zip"] == "DEF"
    assert (want["header"].get("zip"), want["header"]["kid"]) == (case["zip"], case["kid"])
    assert jws.b64u(payload) == want["payload_b64u"]
    _check_signature(want, want["payload_b64u"], case["document"], case["iat"])
    assert jws.b64u(bytes.fromhex(want["signature"])) == want["signature_b64u"]
    assert want["compact"] == f"{want['signing_input']}.{want['signature_b64u']}"
    _check_document(case, payload, deflated=deflated)
    if deflated:
        assert want["inflated_text"] == want["canonical_text"]
    parsed = jws.parse(want["compact"])
    assert parsed.payload == payload
    ((sig,),) = [parsed.signatures]
    assert (sig.header, sig.signing_input) == (want["header"], want["signing_input"].encode())
    assert sig.signature.hex() == want["signature"]
    assert parsed.document() == case["document"]


@cases("jws.json", kinds=["general"])
def test_jws_general(case: Case) -> None:
    want = case["expected"]
    payload = bytes.fromhex(want["payload_hex"])
    assert jws.b64u(payload) == want["payload_b64u"]
    _check_document(case, payload, deflated=False)
    sigs = want["signatures"]
    assert [s["kid"] for s in sigs] == case["kids"]
    assert "bureau" in sigs[0]["kid"]
    for s in sigs:
        assert s["header"]["kid"] == s["kid"]
        _check_signature(s, want["payload_b64u"], case["document"], case["iat"])
    parsed = jws.parse(want["general"])
    assert parsed.payload == payload
    assert [(s.header, s.signing_input, s.signature.hex()) for s in parsed.signatures] == [
        (s["header"], s["signing_input"].encode(), s["signature"]) for s in sigs
    ]
    assert parsed.document() == case["document"]
    doc = json.loads(want["general"])
    assert doc == {
        "payload": want["payload_b64u"],
        "signatures": [
            {"protected": s["protected"], "signature": jws.b64u(bytes.fromhex(s["signature"]))}
            for s in sigs
        ],
    }


def test_jws_documents_fit_together() -> None:
    ann, cer = _jws_case("announcement-general"), _jws_case("ceremony")
    result, amend = _jws_case("result-general"), _jws_case("amendment")
    ann_digest = ann["expected"]["digest"]
    assert announcement_from_json(ann["document"]).digest().hex() == ann_digest
    assert _jws_case("announcement-compact")["expected"]["digest"] == ann_digest
    for general in ("announcement", "result"):
        first = _jws_case(f"{general}-general")["expected"]["signatures"][0]
        assert first["signature"] == _jws_case(f"{general}-compact")["expected"]["signature"]
    c = cer["document"]
    assert c["announcement"] == ann_digest
    seed = final_seed(
        announcement_digest=bytes.fromhex(ann_digest),
        server_seed=bytes.fromhex(c["server_seed"]),
        witness_inputs=[w["input"] for w in c["witnesses"]],
        beacon=None if c["beacon"] is None else c["beacon"]["value"],
    )
    assert seed.hex() == c["final_seed"]
    result_digest = result["expected"]["digest"]
    assert result["document"]["announcement"] == ann_digest
    statements = [x for x in _load("jws.json")["cases"] if x.get("zip") == "DEF"]
    assert len(statements) == len(result["document"]["classes"]) == 3
    assert {s["document"]["result"] for s in statements} == {result_digest}
    assert amend["document"]["amends"] == result_digest


# ---------------------------------------------------------------------------
# log.json


def _log_key() -> tuple[str, bytes, bytes]:
    log = _load("log.json")
    key = next(k for k in _load("keys.json")["keys"] if k["kid"] == log["log_kid"])
    return key["name"], bytes.fromhex(key["key_id"]), bytes.fromhex(key["public_key"])


def _tree() -> merkle.MerkleTree:
    return merkle.MerkleTree.from_leaf_hashes(
        [bytes.fromhex(e["leaf_hash"]) for e in _load("log.json")["entries"]]
    )


@cases("log.json", "entries", ident=lambda c: f"entry-{c['index']}")
def test_log_entry(case: Case) -> None:
    assert entry_from_json(case["entry"]) == case["entry"]
    assert (case["draw"], case["event"]) == (case["entry"]["draw"], case["entry"]["event"])
    raw = case["canonical_text"].encode()
    assert entry_bytes(case["entry"]) == raw == canonical_json(case["entry"])
    assert merkle.leaf_hash(raw).hex() == case["leaf_hash"]


@cases("log.json", "checkpoints", ident=lambda c: f"checkpoint-{c['size']}")
def test_checkpoint(case: Case) -> None:
    name, key_id, public = _log_key()
    parsed = note.parse_note(case["note"])
    assert parsed.body == case["body"]
    ((sig,),) = [parsed.signatures]
    assert (sig.name, sig.key_id.hex(), sig.signature.hex()) == (
        case["key_name"],
        case["key_id"],
        case["signature"],
    )
    assert (sig.name, sig.key_id) == (name, key_id)
    _verify(public, sig.signature, note.signed_message(parsed))
    cp = checkpoint_of(case["note"])
    assert (cp.origin, cp.size, cp.root.hex()) == (name, case["size"], case["root"])
    assert _tree().root_at(cp.size) == cp.root


@cases("log.json", "receipts", ident=lambda c: f"receipt-{c['index']}")
def test_inclusion_receipt(case: Case) -> None:
    log = _load("log.json")
    proof = parse_proof(case["text"])
    assert proof.index == case["index"]
    assert [h.hex() for h in proof.audit_path] == case["audit_path"]
    assert proof.checkpoint_text == log["checkpoints"][-1]["note"]  # signature: test_checkpoint
    cp = proof.checkpoint
    assert (cp.size, cp.root.hex()) == (case["size"], log["root"])
    entry = log["entries"][case["index"]]
    leaf = bytes.fromhex(entry["leaf_hash"])
    assert merkle.verify_inclusion(leaf, proof.index, cp.size, proof.audit_path, cp.root)
    assert proof_includes(proof, entry["canonical_text"].encode())
    assert not proof_includes(proof, b"{}")


@cases("log.json", "consistency", ident=lambda c: f"consistency-{c['old_size']}-{c['new_size']}")
def test_consistency(case: Case) -> None:
    roots = {c["size"]: c["root"] for c in _load("log.json")["checkpoints"]}
    assert (roots[case["old_size"]], roots[case["new_size"]]) == (
        case["old_root"],
        case["new_root"],
    )
    proof = parse_hashes(case["text"])
    assert [h.hex() for h in proof] == case["proof"]
    old, new = bytes.fromhex(case["old_root"]), bytes.fromhex(case["new_root"])
    assert merkle.verify_consistency(case["old_size"], case["new_size"], old, new, proof)
    assert not merkle.verify_consistency(case["old_size"], case["new_size"], new, old, proof)


def test_log_root_and_tiles() -> None:
    log = _load("log.json")
    tree = _tree()
    assert (tree.size, tree.root.hex()) == (log["size"], log["root"])
    files = {p: bytes.fromhex(h) for p, h in log["tiles"]["files"].items()}
    size = log["tiles"]["size"]
    assert size == log["size"]
    assert root_from_tiles(files, size).hex() == log["root"]
    assert [e.decode() for e in entries_from_tiles(files, size)] == [
        e["canonical_text"] for e in log["entries"]
    ]
    assert files["checkpoint"].decode() == log["checkpoints"][-1]["note"]
    assert log["tiles"]["earlier_sizes"] == [c["size"] for c in log["checkpoints"][:-1]]


# ---------------------------------------------------------------------------
# receipt.json


def test_receipt_recomputes() -> None:
    doc = _load("receipt.json")
    r, want = doc["receipt"], doc["expected"]
    assert json.loads(doc["receipt_text"]) == r
    private = canonical_json(r["private"])
    assert private.decode() == want["private_canonical"]
    commitment = tagged_hash(TAG_PUPIL_PRIVATE, private)
    assert commitment.hex() == want["private_commitment"] == r["leaf"]["private"]
    leaf = canonical_json(r["leaf"])
    assert leaf.decode() == want["leaf_canonical"]
    assert merkle.leaf_hash(leaf).hex() == want["leaf_hash"]
    path = [bytes.fromhex(h) for h in r["proof"]]
    assert r["proof"] == want["audit_path"]
    assert (r["index"], r["size"], r["root"], r["class"]) == (
        want["index"],
        want["size"],
        want["root"],
        want["class"],
    )
    root = bytes.fromhex(r["root"])
    assert merkle.verify_inclusion(merkle.leaf_hash(leaf), r["index"], r["size"], path, root)
    announcement = jws.parse(doc["announcement"])
    for sig in announcement.signatures:
        _verify(_public_key(sig.kid), sig.signature, sig.signing_input)
    assert announcement.document()["roster"] == {"root": r["root"], "size": r["size"]}


def test_receipt_verifies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = _load("receipt.json")
    (tmp_path / "receipt.json").write_text(doc["receipt_text"], "utf-8")
    (tmp_path / "announcement.jws").write_text(doc["announcement"], "utf-8")
    (tmp_path / "keyring.json").write_text(_load("keys.json")["keyring_canonical"], "utf-8")
    args = ["--announcement", str(tmp_path / "announcement.jws")]
    args += ["--keyring", str(tmp_path / "keyring.json")]
    code = verify_main([str(tmp_path / "receipt.json"), *args])
    assert code == 0, capsys.readouterr().out


# ---------------------------------------------------------------------------
# The sample bundles.


@cases("bundles.json", "bundles", ident=lambda c: str(c["file"]))
@pytest.mark.parametrize("trusted", [False, True], ids=["own-keyring", "trusted-keyring"])
def test_verifier_accepts_sample_bundle(
    case: Case, trusted: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The standalone verifier accepts every committed sample bundle, as it is.

    This test MUST keep passing in every later version: these files stand for records
    already issued, which a newer verifier must still verify. If it fails, fix the
    verifier; do not regenerate the bundles to make it pass (a protocol version that
    changes the record gets vectors of its own).
    """
    args = [str(RECORD / case["file"])]
    if trusted:
        (tmp_path / "keyring.json").write_text(_load("keys.json")["keyring_canonical"], "utf-8")
        args += ["--keyring", str(tmp_path / "keyring.json")]
    code = verify_main(args)
    out = capsys.readouterr().out
    # v2 §23.2: with the bundle's own keyring alone the verdict is "not authenticated" (3).
    assert case["verifier_exit_code"] == 0
    assert code == (0 if trusted else 3), out
    assert "FAIL" not in out


@cases("bundles.json", "bundles", ident=lambda c: str(c["file"]))
def test_bundle_matches_the_other_vectors(case: Case) -> None:
    members = _members((RECORD / case["file"]).read_bytes())
    assert sorted(members) == case["members"]
    manifest = json.loads(members["manifest.json"])
    assert (manifest["kind"], manifest["draw"], manifest["created"]) == (
        case["kind"],
        case["draw"],
        case["created"],
    )
    assert members["keyring.json"].decode() == _load("keys.json")["keyring_canonical"]
    log = _load("log.json")
    assert members["log/checkpoint"].decode() in [c["note"] for c in log["checkpoints"]]
    for item in json.loads(members["log/entries.json"]):
        assert log["entries"][item["index"]]["entry"] == item["entry"]
        assert item["entry"]["draw"] == case["draw"]
    if "ceremony.jws" not in members:  # a cancelled draw
        return
    assert (
        members["announcement.jws"].decode()
        == _jws_case("announcement-general")["expected"]["general"]
    )
    assert members["ceremony.jws"].decode() == _jws_case("ceremony")["expected"]["compact"]
    assert members["result.jws"].decode() == _jws_case("result-general")["expected"]["general"]
    for path in (p for p in members if p.startswith("statements/")):
        want = _jws_case(f"class-statement-{int(path[11:13])}")
        parsed = jws.parse(members[path].decode())  # DEFLATE bytes may come from another zlib
        assert parsed.signatures[0].header == want["expected"]["header"]
        assert parsed.document() == want["document"]


def _retitle(data: bytes) -> bytes:
    return data.replace("林秀云".encode(), "林秀芸".encode())


def _drop_leaf(data: bytes) -> bytes:
    return (json.dumps(json.loads(data)[1:], ensure_ascii=False, indent=1) + "\n").encode()


def _swap_statements(members: dict[str, bytes]) -> None:
    members["statements/01.jws"], members["statements/02.jws"] = (
        members["statements/02.jws"],
        members["statements/01.jws"],
    )


def _repack(members: dict[str, bytes], *, manifest: bool) -> bytes:
    if manifest:
        doc = json.loads(members["manifest.json"])
        doc["files"] = {
            p: hashlib.sha256(b).hexdigest()
            for p, b in sorted(members.items())
            if p != "manifest.json"
        }
        members["manifest.json"] = canonical_json(doc)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for path in sorted(members):  # laid out as web/record/bundle.py does
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, members[path])
    return out.getvalue()


def _verify_zip(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """The verifier's exit code and the names of the checks that failed (``--json``)."""
    code = verify_main(["--json", str(path)])
    report = json.loads(capsys.readouterr().out)
    assert report["exit_code"] == code
    return code, [c["name"] for c in report["checks"] if c["status"] == "fail"]


TAMPERS: dict[str, tuple[Callable[[dict[str, bytes]], None], str]] = {
    "teams-head-teacher": (
        lambda m: m.update({"teams.json": _retitle(m["teams.json"])}),
        "teams.root",
    ),
    "roster-drops-a-leaf": (
        lambda m: m.update({"roster/leaves.json": _drop_leaf(m["roster/leaves.json"])}),
        "roster.root",
    ),
    "statements-swapped": (_swap_statements, "statements.match"),
}


def test_repacked_public_bundle_still_verifies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The repacking of the tamper test changes nothing by itself."""
    members = _members((RECORD / "bundle-public.zip").read_bytes())
    (tmp_path / "repacked.zip").write_bytes(_repack(members, manifest=True))
    assert _verify_zip(tmp_path / "repacked.zip", capsys) == (3, [])  # own keys only (§23.2)


@pytest.mark.parametrize("manifest", [False, True], ids=["stale-manifest", "manifest-redone"])
@pytest.mark.parametrize("tamper", sorted(TAMPERS))
def test_verifier_rejects_tampered_public_bundle(
    tamper: str, manifest: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    members = _members((RECORD / "bundle-public.zip").read_bytes())
    before = dict(members)
    change, check = TAMPERS[tamper]
    change(members)
    assert members != before
    (tmp_path / "tampered.zip").write_bytes(_repack(members, manifest=manifest))
    code, failed = _verify_zip(tmp_path / "tampered.zip", capsys)
    assert code == 1
    assert check in failed
    assert ("bundle.manifest" in failed) is not manifest


# ---------------------------------------------------------------------------
# The generator: no drift, and DEFLATE from another zlib is not drift.


def _generator() -> Any:
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import generate_record  # noqa: PLC0415

    return generate_record


def test_no_drift() -> None:
    """What ``python tests/vectors/generate.py --check`` checks for v1/record/."""
    problems, notes = _generator().compare(RECORD)
    assert (problems, notes) == ([], [])


def _other_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(1, zlib.DEFLATED, -15, 9)  # a stand-in for another zlib's output
    return c.compress(data) + c.flush()


def test_another_zlib_is_not_drift() -> None:
    gen = _generator()
    with (
        mock.patch.object(jws, "deflate", _other_deflate),
        mock.patch.object(zlib, "ZLIB_RUNTIME_VERSION", "0.0-another"),
    ):
        files = gen.render()
        problems, notes = gen.compare(RECORD, files)
    statement = json.loads(files["jws.json"])["cases"][-2]
    assert statement["zip"] == "DEF"
    assert statement["expected"]["compact"] != _jws_case(statement["name"])["expected"]["compact"]
    assert problems == []
    assert len(notes) == 4  # jws.json, bundles.json (the version), public and archive zips
    assert all(n.startswith("zlib only: ") for n in notes)
    problems, _ = gen.compare(RECORD, files)  # under the recorded zlib the bytes must match
    assert sorted(problems) == [
        f"differs: tests/vectors/v1/record/{n}"
        for n in ("bundle-archive.zip", "bundle-public.zip", "bundles.json", "jws.json")
    ]
