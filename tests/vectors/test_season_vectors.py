"""The season vectors (spec Part S) recomputed from their bytes, and checked for drift.

Hashes are recomputed here with hashlib from the spec's definitions (tagged hash,
RFC 6962 leaves and tree), signatures with ``cryptography``; the core is used only
to parse JCS and JWS. ``generate_season.py --check`` must find no drift.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from placement import jws
from placement.keyring import keyring_from_json
from verifier.season import changes_between, describe

HERE = Path(__file__).resolve().parent
V = HERE / "season" / "v1"


def load(name: str) -> dict:
    return json.loads((V / name).read_text("utf-8"))


def tagged(tag: str, data: bytes) -> bytes:
    raw = tag.encode()
    return hashlib.sha256(bytes([len(raw)]) + raw + data).digest()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1, recursively, as the spec writes it."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def verify_jws(text: str, ring) -> dict:
    parsed = jws.parse(text)
    for sig in parsed.signatures:
        key = ring.by_kid(sig.kid)
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(sig.signature, sig.signing_input)
    return parsed.document()


def test_no_drift():
    import generate_season  # noqa: PLC0415 - tests/vectors is on pytest's pythonpath

    assert generate_season.drift() == []


def test_record_commitments():
    v = load("commitments.json")
    jcs = rfc8785.dumps(v["record"])
    assert jcs.decode() == v["record_jcs"]
    assert tagged("sunshine-placement/season/v1/submission", jcs).hex() == v["submission"]
    assert tagged("sunshine-placement/season/v1/entry", jcs).hex() == v["entry"]
    assert leaf(bytes.fromhex(v["entry"])).hex() == v["entry_leaf_hash"]
    assert v["receipt"]["submission"] == v["submission"]
    receipt_jcs = rfc8785.dumps(v["receipt"])
    assert tagged(v["receipt"]["t"], receipt_jcs).hex() == v["receipt_digest"]
    ring = keyring_from_json(v["keyring"])
    assert verify_jws(v["receipt_jws"], ring) == v["receipt"]
    # with the optional pupil object (spec S5): present, so it is committed to
    w = v["with_pupil"]
    assert w["record"]["pupil"]["flags"] == sorted(w["record"]["pupil"]["flags"])
    assert {k: x for k, x in w["record"].items() if k != "pupil"} == v["record"]
    jcs = rfc8785.dumps(w["record"])
    assert jcs.decode() == w["record_jcs"]
    assert tagged("sunshine-placement/season/v1/submission", jcs).hex() == w["submission"]
    assert tagged("sunshine-placement/season/v1/entry", jcs).hex() == w["entry"]
    assert w["entry"] != v["entry"]


def test_notice_and_roster_sets():
    v = load("sets.json")
    for n in v["notices"]:
        entries = [bytes.fromhex(e) for e in n["entries"]]
        hashes = [leaf(e) for e in entries]
        assert hashes == sorted(hashes)
        assert [h.hex() for h in hashes] == n["leaf_hashes"]
        assert mth(hashes).hex() == n["root"] == n["document"]["entries"]["root"]
        assert tagged(n["document"]["t"], rfc8785.dumps(n["document"])).hex() == n["digest"]
    for r in v["rosters"]:
        hashes = sorted(leaf(bytes.fromhex(e)) for e in r["entries"])
        assert mth(hashes).hex() == r["document"]["roster"]["root"]
        assert describe(r["document"]) == (r["summary_zh"], r["summary_en"])


def test_log_and_checkpoint():
    v = load("log.json")
    hashes = [leaf(rfc8785.dumps(e)) for e in v["entries"]]
    assert [h.hex() for h in hashes] == v["leaf_hashes"]
    assert mth(hashes).hex() == v["root"]
    lines = v["checkpoint"].split("\n")
    assert int(lines[1]) == len(hashes)
    assert base64.b64decode(lines[2]).hex() == v["root"]


def test_derivations_replay_from_the_log():
    log = load("log.json")["entries"]
    sets = load("sets.json")
    for r in sets["rosters"]:
        doc = r["document"]
        place = (doc["school"], doc["intake"])
        notice = next(n for n in sets["notices"] if n["digest"] == doc["notice"])
        start = next(i for i, e in enumerate(log) if e["detail"].get("digest") == notice["digest"])
        end = next(i for i, e in enumerate(log) if e["detail"].get("digest") == r["digest"])
        listed = {bytes.fromhex(e) for e in notice["entries"]}
        changes, final = changes_between(log, start, end, place, notice["digest"], listed)
        assert changes == doc["changes"]
        assert sorted(e.hex() for e in final) == sorted(r["entries"])


def test_every_document_is_signed_and_digested():
    v = load("documents.json")
    ring = keyring_from_json(v["keyring"])
    for d in v["documents"]:
        doc = verify_jws(d["jws"], ring)
        assert doc == d["payload"]
        assert tagged(d["type"], rfc8785.dumps(doc)).hex() == d["digest"]


def test_allocation_replays():
    v = load("allocation.json")
    ann = v["announcement"]
    assert tagged(ann["t"], rfc8785.dumps(ann)).hex() == v["announcement_digest"]
    server = bytes.fromhex(v["server_seed"])
    assert tagged("sunshine-placement/v1/seed-commitment", server).hex() == ann["seed_commitment"]
    body = {
        "announcement": v["announcement_digest"],
        "beacon": None,
        "server_seed": v["server_seed"],
        "witnesses": [w["input"] for w in v["result"]["witnesses"]],
    }
    seed = tagged("sunshine-placement/v1/final-seed", rfc8785.dumps(body))
    assert seed.hex() == v["final_seed"] == v["result"]["final_seed"]
    tickets = {
        e: tagged("sunshine-placement/season/v1/allocation-ticket", seed + bytes.fromhex(e))
        for e in v["tickets"]
    }
    assert {e: t.hex() for e, t in tickets.items()} == v["tickets"]
    ranked = sorted(tickets, key=lambda e: (tickets[e], e))
    assert v["result"]["winners"] == ranked[: ann["places"]]
    pool_root = mth(sorted(leaf(bytes.fromhex(e)) for e in v["tickets"]))
    assert pool_root.hex() == ann["pool"]["root"]


@pytest.mark.parametrize("name", ["commitments.json", "log.json"])
def test_vectors_hold_test_keys_only(name):
    assert "TEST KEYS ONLY" in load(name)["warning"]
