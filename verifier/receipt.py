"""A pupil receipt (spec §17, v2 §21.5): one child was in the frozen roster.

The receipt holds the child's public leaf, the salted private object and an
inclusion proof. It verifies by recomputing ``private`` (the salt and ID number
must open it), the leaf hash, and the proof up to the roster root — and never on
its own: the signed announcement must carry that root, and the signed result must
place the pupil in the class the receipt names. Without them a made-up receipt with
its own one-leaf root would recompute just as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from placement.announcement import ANNOUNCEMENT_TYPE, ANNOUNCEMENT_TYPE_V2, from_json
from placement.canonical import Json
from placement.documents import RECEIPT_TYPE, RECEIPT_TYPE_V2, digest
from placement.keyring import Keyring, KeyRole
from placement.merkle import leaf_hash, verify_inclusion
from placement.report import RESULT_TYPE
from verifier.archive import private_keys, private_problems
from verifier.checks import Catalogue, Passed, first, optional_skip, require
from verifier.documents import fields, leaf, result
from verifier.errors import Failed, Skipped
from verifier.formats import DRAW_ID, is_hex64, is_int, is_text
from verifier.signatures import parse_document, verify_jws

_KEYS = {"class", "draw", "index", "leaf", "private", "proof", "root", "size", "t"}
_KEYS_V2 = _KEYS | {"announcement", "result"}
_COSIGNERS = (KeyRole.BUREAU, KeyRole.SUPERVISOR)


@dataclass(frozen=True, slots=True)
class ReceiptInput:
    doc: Json
    announcement: str | None  # the signed announcement's JWS text, if given
    keyring: Keyring | None
    result: str | None = None  # the signed result's JWS text, if given

    @property
    def v2(self) -> bool:
        return isinstance(self.doc, dict) and self.doc.get("t") == RECEIPT_TYPE_V2


checks: Catalogue[ReceiptInput] = Catalogue()


def _doc(r: ReceiptInput) -> dict[str, Json]:
    return fields(r.doc, _KEYS_V2 if r.v2 else _KEYS, ("回执", "the receipt"))


def mask(id_number: str) -> str:
    return (
        id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:] if len(id_number) > 8 else "*"
    )


def _v2_fields(doc: dict[str, Json]) -> bool:
    named = doc["result"]
    return is_hex64(doc["announcement"]) and (
        (named is None and doc["class"] is None) or (is_hex64(named) and doc["class"] is not None)
    )


@checks.check("receipt.document", "回执内容", "receipt content")
def _document(r: ReceiptInput) -> Passed:
    doc = _doc(r)
    index, size, proof, cls = doc["index"], doc["size"], doc["proof"], doc["class"]
    ok = (
        doc["t"] in {RECEIPT_TYPE, RECEIPT_TYPE_V2}
        and (
            not r.v2 or (is_hex64(doc["announcement"]) and (doc["result"] is None) == (cls is None))
        )
        and (not r.v2 or doc["result"] is None or is_hex64(doc["result"]))
        and isinstance(doc["draw"], str)
        and DRAW_ID.fullmatch(doc["draw"]) is not None
        and is_int(index)
        and is_int(size)
        and 0 <= index < size
        and is_hex64(doc["root"])
        and isinstance(proof, list)
        and all(is_hex64(h) for h in proof)
    )
    require(ok, "回执的字段无效", "the receipt's fields are malformed")
    if cls is not None:
        c = fields(cls, {"label", "number"}, ("回执中的班级", "the receipt's class"))
        require(is_text(c["label"]) and is_int(c["number"]), "回执中的班级无效", "bad class")
    pupil = leaf(doc["leaf"], int(str(index)))
    private = fields(doc["private"], private_keys(pupil), ("私密部分", "the private part"))
    name = str(private["name"]) if pupil.version == 2 else pupil.name
    where_zh = where_en = ""
    if isinstance(cls, dict):
        where_zh = f"；回执所写班级 {cls['label']}（须以分班结果核对）"
        where_en = f"; class stated: {cls['label']} (check it against the result)"
    masked = mask(str(private["id_number"]))
    return Passed(
        f"学生 {name}（身份证号 {masked}），抽签 {doc['draw']}，名单共 {size} 人{where_zh}",
        f"pupil {name} (ID {masked}), draw {doc['draw']}, roster of {size}{where_en}",
    )


@checks.check("receipt.private", "盐值与身份证号打开承诺", "salt and ID number open the leaf")
def _private(r: ReceiptInput) -> Passed:
    doc = _doc(r)
    pupil = leaf(doc["leaf"], 0)
    problems = private_problems(doc["private"], pupil, ("回执的私密部分", "the private part"))
    if problems:
        raise first(problems)
    return Passed(
        "身份证号、出生日期、标记与盐值重新计算出叶子中的 private 哈希",
        "ID number, birth date, flags and salt recompute the leaf's private hash",
    )


@checks.check("receipt.inclusion", "在冻结名单中", "included in the frozen roster")
def _inclusion(r: ReceiptInput) -> Passed:
    doc = _doc(r)
    pupil = leaf(doc["leaf"], 0)
    proof = doc["proof"]
    require(
        isinstance(proof, list)
        and all(is_hex64(h) for h in proof)
        and is_int(doc["index"])
        and is_int(doc["size"])
        and is_hex64(doc["root"]),
        "回执的证明、序号或名单根无效",
        "the receipt's proof, index or root is malformed",
    )
    assert isinstance(proof, list)
    ok = verify_inclusion(
        leaf_hash(pupil.entry_strict()),
        int(str(doc["index"])),
        int(str(doc["size"])),
        [bytes.fromhex(str(h)) for h in proof],
        bytes.fromhex(str(doc["root"])),
    )
    require(
        ok,
        "包含证明不成立：该学生不在此名单中",
        "the inclusion proof fails: this pupil is not in that roster",
    )
    root = str(doc["root"])[:16]
    return Passed(
        f"第 {doc['index']} 个叶子包含在共 {doc['size']} 人、根为 {root}… 的名单中",
        f"leaf {doc['index']} is in the roster of {doc['size']} with root {root}…",
    )


def need_keyring(keyring: Keyring | None) -> Keyring:
    if keyring is None:
        raise Skipped(
            "没有可用的公钥清单（--keyring 或 --bundle），无法核验签名",
            "no keyring (--keyring or --bundle): the signatures cannot be checked",
        )
    return keyring


@checks.check("signature.announcement", "公告签名", "announcement signature")
def _signature(r: ReceiptInput) -> Passed:
    if r.announcement is None:
        raise Failed(
            "回执不能单独核验：须提供其所属抽签的签名公告（--announcement 或 --bundle）",
            "a receipt is never verified on its own: give the signed announcement of its draw "
            "(--announcement or --bundle)",
        )
    v2 = parse_document(r.announcement).get("t") == ANNOUNCEMENT_TYPE_V2
    doc = verify_jws(
        r.announcement,
        need_keyring(r.keyring),
        expected_type=ANNOUNCEMENT_TYPE_V2 if v2 else ANNOUNCEMENT_TYPE,
        cosigner_roles=_COSIGNERS,
    )
    zh, en = doc.describe()
    return Passed(f"公告签名有效：{zh}", f"announcement signature valid: {en}")


@checks.check("receipt.announcement", "名单根与公告一致", "roster root matches the announcement")
def _announcement(r: ReceiptInput) -> Passed:
    doc = _doc(r)
    if r.announcement is None:
        raise Failed(
            f"没有签名公告，无法确认名单根 {doc['root']}",
            f"no signed announcement: the roster root {doc['root']} is not confirmed",
        )
    raw = parse_document(r.announcement)
    ann = from_json(raw)
    if r.v2:
        require(
            digest(raw).hex() == doc["announcement"],
            "回执所指的公告不是所给的公告",
            "the receipt names another announcement than the one given",
        )
    require(
        ann.roster_root.hex() == doc["root"] and ann.roster_size == doc["size"],
        "回执的名单根或人数与公告不符",
        "the receipt's roster root or size differs from the announcement",
    )
    require(ann.draw_id == doc["draw"], "回执的抽签编号与公告不符", "the draw id differs")
    require(
        (ann.version == 2) == r.v2,
        "回执与公告的协议版本不同",
        "the receipt and the announcement are of different protocol versions",
    )
    return Passed(
        f"名单根与 {ann.school} {ann.intake} 的签名公告一致",
        f"the roster root is the one the signed announcement of draw {ann.draw_id} carries",
    )


@checks.check("receipt.class", "班级由签名结果确认", "class confirmed by the signed result")
def _class(r: ReceiptInput) -> Passed:
    doc = _doc(r)
    cls = doc["class"]
    if cls is None:
        raise optional_skip(
            "回执未写班级（抽签之前）", "the receipt names no class (before the draw)"
        )
    assert isinstance(cls, dict)
    if r.result is None:
        if r.v2:
            raise Failed(
                "回执写明了班级，须提供签名的分班结果（--result 或 --bundle）",
                "the receipt names a class: give the signed result (--result or --bundle)",
            )
        # v1 receipts predate §21.5: the receipt still verifies, the class is not claimed.
        raise optional_skip(
            f"回执所写班级 {cls['label']} 没有签名覆盖，未核验；请提供分班结果（--result）",
            f"the class stated ({cls['label']}) is covered by no signature and was not verified: "
            "give the signed result (--result)",
        )
    verified = verify_jws(
        r.result, need_keyring(r.keyring), expected_type=RESULT_TYPE, cosigner_roles=_COSIGNERS
    )
    res = result(verified.document)
    if r.v2:
        require(
            digest(verified.document).hex() == doc["result"],
            "回执所指的分班结果不是所给的结果",
            "the receipt names another result than the one given",
        )
    if r.announcement is not None:
        require(
            res.announcement == digest(parse_document(r.announcement)).hex(),
            "分班结果不属于所给的公告",
            "the result is not the result of the announcement given",
        )
    placed = [c for c in res.classes if c.number == cls["number"]]
    require(
        bool(placed) and placed[0].label == cls["label"] and doc["index"] in placed[0].pupils,
        f"签名的分班结果没有把该学生分到 {cls['label']}",
        f"the signed result does not place this pupil in {cls['label']}",
    )
    zh, en = verified.describe()
    return Passed(
        f"签名的分班结果把该学生分到 {cls['label']}（{zh}）",
        f"the signed result places this pupil in {cls['label']} ({en})",
    )
