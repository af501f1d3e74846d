"""The receipt of a pupil added after the draw (spec §E6): 补录 or 转入.

Such a pupil has no leaf in the roster tree, so no inclusion proof: the receipt shows
that the family's private data opens the leaf of the signed request, that the bureau
approved that request and placed the pupil in a class of the signed result. Like every
receipt it is never verified on its own: the request, the decision, the result and the
announcement must be given (``--bundle``, or the lookup's ``#p=`` package).
"""

from __future__ import annotations

from dataclasses import dataclass

from placement.announcement import ANNOUNCEMENT_TYPE, ANNOUNCEMENT_TYPE_V2
from placement.canonical import Json, canonical_json
from placement.documents import ADDED_RECEIPT_TYPE, digest
from placement.exceptions import DECISION_TYPE, REQUEST_TYPE
from placement.keyring import Keyring, KeyRole
from placement.report import RESULT_TYPE
from verifier.archive import private_keys, private_problems
from verifier.checks import Catalogue, Passed, first, require
from verifier.documents import fields, leaf, result
from verifier.errors import Failed
from verifier.formats import DRAW_ID, is_hex64, is_int, is_text
from verifier.receipt import mask, need_keyring
from verifier.signatures import parse_document, verify_jws

KEYS = {"class", "decision", "draw", "exception", "leaf", "private", "request", "result", "t"}
ADDS = {"late-placement", "transfer-in"}
_COSIGNERS = (KeyRole.BUREAU, KeyRole.SUPERVISOR)


@dataclass(frozen=True, slots=True)
class AddedInput:
    doc: Json
    keyring: Keyring | None
    announcement: str | None
    result: str | None
    request: str | None
    decision: str | None


checks: Catalogue[AddedInput] = Catalogue()


def _doc(r: AddedInput) -> dict[str, Json]:
    return fields(r.doc, KEYS, ("回执", "the receipt"))


def _given(text: str | None, zh: str, en: str) -> str:
    if text is None:
        raise Failed(
            f"补录学生的回执不能单独核验：须提供{zh}（--bundle）",
            f"an added pupil's receipt is never verified on its own: give {en} (--bundle)",
        )
    return text


@checks.check("receipt.document", "回执内容", "receipt content")
def _document(r: AddedInput) -> Passed:
    doc = _doc(r)
    cls = doc["class"]
    ok = (
        doc["t"] == ADDED_RECEIPT_TYPE
        and isinstance(doc["draw"], str)
        and DRAW_ID.fullmatch(doc["draw"]) is not None
        and is_int(doc["exception"])
        and all(is_hex64(doc[k]) for k in ("decision", "request", "result"))
    )
    require(ok, "回执的字段无效", "the receipt's fields are malformed")
    c = fields(cls, {"label", "number"}, ("回执中的班级", "the receipt's class"))
    require(is_text(c["label"]) and is_int(c["number"]), "回执中的班级无效", "bad class")
    pupil = leaf(doc["leaf"], 0)
    private = fields(doc["private"], private_keys(pupil), ("私密部分", "the private part"))
    name = str(private["name"]) if pupil.version == 2 else pupil.name
    masked = mask(str(private["id_number"]))
    return Passed(
        f"学生 {name}（身份证号 {masked}），抽签 {doc['draw']}，第 {doc['exception']} 号例外"
        f"补录或转入，回执所写班级 {c['label']}",
        f"pupil {name} (ID {masked}), draw {doc['draw']}, added by exception "
        f"{doc['exception']}; class stated: {c['label']}",
    )


@checks.check("receipt.private", "盐值与身份证号打开承诺", "salt and ID number open the leaf")
def _private(r: AddedInput) -> Passed:
    doc = _doc(r)
    problems = private_problems(
        doc["private"], leaf(doc["leaf"], 0), ("回执的私密部分", "the private part")
    )
    if problems:
        raise first(problems)
    return Passed(
        "身份证号、出生日期、标记与盐值重新计算出叶子中的 private 哈希",
        "ID number, birth date, flags and salt recompute the leaf's private hash",
    )


