"""The tamper suite: every change to a bundle is rejected, and by the check that should.

Each JSON document of a real bundle is changed field by field. Without signing again,
the signature check must fail. Signed again with the real keys (a forger holding the
bureau's keys), the *semantic* check named in ``EXPECTED`` must fail: the one that
compares the field with what it commits to, recomputes, or is bound to.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections import Counter

import pytest
from forge import (
    changed_log,
    document,
    log_entries,
    members,
    name,
    pack,
    relog,
    resign,
    scalar_paths,
    swap_payload,
    with_change,
)
from verifierkit import Keys, Made

from placement.errors import PlacementError
from placement.tlog import entry_from_json
from verifier.checks import Status
from verifier.report import Report
from verifier.verify import verify_bundle, verify_statement

SEEN: Counter[str] = Counter()

# (document, path pattern) → the check that must catch a re-signed change. First match wins.
EXPECTED: list[tuple[str, str, str]] = [
    ("announcement", r"t", "signature.announcement"),
    ("announcement", r"algorithm", "announcement.document"),
    ("announcement", r"draw_id", "announcement.document"),
    ("announcement", r"beacon", "seed.final"),
    ("announcement", r"roster\..*", "roster.root"),
    ("announcement", r"seed_commitment", "seed.commitment"),
    ("announcement", r"size_tolerance", "result.document"),
    ("announcement", r"strata\..*", "roster.counts"),
    ("announcement", r"teams\..*", "teams.root"),
    ("announcement", r"(intake|school)", "statements.match"),
    ("announcement", r".*", "ceremony.document"),  # bound by its digest
    ("ceremony", r"t", "signature.ceremony"),
    ("ceremony", r"announcement", "ceremony.document"),
    ("ceremony", r"beacon\..*", "seed.final"),
    ("ceremony", r"final_seed", "seed.final"),
    ("ceremony", r"server_seed", "seed.commitment"),
    ("ceremony", r"(revealed_at|witnesses\.\d+\.entered_at)", "log.timeline"),
    ("ceremony", r"witnesses\.\d+\.(input|role)", "log.witnesses"),
    ("ceremony", r".*", "log.documents"),
    ("result", r"t", "signature.result"),
    ("result", r"classes\.\d+\.pupils\..*", "draw.replay"),
    ("result", r"report\..*", "result.report"),
    ("result", r"final_seed", "seed.final"),
    ("result", r".*", "result.document"),
    ("statement", r"t", "signature.statements"),
    ("statement", r".*", "statements.match"),
]


def expected(doc: str, path: str) -> str:
    return next(c for d, p, c in EXPECTED if d == doc and re.fullmatch(p, path))


def failed(report: Report) -> set[str]:
    return {c.name for c in report.checks if c.status is Status.FAIL}


def check(data: bytes, keys: Keys | None = None) -> Report:
    return verify_bundle(data, trusted=None if keys is None else keys.keyring)


DOCS = {
    "announcement": "announcement.jws",
    "ceremony": "ceremony.jws",
    "result": "result.jws",
    "statement": "statements/02.jws",
}
SIGNATURE = {k: f"signature.{k}" for k in DOCS} | {"statement": "signature.statements"}


def rejected_by(report: Report, want: str) -> bool:
    """Not verified, ``want`` among the failures, and no signature blamed unless expected."""
    got = failed(report)
    blamed = {c for c in got if c.startswith("signature.")} - {want}
    return not report.verified and want in got and not blamed


@pytest.mark.parametrize("kind", sorted(DOCS))
def test_every_field_of_every_document(small: Made, keys: Keys, kind: str):
    """Each field changed: caught by the signature when not signed again, and by the
    semantic check of ``EXPECTED`` when signed again with the real keys."""
    files = members(small.public)
    text = files[DOCS[kind]].decode()
    doc = document(text)
    signers = keys.signers.cosigners() if kind in {"announcement", "result"} else [keys.bureau]
    misses = []
    for path in scalar_paths(doc):
        where = name(path)
        new = with_change(doc, path)
        unsigned = check(pack({**files, DOCS[kind]: swap_payload(text, new).encode()}))
        if unsigned.verified or SIGNATURE[kind] not in failed(unsigned):
            misses.append(f"{kind}:{where} unsigned → {sorted(failed(unsigned))}")
        report = check(pack({**files, DOCS[kind]: resign(text, new, signers).encode()}))
        want = expected(kind, where)
        if not rejected_by(report, want):
            misses.append(f"{kind}:{where} re-signed → {sorted(failed(report))}, expected {want}")
        SEEN[kind] += 2
    assert not misses, "\n".join(misses)


@pytest.mark.parametrize(
    ("member", "check_id"), [("roster/leaves.json", "roster.root"), ("teams.json", "teams.root")]
)
def test_every_field_of_leaves_and_teams(small: Made, member: str, check_id: str):
    """Leaves and teams are committed in the announcement: any change breaks the root."""
    files = members(small.public)
    raw = json.loads(files[member])
    picks = range(len(raw)) if member == "teams.json" else [0, 2, 4, 7, 12, len(raw) - 1]
    misses = []
    for i in picks:
        for path in scalar_paths(raw[i], (i,)):
            new = with_change(raw, path)
            report = check(pack({**files, member: json.dumps(new, ensure_ascii=False).encode()}))
            if not rejected_by(report, check_id):
                misses.append(f"{member}:{name(path)} → {sorted(failed(report))}")
            SEEN[member] += 1
    swapped = [raw[1], raw[0], *raw[2:]]  # same leaves, another order
    report = check(pack({**files, member: json.dumps(swapped, ensure_ascii=False).encode()}))
    assert rejected_by(report, check_id), sorted(failed(report))
    assert not misses, "\n".join(misses)


def test_every_field_of_the_keyring(small: Made, keys: Keys):
    """Against the bureau's published keyring, any change to the bundle's copy is named."""
    files = members(small.public)
    ring = json.loads(files["keyring.json"])
    misses = []
    for path in scalar_paths(ring):
        new = with_change(ring, path)
        report = check(pack({**files, "keyring.json": json.dumps(new).encode()}), keys)
        if report.verified or not {"keyring.trusted", "keyring.document"} & failed(report):
            misses.append(f"keyring:{name(path)} → {sorted(failed(report))}")
        SEEN["keyring"] += 1
    assert not misses, "\n".join(misses)


LOG_EXPECTED = [
    (r"\d+\.detail\.(digest|kind)", "log.documents"),
    (r"\d+\.detail\.index", "log.order"),
    (r"\d+\.detail\.(input|role)", "log.witnesses"),
    (r"\d+\.event", "log.order"),
    (r"\d+\.(draw|t)", "log.inclusion"),
    (r"\d+\.time", "log.timeline"),
]
# Guarded by the log key's signature alone: who is named as actor, and the times of the
# steps no document repeats and no neighbour bounds (publication, signing, export).
FREE_TIMES = {"announcement.published", "result.signed", "bundle.exported"}


def free_field(entries: list[dict[str, object]], where: str) -> bool:
    index, field = where.split(".", 1)
    return field == "actor" or (field == "time" and entries[int(index)]["event"] in FREE_TIMES)


def test_every_field_of_the_log(small: Made, keys: Keys):
    """A changed log entry fails its inclusion proof; logged again and re-signed with the
    log key, the check comparing the log with the documents fails instead."""
    files = members(small.public)
    entries = log_entries(files)
    misses, accepted = [], []
    for path in scalar_paths(entries):
        where = name(path)
        new = with_change(entries, path)
        listed = json.loads(files["log/entries.json"])
        listed[path[0]]["entry"] = new[path[0]]
        unsigned = check(pack({**files, "log/entries.json": json.dumps(listed).encode()}))
        if not rejected_by(unsigned, "log.inclusion"):
            misses.append(f"log:{where} unsigned → {sorted(failed(unsigned))}")
        forged = with_change(entries, path, lambda v, p=path: changed_log(p, v))
        report = check(pack(relog(files, forged, keys.signers.log)))
        want = next((c for p, c in LOG_EXPECTED if re.fullmatch(p, where)), None)
        try:
            entry_from_json(forged[path[0]])
        except PlacementError:
            want = "log.inclusion"  # no longer a log entry at all
        if report.verified:
            accepted.append(where)
        elif want is not None and not rejected_by(report, want):
            misses.append(f"log:{where} re-logged → {sorted(failed(report))}, expected {want}")
        SEEN["log"] += 2
    assert not misses, "\n".join(misses)
    assert all(free_field(entries, f) for f in accepted), accepted
    SEEN["log accepted (free)"] += len(accepted)


def test_every_field_of_the_manifest(small: Made):
    """The manifest is unsigned, but lists every member's hash and the bundle's kind."""
    files = members(small.public)
    manifest = json.loads(files["manifest.json"])
    misses = []
    for path in scalar_paths(manifest):
        where = name(path)
        new = with_change(manifest, path)
        report = check(pack({**files, "manifest.json": json.dumps(new).encode()}, manifest=False))
        if where == "created":
            assert report.verified  # when the zip was made: information only
            continue
        if report.verified or not failed(report) & {
            "bundle.manifest",
            "bundle.members",
            "announcement.document",
        }:
            misses.append(f"manifest:{where} → {sorted(failed(report))}")
        SEEN["manifest"] += 1
    assert not misses, "\n".join(misses)


def test_random_bytes_of_the_zip(small: Made):
    """Random bytes of the zip changed: rejected, or nothing the verifier reads changed
    (a version or attribute field of the zip, or unused DEFLATE padding bits)."""
    rng = random.Random(20240814)
    original = members(small.public)
    inert = 0
    for _ in range(300):
        data = bytearray(small.public)
        pos = rng.randrange(len(data))
        data[pos] ^= rng.randrange(1, 256)
        report = check(bytes(data))
        SEEN["zip bytes"] += 1
        if report.verified:
            assert members(bytes(data)) == original, f"byte {pos} changed content yet verified"
            inert += 1
        else:
            assert failed(report), f"byte {pos}: rejected without naming a failed check"
    SEEN["zip bytes inert"] += inert
    assert inert < 30


def test_every_character_of_a_statement(small: Made, keys: Keys):
    """Each character of a signed class statement replaced: never verifies."""
    text = members(small.public)["statements/01.jws"].decode()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    accepted = []
    for i, ch in enumerate(text):
        other = alphabet[(alphabet.find(ch) + 1) % len(alphabet)] if ch != "." else "A"
        report = verify_statement(text[:i] + other + text[i + 1 :], keyring=keys.keyring)
        SEEN["statement chars"] += 1
        if report.verified or not failed(report):
            accepted.append(i)
    assert not accepted


def test_random_characters_of_a_cosigned_document(small: Made):
    """The general JSON serialization (announcement, two signatures) likewise."""
    rng = random.Random(7)
    files = members(small.public)
    text = files["announcement.jws"].decode()
    for _ in range(150):
        i = rng.randrange(len(text))
        if text[i] in '{}":,[]':
            continue
        variant = text[:i] + ("B" if text[i] != "B" else "C") + text[i + 1 :]
        report = check(pack({**files, "announcement.jws": variant.encode()}))
        SEEN["announcement chars"] += 1
        assert not report.verified, i
        assert "signature.announcement" in failed(report), i


def test_summary(capsys):
    """Print how many variants each part of the suite tried (run with -s to see it)."""
    with capsys.disabled():
        sys.stdout.write(f"\ntamper variants: {dict(SEEN)}\n")
