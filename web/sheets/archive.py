"""Class-list copies as PDF/A-3b that carry their own signed record (spec §18.4).

Every copy embeds the class statements it prints (``statements/NN.jws``) as associated
files; a record bundle given to the print run is embedded too, but an *archive* bundle
(ID numbers, salts) only in the bureau's own copy (``bureau``): any copy that leaves the
bureau carries at most the public bundle. The XMP metadata names the draw, the copy and
the signing key (name and fingerprint), in a PDF/A extension schema.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Final
from xml.sax.saxutils import escape

from web.sheets.source import DrawSource, SheetError

NS: Final = "https://sunshine-placement.org/ns/sheets/1.0/"
PREFIX: Final = "sp"
ARCHIVE_COPY: Final = "bureau"
VARIANT: Final = "pdf/a-3b"


@dataclass(frozen=True, slots=True)
class Embedded:
    name: str
    data: bytes
    description: str


def bundle_kind(data: bytes, path: str) -> tuple[str, str]:
    """(``public`` or ``archive``, draw id), from the bundle's manifest."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as z:
            manifest = json.loads(z.read("manifest.json"))
        kind, draw_id = manifest["kind"], manifest["draw"]
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as e:
        raise SheetError(f"{path} 不是记录包 / {path} is not a record bundle") from e
    if kind not in {"public", "archive"}:
        raise SheetError(f"{path}：未知的记录包类型 / unknown bundle kind {kind!r}")
    return str(kind), str(draw_id)


def embedded(src: DrawSource, copy: str, bundles: Sequence[str]) -> list[Embedded]:
    """What a copy's PDF carries: the class statements, and the bundles it may carry."""
    files = [
        Embedded(f"statements/{c.number:02d}.jws", c.statement.encode(), f"{c.label} 分班名单声明")
        for c in src.classes
    ]
    chosen: dict[str, bytes] = {}
    for path in bundles:
        data = Path(path).read_bytes()
        kind, draw_id = bundle_kind(data, path)
        if draw_id == src.draw_id and (kind == "public" or copy == ARCHIVE_COPY):
            chosen[kind] = data  # an archive bundle never goes into a copy leaving the bureau
    for kind in ("archive", "public"):  # the archive bundle holds all the public one does
        if kind in chosen:
            files.append(Embedded(f"record-{kind}.zip", chosen[kind], f"{src.draw_id} 记录包"))
            break
    # WeasyPrint keys the EmbeddedFiles name tree by file name in this order, and a name
    # tree's keys must be sorted (qpdf, veraPDF and strict readers check it).
    return sorted(files, key=lambda f: f.name.encode())


def xmp(src: DrawSource, copy: str) -> bytes:
    """The draw id, the copy and the signing key as XMP ``rdf:Description`` elements, with
    the PDF/A extension schema describing them."""
    kid = src.classes[0].kid if src.classes else src.announcement_kid
    name, _, fingerprint = kid.rpartition("+")
    fields = {"DrawId": src.draw_id, "Copy": copy, "KeyName": name, "KeyFingerprint": fingerprint}
    described = "".join(
        "<rdf:li rdf:parseType='Resource'>"
        f"<pdfaProperty:name>{key}</pdfaProperty:name>"
        "<pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{key}</pdfaProperty:description>"
        "</rdf:li>"
        for key in fields
    )
    values = "".join(f"<{PREFIX}:{k}>{escape(v)}</{PREFIX}:{k}>" for k, v in fields.items())
    rdf = "xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'"
    return (
        f"<rdf:Description rdf:about='' {rdf}"
        " xmlns:pdfaExtension='http://www.aiim.org/pdfa/ns/extension/'"
        " xmlns:pdfaSchema='http://www.aiim.org/pdfa/ns/schema#'"
        " xmlns:pdfaProperty='http://www.aiim.org/pdfa/ns/property#'>"
        "<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType='Resource'>"
        "<pdfaSchema:schema>sunshine-placement sheets</pdfaSchema:schema>"
        f"<pdfaSchema:namespaceURI>{NS}</pdfaSchema:namespaceURI>"
        f"<pdfaSchema:prefix>{PREFIX}</pdfaSchema:prefix>"
        f"<pdfaSchema:property><rdf:Seq>{described}</rdf:Seq></pdfaSchema:property>"
        "</rdf:li></rdf:Bag></pdfaExtension:schemas>"
        "</rdf:Description>"
        f"<rdf:Description rdf:about='' {rdf} xmlns:{PREFIX}='{NS}'>{values}</rdf:Description>"
    ).encode()
