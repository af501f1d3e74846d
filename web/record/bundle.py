"""Write record bundles: deterministic zip files with a manifest (spec §17)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from importlib import resources

from placement.canonical import Json, canonical_json

BUNDLE_TYPE = "sunshine-placement/v1/bundle"
BUNDLE_TYPE_V2 = "sunshine-placement/v2/bundle"
_EPOCH = (1980, 1, 1, 0, 0, 0)


def schemas() -> dict[str, bytes]:
    """The JSON Schemas shipped with the verifier, as bundle members."""
    folder = resources.files("verifier") / "schemas"
    return {
        f"schemas/{item.name}": item.read_bytes()
        for item in folder.iterdir()
        if item.name.endswith(".schema.json")
    }


def build_bundle(
    *, kind: str, draw_id: str, created: str, members: Mapping[str, bytes], version: int = 1
) -> bytes:
    """A zip of ``members`` plus ``manifest.json`` naming each member's SHA-256."""
    if kind not in {"public", "archive"}:
        raise ValueError(kind)
    if kind == "public" and any(p.startswith("private/") for p in members):
        raise ValueError("a public bundle must not hold private members")
    manifest: dict[str, Json] = {
        "created": created,
        "draw": draw_id,
        "files": {p: hashlib.sha256(data).hexdigest() for p, data in sorted(members.items())},
        "kind": kind,
        "t": BUNDLE_TYPE if version == 1 else BUNDLE_TYPE_V2,
        "version": version,
    }
    everything = {**members, "manifest.json": canonical_json(manifest)}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(everything):
            info = zipfile.ZipInfo(path, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, everything[path])
    return out.getvalue()


def json_bytes(value: object) -> bytes:
    """Readable, stable JSON for bundle members that are not hashed documents."""
    return (json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode()
