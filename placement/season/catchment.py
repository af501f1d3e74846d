"""Catchment (招生区域) as yearly policy data (spec S3): which school an area belongs to.

A closed school keeps its areas and names its successor, so the 2024 change
(铁路二中 → 第二中学) is a row of data and a lookup still explains it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from placement.canonical import Json, nfc
from placement.errors import InvalidInput, Issue
from placement.policy import Level
from placement.season.documents import CATCHMENT, SEASON_ID, SeasonError


class AreaKind(StrEnum):
    STREET = "street"
    COMMUNITY = "community"
    VILLAGE = "village"
    TOWNSHIP = "township"


KIND_ZH = {
    AreaKind.STREET: "街道",
    AreaKind.COMMUNITY: "社区",
    AreaKind.VILLAGE: "村",
    AreaKind.TOWNSHIP: "乡镇",
}
LEVEL_ZH = {Level.PRIMARY: "小学", Level.MIDDLE: "初中"}


@dataclass(frozen=True, slots=True)
class Area:
    kind: AreaKind
    name: str


@dataclass(frozen=True, slots=True)
class SchoolArea:
    """One school's catchment; ``successor`` only for a closed school."""

    school: str
    level: Level
    open: bool
    successor: str | None
    areas: tuple[Area, ...]


@dataclass(frozen=True, slots=True)
class Match:
    """An area found by a lookup: the school listing it and where children now enrol."""

    area: Area
    listed_by: str
    level: Level
    enrols_at: str


@dataclass(frozen=True, slots=True)
class Catchment:
    season: str
    district: str
    year: int
    schools: tuple[SchoolArea, ...]

    def __post_init__(self) -> None:
        _validate(self)

    def school(self, name: str, level: Level) -> SchoolArea | None:
        return next((s for s in self.schools if s.school == name and s.level == level), None)

    def enrols_at(self, school: SchoolArea) -> str:
        return school.school if school.open else (school.successor or school.school)

    def catchment_school(self, area_name: str, level: Level) -> str | None:
        """Where a child of this area enrols at this level, or None if no school lists it."""
        name = nfc(area_name.strip())
        for s in self.schools:
            if s.level == level and any(a.name == name for a in s.areas):
                if s.open:
                    return s.school
                found = s.successor
                # an open school may list the same area too; it wins over a closed one
                other = self._open_listing(name, level)
                return other or found
        return None

    def _open_listing(self, name: str, level: Level) -> str | None:
        return next(
            (
                s.school
                for s in self.schools
                if s.level == level and s.open and any(a.name == name for a in s.areas)
            ),
            None,
        )

    def search(self, text: str, limit: int = 50) -> list[Match]:
        """Areas whose name contains ``text`` ("which school is mine?"), exact ones first."""
        query = nfc(text.strip())
        if not query:
            return []
        found = [
            Match(a, s.school, s.level, self.enrols_at(s))
            for s in self.schools
            for a in s.areas
            if query in a.name
        ]
        found.sort(key=lambda m: (m.area.name != query, m.area.name, m.level, m.listed_by))
        return found[:limit]

    def to_json(self) -> dict[str, Json]:
        return {
            "district": self.district,
            "schools": [
                {
                    "areas": [{"kind": a.kind.value, "name": a.name} for a in s.areas],
                    "level": s.level.value,
                    "school": s.school,
                    "status": "open" if s.open else "closed",
                    "successor": s.successor,
                }
                for s in self.schools
            ],
            "season": self.season,
            "t": CATCHMENT,
            "year": self.year,
        }


def _validate(c: Catchment) -> None:
    if not SEASON_ID.fullmatch(c.season):
        raise SeasonError(f"招生季编号无效：{c.season!r}", f"invalid season id {c.season!r}")
    keys = [(s.level.value, s.school) for s in c.schools]
    if keys != sorted(keys) or len(set(keys)) != len(keys):
        raise SeasonError("学校须按学段、校名排序且不重复", "schools must be sorted and distinct")
    owner: dict[tuple[Level, str], str] = {}
    for s in c.schools:
        order = [(a.kind.value, a.name) for a in s.areas]
        if order != sorted(order) or len(set(order)) != len(order):
            raise SeasonError(
                f"{s.school}: 区域须排序且不重复", f"{s.school}: areas must be sorted and distinct"
            )
        if s.open != (s.successor is None):
            raise SeasonError(
                f"{s.school}: 只有停招学校有接收学校",
                f"{s.school}: only a closed school names a successor",
            )
        if not s.open:
            succ = c.school(s.successor or "", s.level)
            if succ is None or not succ.open:
                raise SeasonError(
                    f"{s.school}: 接收学校须为同学段在招学校",
                    f"{s.school}: the successor must be an open school of the same level",
                )
            continue
        for a in s.areas:
            prev = owner.setdefault((s.level, a.name), s.school)
            if prev != s.school:
                raise SeasonError(
                    f"区域“{a.name}”同时属于 {prev} 和 {s.school}",
                    f"area {a.name!r} is in two open schools' catchments ({prev}, {s.school})",
                )


