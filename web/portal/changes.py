"""``verify/changes.json``: what the verify page needs to tell a parent that the list on
the wall was changed after the draw (spec Part E, §E2).

One file for the whole district, fetched like ``portal.json``, so fetching it reveals
nothing about which sheet was scanned. It is an unsigned index of signed documents:
for each class that changed, its latest statement version and, for each exception that
made a version, the signed request and decision. The page verifies every one of them
with its pinned keyring; the index itself can at most withhold a change, never invent
one.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable

from placement import jws
from placement.canonical import Json

CHANGES_TYPE = "sunshine-placement/v1/changes-index"
_VERSION = re.compile(r"statements/([0-9]{2,})\.v([1-9][0-9]*)\.jws")


def _members(bundle: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bundle)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def draw_changes(bundle: bytes) -> tuple[str, dict[str, Json]] | None:
    """(draw id, its entry) for one public bundle, or None when no class changed."""
    files = _members(bundle)
    latest: dict[int, tuple[int, str]] = {}
    made_by: dict[int, list[tuple[int, int]]] = {}
    for path, data in files.items():
        m = _VERSION.fullmatch(path)
        if not m:
            continue
        text = data.decode()
        doc = jws.parse(text).document()
        c, v, n = int(m.group(1)), int(m.group(2)), int(str(doc["exception"]))
        made_by.setdefault(c, []).append((v, n))
        if v > latest.get(c, (1, ""))[0]:
            latest[c] = (v, text)
    if not latest:
        return None
    used = sorted({n for pairs in made_by.values() for _, n in pairs})
    draw = str(jws.parse(files["announcement.jws"].decode()).document()["draw_id"])
    entry: dict[str, Json] = {
        "classes": {
            str(c): {
                "statement": text,
                "version": v,
                "versions": [[v, n] for v, n in sorted(made_by[c])],
            }
            for c, (v, text) in sorted(latest.items())
        },
        "exceptions": {
            str(n): {
                "decision": files[f"exceptions/{n}.decision.jws"].decode(),
                "request": files[f"exceptions/{n}.request.jws"].decode(),
            }
            for n in used
        },
    }
    return draw, entry


def changes_json(bundles: Iterable[bytes]) -> dict[str, Json]:
    """The index over every published draw's public bundle."""
    draws: dict[str, Json] = {}
    for bundle in bundles:
        found = draw_changes(bundle)
        if found is not None:
            draws[found[0]] = found[1]
    return {"draws": draws, "t": CHANGES_TYPE}
