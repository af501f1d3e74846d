"""The archive bundle's private part (spec §4.1, §17): every ``private`` value opens.

Only an archive holds the salted private objects (ID number, birth date, flags, twin
label) and the meaning of the opaque codes; with them every leaf's ``private`` hash
is recomputed, and every stratum and twin code is shown to mean what the roster said.
"""

from __future__ import annotations

from collections.abc import Sequence

from placement.canonical import TAG_PUPIL_PRIVATE, Json, fast_json, tagged_hash
from placement.commitment import PublicLeaf, opaque_codes, private_tag, same_name_codes
from placement.errors import PlacementError
from placement.idcard import parse_resident_id
from placement.roster import Sex
from verifier.checks import Catalogue, Passed, first, optional_skip, require
from verifier.documents import canonical, fields, nfc_texts
from verifier.formats import is_date, is_text
from verifier.record import BundleRecord

checks: Catalogue[BundleRecord] = Catalogue()
_HEX_DIGITS = frozenset("0123456789abcdef")
PRIVATE_KEYS = {"birth_date", "flags", "id_number", "id_type", "salt", "student_no", "twin_group"}
PRIVATE_KEYS_V2 = PRIVATE_KEYS | {"name"}  # §21.1


def private_keys(leaf: PublicLeaf) -> set[str]:
    return PRIVATE_KEYS_V2 if leaf.version == 2 else PRIVATE_KEYS


def _archive(rec: BundleRecord) -> None:
    if rec.manifest().kind != "archive":
        raise optional_skip("公开包不含私密数据", "a public bundle holds no private data")


def _canonical_private(f: dict[str, Json], what: tuple[str, str]) -> bytes:
    """The RFC 8785 bytes of a private object. In the shape ``private_commitment`` hashes
    (NFC texts, and a list of NFC texts under ``flags``, all keys ASCII) they are the
    ``fast_json`` bytes, as tests/unit/test_canonical.py proves; anything else takes
    the full check, which says what is wrong with it."""
    flags = f["flags"]
    if type(flags) is list and nfc_texts([*(v for k, v in f.items() if k != "flags"), *flags]):
        try:
            return fast_json(f)
        except UnicodeEncodeError:  # a lone surrogate: the full check reports it
            pass
    return canonical(f, what)


def private_problems(doc: Json, leaf: PublicLeaf, what: tuple[str, str]) -> list[tuple[str, str]]:
    """Why a private object does not open its leaf's ``private`` hash, or belong to it."""
    f = fields(doc, private_keys(leaf), what)
    raw = _canonical_private(f, what)
    problems = []
    tag = private_tag(leaf.version) if leaf.version == 2 else TAG_PUPIL_PRIVATE
    if tagged_hash(tag, raw) != leaf.private:
        problems.append(
            (f"{what[0]}与叶子的 private 哈希不符", f"{what[1]} does not open the leaf")
        )
    flags, salt = f["flags"], f["salt"]
    ok = (
        f["id_type"] == "resident"
        and isinstance(salt, str)
        and len(salt) == 32
        and _HEX_DIGITS.issuperset(salt)
        and isinstance(flags, list)
        and all(isinstance(x, str) and x for x in flags)
        and flags == sorted(set(flags))  # type: ignore[type-var]
        and isinstance(f["student_no"], str)
        and isinstance(f["twin_group"], str)
        and (leaf.version == 1 or is_text(f["name"]))
        and (f["twin_group"] == "") == (leaf.twin == "")
        and is_date(f["birth_date"])
    )
    if not ok:
        problems.append((f"{what[0]}的内容无效", f"{what[1]} is malformed"))
        return problems
    try:
        rid = parse_resident_id(str(f["id_number"]))
    except PlacementError:
        return [*problems, (f"{what[0]}的身份证号无效", f"{what[1]}: the ID number is invalid")]
    if rid.number != f["id_number"] or rid.birth_date.isoformat() != f["birth_date"]:
        problems.append(
            (f"{what[0]}的出生日期与身份证号不符", f"{what[1]}: birth date differs from the ID")
        )
    if rid.male != (leaf.sex is Sex.MALE):
        problems.append(
            (f"{what[0]}的性别与身份证号不符", f"{what[1]}: sex differs from the ID number")
        )
    return problems


def private_objects(rec: BundleRecord) -> Sequence[dict[str, Json]]:
    """The objects of ``private/leaves.json``, read once for every check that asks."""
    return rec.once("archive.private_objects", lambda: _private_objects(rec))


