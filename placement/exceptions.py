"""Exceptions after the draw (spec Part E, §E1–§E2): kinds, the two signed documents.

An exception is requested for a school and approved or refused by a bureau admin;
both steps are signed documents. What an approval does to the classes is replayed by
:mod:`placement.history`; this module reads the documents (built by
:mod:`placement.exception_documents`), so a request or decision that is malformed never
reaches the replay.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Final

from placement.canonical import Json, nfc
from placement.commitment import PUPIL_LEAF_TYPE, PUPIL_LEAF_TYPE_V2, PublicLeaf
from placement.errors import PlacementError
from placement.roster import Sex, TwinWish
from placement.teams import TEAM_LEAF_TYPE, Teacher, Team

REQUEST_TYPE: Final = "sunshine-placement/v1/exception-request"
DECISION_TYPE: Final = "sunshine-placement/v1/exception-decision"
APPROVER_ROLE: Final = "bureau-admin"
REQUESTER_ROLE: Final = "school"
MAX_TEXT: Final = 500  # reasons and references stay short: they are printed and published


class ExceptionError(PlacementError):
    """A request or decision is malformed, or breaks a rule of §E3 ("zh / en")."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


class Kind(StrEnum):
    LATE = "late-placement"  # 补录
    TRANSFER_IN = "transfer-in"  # 转入
    TRANSFER_OUT = "transfer-out"  # 转出
    CORRECTION = "correction"  # 更正
    TEACHER_CHANGE = "teacher-change"  # 更换教师

    @property
    def zh(self) -> str:
        return _KIND_ZH[self]

    @property
    def adds(self) -> bool:
        """Does an approval add a pupil placed by ``late-placement/1``?"""
        return self in {Kind.LATE, Kind.TRANSFER_IN}


_KIND_ZH = {
    Kind.LATE: "补录",
    Kind.TRANSFER_IN: "转入",
    Kind.TRANSFER_OUT: "转出",
    Kind.CORRECTION: "更正",
    Kind.TEACHER_CHANGE: "更换教师",
}
_TRANSFER = ("family-move", "guardian-job", "migrant", "abroad-military", "other")
CATEGORIES: Mapping[Kind, tuple[str, ...]] = {
    Kind.LATE: ("late-review", "bureau-assignment", "returning"),
    Kind.TRANSFER_IN: _TRANSFER,
    Kind.TRANSFER_OUT: _TRANSFER,
    Kind.CORRECTION: ("data-error", "twin-wish", "other"),
    Kind.TEACHER_CHANGE: ("leave", "departure", "other"),
}
CATEGORY_ZH: Mapping[str, str] = {
    "late-review": "资格复审晚于派位",
    "bureau-assignment": "统筹安排",
    "returning": "回流",
    "family-move": "家庭迁居",
    "guardian-job": "监护人工作调动",
    "migrant": "随迁",
    "abroad-military": "出国或参军",
    "data-error": "信息录入错误",
    "twin-wish": "双胞胎意愿登记错误",
    "leave": "长期病假或产假",
    "departure": "调离或离职",
    "other": "其他",
}


class Waiver(StrEnum):
    CAP = "cap"
    FIRST_YEAR = "first-year"


class Decision(StrEnum):
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class Move:
    pupil: int  # leaf index (v1); -1 in a v2 request, which names the pupil instead
    from_class: int
    to_class: int
    named: tuple[str, str] | None = None  # v2: [name, sex] as the class statement shows it


@dataclass(frozen=True, slots=True)
class Request:
    """A parsed request (§E2); ``leaf``, ``pupil``, ``moves``, ``team`` by kind."""

    number: int
    kind: Kind
    category: str
    reason: str
    draw: str
    result: str
    requested_by: str
    requested_on: date
    leaf: PublicLeaf | None = None
    pupil: int | None = None
    moves: tuple[Move, ...] = ()
    team: Team | None = None
    detail: Mapping[str, Json] | None = None
    version: int = 1  # 2: the v2 form of §E5 (names instead of leaf indices)
    name: str = ""  # v2 added pupil: the name its class statement shows
    named: tuple[str, str] | None = None  # v2 transfer-out: [name, sex] in class ``from_class``
    from_class: int | None = None
    twin_of: int | None = None  # §E7: the exception that added this pupil's twin

    def member(self) -> PublicLeaf | None:
        """The added pupil as the replay counts it: its leaf, with the request's name in a
        v2 request (the 重名 rule compares names, §E5)."""
        if self.leaf is None or self.version == 1:
            return self.leaf
        return replace(self.leaf, name=self.name)