def from_json(doc: Json) -> Catchment:
    """Parse a published catchment; refuses anything that would not re-serialise the same."""
    try:
        assert isinstance(doc, dict)
        assert doc["t"] == CATCHMENT
        schools = doc["schools"]
        assert isinstance(schools, list)
        out = Catchment(
            season=str(doc["season"]),
            district=str(doc["district"]),
            year=_int(doc["year"]),
            schools=tuple(_school(s) for s in schools),
        )
    except (AssertionError, KeyError, ValueError, TypeError) as e:
        raise SeasonError(f"招生区域文件格式错误：{e}", f"malformed catchment: {e}") from e
    if out.to_json() != doc:
        raise SeasonError("招生区域文件含多余或不规范字段", "catchment has unknown fields")
    return out


def _int(v: Json) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise TypeError("expected an integer")
    return v


def _school(raw: Json) -> SchoolArea:
    assert isinstance(raw, dict)
    areas = raw["areas"]
    assert isinstance(areas, list)
    succ = raw["successor"]
    return SchoolArea(
        school=str(raw["school"]),
        level=Level(str(raw["level"])),
        open={"open": True, "closed": False}[str(raw["status"])],
        successor=None if succ is None else str(succ),
        areas=tuple(
            Area(AreaKind(str(a["kind"])), str(a["name"])) for a in areas if isinstance(a, dict)
        ),
    )


_LEVELS = {"小学": Level.PRIMARY, "初中": Level.MIDDLE, "primary": Level.PRIMARY}
_LEVELS["middle"] = Level.MIDDLE
_KINDS = {zh: k for k, zh in KIND_ZH.items()} | {k.value: k for k in AreaKind}
_STATUS = {"招生": True, "open": True, "停招": False, "closed": False}
COLUMNS = ("school", "level", "status", "successor", "kind", "name")
COLUMNS_ZH = {"学校": "school", "学段": "level", "状态": "status", "接收学校": "successor"}
COLUMNS_ZH |= {"类型": "kind", "名称": "name"}


def _cell(row: Mapping[str, str], key: str) -> str:
    return nfc((row.get(key) or "").strip())


def from_rows(
    rows: Sequence[Mapping[str, str]], *, season: str, district: str, year: int
) -> Catchment:
    """Rows of (school, level, status, successor, kind, name) → a catchment, or every problem.

    Column keys may be English or the Chinese headers of ``COLUMNS_ZH``; rows are
    numbered from 2 as a spreadsheet shows them (row 1 is the header).
    """
    issues: list[Issue] = []
    by_school: dict[tuple[Level, str], tuple[bool, str | None, set[Area]]] = {}
    for n, raw in enumerate(rows, start=2):
        row = {COLUMNS_ZH.get(k, k): v for k, v in raw.items()}
        school, name = _cell(row, "school"), _cell(row, "name")
        level = _LEVELS.get(_cell(row, "level"))
        kind = _KINDS.get(_cell(row, "kind"))
        status = _STATUS.get(_cell(row, "status") or "招生")
        successor = _cell(row, "successor") or None
        for ok, field, zh, en in (
            (school, "school", "缺少学校", "school is missing"),
            (name, "name", "缺少区域名称", "area name is missing"),
            (level, "level", "学段应为 小学/初中", "level must be 小学 or 初中"),
            (kind, "kind", "类型应为 街道/社区/村/乡镇", "kind must be 街道/社区/村/乡镇"),
            (status is not None, "status", "状态应为 招生/停招", "status must be 招生 or 停招"),
        ):
            if not ok:
                issues.append(Issue(n, field, "catchment." + field, zh, en))
        if school and name and level and kind and status is not None:
            was = by_school.setdefault((level, school), (status, successor, set()))
            if was[:2] != (status, successor):
                issues.append(
                    Issue(
                        n,
                        "status",
                        "catchment.status",
                        "同一学校的状态或接收学校前后不一致",
                        "a school's status or successor differs between rows",
                    )
                )
            was[2].add(Area(kind, name))
    if issues:
        raise InvalidInput(tuple(issues))
    schools = tuple(
        SchoolArea(school, level, st, succ, tuple(sorted(areas, key=lambda a: (a.kind, a.name))))
        for (level, school), (st, succ, areas) in sorted(
            by_school.items(), key=lambda kv: (kv[0][0].value, kv[0][1])
        )
    )
    try:
        return Catchment(season=season, district=district, year=year, schools=schools)
    except SeasonError as e:
        raise InvalidInput((Issue(0, "", "catchment.rules", e.zh, e.en),)) from e
