"""The season bundle's members (spec S12): the public or archive record, ready to zip.

The public bundle carries the whole log up to a checkpoint (the chain's completeness
rests on it), the policy, every notice with its entry list, every derivation and
allocation; the archive adds the records and the private documents.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from placement import jws
from placement.canonical import Json, canonical_json
from placement.season.documents import (
    ADMISSION,
    ALLOCATION,
    ALLOCATION_RESULT,
    CATCHMENT,
    NOTICE,
    PLAN,
    ROSTER,
    SeasonError,
)
from placement.season.ledger import Ledger
from placement.tlog import checkpoint_body

PUBLIC_TYPES = {CATCHMENT, PLAN, NOTICE, ROSTER, ADMISSION, ALLOCATION, ALLOCATION_RESULT}


def _json(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def members(
    ledger: Ledger,
    *,
    kind: str,
    keyring: Json,
    sign_checkpoint: Callable[[str], str],
    origin: str,
    pools: dict[str, list[str]] | None = None,
) -> dict[str, bytes]:
    """Every member but the manifest; the checkpoint is signed over the whole log now.
    ``pools``: each allocation announcement's digest → its pool entries (hex, leaf order)."""
    if kind not in {"public", "archive"}:
        raise SeasonError(f"unknown bundle kind {kind!r}")
    out: dict[str, bytes] = {"keyring.json": canonical_json(keyring)}
    logged = _logged_digests(ledger)
    by_type: dict[str, list[str]] = {}
    for d in logged:
        by_type.setdefault(ledger.types[d], []).append(d)
    for d in by_type.get(CATCHMENT, []):
        out["policy/catchment.jws"] = ledger.signed[d].encode()
    for d in by_type.get(PLAN, []):
        out["policy/plan.jws"] = ledger.signed[d].encode()
    notices = {n.digest.hex(): n for n in ledger.notices.values()}
    for i, d in enumerate(by_type.get(NOTICE, []), 1):
        out[f"notices/{i:02d}.jws"] = ledger.signed[d].encode()
        out[f"notices/{i:02d}.entries.json"] = _json(notices[d].entries.hex_list())
    for i, d in enumerate(by_type.get(ROSTER, []), 1):
        out[f"rosters/{i:02d}.jws"] = ledger.signed[d].encode()
    for i, d in enumerate(by_type.get(ADMISSION, []), 1):
        out[f"admissions/{i:02d}.jws"] = ledger.signed[d].encode()
    for i, d in enumerate(by_type.get(ALLOCATION, []), 1):
        out[f"allocations/{i:02d}.jws"] = ledger.signed[d].encode()
        out[f"allocations/{i:02d}.pool.json"] = _json((pools or {})[d])
    numbered = {d: i for i, d in enumerate(by_type.get(ALLOCATION, []), 1)}
    for d in by_type.get(ALLOCATION_RESULT, []):
        names = jws.parse(ledger.signed[d]).document()["allocation"]
        out[f"allocations/{numbered[str(names)]:02d}-result.jws"] = ledger.signed[d].encode()
    body = checkpoint_body(origin, len(ledger.log), ledger.log_root())
    out["log/checkpoint"] = sign_checkpoint(body).encode()
    out["log/entries.json"] = _json(ledger.log)
    if kind == "archive":
        out["private/records.json"] = _json([a.to_json() for a in ledger.records])
        private = [ledger.signed[d] for d in logged if ledger.types[d] not in PUBLIC_TYPES]
        out["private/documents.json"] = _json(private)
    return out


def _logged_digests(ledger: Ledger) -> list[str]:
    out = []
    for e in ledger.log:
        detail = e.get("detail")
        d = detail.get("digest") if isinstance(detail, dict) else None
        if isinstance(d, str) and d in ledger.signed and e.get("season") == ledger.season:
            out.append(d)
    return out