@dataclass(frozen=True, slots=True)
class Ruling:
    """A parsed decision (§E2)."""

    number: int
    decision: Decision
    request: str  # hex digest of the request
    approver: str
    decided_on: date
    reason: str
    placed: int | None
    waivers: frozenset[Waiver]

    @property
    def approved(self) -> bool:
        return self.decision is Decision.APPROVED


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        raise ExceptionError(
            f"{what} 须为 1–{MAX_TEXT} 字的文字", f"{what} must be text of 1–{MAX_TEXT} characters"
        )
    return nfc(value.strip())


def _int(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ExceptionError(f"{what} 须为非负整数", f"{what} must be a non-negative integer")
    return value


def _day(value: object, what: str) -> date:
    try:
        day = date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None or day.isoformat() != value:
        raise ExceptionError(f"{what} 须为 YYYY-MM-DD 日期", f"{what} must be a date YYYY-MM-DD")
    return day


def _fields(doc: object, keys: set[str], what: str) -> Mapping[str, Json]:
    if not isinstance(doc, dict) or set(doc) != keys:
        got = sorted(doc) if isinstance(doc, dict) else type(doc).__name__
        raise ExceptionError(
            f"{what} 的字段应为 {sorted(keys)}", f"{what} must have fields {sorted(keys)}: {got}"
        )
    return doc


def leaf_from_json_v2(raw: object) -> PublicLeaf:
    """An added pupil's v2 leaf (§E5): it shows its sex and nothing else, because the
    public request names the pupil."""
    f = _fields(raw, {"private", "same_name", "sex", "stratum", "t", "twin", "twin_wish"}, "leaf")
    private = f["private"]
    ok = (
        f["t"] == PUPIL_LEAF_TYPE_V2
        and f["sex"] in {"F", "M"}
        and isinstance(private, str)
        and len(private) == 64
        and all(ch in "0123456789abcdef" for ch in private)
        and all(f[k] == "" for k in ("same_name", "stratum", "twin", "twin_wish"))
    )
    if not ok:
        raise ExceptionError(
            "新增学生的 v2 叶子无效（只含性别与承诺，其余代码须为空）",
            "the added pupil's v2 leaf is malformed (sex and commitment only; codes empty)",
        )
    assert isinstance(private, str)
    return PublicLeaf(
        name="",
        sex=Sex(str(f["sex"])),
        stratum="",
        twin="",
        twin_wish=TwinWish.NONE,
        private=bytes.fromhex(private),
        version=2,
    )


def named_from_json(raw: object) -> tuple[str, str]:
    """A v2 pupil reference: [name, sex] as its class statement lists it (§E5)."""
    if not (isinstance(raw, list) and len(raw) == 2 and raw[1] in {"F", "M"}):
        raise ExceptionError("学生须写为 [姓名, 性别]", "a pupil is given as [name, sex]")
    return _text(raw[0], "pupil.name"), str(raw[1])


def leaf_from_json(raw: object) -> PublicLeaf:
    """An added pupil's public leaf (§4.2); twin fields must be empty (§E1)."""
    f = _fields(raw, {"name", "private", "sex", "stratum", "t", "twin", "twin_wish"}, "leaf")
    private, stratum = f["private"], f["stratum"]
    ok = (
        f["t"] == PUPIL_LEAF_TYPE
        and f["sex"] in {"F", "M"}
        and isinstance(private, str)
        and len(private) == 64
        and all(ch in "0123456789abcdef" for ch in private)
        and isinstance(stratum, str)
        and (stratum == "" or (stratum[:1] == "s" and stratum[1:].isdigit()))
        and f["twin"] == ""
        and f["twin_wish"] == ""
    )
    if not ok:
        raise ExceptionError(
            "新增学生的叶子无效（补录与转入学生不带双胞胎代码）",
            "the added pupil's leaf is malformed (added pupils carry no twin code)",
        )
    assert isinstance(private, str)
    assert isinstance(stratum, str)
    return PublicLeaf(
        name=_text(f["name"], "name"),
        sex=Sex(str(f["sex"])),
        stratum=stratum,
        twin="",
        twin_wish=TwinWish.NONE,
        private=bytes.fromhex(private),
    )


def team_from_json(raw: object) -> Team:
    f = _fields(raw, {"head_teacher", "label", "number", "t", "teachers"}, "team")
    teachers = f["teachers"]
    if f["t"] != TEAM_LEAF_TYPE or not isinstance(teachers, list):
        raise ExceptionError("教师团队无效", "the team is malformed")
    return Team(
        number=_int(f["number"], "team.number"),
        label=_text(f["label"], "team.label"),
        head_teacher=_text(f["head_teacher"], "team.head_teacher"),
        teachers=tuple(
            Teacher(
                name=_text(t.get("name"), "teacher.name"),
                subject=_text(t.get("subject"), "teacher.subject"),
            )
            for t in (_fields(t, {"name", "subject"}, "teacher") for t in teachers)
        ),
    )


_DETAIL_KEYS = {
    Kind.LATE: {"admission", "leaf"},
    Kind.TRANSFER_IN: {"from_school", "leaf"},
    Kind.TRANSFER_OUT: {"pupil", "to_school"},
    Kind.CORRECTION: {"changes", "evidence"},
    Kind.TEACHER_CHANGE: {"team"},
}
# v2 (§E5): added pupils are named in the request, removed and moved ones by [name, sex]
_V2_KEYS: Mapping[Kind, set[str]] = {
    Kind.LATE: {"name"},
    Kind.TRANSFER_IN: {"name"},
    Kind.TRANSFER_OUT: {"class"},
    Kind.CORRECTION: {"version"},
    Kind.TEACHER_CHANGE: set(),
}
_REQUEST_KEYS = {
    "category",
    "detail",
    "draw",
    "kind",
    "number",
    "reason",
    "requested_by",
    "requested_on",
    "result",
    "t",
}


def parse_request(doc: object) -> Request:
    f = _fields(doc, _REQUEST_KEYS, "exception-request")
    if f["t"] != REQUEST_TYPE:
        raise ExceptionError("不是例外申请", f"not a {REQUEST_TYPE}")
    try:
        kind = Kind(str(f["kind"]))
    except ValueError:
        raise ExceptionError(
            f"没有“{f['kind']}”这种例外（调班不允许）",
            f"there is no exception kind {f['kind']!r} (class changes are not allowed)",
        ) from None
    if f["category"] not in CATEGORIES[kind]:
        raise ExceptionError(
            f"{kind.zh}的理由类别应为 {'、'.join(CATEGORIES[kind])}",
            f"the category of a {kind} must be one of {', '.join(CATEGORIES[kind])}",
        )
    by = _fields(f["requested_by"], {"name", "role"}, "requested_by")
    if by["role"] != REQUESTER_ROLE:
        raise ExceptionError("申请须由学校提出", "a request is made by a school")
    number = _int(f["number"], "number")
    if number < 1:
        raise ExceptionError("例外编号从 1 开始", "exception numbers start at 1")
    raw = f["detail"]
    v2 = (
        isinstance(raw, dict)
        and kind is not Kind.TEACHER_CHANGE
        and bool(_V2_KEYS[kind] & set(raw))
    )
    twin = {"twin_of"} if kind.adds and isinstance(raw, dict) and "twin_of" in raw else set()
    d = _fields(
        raw, _DETAIL_KEYS[kind] | (_V2_KEYS[kind] if v2 else set()) | twin, f"detail of {kind}"
    )
    base = Request(
        number=number,
        kind=kind,
        category=str(f["category"]),
        reason=_text(f["reason"], "reason"),
        draw=_text(f["draw"], "draw"),
        result=_text(f["result"], "result"),
        requested_by=_text(by["name"], "requested_by.name"),
        requested_on=_day(f["requested_on"], "requested_on"),
        detail=d,
        twin_of=_twin_of(d["twin_of"], number) if twin else None,
    )
    if v2:
        return _parse_v2(base, d)
    if kind is Kind.LATE:
        adm = _fields(d["admission"], {"basis", "reference"}, "admission")
        if adm["basis"] not in CATEGORIES[Kind.LATE]:
            raise ExceptionError("补录依据无效", "the admission basis is not a late category")
        _text(adm["reference"], "admission.reference")
        return replace(base, leaf=leaf_from_json(d["leaf"]))
    if kind is Kind.TRANSFER_IN:
        _text(d["from_school"], "from_school")
        return replace(base, leaf=leaf_from_json(d["leaf"]))
    if kind is Kind.TRANSFER_OUT:
        _text(d["to_school"], "to_school")
        return replace(base, pupil=_int(d["pupil"], "pupil"))
    if kind is Kind.CORRECTION:
        _text(d["evidence"], "evidence")
        changes = d["changes"]
        if not isinstance(changes, list) or not changes:
            raise ExceptionError("更正须至少调整一名学生", "a correction moves at least one pupil")
        moves = tuple(
            Move(_int(c["pupil"], "pupil"), _int(c["from"], "from"), _int(c["to"], "to"))
            for c in (_fields(c, {"from", "pupil", "to"}, "change") for c in changes)
        )
        return replace(base, moves=moves)
    return replace(base, team=team_from_json(d["team"]))


def _twin_of(value: object, number: int) -> int:
    """§E7: the number of an earlier exception (1 ≤ m < n)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value < number:
        raise ExceptionError(
            f"twin_of 须为在先的例外编号（1 至 {number - 1}）",
            f"twin_of must be the number of an earlier exception (1 to {number - 1})",
        )
    return value


def _parse_v2(base: Request, d: Mapping[str, Json]) -> Request:
    kind = base.kind
    base = replace(base, version=2)
    if kind.adds:
        if kind is Kind.LATE:
            adm = _fields(d["admission"], {"basis", "reference"}, "admission")
            if adm["basis"] not in CATEGORIES[Kind.LATE]:
                raise ExceptionError("补录依据无效", "the admission basis is not a late category")
            _text(adm["reference"], "admission.reference")
        else:
            _text(d["from_school"], "from_school")
        return replace(base, leaf=leaf_from_json_v2(d["leaf"]), name=_text(d["name"], "name"))
    if kind is Kind.TRANSFER_OUT:
        _text(d["to_school"], "to_school")
        return replace(
            base, named=named_from_json(d["pupil"]), from_class=_int(d["class"], "class")
        )
    if d["version"] != 2:  # the protocol version of the names
        raise ExceptionError("更正的版本应为 2", "a v2 correction has version 2")
    _text(d["evidence"], "evidence")
    changes = d["changes"]
    if not isinstance(changes, list) or not changes:
        raise ExceptionError("更正须至少调整一名学生", "a correction moves at least one pupil")
    moves = tuple(
        Move(-1, _int(c["from"], "from"), _int(c["to"], "to"), named_from_json(c["pupil"]))
        for c in (_fields(c, {"from", "pupil", "to"}, "change") for c in changes)
    )
    return replace(base, moves=moves)


_DECISION_KEYS = {
    "approver",
    "decided_on",
    "decision",
    "number",
    "placed",
    "reason",
    "request",
    "t",
    "waivers",
}


def parse_decision(doc: object) -> Ruling:
    f = _fields(doc, _DECISION_KEYS, "exception-decision")
    if f["t"] != DECISION_TYPE:
        raise ExceptionError("不是例外决定", f"not a {DECISION_TYPE}")
    who = _fields(f["approver"], {"name", "role"}, "approver")
    if who["role"] != APPROVER_ROLE:
        raise ExceptionError("决定须由教育局管理员作出", "a decision is made by a bureau admin")
    try:
        decision = Decision(str(f["decision"]))
        raw = f["waivers"]
        waivers = [Waiver(str(w)) for w in raw] if isinstance(raw, list) else None
    except ValueError:
        waivers = None
        decision = Decision.REFUSED
    if waivers is None or [w.value for w in waivers] != sorted({w.value for w in waivers}):
        raise ExceptionError("决定或豁免项无效", "the decision or its waivers are malformed")
    placed = f["placed"]
    if placed is not None:
        placed = _int(placed, "placed")
    if decision is Decision.REFUSED and (waivers or placed is not None):
        raise ExceptionError(
            "不予批准的决定不带豁免或班级", "a refusal has no waivers and no class"
        )
    return Ruling(
        number=_int(f["number"], "number"),
        decision=decision,
        request=_text(f["request"], "request"),
        approver=_text(who["name"], "approver.name"),
        decided_on=_day(f["decided_on"], "decided_on"),
        reason=_text(f["reason"], "reason"),
        placed=placed,
        waivers=frozenset(waivers),
    )