def _private_objects(rec: BundleRecord) -> Sequence[dict[str, Json]]:
    raw = rec.json("private/leaves.json")
    require(
        isinstance(raw, list) and len(raw) == len(rec.leaves()),
        "私密叶子的数量与名单不符",
        "private/leaves.json does not hold one object per leaf",
    )
    assert isinstance(raw, list)
    leaves = rec.leaves()
    return [
        fields(x, private_keys(leaf), ("私密叶子", "a private leaf"))
        for x, leaf in zip(raw, leaves, strict=True)
    ]


@checks.check("archive.private", "私密叶子可打开", "private leaves open their commitments")
def _private(rec: BundleRecord) -> Passed:
    _archive(rec)
    leaves = rec.leaves()
    objects = private_objects(rec)
    problems = []
    for i, (doc, leaf) in enumerate(zip(objects, leaves, strict=True)):
        problems += private_problems(doc, leaf, (f"第 {i} 个私密叶子", f"private leaf {i}"))
    ids = [doc["id_number"] for doc in objects]
    if len(set(map(str, ids))) != len(ids):
        problems.append(("身份证号重复", "an ID number appears twice"))
    if problems:
        raise first(problems)
    return Passed(
        f"{len(leaves)} 个私密叶子均能打开公开叶子的 private 哈希；身份证号、出生日期与性别一致",
        f"all {len(leaves)} private leaves open their public leaves; ID numbers, birth dates "
        "and sexes agree",
    )


@checks.check("archive.codes", "代码含义", "meaning of the opaque codes")
def _codes(rec: BundleRecord) -> Passed:
    _archive(rec)
    leaves, objects = rec.leaves(), private_objects(rec)
    v2 = bool(leaves) and leaves[0].version == 2
    keys_wanted = {"names", "strata", "twins"} if v2 else {"strata", "twins"}
    raw = fields(rec.json("private/codes.json"), keys_wanted, ("代码表", "codes.json"))
    strata, twins = raw["strata"], raw["twins"]
    require(
        isinstance(strata, dict) and isinstance(twins, dict),
        "代码表无效",
        "codes.json is malformed",
    )
    assert isinstance(strata, dict)
    assert isinstance(twins, dict)
    flags = [doc["flags"] for doc in objects]
    require(
        all(isinstance(f, list) and all(isinstance(x, str) for x in f) for f in flags),
        "私密叶子的标记无效（见 archive.private）",
        "the private leaves' flags are malformed (see archive.private)",
    )
    keys = ["、".join(str(x) for x in f) for f in flags if isinstance(f, list)]
    labels = [str(doc["twin_group"]) for doc in objects]
    names = [str(doc.get("name", "")) for doc in objects]
    same = same_name_codes(names) if v2 else {}
    problems = []
    if v2:
        # §20.3: a 重名 pupil's stratum is withheld from its leaf and from the numbering.
        if raw["names"] != {code: name for name, code in same.items()} or any(
            leaf.same_name != same.get(name, "") for leaf, name in zip(leaves, names, strict=True)
        ):
            problems.append(
                ("同名代码与私密叶子不符", "the same-name codes differ from the private leaves")
            )
        keys = ["" if name in same else key for key, name in zip(keys, names, strict=True)]
    want_strata = {code: meaning for meaning, code in opaque_codes(keys, "s").items()}
    want_twins = {code: label for label, code in opaque_codes(labels, "t").items()}
    if strata != want_strata:
        problems.append(
            ("分层代码表与私密叶子不符", "the stratum codes differ from the private leaves")
        )
    if twins != want_twins:
        problems.append(
            ("双胞胎代码表与私密叶子不符", "the twin codes differ from the private leaves")
        )
    for i, (leaf, key, label) in enumerate(zip(leaves, keys, labels, strict=True)):
        if strata.get(leaf.stratum, "") != key or twins.get(leaf.twin, "") != label:
            problems.append(
                (
                    f"第 {i} 个叶子的代码与其私密内容不符",
                    f"leaf {i} codes differ from its private part",
                )
            )
    if problems:
        raise first(problems)
    return Passed(
        f"{len(strata)} 个分层代码与 {len(twins)} 个双胞胎代码均与私密叶子相符",
        f"all {len(strata)} stratum codes and {len(twins)} twin codes match the private leaves",
    )