@checks.check("receipt.request", "签名的例外申请载有该叶子", "the signed request carries the leaf")
def _request(r: AddedInput) -> Passed:
    doc = _doc(r)
    text = _given(r.request, "例外申请", "the exception request")
    verified = verify_jws(text, need_keyring(r.keyring), expected_type=REQUEST_TYPE)
    req = verified.document
    detail = req.get("detail")
    pupil = leaf(doc["leaf"], 0)
    require(
        digest(req).hex() == doc["request"]
        and req.get("number") == doc["exception"]
        and req.get("draw") == doc["draw"]
        and req.get("kind") in ADDS
        and isinstance(detail, dict)
        and canonical_json(detail.get("leaf")) == canonical_json(doc["leaf"]),
        "所给的例外申请不是回执所指的补录或转入申请，或其中的叶子不同",
        "the request given is not the receipt's late placement or transfer in, "
        "or it carries another leaf",
    )
    if pupil.version == 2:
        private = doc["private"]
        assert isinstance(private, dict)
        assert isinstance(detail, dict)
        require(
            detail.get("name") == private.get("name"),
            "申请中的姓名与回执的私密部分不符",
            "the request names another pupil than the private part",
        )
    zh, en = verified.describe()
    return Passed(
        f"第 {doc['exception']} 号例外申请（{req['kind']}）载有该学生的叶子（{zh}）",
        f"request {doc['exception']} ({req['kind']}) carries this pupil's leaf ({en})",
    )


@checks.check("receipt.decision", "教育局批准并安排班级", "approved and placed by the bureau")
def _decision(r: AddedInput) -> Passed:
    doc = _doc(r)
    text = _given(r.decision, "例外审批决定", "the exception decision")
    verified = verify_jws(text, need_keyring(r.keyring), expected_type=DECISION_TYPE)
    dec = verified.document
    cls = doc["class"]
    assert isinstance(cls, dict)
    require(
        digest(dec).hex() == doc["decision"]
        and dec.get("request") == doc["request"]
        and dec.get("number") == doc["exception"],
        "所给的审批决定不是回执所指的决定",
        "the decision given is not the one the receipt names",
    )
    require(
        dec.get("decision") == "approved" and dec.get("placed") == cls["number"],
        f"审批决定没有批准把该学生安排到第{cls['number']}班",
        f"the decision does not approve placing this pupil in class {cls['number']}",
    )
    zh, en = verified.describe()
    return Passed(
        f"{dec['decided_on']} 批准，安排在第{cls['number']}班（{zh}）",
        f"approved on {dec['decided_on']}, placed in class {cls['number']} ({en})",
    )


@checks.check("receipt.class", "班级属于签名的分班结果", "the class is the signed result's")
def _class(r: AddedInput) -> Passed:
    doc = _doc(r)
    cls = doc["class"]
    assert isinstance(cls, dict)
    ring = need_keyring(r.keyring)
    ann_text = _given(r.announcement, "签名公告", "the signed announcement")
    raw = parse_document(ann_text)
    v2 = raw.get("t") == ANNOUNCEMENT_TYPE_V2
    ann = verify_jws(
        ann_text,
        ring,
        expected_type=ANNOUNCEMENT_TYPE_V2 if v2 else ANNOUNCEMENT_TYPE,
        cosigner_roles=_COSIGNERS,
    ).document
    res_text = _given(r.result, "签名的分班结果", "the signed result")
    verified = verify_jws(res_text, ring, expected_type=RESULT_TYPE, cosigner_roles=_COSIGNERS)
    res = result(verified.document)
    request = parse_document(r.request) if r.request is not None else {}
    require(
        digest(verified.document).hex() == doc["result"] == request.get("result"),
        "回执或申请所指的分班结果不是所给的结果",
        "the receipt or the request names another result than the one given",
    )
    require(
        res.announcement == digest(ann).hex() and ann.get("draw_id") == doc["draw"],
        "分班结果不属于所给的公告，或抽签编号不同",
        "the result is not the given announcement's, or the draw differs",
    )
    placed = [c for c in res.classes if c.number == cls["number"]]
    require(
        bool(placed) and placed[0].label == cls["label"],
        f"签名的分班结果中没有 {cls['label']}",
        f"the signed result has no class {cls['label']}",
    )
    zh, en = verified.describe()
    return Passed(
        f"{cls['label']} 是签名分班结果中的班级（{zh}）；现在所在班级以学位锁定查询为准",
        f"{cls['label']} is a class of the signed result ({en}); the lookup gives the "
        "current class",
    )
