"""One protocol version per record (spec §19), and what each version adds to a bundle:
v2 carries no schemas and names the checkpoints it relies on (§24.2, §25.2); a v1
bundle's schemas, which nothing signs, must be the verifier's own copies (§24.2)."""

from __future__ import annotations

import hashlib

from placement.documents import CLASS_STATEMENT_TYPE, CLASS_STATEMENT_TYPE_V2
from placement.tlog_entries import Event
from verifier.archive import private_objects
from verifier.checks import Catalogue, Passed, first, optional_skip, require
from verifier.record import BundleRecord

checks: Catalogue[BundleRecord] = Catalogue()


# The v1 schema set as released (SHA-256 of each file): a v1 bundle's schemas/ must be
# exactly these (§24.2). Digests, not verifier/schemas/ itself, so that the schemas the
# verifier ships may evolve without failing the bundles already issued.
V1_SCHEMAS = {
    "schemas/amendment.schema.json": "410556b1212e49aac5d6435edd28e708157cc453ae67addc5dbda79d05e4c265",  # noqa: E501
    "schemas/announcement.schema.json": "c021af0078e9b7071230a8357afa55515bce943883df5190b13cb1d756c4c602",  # noqa: E501
    "schemas/bundle-manifest.schema.json": "43e601b53ae8f043a95e0ce8f72a98224f7df6aa6e9ebedaa553129df9ccd2c4",  # noqa: E501
    "schemas/ceremony.schema.json": "677cd7c72d87a8a0f34b2fe5cd75ed16b241c8111d86d9d7854af2d74fd7dba1",  # noqa: E501
    "schemas/class-statement.schema.json": "2d4d8cce984d22100f21cea145e9e8f9a64cb36cc212d939f2a5e226dd920bff",  # noqa: E501
    "schemas/keyring.schema.json": "db1d35d5192c59903c4a77d9853db9ed98d712fbaae41118ae0bd2241a3d1f6c",  # noqa: E501
    "schemas/log-entry.schema.json": "5905e1e5edccb7d11822dba95e44f358dc60d14f2a2914eace6fcb22cf1b6aa6",  # noqa: E501
    "schemas/pupil-leaf.schema.json": "a4045c4ddd3452368e04e25a4e47cf3e4d135e0c936c889ffea3dd496eac4905",  # noqa: E501
    "schemas/pupil-private.schema.json": "da52945e358bc32d97fd329685aa2c1dd93abb9d5381e30db492594af2a76cc9",  # noqa: E501
    "schemas/receipt.schema.json": "461fddeb640c53b6d1a82491e5be102c695e05ad0b55d07bf8fd01b4c9888f34",  # noqa: E501
    "schemas/result.schema.json": "780bde2a1dddc2db11154869f718c87d3ab5d5275c60e4c865d780c8e96b0940",  # noqa: E501
    "schemas/team-leaf.schema.json": "ae69567036f340386241fd920ecaab6b62e8ab8a50f81f43785cf028107915da",  # noqa: E501
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
        bad = [
            p for p in schemas if V1_SCHEMAS.get(p) != hashlib.sha256(rec.members()[p]).hexdigest()
        ]
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
