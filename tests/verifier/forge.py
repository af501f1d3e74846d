"""Tools to take a bundle apart, change it and put it back together, as a forger would.

A forger here holds the real keys (the fixtures' key store), so a changed document
can be signed again: then only the verifier's semantic checks stand in the way.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from keys.signer import Signer, sign_general
from placement import jws
from placement.canonical import canonical_json
from placement.merkle import MerkleTree, leaf_hash
from placement.tlog import checkpoint_body, format_hashes, format_proof
from web.record.bundle import json_bytes

Path_ = tuple[str | int, ...]
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def pack(files: dict[str, bytes], *, manifest: bool = True) -> bytes:
    """A bundle zip laid out as ``web.record.bundle`` does; the manifest is recomputed."""
    files = dict(files)
    if manifest:
        old = json.loads(files["manifest.json"])
        old["files"] = {
            p: hashlib.sha256(b).hexdigest()
            for p, b in sorted(files.items())
            if p != "manifest.json"
        }
        files["manifest.json"] = canonical_json(old)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, files[path])
    return out.getvalue()


def document(text: str | bytes) -> dict[str, Any]:
    return jws.parse(text.decode() if isinstance(text, bytes) else text).document()


def resign(text: str, doc: dict[str, Any], signers: Sequence[Signer]) -> str:
    """Sign ``doc`` again as ``text`` was signed: same form, time and compression."""
    header = jws.parse(text).signatures[0].header
    if text.lstrip().startswith("{"):
        return sign_general(doc, signers, iat=int(header["iat"]))
    return signers[0].sign_jws(doc, iat=int(header["iat"]), compress=header.get("zip") == "DEF")


def swap_payload(text: str, doc: dict[str, Any]) -> str:
    """Put ``doc`` under the old signatures (which then no longer match)."""
    header = jws.parse(text).signatures[0].header
    payload = jws.b64u(jws.payload_bytes(doc, compress=header.get("zip") == "DEF"))
    if text.lstrip().startswith("{"):
        general = json.loads(text)
        general["payload"] = payload
        return json.dumps(general, separators=(",", ":"), sort_keys=True)
    head, _, sig = text.split(".")
    return f"{head}.{payload}.{sig}"


# --- systematic changes --------------------------------------------------------------------


def scalar_paths(value: Any, path: Path_ = ()) -> Iterator[Path_]:
    """Every scalar of a JSON value (and every empty list or object), by path."""
    if isinstance(value, dict) and value:
        for k in sorted(value):
            yield from scalar_paths(value[k], (*path, k))
    elif isinstance(value, list) and value:
        for i, item in enumerate(value):
            yield from scalar_paths(item, (*path, i))
    else:
        yield path


SWAPS = {"F": "M", "M": "F", "primary": "middle", "middle": "primary", "same": "apart"}
SWAPS["apart"] = "same"


def changed_text(value: str) -> str:
    """Text changed within its format: a digest, a time, a date, an enumerated value."""
    if _HEX64.fullmatch(value):
        return ("1" if value[0] == "0" else "0") + value[1:]
    if _TIME.fullmatch(value):
        t = datetime.fromisoformat(value) + timedelta(seconds=1)
        return t.isoformat(timespec="seconds")
    if _DATE.fullmatch(value):
        return (datetime.fromisoformat(value) + timedelta(days=1)).date().isoformat()
    return SWAPS.get(value, value + "甲")


def changed(value: Any) -> Any:
    """A different value of the same kind and format, so the change reaches the semantics."""
    if isinstance(value, str):
        return changed_text(value)
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    return {type(None): "x", list: ["x"]}.get(type(value), {"x": 1})


def get(doc: Any, path: Path_) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def with_change(doc: Any, path: Path_, new: Callable[[Any], Any] = changed) -> Any:
    out = copy.deepcopy(doc)
    if not path:
        return new(out)
    parent = get(out, path[:-1])
    parent[path[-1]] = new(parent[path[-1]])
    return out


def name(path: Path_) -> str:
    return ".".join(str(p) for p in path) or "(root)"


# --- the log, rewritten and signed again ----------------------------------------------------

ACTORS = ["bureau", "school", "supervisor", "witness", "system"]
DIGEST_EVENTS = ["announcement.published", "seed.revealed", "draw.performed", "result.signed"]


def changed_log(path: Path_, value: Any) -> Any:
    """A change to a log entry that keeps it a valid entry where possible."""
    if path[-1] == "actor":
        return ACTORS[(ACTORS.index(value) + 1) % len(ACTORS)]
    if path[-1] == "event" and value in DIGEST_EVENTS:
        return DIGEST_EVENTS[(DIGEST_EVENTS.index(value) + 1) % len(DIGEST_EVENTS)]
    if path[-1] == "kind":
        return "archive" if value == "public" else "public"
    if path[-1] == "draw":
        return value[:-1] + ("x" if value[-1] != "x" else "y")
    return changed(value)


def relog(
    files: dict[str, bytes], entries: Sequence[dict[str, Any]], log_key: Signer
) -> dict[str, bytes]:
    """Replace the bundle's log by ``entries`` (log indices 0, 1 …): checkpoints at the same
    sizes signed with the real log key, proofs recomputed; the entries are not validated."""
    data = [canonical_json(e) for e in entries]
    tree = MerkleTree.from_leaf_hashes([leaf_hash(d) for d in data])
    size = len(entries)
    earlier = sorted(
        s
        for p in files
        if p.startswith("log/checkpoints/") and 0 < (s := int(p.rsplit("/", 1)[1])) < size
    )
    notes = {
        s: log_key.sign_note(checkpoint_body(log_key.name, s, tree.root_at(s)))
        for s in [*earlier, size]
    }
    out = {p: b for p, b in files.items() if not p.startswith("log/")}
    out["log/checkpoint"] = notes[size].encode()
    out["log/entries.json"] = json_bytes([{"entry": e, "index": i} for i, e in enumerate(entries)])
    for i in range(size):
        out[f"log/proofs/{i}.tlog-proof"] = format_proof(
            i, tree.inclusion_proof(i, size), notes[size]
        ).encode()
    for s in earlier:
        out[f"log/checkpoints/{s}"] = notes[s].encode()
    for old, new in zip(earlier, [*earlier[1:], size], strict=True):
        out[f"log/consistency/{old}-{new}"] = format_hashes(
            tree.consistency_proof(old, new)
        ).encode()
    return out


def log_entries(files: dict[str, bytes]) -> list[dict[str, Any]]:
    return [item["entry"] for item in json.loads(files["log/entries.json"])]
