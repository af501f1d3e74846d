"""A pupil receipt (spec §17): one child was in the frozen roster.

The receipt holds the child's public leaf, the salted private object and an
inclusion proof. It verifies by recomputing ``private`` (the salt and ID number
must open it), the leaf hash, and the proof up to the roster root; a signed
announcement (``--announcement``, checked with ``--keyring``) ties that root to the
bureau's signature.
"""

from __future__ import annotations

from dataclasses import dataclass

from placement.announcement import ANNOUNCEMENT_TYPE, from_json
from placement.canonical import Json
from placement.documents import RECEIPT_TYPE
from placement.keyring import Keyring, KeyRole
from placement.merkle import leaf_hash, verify_inclusion
from verifier.archive import PRIVATE_KEYS, private_problems
from verifier.checks import Catalogue, Passed, first, optional_skip, require
from verifier.documents import fields, leaf
from verifier.errors import Skipped
from verifier.formats import DRAW_ID, is_hex64, is_int, is_text
from verifier.signatures import parse_document, verify_jws

_KEYS = {"class", "draw", "index", "leaf", "private", "proof", "root", "size", "t"}


@dataclass(frozen=True, slots=True)
class ReceiptInput:
    doc: Json
    announcement: str | None  # the signed announcement's JWS text, if given
    keyring: Keyring | None


checks: Catalogue[ReceiptInput] = Catalogue()


def _doc(r: ReceiptInput) -> dict[str, Json]:
    return fields(r.doc, _KEYS, ("回执", "the receipt"))


def mask(id_number: str) -> str:
    return (
        id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:] if len(id_number) > 8 else "*"
    )


@checks.check("receipt.document", "回执内容", "receipt content")
def _document(r: ReceiptInput) -> Passed:
    doc = _doc(r)
    index, size, proof, cls = doc["index"], doc["size"], doc["proof"], doc["class"]
    ok = (
        doc["t"] == RECEIPT_TYPE
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
    private = fields(doc["private"], PRIVATE_KEYS, ("私密部分", "the private part"))
    where_zh = where_en = ""
    if isinstance(cls, dict):
        where_zh = f"；回执所写班级 {cls['label']}（须以分班结果核对）"
        where_en = f"; class stated: {cls['label']} (check it against the result)"
    masked = mask(str(private["id_number"]))
    return Passed(
        f"学生 {pupil.name}（身份证号 {masked}），抽签 {doc['draw']}，名单共 {size} 人{where_zh}",
        f"pupil {pupil.name} (ID {masked}), draw {doc['draw']}, roster of {size}{where_en}",
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


@checks.check("signature.announcement", "公告签名", "announcement signature")
def _signature(r: ReceiptInput) -> Passed:
    if r.announcement is None:
        raise optional_skip(
            "未提供公告（--announcement）", "no announcement given (--announcement)"
        )
    if r.keyring is None:
        raise Skipped(
            "未提供公钥清单（--keyring），无法核验公告签名",
            "no keyring given (--keyring): the announcement signature cannot be checked",
        )
    doc = verify_jws(
        r.announcement,
        r.keyring,
        expected_type=ANNOUNCEMENT_TYPE,
        cosigner_roles=(KeyRole.BUREAU, KeyRole.SUPERVISOR),
    )
    zh, en = doc.describe()
    return Passed(f"公告签名有效：{zh}", f"announcement signature valid: {en}")


@checks.check("receipt.announcement", "名单根与公告一致", "roster root matches the announcement")
def _announcement(r: ReceiptInput) -> Passed:
    doc = _doc(r)
    if r.announcement is None:
        raise optional_skip(
            f"未提供公告：请将名单根 {doc['root']} 与教育局公布的公告核对",
            f"no announcement given: compare the roster root {doc['root']} with the bureau's "
            "published announcement",
        )
    ann = from_json(parse_document(r.announcement))
    require(
        ann.roster_root.hex() == doc["root"] and ann.roster_size == doc["size"],
        "回执的名单根或人数与公告不符",
        "the receipt's roster root or size differs from the announcement",
    )
    require(ann.draw_id == doc["draw"], "回执的抽签编号与公告不符", "the draw id differs")
    return Passed(
        f"名单根与 {ann.school} {ann.intake} 的公告一致",
        f"the roster root is the one announced for draw {ann.draw_id}",
    )
