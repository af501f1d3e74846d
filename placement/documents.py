"""The signed documents of a draw besides the announcement and result (spec §15).

Each is a plain JSON object with a type field ``t``; its digest is the tagged hash
of its canonical bytes under that type (spec §14).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from placement.canonical import Json, canonical_json, nfc, tagged_hash
from placement.commitment import PublicLeaf
from placement.deal import PlacedClass
from placement.errors import PlacementError

CEREMONY_TYPE = "sunshine-placement/v1/ceremony"
CLASS_STATEMENT_TYPE = "sunshine-placement/v1/class-statement"
AMENDMENT_TYPE = "sunshine-placement/v1/amendment"
RECEIPT_TYPE = "sunshine-placement/v1/receipt"
CLASS_STATEMENT_TYPE_V2 = "sunshine-placement/v2/class-statement"
RECEIPT_TYPE_V2 = "sunshine-placement/v2/receipt"
ADDED_RECEIPT_TYPE = "sunshine-placement/v1/added-receipt"  # both versions (§E6)
_PREFIXES = ("sunshine-placement/v1/", "sunshine-placement/v2/")


class DocumentError(PlacementError):
    """A document is malformed or of an unexpected type."""


def digest(doc: dict[str, Json]) -> bytes:
    """H(t, JCS(doc)): one rule for every document type."""
    t = doc.get("t")
    if not isinstance(t, str) or not t.startswith(_PREFIXES):
        raise DocumentError("document has no sunshine-placement/v1 or v2 type")
    return tagged_hash(t, canonical_json(doc))


@dataclass(frozen=True, slots=True)
class WitnessInput:
    role: str
    name: str
    input: str
    entered_at: str


def ceremony(
    *,
    announcement_digest: bytes,
    witnesses: Sequence[WitnessInput],
    beacon_round: str | None,
    beacon_value: str | None,
    server_seed: bytes,
    final_seed: bytes,
    revealed_at: str,
) -> dict[str, Json]:
    if (beacon_round is None) != (beacon_value is None):
        raise DocumentError("a beacon needs both its declared round and its value")
    return {
        "announcement": announcement_digest.hex(),
        "beacon": None
        if beacon_round is None
        else {"round": nfc(beacon_round), "value": nfc(beacon_value or "")},
        "final_seed": final_seed.hex(),
        "revealed_at": revealed_at,
        "server_seed": server_seed.hex(),
        "t": CEREMONY_TYPE,
        "witnesses": [
            {
                "entered_at": w.entered_at,
                "input": nfc(w.input),
                "name": nfc(w.name),
                "role": nfc(w.role),
            }
            for w in witnesses
        ],
    }


def class_statement(
    *,
    draw_id: str,
    school: str,
    intake: str,
    placed: PlacedClass,
    head_teacher: str,
    leaves: Sequence[PublicLeaf],
    result_digest: bytes,
) -> dict[str, Json]:
    """What one class list's QR code carries: the list as posted, bound to the result."""
    return {
        "class": placed.number,
        "draw": draw_id,
        "head_teacher": head_teacher,
        "intake": intake,
        "label": placed.label,
        "pupils": [[leaves[i].name, leaves[i].sex.value] for i in placed.pupils],
        "result": result_digest.hex(),
        "school": school,
        "t": CLASS_STATEMENT_TYPE,
    }


def class_statement_v2(
    *,
    draw_id: str,
    school: str,
    intake: str,
    placed: PlacedClass,
    head_teacher: str,
    pupils: Sequence[tuple[str, str]],
    result_digest: bytes,
) -> dict[str, Json]:
    """v2 (§21.3): the list as posted, sorted by (name, sex), an order that says nothing
    about leaf order; ``pupils`` are the class's (name, "F"/"M") from the private roster."""
    if len(pupils) != len(placed.pupils):
        raise DocumentError("one name per pupil of the class is required")
    return {
        "class": placed.number,
        "draw": draw_id,
        "head_teacher": head_teacher,
        "intake": intake,
        "label": placed.label,
        "pupils": [[nfc(n), sex] for n, sex in sorted((nfc(n), x) for n, x in pupils)],
        "result": result_digest.hex(),
        "school": school,
        "t": CLASS_STATEMENT_TYPE_V2,
    }


@dataclass(frozen=True, slots=True)
class Change:
    pupil: int  # leaf index
    from_class: int
    to_class: int


def amendment(
    *,
    result_digest: bytes,
    seq: int,
    changes: Sequence[Change],
    reason: str,
    approved_by: str,
    approved_on: str,
) -> dict[str, Json]:
    if seq < 1 or not changes or not reason.strip() or not approved_by.strip():
        raise DocumentError(
            "an amendment needs a sequence number, changes, a reason and an approver"
        )
    return {
        "amends": result_digest.hex(),
        "approved_by": nfc(approved_by),
        "approved_on": approved_on,
        "changes": [{"from": c.from_class, "pupil": c.pupil, "to": c.to_class} for c in changes],
        "reason": nfc(reason),
        "seq": seq,
        "t": AMENDMENT_TYPE,
    }


def receipt(  # noqa: PLR0913 - every field of the receipt, named
    *,
    draw_id: str,
    index: int,
    leaf: PublicLeaf,
    private: Json,
    proof: Sequence[bytes],
    root: bytes,
    size: int,
    placed: Json = None,
    announcement_digest: bytes | None = None,
    result_digest: bytes | None = None,
) -> dict[str, Json]:
    """A pupil's receipt (spec §17; v2 §21.5 when ``announcement_digest`` is given: it
    names the signed documents it is verified against)."""
    if announcement_digest is not None:
        if (placed is None) != (result_digest is None):
            raise DocumentError("a v2 receipt names the result exactly when it names a class")
        return {
            "announcement": announcement_digest.hex(),
            "class": placed,
            "draw": draw_id,
            "index": index,
            "leaf": leaf.to_json(),
            "private": private,
            "proof": [h.hex() for h in proof],
            "result": None if result_digest is None else result_digest.hex(),
            "root": root.hex(),
            "size": size,
            "t": RECEIPT_TYPE_V2,
        }
    return {
        "class": placed,
        "draw": draw_id,
        "index": index,
        "leaf": leaf.to_json(),
        "private": private,
        "proof": [h.hex() for h in proof],
        "root": root.hex(),
        "size": size,
        "t": RECEIPT_TYPE,
    }
