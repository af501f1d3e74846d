"""Added-pupil receipts (spec §E6) built from the exception vectors, as the lookup builds
them: shared by the Python and the browser verifier's tests."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

from placement.documents import digest
from placement.exception_documents import added_receipt
from placement.jws import parse

VECTORS = Path(__file__).resolve().parent / "vectors"


def members(version: int) -> dict[str, bytes]:
    path = VECTORS / f"v{version}" / "exceptions" / "bundle-archive.zip"
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def _doc(data: bytes) -> dict[str, Any]:
    return parse(data.decode()).document()  # type: ignore[return-value]


def receipts(version: int) -> list[tuple[dict[str, Any], dict[str, str]]]:
    """(receipt, documents) for every added pupil of the story, built as the lookup does."""
    files = members(version)
    late = json.loads(files["private/late-leaves.json"])
    steps = json.loads((VECTORS / f"v{version}" / "exceptions" / "history.json").read_text())
    labels = {c["number"]: c["label"] for c in _doc(files["result.jws"])["classes"]}
    out = []
    for step in steps["steps"]:
        if step["added_leaf_index"] is None:
            continue
        n = step["number"]
        texts = {
            "announcement": files["announcement.jws"].decode(),
            "result": files["result.jws"].decode(),
            "request": files[f"exceptions/{n}.request.jws"].decode(),
            "decision": files[f"exceptions/{n}.decision.jws"].decode(),
        }
        req, dec = _doc(files[f"exceptions/{n}.request.jws"]), step["decision"]
        receipt = added_receipt(
            request=req,
            decision=dec,
            private=late[str(step["added_leaf_index"])],
            label=labels[dec["placed"]],
            request_digest=digest(req),
            decision_digest=digest(dec),
        )
        out.append((receipt, texts))
    return out
