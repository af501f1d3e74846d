"""A v2 QR reference (spec §22) resolved in a verified bundle: the document it names."""

from __future__ import annotations

import json
from collections.abc import Mapping

from placement.canonical import Json
from placement.documents import digest
from placement.reference import Reference
from verifier.checks import Check, Passed, Spec, run_one
from verifier.container import read_members
from verifier.errors import Failed
from verifier.signatures import parse_document
from verifier.statements import describe


def _find(subject: tuple[Reference, bytes]) -> Passed:
    ref, data = subject
    members = read_members(data)
    try:
        draw = json.loads(members["manifest.json"])["draw"]
    except (KeyError, ValueError, TypeError) as e:
        raise Failed("记录包没有可读的清单", "the bundle has no readable manifest") from e
    if draw != ref.draw:
        raise Failed(
            f"二维码指的是抽签 {ref.draw}，记录包却是 {draw}",
            f"the code names draw {ref.draw}, the bundle is of draw {draw}",
        )
    path = ref.member()
    if path not in members:
        raise Failed(
            f"记录包中没有二维码所指的 {path}", f"the bundle has no {path}, which the code names"
        )
    doc = parse_document(members[path].decode("utf-8"))
    if digest(doc) != ref.digest and path.startswith("statements/"):
        # §E5: a sheet reprinted after an exception refers to a later version of its class
        path, doc = _version(members, path, ref.digest) or (path, doc)
    if digest(doc) != ref.digest:
        raise Failed(
            f"二维码所指文件的摘要与记录包中的 {path} 不符",
            f"the code names a document whose digest differs from the bundle's {path}",
        )
    if doc.get("draw", doc.get("draw_id")) not in {ref.draw, None}:
        raise Failed("二维码中的抽签编号不符", "the draw id of the code differs")
    if path.startswith("statements/"):
        zh, en = describe(doc)
        return Passed(f"二维码所指的班级名单：{zh}", f"the code names this class list: {en}")
    return Passed(f"二维码所指文件为记录包中的 {path}", f"the code names the bundle's {path}")


def _version(
    members: Mapping[str, bytes], path: str, want: bytes
) -> tuple[str, dict[str, Json]] | None:
    """The later version (``statements/NN.v<k>.jws``) of the class with this digest."""
    stem = path.removesuffix(".jws") + ".v"
    for name in sorted(n for n in members if n.startswith(stem) and n.endswith(".jws")):
        doc = parse_document(members[name].decode("utf-8"))
        if digest(doc) == want:
            return name, doc
    return None


def find(ref: Reference, data: bytes) -> Check:
    spec = Spec("reference.document", "二维码所指文件", "the document the code names", _find)
    return run_one(spec, (ref, data))
