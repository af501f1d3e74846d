"""One protocol version per record (spec §19), and what each version adds to a bundle:
v2 carries no schemas and names the checkpoints it relies on (§24.2, §25.2); a v1
bundle's schemas, which nothing signs, must be the verifier's own copies (§24.2)."""

from __future__ import annotations

from importlib import resources

from placement.documents import CLASS_STATEMENT_TYPE, CLASS_STATEMENT_TYPE_V2
from placement.tlog_entries import Event
from verifier.archive import private_objects
from verifier.checks import Catalogue, Passed, first, optional_skip, require
from verifier.record import BundleRecord

checks: Catalogue[BundleRecord] = Catalogue()


def own_schemas() -> dict[str, bytes]:
    """The v1 schemas as this verifier ships them (verifier/schemas/)."""
    folder = resources.files("verifier") / "schemas"
    return {
        f"schemas/{item.name}": item.read_bytes()
        for item in folder.iterdir()
        if item.name.endswith(".schema.json")
    }


@checks.check("bundle.version", "协议版本一致", "one protocol version throughout")
def _version(rec: BundleRecord) -> Passed:
    version = rec.announcement().version
    require(
        rec.manifest().version == version,
        f"清单版本 {rec.manifest().version} 与公告版本 {version} 不符",
        f"manifest version {rec.manifest().version} differs from the announcement's {version}",
    )
    leaves = rec.leaves()
    require(
        all(leaf.version == version for leaf in leaves),
        f"名单叶子不全是 v{version} 叶子",
        f"the roster holds leaves of another version than v{version}",
    )
    statement = CLASS_STATEMENT_TYPE_V2 if version == 2 else CLASS_STATEMENT_TYPE
    if rec.paths("statements/"):
        require(
            all(doc.get("t") == statement for doc in rec.statements().values()),
            f"班级名单声明不是 {statement}",
            f"a class statement is not a {statement}",
        )
    schemas = rec.paths("schemas/")
    if version == 2:
        require(
            not schemas,
            "v2 记录包不得含有 schemas/",
            "a v2 bundle must not carry schemas/ (§24.2)",
        )
    else:
        own = own_schemas()
        bad = [p for p in schemas if own.get(p) != rec.members()[p]]
        if bad:
            raise first(
                [
                    (f"{p} 与核验程序自带的副本不同", f"{p} differs from the verifier's copy")
                    for p in bad
                ]
            )
    return Passed(
        f"协议版本 v{version}：公告、清单、叶子与声明一致",
        f"protocol v{version}: announcement, manifest, leaves and statements agree"
        + ("" if version == 2 else "; schemas equal the verifier's own copies"),
    )


@checks.check("log.relied", "所依赖的检查点齐全", "the checkpoints the bundle relies on")
def _relied(rec: BundleRecord) -> Passed:
    if rec.announcement().version != 2:
        raise optional_skip("v1 记录包未规定", "not defined for v1 bundles")
    entries = rec.entries()
    size = rec.checkpoint().size
    want = [i + 1 for i, e in entries if e["event"] in {Event.PUBLISHED, Event.SIGNED}]
    have = {int(p.rsplit("/", 1)[1]) for p in rec.paths("log/checkpoints/")} | {size}
    missing = [s for s in want if s not in have]
    require(
        not missing,
        f"缺少大小为 {missing} 的检查点",
        f"the bundle lacks the checkpoints of sizes {missing} (§25.2)",
    )
    return Passed(
        f"公告与结果签署之后的检查点（大小 {want}）均在包中，并与最新检查点一致",
        f"the checkpoints after the announcement and the signed result (sizes {want}) are "
        "present and chained by consistency proofs",
    )


@checks.check("archive.names", "班级名单姓名与档案一致", "class lists match the archive's names")
def _names(rec: BundleRecord) -> Passed:
    if rec.manifest().kind != "archive" or rec.announcement().version != 2:
        raise optional_skip("仅适用于 v2 档案包", "only for a v2 archive bundle")
    rec.drawn()
    objects, leaves = private_objects(rec), rec.leaves()
    docs = rec.statements()
    problems = []
    for c in rec.result().classes:
        doc = docs.get(f"statements/{c.number:02d}.jws", {})
        want = sorted(
            [str(objects[i]["name"]), leaves[i].sex.value] for i in c.pupils if i < len(objects)
        )
        if doc.get("pupils") != want:
            problems.append(
                (
                    f"第{c.number}班名单与档案中的姓名不符",
                    f"class {c.number}: the list differs from the archive's names",
                )
            )
    if problems:
        raise first(problems)
    return Passed(
        "每班名单上的姓名正是分到该班的学生（按档案核对）",
        "every class list names exactly the pupils placed in that class (checked with the archive)",
    )
