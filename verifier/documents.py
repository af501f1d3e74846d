"""Read the record's documents field by field (spec §4, §8, §15), refusing any other shape.

Each reader returns a small frozen value or raises :class:`~verifier.errors.Failed`
with a message naming the document and the field.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import cast

from placement.canonical import Json, canonical_json, fast_json
from placement.commitment import PUPIL_LEAF_TYPE, PUPIL_LEAF_TYPE_V2, PublicLeaf
from placement.documents import CEREMONY_TYPE
from placement.errors import PlacementError
from placement.merkle import leaf_hash
from placement.report import RESULT_TYPE
from placement.roster import Sex, TwinWish
from placement.seed import check_witness_input
from placement.teams import TEAM_LEAF_TYPE, Teacher, Team, TeamCommitment, commit_teams
from verifier.checks import require
from verifier.errors import Failed
from verifier.formats import is_hex64, is_int, is_text, is_time


def fields(doc: Json, keys: set[str], what: tuple[str, str]) -> dict[str, Json]:
    """``doc`` as an object with exactly ``keys``."""
    if not isinstance(doc, dict) or set(doc) != keys:
        got = sorted(doc) if isinstance(doc, dict) else type(doc).__name__
        raise Failed(
            f"{what[0]}的字段不符合规范（应为 {'、'.join(sorted(keys))}）",
            f"{what[1]} must have exactly the fields {sorted(keys)}, not {got}",
        )
    return doc


def canonical(value: Json, what: tuple[str, str]) -> bytes:
    try:
        return canonical_json(value)
    except PlacementError as e:
        raise Failed(f"{what[0]}含有不能规范化的值", f"{what[1]}: {e}") from e


# --- leaves and teams (§4) --------------------------------------------------------------


_LEAF_KEYS = {"name", "private", "sex", "stratum", "t", "twin", "twin_wish"}
_LEAF_KEYS_V2 = {"private", "same_name", "sex", "stratum", "t", "twin", "twin_wish"}  # §21.1
_SEXES = {s.value: s for s in Sex}
_WISHES = {w.value: w for w in TwinWish}


_is_nfc = functools.partial(unicodedata.is_normalized, "NFC")


def nfc_texts(values: Collection[Json]) -> bool:
    """Are all ``values`` text in Unicode NFC? Then an object of them, under ASCII keys,
    has ``fast_json`` bytes equal to its RFC 8785 bytes (tests/unit/test_canonical.py),
    unless one holds a lone surrogate, which ``fast_json`` refuses to encode."""
    return set(map(type, values)) <= {str} and all(map(_is_nfc, cast("Collection[str]", values)))


def _entry(doc: dict[str, Json], what: tuple[str, str]) -> bytes | None:
    """The canonical bytes of an object of NFC texts under ASCII keys, or None after
    :func:`canonical` found nothing wrong with another object (it raises if it does)."""
    if nfc_texts(doc.values()):
        try:
            return fast_json(doc)
        except UnicodeEncodeError:  # a lone surrogate: let the full check say what it says
            pass
    canonical(doc, what)
    return None


def _leaf(raw: Json, i: int) -> tuple[PublicLeaf, bytes]:
    """One leaf and its leaf hash, computed from the same JSON object."""
    what = (f"第 {i} 个学生叶子", f"leaf {i}")
    v2 = isinstance(raw, dict) and raw.get("t") == PUPIL_LEAF_TYPE_V2
    doc = fields(raw, _LEAF_KEYS_V2 if v2 else _LEAF_KEYS, what)
    fast = _plain_leaf_v2(doc) if v2 else _plain_leaf(doc)
    return fast if fast is not None else _leaf_careful(doc, what)


def _plain_leaf(doc: dict[str, Json]) -> tuple[PublicLeaf, bytes] | None:
    """The usual v1 leaf without rebuilding it to compare: every value text in NFC, a
    known sex and wish, lowercase hex, the right type, a non-blank name, the twin
    code and wish agreeing. Then the leaf *is* ``doc`` and its template bytes are
    ``doc``'s RFC 8785 bytes (tests/property/test_canonical_shapes.py); else None,
    and :func:`_leaf_careful` decides (tests/verifier/test_leaf_paths.py)."""
    name, sex, wish, private = doc["name"], doc["sex"], doc["twin_wish"], doc["private"]
    stratum, twin = doc["stratum"], doc["twin"]
    if not (
        type(name) is str
        and type(stratum) is str
        and type(twin) is str
        and type(sex) is str
        and type(wish) is str
        and sex in _SEXES
        and wish in _WISHES
        and doc["t"] == PUPIL_LEAF_TYPE
        and is_hex64(private)
        and name.strip()
        and (twin == "") == (wish == "")
        and _is_nfc(name)
        and _is_nfc(stratum)
        and _is_nfc(twin)
    ):
        return None
    leaf = PublicLeaf(name, _SEXES[sex], stratum, twin, _WISHES[wish], bytes.fromhex(private))
    try:
        return leaf, leaf_hash(leaf.entry())
    except UnicodeEncodeError:  # a lone surrogate: the careful path says what it says
        return None


def _plain_leaf_v2(doc: dict[str, Json]) -> tuple[PublicLeaf, bytes] | None:
    """The usual v2 leaf (§21.1), as :func:`_plain_leaf`: every value text in NFC, a
    known sex and wish, lowercase hex, the v2 type, no stratum beside a same-name code
    (§20.3), the twin code and wish agreeing; else None and the careful path decides."""
    same, sex, wish, private = doc["same_name"], doc["sex"], doc["twin_wish"], doc["private"]
    stratum, twin = doc["stratum"], doc["twin"]
    if not (
        type(same) is str
        and type(stratum) is str
        and type(twin) is str
        and type(sex) is str
        and type(wish) is str
        and sex in _SEXES
        and wish in _WISHES
        and doc["t"] == PUPIL_LEAF_TYPE_V2
        and is_hex64(private)
        and not (same and stratum)
        and (twin == "") == (wish == "")
        and _is_nfc(same)
        and _is_nfc(stratum)
        and _is_nfc(twin)
    ):
        return None
    leaf = PublicLeaf(
        "", _SEXES[sex], stratum, twin, _WISHES[wish], bytes.fromhex(private), same, 2
    )
    try:
        return leaf, leaf_hash(leaf.entry())
    except UnicodeEncodeError:  # a lone surrogate: the careful path says what it says
        return None


def _leaf_careful(doc: dict[str, Json], what: tuple[str, str]) -> tuple[PublicLeaf, bytes]:
    """Any leaf object (v1 or v2 by its type): every rule checked on a leaf rebuilt from it."""
    v2 = doc["t"] == PUPIL_LEAF_TYPE_V2
    sex, wish = doc["sex"], doc["twin_wish"]
    try:
        parsed = PublicLeaf(
            name="" if v2 else str(doc["name"]),
            sex=_SEXES[sex] if type(sex) is str and sex in _SEXES else Sex(str(sex)),
            stratum=str(doc["stratum"]),
            twin=str(doc["twin"]),
            twin_wish=(
                _WISHES[wish] if type(wish) is str and wish in _WISHES else TwinWish(str(wish))
            ),
            private=bytes.fromhex(str(doc["private"])) if is_hex64(doc["private"]) else b"",
            same_name=str(doc["same_name"]) if v2 else "",
            version=2 if v2 else 1,
        )
    except ValueError as e:
        raise Failed(f"{what[0]}的性别或双胞胎意愿无效", f"{what[1]}: {e}") from e
    entry = _entry(doc, what)
    ok = (
        (
            # a 重名 leaf's stratum is withheld (§20.3)
            (isinstance(doc["same_name"], str) and not (parsed.same_name and parsed.stratum))
            if v2
            else (doc["t"] == PUPIL_LEAF_TYPE and is_text(doc["name"]))
        )
        and len(parsed.private) == 32
        and parsed.to_json() == doc
        and (parsed.twin == "") == (parsed.twin_wish is TwinWish.NONE)
    )
    require(ok, f"{what[0]}的内容无效", f"{what[1]} is malformed")
    return parsed, leaf_hash(parsed.entry_strict() if entry is None else entry)


def leaf(raw: Json, i: int) -> PublicLeaf:
    return _leaf(raw, i)[0]


def roster_leaves(raw: Json) -> tuple[tuple[PublicLeaf, ...], tuple[bytes, ...]]:
    """The leaves of ``roster/leaves.json`` and their leaf hashes: each leaf is checked
    NFC once and hashed once, from the very JSON object that was checked.

    ``raw`` (a fresh parse, owned by the caller) is consumed: each object is let go
    as soon as its leaf is built, so a district's JSON and its leaves are not both
    held in full."""
    require(isinstance(raw, list), "学生叶子须为数组", "roster/leaves.json must be an array")
    assert isinstance(raw, list)
    leaves: list[PublicLeaf] = []
    hashes: list[bytes] = []
    for i in range(len(raw)):
        item, raw[i] = raw[i], None
        leaf, h = _leaf(item, i)
        leaves.append(leaf)
        hashes.append(h)
    return tuple(leaves), tuple(hashes)


def leaves(raw: Json) -> tuple[PublicLeaf, ...]:
    """The leaves of ``roster/leaves.json`` (``raw`` is consumed)."""
    return roster_leaves(raw)[0]


def leaf_hashes(items: Sequence[PublicLeaf]) -> tuple[bytes, ...]:
    return tuple(leaf_hash(x.entry_strict()) for x in items)


def team(raw: Json, i: int) -> Team:
    what = (f"第 {i + 1} 个教师团队", f"team {i + 1}")
    doc = fields(raw, {"head_teacher", "label", "number", "t", "teachers"}, what)
    teachers = doc["teachers"]
    require(isinstance(teachers, list), f"{what[0]}的任课教师须为数组", f"{what[1]}: bad teachers")
    assert isinstance(teachers, list)
    listed = [fields(t, {"name", "subject"}, what) for t in teachers]
    number = doc["number"]
    parsed = Team(
        number=number if isinstance(number, int) and not isinstance(number, bool) else -1,
        label=str(doc["label"]),
        head_teacher=str(doc["head_teacher"]),
        teachers=tuple(Teacher(subject=str(t["subject"]), name=str(t["name"])) for t in listed),
    )
    canonical(doc, what)
    ok = doc["t"] == TEAM_LEAF_TYPE and is_text(doc["label"]) and is_text(doc["head_teacher"])
    require(ok and parsed.to_json() == doc, f"{what[0]}的内容无效", f"{what[1]} is malformed")
    return parsed


def teams(raw: Json) -> TeamCommitment:
    require(isinstance(raw, list), "教师团队须为数组", "teams.json must be an array")
    assert isinstance(raw, list)
    parsed = [team(x, i) for i, x in enumerate(raw)]
    require(
        [t.number for t in parsed] == list(range(1, len(parsed) + 1)),
        "班号须为 1…k 且按班号排列",
        "team numbers must be 1…k, in order",
    )
    return commit_teams(parsed)


# --- ceremony (§15) ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Witness:
    entered_at: str
    input: str
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class Ceremony:
    announcement: str
    beacon: tuple[str, str] | None  # (round, value)
    final_seed: str
    revealed_at: str
    server_seed: bytes
    witnesses: tuple[Witness, ...]


def ceremony(doc: dict[str, Json]) -> Ceremony:
    what = ("现场记录", "the ceremony")
    keys = {"announcement", "beacon", "final_seed", "revealed_at", "server_seed", "t", "witnesses"}
    fields(doc, keys, what)
    require(doc["t"] == CEREMONY_TYPE, "现场记录类型不符", f"not a {CEREMONY_TYPE}")
    for key in ("announcement", "final_seed", "server_seed"):
        require(
            is_hex64(doc[key]), f"现场记录的 {key} 无效", f"ceremony {key} is not 64 hex digits"
        )
    require(is_time(doc["revealed_at"]), "揭示时间无效", "revealed_at is not a valid time")
    beacon: tuple[str, str] | None = None
    if doc["beacon"] is not None:
        b = fields(doc["beacon"], {"round", "value"}, ("信标", "the beacon"))
        require(is_text(b["round"]) and is_text(b["value"]), "信标无效", "the beacon is malformed")
        beacon = (str(b["round"]), str(b["value"]))
    raw = doc["witnesses"]
    require(isinstance(raw, list) and bool(raw), "没有见证人输入", "there is no witness input")
    assert isinstance(raw, list)
    witnesses = []
    for n, w in enumerate(raw):
        f = fields(w, {"entered_at", "input", "name", "role"}, (f"见证人 {n}", f"witness {n}"))
        ok = is_time(f["entered_at"]) and is_text(f["name"]) and is_text(f["role"])
        require(ok, f"见证人 {n} 的记录无效", f"witness {n} is malformed")
        value = str(f["input"]) if isinstance(f["input"], str) else ""
        try:
            require(check_witness_input(value) == value, "输入未规范化", "input is not NFC")
        except PlacementError as e:
            raise Failed(f"见证人 {n} 的输入无效", f"witness {n} input: {e}") from e
        witnesses.append(Witness(str(f["entered_at"]), value, str(f["name"]), str(f["role"])))
    return Ceremony(
        announcement=str(doc["announcement"]),
        beacon=beacon,
        final_seed=str(doc["final_seed"]),
        revealed_at=str(doc["revealed_at"]),
        server_seed=bytes.fromhex(str(doc["server_seed"])),
        witnesses=tuple(witnesses),
    )


# --- result (§8) ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResultClass:
    number: int
    label: str
    pupils: tuple[int, ...]
    team: str


@dataclass(frozen=True, slots=True)
class Result:
    algorithm: str
    announcement: str
    classes: tuple[ResultClass, ...]
    final_seed: str
    report: dict[str, Json]
    size_tolerance: int


def result(doc: dict[str, Json]) -> Result:
    keys = {"algorithm", "announcement", "classes", "final_seed", "report", "size_tolerance", "t"}
    fields(doc, keys, ("分班结果", "the result"))
    require(doc["t"] == RESULT_TYPE, "结果类型不符", f"not a {RESULT_TYPE}")
    for key in ("announcement", "final_seed"):
        require(is_hex64(doc[key]), f"结果的 {key} 无效", f"result {key} is not 64 hex digits")
    require(is_int(doc["size_tolerance"]), "人数允许差无效", "size_tolerance is not an integer")
    require(isinstance(doc["report"], dict), "均衡报告无效", "the report is not an object")
    raw = doc["classes"]
    require(isinstance(raw, list) and bool(raw), "结果没有班级", "the result lists no class")
    assert isinstance(raw, list)
    classes = []
    for n, c in enumerate(raw):
        what = (f"结果第 {n + 1} 个班", f"result class {n + 1}")
        f = fields(c, {"label", "number", "pupils", "team"}, what)
        pupils = f["pupils"]
        ok = (
            is_int(f["number"])
            and is_text(f["label"])
            and is_hex64(f["team"])
            and isinstance(pupils, list)
            and all(is_int(i) for i in pupils)
        )
        require(ok, f"{what[0]}的内容无效", f"{what[1]} is malformed")
        assert isinstance(pupils, list)
        classes.append(
            ResultClass(
                int(str(f["number"])),
                str(f["label"]),
                tuple(int(str(i)) for i in pupils),
                str(f["team"]),
            )
        )
    report = doc["report"]
    assert isinstance(report, dict)
    return Result(
        algorithm=str(doc["algorithm"]),
        announcement=str(doc["announcement"]),
        classes=tuple(classes),
        final_seed=str(doc["final_seed"]),
        report=report,
        size_tolerance=int(str(doc["size_tolerance"])),
    )
