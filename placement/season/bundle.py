"""The season bundle (spec S12): a deterministic zip of the public or archive record.

The public bundle carries the whole log up to a checkpoint (the chain's completeness
rests on it), the policy, every notice with its entry list, every derivation and
allocation; the archive adds the records and the private documents.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Mapping

from placement.canonical import Json, canonical_json
from placement.season.documents import (
    ALLOCATION,
    ALLOCATION_RESULT,
    BUNDLE,
    CATCHMENT,
    NOTICE,
    PLAN,
    ROSTER,
    SeasonError,
)
from placement.season.ledger import Ledger
from placement.tlog import checkpoint_body

_EPOCH = (1980, 1, 1, 0, 0, 0)
PUBLIC_TYPES = {CATCHMENT, PLAN, NOTICE, ROSTER, ALLOCATION, ALLOCATION_RESULT}


def _json(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()


def members(
    ledger: Ledger,
    *,
    kind: str,
    keyring: Json,
    sign_checkpoint: Callable[[str], str],
    origin: str,
) -> dict[str, bytes]:
    """Every member but the manifest; the checkpoint is signed over the whole log now."""
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
    for i, d in enumerate(by_type.get(ALLOCATION, []), 1):
        out[f"allocations/{i:02d}.jws"] = ledger.signed[d].encode()
    for i, d in enumerate(by_type.get(ALLOCATION_RESULT, []), 1):
        out[f"allocations/{i:02d}-result.jws"] = ledger.signed[d].encode()
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


def build_zip(*, kind: str, season: str, created: str, files: Mapping[str, bytes]) -> bytes:
    """A zip laid out as §17: sorted members, 1980-01-01, DEFLATE, manifest included."""
    manifest: dict[str, Json] = {
        "created": created,
        "files": {p: hashlib.sha256(data).hexdigest() for p, data in sorted(files.items())},
        "kind": kind,
        "season": season,
        "t": BUNDLE,
        "version": 1,
    }
    everything = {**files, "manifest.json": canonical_json(manifest)}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(everything):
            info = zipfile.ZipInfo(path, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, everything[path])
    return out.getvalue()
