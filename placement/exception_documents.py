"""Building the two signed documents of an exception (spec §E2): each is read back by
:mod:`placement.exceptions` before it is returned, so a malformed one is refused before
it is signed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from placement.canonical import Json, nfc
from placement.documents import ADDED_RECEIPT_TYPE
from placement.exceptions import (
    APPROVER_ROLE,
    DECISION_TYPE,
    REQUEST_TYPE,
    REQUESTER_ROLE,
    Decision,
    Kind,
    Move,
    Waiver,
    parse_decision,
    parse_request,
)


def request_document(  # noqa: PLR0913 - every field of §E2 named
    *,
    number: int,
    kind: Kind,
    category: str,
    reason: str,
    draw_id: str,
    result_digest: bytes,
    requested_by: str,
    requested_on: str,
    detail: Mapping[str, Json],
) -> dict[str, Json]:
    """Build a request and read it back, so a malformed one is refused before signing."""
    doc: dict[str, Json] = {
        "category": category,
        "detail": dict(detail),
        "draw": draw_id,
        "kind": kind.value,
        "number": number,
        "reason": nfc(reason.strip()),
        "requested_by": {"name": nfc(requested_by.strip()), "role": REQUESTER_ROLE},
        "requested_on": requested_on,
        "result": result_digest.hex(),
        "t": REQUEST_TYPE,
    }
    parse_request(doc)
    return doc


def decision_document(
    *,
    number: int,
    request_digest: bytes,
    decision: Decision,
    approver: str,
    decided_on: str,
    reason: str,
    placed: int | None,
    waivers: Sequence[Waiver] = (),
) -> dict[str, Json]:
    doc: dict[str, Json] = {
        "approver": {"name": nfc(approver.strip()), "role": APPROVER_ROLE},
        "decided_on": decided_on,
        "decision": decision.value,
        "number": number,
        "placed": placed,
        "reason": nfc(reason.strip()),
        "request": request_digest.hex(),
        "t": DECISION_TYPE,
        "waivers": list[Json](sorted({w.value for w in waivers})),
    }
    parse_decision(doc)
    return doc


def moves_json(moves: Sequence[Move]) -> list[Json]:
    return [
        {
            "from": m.from_class,
            "pupil": m.pupil if m.named is None else list[Json](m.named),
            "to": m.to_class,
        }
        for m in moves
    ]


def added_receipt(
    *,
    request: Mapping[str, Json],
    decision: Mapping[str, Json],
    private: Mapping[str, Json],
    label: str,
    request_digest: bytes,
    decision_digest: bytes,
) -> dict[str, Json]:
    """The receipt of a pupil added by an approved request (§E6)."""
    detail = request["detail"]
    assert isinstance(detail, dict)
    return {
        "class": {"label": label, "number": decision["placed"]},
        "decision": decision_digest.hex(),
        "draw": request["draw"],
        "exception": request["number"],
        "leaf": detail["leaf"],
        "private": dict(private),
        "request": request_digest.hex(),
        "result": request["result"],
        "t": ADDED_RECEIPT_TYPE,
    }
