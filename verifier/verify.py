"""What the verifier checks for each kind of input, in the order the table shows."""

from __future__ import annotations

import gc

from placement.canonical import Json
from placement.documents import ADDED_RECEIPT_TYPE
from placement.keyring import Keyring
from placement.reference import Reference
from verifier import (
    added_receipt,
    amendments,
    archive,
    authenticity,
    exceptions,
    guarantees,
    integrity,
    log,
    protocol,
    receipt,
    references,
    replay,
    signed,
    statements,
    trust,
)
from verifier.added_receipt import AddedInput
from verifier.checks import Spec, Status, run
from verifier.record import BundleRecord
from verifier.report import Report

CANCELLED = (
    "；抽签已撤销，没有分班结果",
    "; the draw was cancelled: there is no placement",
)
BUNDLE_CHECKS: tuple[Spec[BundleRecord], ...] = (
    *integrity.checks.specs,
    *protocol.checks.specs,
    *authenticity.checks.specs,
    *trust.checks.specs,
    *replay.checks.specs,
    *guarantees.checks.specs,
    *statements.checks.specs,
    *log.checks.specs,
    *amendments.checks.specs,
    *exceptions.checks.specs,
    *archive.checks.specs,
)


def verify_bundle(
    data: bytes,
    *,
    trusted: Keyring | None = None,
    source: str = "",
    pinned: frozenset[str] = frozenset(),
) -> Report:
    """Every check of a record bundle (spec §17); ``trusted`` replaces the bundle's keyring,
    ``pinned`` key fingerprints (§23) are the keys that must have signed every document."""
    rec = BundleRecord(data, trusted=trusted, pinned=pinned)
    # The checks build millions of long-lived small objects (leaves, documents): the cyclic
    # collector would walk them again and again, 8-10 % of the run at district scale.
    # Reference counting still frees everything not in a cycle; the collector is on
    # again (if it was) as soon as the checks are done.
    paused = gc.isenabled()
    gc.disable()
    try:
        checks = tuple(run(BUNDLE_CHECKS, rec))
    finally:
        if paused:
            gc.enable()
    drawn = any(c.name == "draw.replay" and c.status is Status.PASS for c in checks)
    remark = None if drawn else CANCELLED
    return Report("bundle", source, checks, remark, trust.trust_level(rec))


def verify_statement(text: str, *, keyring: Keyring | None, source: str = "") -> Report:
    """A class statement JWS on its own, e.g. from a sheet's QR code."""
    subject = statements.StatementInput(text.strip(), keyring)
    return Report("statement", source, tuple(statements.single.run(subject)))


def verify_receipt(
    doc: Json,
    *,
    announcement: str | None,
    keyring: Keyring | None,
    source: str = "",
    result: str | None = None,
    trust: str = "keyring",
    request: str | None = None,
    decision: str | None = None,
) -> Report:
    """A pupil receipt, checked against the signed announcement (and result) it names;
    an added pupil's receipt (§E6) also against its signed request and decision."""
    if isinstance(doc, dict) and doc.get("t") == ADDED_RECEIPT_TYPE:
        added = AddedInput(doc, keyring, announcement, result, request, decision)
        return Report("receipt", source, tuple(added_receipt.checks.run(added)), trust=trust)
    subject = receipt.ReceiptInput(doc, announcement, keyring, result)
    return Report("receipt", source, tuple(receipt.checks.run(subject)), trust=trust)


def verify_reference(
    ref: Reference,
    data: bytes,
    *,
    trusted: Keyring | None,
    pinned: frozenset[str] = frozenset(),
    source: str = "",
) -> Report:
    """A v2 QR reference (spec §22): the whole bundle, then the document it names."""
    bundle_report = verify_bundle(data, trusted=trusted, pinned=pinned, source=source)
    found = references.find(ref, data)
    return Report(
        "reference",
        source,
        (*bundle_report.checks, found),
        bundle_report.remark,
        bundle_report.trust,
    )


def verify_document(text: str, *, keyring: Keyring | None, source: str = "") -> Report:
    """Any other signed document of a draw on its own."""
    subject = signed.DocumentInput(text.strip(), keyring)
    return Report("document", source, tuple(signed.checks.run(subject)))
