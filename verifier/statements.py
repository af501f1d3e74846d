"""Class statements (spec §15): what a printed sheet's QR code holds.

In a bundle each statement must equal its class in the signed result. On its own
(a QR code's text, or the ``https://…/verify#<JWS>`` link it encodes) a statement
is checked against a keyring, and its content is shown so that a parent can compare
it with the sheet on the wall.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from placement import jws
from placement.announcement import names_digest
from placement.canonical import Json
from placement.commitment import PublicLeaf
from placement.documents import CLASS_STATEMENT_TYPE, CLASS_STATEMENT_TYPE_V2
from placement.errors import PlacementError
from placement.keyring import Keyring
from verifier.checks import Catalogue, Passed, first, require
from verifier.documents import fields
from verifier.errors import Failed, Skipped
from verifier.formats import DRAW_ID, is_hex64, is_int, is_text
from verifier.record import BundleRecord, owned
from verifier.signatures import parse_document, verify_jws

STATEMENT_KEYS = {
    "class",
    "draw",
    "head_teacher",
    "intake",
    "label",
    "pupils",
    "result",
    "school",
    "t",
}
checks: Catalogue[BundleRecord] = Catalogue()


VERSION_KEYS = STATEMENT_KEYS | {"exception", "version"}  # a later version (spec §E2)


def check_statement(doc: dict[str, Json]) -> None:
    """The shape of a class statement (version 1, or a later version naming its
    exception); raise Failed."""
    versioned = isinstance(doc, dict) and "version" in doc
    fields(
        doc, VERSION_KEYS if versioned else STATEMENT_KEYS, ("班级名单声明", "the class statement")
    )
    require(
        not versioned
        or (
            is_int(doc["version"])
            and doc["version"] >= 2  # version 1 carries no version key
            and is_int(doc["exception"])
            and doc["exception"] >= 1
        ),
        "名单版本号或例外编号无效",
        "the statement's version or exception number is invalid",
    )
    require(
        doc["t"] in {CLASS_STATEMENT_TYPE, CLASS_STATEMENT_TYPE_V2},
        "不是班级名单声明",
        "not a class statement",
    )
    pupils = doc["pupils"]
    ok = (
        is_int(doc["class"])
        and isinstance(doc["draw"], str)
        and DRAW_ID.fullmatch(doc["draw"]) is not None
        and all(is_text(doc[k]) for k in ("head_teacher", "intake", "label", "school"))
        and is_hex64(doc["result"])
        and isinstance(pupils, list)
        and all(
            isinstance(p, list) and len(p) == 2 and is_text(p[0]) and p[1] in {"F", "M"}
            for p in pupils
        )
    )
    require(ok, "班级名单声明的内容无效", "the class statement is malformed")
    if doc["t"] == CLASS_STATEMENT_TYPE_V2:
        assert isinstance(pupils, list)
        pairs = [(str(p[0]), str(p[1])) for p in pupils if isinstance(p, list)]
        require(
            pairs == sorted(pairs),
            "v2 班级名单须按姓名排序",
            "a v2 class statement lists its pupils sorted by name (§21.3)",
        )


def describe(doc: dict[str, Json]) -> tuple[str, str]:
    pupils = doc["pupils"]
    assert isinstance(pupils, list)
    names = "、".join(str(p[0]) for p in pupils if isinstance(p, list))
    girls = sum(1 for p in pupils if isinstance(p, list) and p[1] == "F")
    if "version" in doc:
        zh, en = _describe(doc, names, girls, len(pupils))
        return (
            f"{zh}（第 {doc['version']} 版，由第 {doc['exception']} 号例外产生）",
            f"{en}; version {doc['version']}, made by exception #{doc['exception']}",
        )
    return _describe(doc, names, girls, len(pupils))


def _describe(doc: dict[str, Json], names: str, girls: int, n: int) -> tuple[str, str]:
    return (
        (
            f"{doc['school']} {doc['label']}（第{doc['class']}班），班主任 {doc['head_teacher']}，"
            f"{n} 名学生（女 {girls}、男 {n - girls}）：{names}"
        ),
        (
            f"{doc['label']} (class {doc['class']}) of {doc['school']}, head teacher "
            f"{doc['head_teacher']}, {n} pupils ({girls} F, {n - girls} M); "
            f"draw {doc['draw']}, result {str(doc['result'])[:16]}…"
        ),
    )


@checks.check("statements.match", "班级名单声明与结果一致", "class statements match the result")
def _match(rec: BundleRecord) -> Passed:
    docs = owned(rec.statements)
    res, ann, teams, leaves = rec.result(), rec.announcement(), rec.teams(), rec.leaves()
    head = {t.number: t.head_teacher for t in teams.teams}
    digest = rec.result_digest().hex()
    problems: list[tuple[str, str]] = []
    expected_paths = set()
    for c in res.classes:
        path = f"statements/{c.number:02d}.jws"
        expected_paths.add(path)
        doc = docs.get(path)
        if doc is None:
            problems.append(
                (f"第{c.number}班没有班级名单声明", f"class {c.number} has no statement")
            )
            continue
        if ann.version == 2:
            problems += _v2_class(c.number, doc, [leaves[i] for i in c.pupils if i < len(leaves)])
        want: dict[str, Json] = {
            "class": c.number,
            "draw": ann.draw_id,
            "head_teacher": head.get(c.number, ""),
            "intake": ann.intake,
            "label": c.label,
            "pupils": [[leaves[i].name, leaves[i].sex.value] for i in c.pupils if i < len(leaves)],
            "result": digest,
            "school": ann.school,
            "t": CLASS_STATEMENT_TYPE if ann.version == 1 else CLASS_STATEMENT_TYPE_V2,
        }
        if ann.version == 2:
            want["pupils"] = doc.get("pupils")
        if doc.get("pupils") != want["pupils"]:
            problems.append(
                (
                    f"第{c.number}班名单与签名结果不符",
                    f"class {c.number} list differs from the signed result",
                )
            )
        problems += [
            (f"第{c.number}班声明的“{k}”不符", f"class {c.number} statement: {k!r} differs")
            for k in sorted(set(doc) | set(want))
            if k != "pupils" and doc.get(k) != want.get(k)
        ]
    problems += [
        (f"多余的声明 {p}", f"{p} is a statement for no class")
        for p in sorted(set(docs) - expected_paths)
    ]
    if ann.version == 2 and not problems:
        problems += _v2_names(ann.names or b"", docs.values())
    if problems:
        raise first(problems)
    if ann.version == 2:
        return Passed(
            f"{len(docs)} 份班级名单声明与签名结果逐班一致（人数、男女、班名、班主任）；"
            "全部姓名与公告中的姓名摘要一致",
            f"all {len(docs)} class statements agree with the signed result (size, sexes, "
            "label, head teacher); together their names hash to the announcement's names",
        )
    return Passed(
        f"{len(docs)} 份班级名单声明与签名结果逐班一致（姓名、性别、顺序、班名、班主任）",
        f"all {len(docs)} class statements equal the signed result (names, sexes, order, "
        "label, head teacher)",
    )


def _v2_class(number: int, doc: dict[str, Json], leaves: list[PublicLeaf]) -> list[tuple[str, str]]:
    """§20.4: the statement's size and sexes are the class's; its order is by name."""
    try:
        check_statement(doc)
    except Failed as e:
        return [(f"第{number}班声明：{e.zh}", f"class {number} statement: {e.en}")]
    pupils = doc["pupils"]
    assert isinstance(pupils, list)
    sexes = sorted(str(p[1]) for p in pupils if isinstance(p, list))
    if sexes != sorted(leaf.sex.value for leaf in leaves):
        return [
            (
                f"第{number}班名单的人数或男女人数与签名结果不符",
                f"class {number}: the statement's size or sexes differ from the signed result",
            )
        ]
    return []


def _v2_names(want: bytes, docs: Iterable[dict[str, Json]]) -> list[tuple[str, str]]:
    pairs = [
        (str(p[0]), str(p[1]))
        for doc in docs
        for p in (doc.get("pupils") or [])  # type: ignore[union-attr]
        if isinstance(p, list)
    ]
    if names_digest(pairs) != want:
        return [
            (
                "班级名单中的姓名与公告中的姓名摘要不符：有人被加入、删去或改名",
                (
                    "the names of the class statements do not hash to the announcement's "
                    "names: a pupil was added, dropped or renamed"
                ),
            )
        ]
    return []


# --- a statement on its own -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementInput:
    text: str
    keyring: Keyring | None


single: Catalogue[StatementInput] = Catalogue()


@single.check("signature.statement", "班级名单声明签名", "class statement signature")
def _signature(s: StatementInput) -> Passed:
    if s.keyring is None:
        raise Skipped(
            "未提供公钥清单（--keyring），无法核验签名",
            "no keyring given (--keyring): the signature cannot be checked",
        )
    v2 = _typ(s.text) == CLASS_STATEMENT_TYPE_V2
    typ = CLASS_STATEMENT_TYPE_V2 if v2 else CLASS_STATEMENT_TYPE
    doc = verify_jws(s.text, s.keyring, expected_type=typ)
    zh, en = doc.describe()
    return Passed(f"签名有效：{zh}", f"valid signature: {en}")


@single.check("statement.document", "班级名单内容", "class statement content")
def _content(s: StatementInput) -> Passed:
    doc = parse_document(s.text)
    check_statement(doc)
    zh, en = describe(doc)
    return Passed(zh, en)


def _typ(text: str) -> object:
    try:
        return jws.parse(text).signatures[0].header.get("typ")
    except (PlacementError, IndexError):
        return None
