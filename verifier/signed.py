"""Any other signed document given on its own (an announcement, a ceremony, a result …)."""

from __future__ import annotations

from dataclasses import dataclass

from placement.announcement import ANNOUNCEMENT_TYPE, ANNOUNCEMENT_TYPE_V2, from_json
from placement.documents import AMENDMENT_TYPE, CEREMONY_TYPE, digest
from placement.keyring import Keyring, KeyRole
from placement.report import RESULT_TYPE
from verifier import documents
from verifier.checks import Catalogue, Passed
from verifier.errors import Failed, Skipped
from verifier.signatures import parse_document, verify_jws

NAMES = {
    ANNOUNCEMENT_TYPE: ("公告", "announcement"),
    ANNOUNCEMENT_TYPE_V2: ("公告", "announcement"),
    CEREMONY_TYPE: ("现场记录", "ceremony"),
    RESULT_TYPE: ("分班结果", "result"),
    AMENDMENT_TYPE: ("调整记录", "amendment"),
}
COSIGNED = {ANNOUNCEMENT_TYPE, ANNOUNCEMENT_TYPE_V2, RESULT_TYPE}


@dataclass(frozen=True, slots=True)
class DocumentInput:
    text: str
    keyring: Keyring | None


checks: Catalogue[DocumentInput] = Catalogue()


def _type(d: DocumentInput) -> str:
    t = parse_document(d.text).get("t")
    if t not in NAMES:
        raise Failed(f"不认识的文件类型 {t}", f"unknown document type {t}")
    return str(t)


@checks.check("signature.document", "文件签名", "document signature")
def _signature(d: DocumentInput) -> Passed:
    if d.keyring is None:
        raise Skipped(
            "未提供公钥清单（--keyring），无法核验签名",
            "no keyring given (--keyring): the signature cannot be checked",
        )
    t = _type(d)
    cosigners = (KeyRole.BUREAU, KeyRole.SUPERVISOR) if t in COSIGNED else ()
    doc = verify_jws(d.text, d.keyring, expected_type=t, cosigner_roles=cosigners)
    zh, en = doc.describe()
    return Passed(f"{NAMES[t][0]}的签名有效：{zh}", f"{NAMES[t][1]} signature valid: {en}")


@checks.check("document.content", "文件内容", "document content")
def _content(d: DocumentInput) -> Passed:
    t = _type(d)
    doc = parse_document(d.text)
    if t in {ANNOUNCEMENT_TYPE, ANNOUNCEMENT_TYPE_V2}:
        ann = from_json(doc)
        extra = (f"：{ann.school} {ann.intake}，{ann.roster_size} 人", f": draw {ann.draw_id}")
    elif t == CEREMONY_TYPE:
        cer = documents.ceremony(doc)
        extra = (f"：{len(cer.witnesses)} 位见证人", f": {len(cer.witnesses)} witnesses")
    elif t == RESULT_TYPE:
        res = documents.result(doc)
        extra = (f"：{len(res.classes)} 个班", f": {len(res.classes)} classes")
    else:
        extra = ("", "")
    d_hex = digest(doc).hex()
    return Passed(
        f"{NAMES[t][0]}格式有效{extra[0]}；摘要 {d_hex}",
        f"a well-formed {NAMES[t][1]}{extra[1]}; digest {d_hex}",
    )
