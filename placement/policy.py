"""District policy profiles as data: cut-off, class caps, stages, catchment changes.

A profile is stored and hashed as JSON (``to_json``), so every value the draw
depends on is published with it rather than hidden in code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from placement.errors import PlacementError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from placement.canonical import Json


class PolicyError(PlacementError):
    """A profile is malformed or lacks what was asked of it."""


class Level(StrEnum):
    PRIMARY = "primary"
    MIDDLE = "middle"


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage of the enrolment calendar; ``start`` and ``end`` are both inclusive."""

    key: str
    name_zh: str
    name_en: str
    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            msg = f"stage {self.key!r} ends before it starts"
            raise PolicyError(msg)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class CatchmentChange:
    closed_school: str
    receiving_school: str
    note_zh: str


@dataclass(frozen=True, slots=True)
class PolicyProfile:
    key: str
    district: str
    year: int
    birth_cutoff: dt.date  # primary entry: born on or before this day
    primary_cap: int
    middle_cap: int
    stages: tuple[Stage, ...]
    catchment_changes: tuple[CatchmentChange, ...]
    hotline: str

    def __post_init__(self) -> None:
        keys = [s.key for s in self.stages]
        if len(set(keys)) != len(keys):
            msg = f"profile {self.key!r} repeats a stage key"
            raise PolicyError(msg)

    def cap(self, level: Level) -> int:
        """The most pupils one class may hold at this level."""
        if level == Level.PRIMARY:
            return self.primary_cap
        if level == Level.MIDDLE:
            return self.middle_cap
        msg = f"unknown school level {level!r}"
        raise PolicyError(msg)

    def stage(self, key: str) -> Stage:
        for stage in self.stages:
            if stage.key == key:
                return stage
        msg = f"profile {self.key!r} has no stage {key!r}"
        raise PolicyError(msg)

    def placement_window(self) -> Stage:
        return self.stage("placement")

    def receiving_school(self, name: str) -> str | None:
        """Where a closed school's catchment now enrols, or None if it is not closed."""
        for change in self.catchment_changes:
            if change.closed_school == name:
                return change.receiving_school
        return None


def eligible_by_birth(profile: PolicyProfile, birth_date: dt.date) -> bool:
    """Primary entry age: born on or before the cut-off (the cut-off day itself is in)."""
    return birth_date <= profile.birth_cutoff


def _d(month: int, day: int) -> dt.date:
    return dt.date(2024, month, day)


# From the 洮北区2024年中小学招生工作实施方案 (shared/seed/taobei-2024-enrollment-plan.txt).
TAOBEI_2024: Final = PolicyProfile(
    key="taobei-2024",
    district="洮北区",
    year=2024,
    birth_cutoff=dt.date(2018, 8, 31),
    primary_cap=45,
    middle_cap=50,
    stages=(
        Stage("preparation", "准备阶段", "preparation", _d(6, 24), _d(7, 8)),
        Stage("registration", "学生报名阶段", "registration", _d(7, 15), _d(7, 19)),
        Stage("review", "学生入学条件资格审核阶段", "eligibility review", _d(7, 22), _d(7, 26)),
        Stage("notice", "公示阶段", "public notice", _d(7, 29), _d(7, 31)),
        Stage("admission", "发放录取通知书", "admission notices", _d(8, 1), _d(8, 3)),
        Stage("placement", "电脑派位分班", "computer class placement", _d(8, 14), _d(8, 15)),
    ),
    catchment_changes=(
        CatchmentChange(
            closed_school="铁路二中",
            receiving_school="第二中学",
            note_zh="2024年铁路二中不再招收新生，学区内学生到第二中学报名入学。",
        ),
    ),
    # The plan names no hotline; this placeholder must be replaced before any use.
    hotline="0436-0000000（示例）",
)

PROFILES: Final[Mapping[str, PolicyProfile]] = MappingProxyType({TAOBEI_2024.key: TAOBEI_2024})


def to_json(profile: PolicyProfile) -> dict[str, Json]:
    """Plain JSON (str/int/list/dict, dates as ISO strings), ready for canonical hashing."""
    return {
        "key": profile.key,
        "district": profile.district,
        "year": profile.year,
        "birth_cutoff": profile.birth_cutoff.isoformat(),
        "caps": {Level.PRIMARY.value: profile.primary_cap, Level.MIDDLE.value: profile.middle_cap},
        "stages": [
            {**asdict(s), "start": s.start.isoformat(), "end": s.end.isoformat()}
            for s in profile.stages
        ],
        "catchment_changes": [asdict(c) for c in profile.catchment_changes],
        "hotline": profile.hotline,
    }


def _fields(data: object, names: frozenset[str], where: str) -> Mapping[str, object]:
    # Exact field sets: a stored profile must carry nothing its hash would silently drop.
    if not isinstance(data, dict) or set(data) != names:
        msg = f"policy profile {where} must be an object with exactly {sorted(names)}"
        raise PolicyError(msg)
    return data


def _str(data: Mapping[str, object], name: str) -> str:
    value = data[name]
    if not isinstance(value, str):
        msg = f"policy profile field {name!r} must be text"
        raise PolicyError(msg)
    return value


def _int(data: Mapping[str, object], name: str) -> int:
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"policy profile field {name!r} must be a positive integer"
        raise PolicyError(msg)
    return value


def _date(data: Mapping[str, object], name: str) -> dt.date:
    text = _str(data, name)
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        day = None
    # fromisoformat also takes "20240831"; only the one spelling hashes the same.
    if day is None or day.isoformat() != text:
        msg = f"policy profile field {name!r} is not a YYYY-MM-DD date"
        raise PolicyError(msg)
    return day


def _objects(
    data: Mapping[str, object], name: str, names: frozenset[str]
) -> list[Mapping[str, object]]:
    value = data[name]
    if not isinstance(value, list):
        msg = f"policy profile field {name!r} must be a list"
        raise PolicyError(msg)
    return [_fields(v, names, name) for v in value]


_PROFILE_FIELDS: Final = frozenset(
    {"key", "district", "year", "birth_cutoff", "caps", "stages", "catchment_changes", "hotline"}
)
_CAP_FIELDS: Final = frozenset(level.value for level in Level)
_STAGE_FIELDS: Final = frozenset({"key", "name_zh", "name_en", "start", "end"})
_CHANGE_FIELDS: Final = frozenset({"closed_school", "receiving_school", "note_zh"})


def from_json(raw: object) -> PolicyProfile:
    """Rebuild a profile from :func:`to_json` output, refusing anything malformed."""
    data = _fields(raw, _PROFILE_FIELDS, "JSON")
    caps = _fields(data["caps"], _CAP_FIELDS, "caps")
    return PolicyProfile(
        key=_str(data, "key"),
        district=_str(data, "district"),
        year=_int(data, "year"),
        birth_cutoff=_date(data, "birth_cutoff"),
        primary_cap=_int(caps, Level.PRIMARY.value),
        middle_cap=_int(caps, Level.MIDDLE.value),
        stages=tuple(
            Stage(
                key=_str(s, "key"),
                name_zh=_str(s, "name_zh"),
                name_en=_str(s, "name_en"),
                start=_date(s, "start"),
                end=_date(s, "end"),
            )
            for s in _objects(data, "stages", _STAGE_FIELDS)
        ),
        catchment_changes=tuple(
            CatchmentChange(**{k: _str(c, k) for k in _CHANGE_FIELDS})
            for c in _objects(data, "catchment_changes", _CHANGE_FIELDS)
        ),
        hotline=_str(data, "hotline"),
    )
