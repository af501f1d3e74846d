"""招生计划, the review rules and the stage windows of a season (spec S4).

Planned places are classes × cap per intake; no roster may exceed them. The rules
are what every decision must name; the windows come from the policy profile.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from placement.canonical import Json
from placement.errors import InvalidInput, Issue
from placement.policy import Level, PolicyProfile
from placement.season.documents import PLAN, SEASON_ID, SeasonError
from placement.season.outcome import Outcome

_RULE_ID = re.compile(r"[a-z0-9-]+", re.ASCII)
STAGES: Final = ("registration", "review", "notice", "admission")


@dataclass(frozen=True, slots=True)
class PlannedIntake:
    school: str
    intake: str
    level: Level
    classes: int
    cap: int

    @property
    def places(self) -> int:
        return self.classes * self.cap


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    outcome: Outcome
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class Window:
    stage: str
    start: dt.date
    end: dt.date

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Plan:
    season: str
    district: str
    year: int
    intakes: tuple[PlannedIntake, ...]
    rules: tuple[Rule, ...]
    windows: tuple[Window, ...]

    def __post_init__(self) -> None:
        if not SEASON_ID.fullmatch(self.season):
            raise SeasonError(
                f"招生季编号无效：{self.season!r}", f"invalid season id {self.season!r}"
            )
        keys = [(i.school, i.intake) for i in self.intakes]
        if keys != sorted(keys) or len(set(keys)) != len(keys):
            raise SeasonError(
                "招生计划须按学校、年级排序且不重复", "intakes must be sorted, distinct"
            )
        if any(i.classes < 1 or i.cap < 1 for i in self.intakes):
            raise SeasonError("班数和班额须为正整数", "classes and cap must be positive")
        ids = [r.id for r in self.rules]
        if ids != sorted(ids) or len(set(ids)) != len(ids) or not all(map(_RULE_ID.fullmatch, ids)):
            raise SeasonError(
                "规则编号须排序、唯一、为小写 ASCII", "rule ids sorted, unique, ASCII"
            )
        if tuple(w.stage for w in self.windows) != STAGES:
            raise SeasonError(f"时间窗应依次为 {STAGES}", f"windows must be {STAGES}")
        if any(w.end < w.start for w in self.windows):
            raise SeasonError("时间窗结束早于开始", "a window ends before it starts")

    def intake(self, school: str, intake: str) -> PlannedIntake | None:
        return next((i for i in self.intakes if (i.school, i.intake) == (school, intake)), None)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def window(self, stage: str) -> Window:
        for w in self.windows:
            if w.stage == stage:
                return w
        raise SeasonError(f"没有阶段 {stage!r}", f"no stage {stage!r}")

    def to_json(self) -> dict[str, Json]:
        return {
            "district": self.district,
            "intakes": [
                {
                    "cap": i.cap,
                    "classes": i.classes,
                    "intake": i.intake,
                    "level": i.level.value,
                    "places": i.places,
                    "school": i.school,
                }
                for i in self.intakes
            ],
            "rules": [
                {"en": r.en, "id": r.id, "outcome": r.outcome.value, "zh": r.zh} for r in self.rules
            ],
            "season": self.season,
            "t": PLAN,
            "windows": [
                {"end": w.end.isoformat(), "stage": w.stage, "start": w.start.isoformat()}
                for w in self.windows
            ],
            "year": self.year,
        }


def windows_from_profile(profile: PolicyProfile) -> tuple[Window, ...]:
    """The season's windows are the profile's stages of the same keys."""
    keys = {"registration": "registration", "review": "review", "notice": "notice"}
    keys["admission"] = "admission"
    return tuple(
        Window(s, profile.stage(keys[s]).start, profile.stage(keys[s]).end) for s in STAGES
    )


# The rules the 洮北区 2024 plan states (shared/seed/taobei-2024-enrollment-plan.txt, 二、四、六).
TAOBEI_RULES: Final = (
    Rule(
        "age-not-reached",
        Outcome.RETURN,
        "未满入学年龄（2018年8月31日以后出生）",
        "under age (born after 2018-08-31)",
    ),
    Rule(
        "catchment-resident",
        Outcome.APPROVE,
        "学区内户籍或房产，材料齐全",
        "resident of the catchment, documents complete",
    ),
    Rule(
        "deferral-approved",
        Outcome.DEFER,
        "延缓入学，经区教育局基础教育科审批备案",
        "deferred entry approved by the bureau",
    ),
    Rule(
        "documents-missing",
        Outcome.PENDING,
        "证明材料不全，限期补交",
        "documents missing, to be supplied by a date",
    ),
    Rule(
        "middle-graduate",
        Outcome.APPROVE,
        "本学区应届小学毕业生，已建全国电子学籍",
        "this catchment's primary graduate with a national 学籍 record",
    ),
    Rule(
        "migrant-or-renter",
        Outcome.ASSIGN,
        "随迁子女或城内户籍租房居住，由教育部门统筹安排",
        "migrant child or renter: the bureau assigns a school",
    ),
    Rule(
        "outside-catchment",
        Outcome.RETURN,
        "非本学区学生，退回原学区",
        "not of this catchment: returned to their own",
    ),
    Rule(
        "township-resident",
        Outcome.APPROVE,
        "农村学校：本乡镇学生",
        "rural school: child of this township",
    ),
)


def from_json(doc: Json) -> Plan:
    try:
        assert isinstance(doc, dict)
        assert doc["t"] == PLAN
        intakes, rules, windows = doc["intakes"], doc["rules"], doc["windows"]
        assert isinstance(intakes, list)
        assert isinstance(rules, list)
        assert isinstance(windows, list)
        plan = Plan(
            season=str(doc["season"]),
            district=str(doc["district"]),
            year=int(str(doc["year"])),
            intakes=tuple(
                PlannedIntake(
                    str(i["school"]),
                    str(i["intake"]),
                    Level(str(i["level"])),
                    _int(i["classes"]),
                    _int(i["cap"]),
                )
                for i in intakes
                if isinstance(i, dict)
            ),
            rules=tuple(
                Rule(str(r["id"]), Outcome(str(r["outcome"])), str(r["zh"]), str(r["en"]))
                for r in rules
                if isinstance(r, dict)
            ),
            windows=tuple(
                Window(
                    str(w["stage"]),
                    dt.date.fromisoformat(str(w["start"])),
                    dt.date.fromisoformat(str(w["end"])),
                )
                for w in windows
                if isinstance(w, dict)
            ),
        )
    except (AssertionError, KeyError, ValueError, TypeError) as e:
        raise SeasonError(f"招生计划文件格式错误：{e}", f"malformed plan: {e}") from e
    if plan.to_json() != doc:
        raise SeasonError("招生计划文件含多余或不规范字段", "plan has unknown or altered fields")
    return plan


def _int(v: Json) -> int:
    if not isinstance(v, int) or isinstance(v, bool):
        raise TypeError("expected an integer")
    return v


_PLAN_LEVELS: Final = {
    "小学": Level.PRIMARY,
    "初中": Level.MIDDLE,
    "primary": Level.PRIMARY,
    "middle": Level.MIDDLE,
}


def intakes_from_rows(
    rows: Sequence[tuple[int, Mapping[str, str]]], profile: PolicyProfile
) -> tuple[PlannedIntake, ...]:
    """Rows (school, intake, level, classes[, cap]) of a plan sheet → planned intakes,
    sorted; every bad row is refused with its number and field, nothing half read."""
    issues: list[Issue] = []
    out: list[PlannedIntake] = []
    for n, r in rows:
        level = _PLAN_LEVELS.get(r.get("level", "").strip())
        school, intake = r.get("school", "").strip(), r.get("intake", "").strip()
        classes, cap = r.get("classes", "").strip(), r.get("cap", "").strip()
        for bad, field, zh, en in (
            (not school, "school", "缺少学校", "school is missing"),
            (not intake, "intake", "缺少年级", "intake is missing"),
            (level is None, "level", "学段应为 小学/初中", "level must be 小学 or 初中"),
            (not classes.isdigit(), "classes", "班数应为正整数", "classes must be a whole number"),
            (bool(cap) and not cap.isdigit(), "cap", "班额应为正整数", "cap must be a number"),
        ):
            if bad:
                issues.append(Issue(n, field, "plan." + field, zh, en))
        if level is not None and school and intake and classes.isdigit() and (cap or "0").isdigit():
            out.append(
                PlannedIntake(school, intake, level, int(classes), int(cap or profile.cap(level)))
            )
    if issues:
        raise InvalidInput(tuple(issues))
    return tuple(sorted(out, key=lambda i: (i.school, i.intake)))
