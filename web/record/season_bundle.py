"""Write season bundles (spec S12): deterministic zip files with a manifest, as §17."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Mapping

from placement.canonical import Json, canonical_json
from placement.season.documents import BUNDLE

_EPOCH = (1980, 1, 1, 0, 0, 0)


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
