"""What the public pages show, as plain values (filled by web.portal.data)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from placement.canonical import Json
from web.service.stages import Stage

PUBLIC_STAGES = (Stage.ANNOUNCED, Stage.DRAWN, Stage.PUBLISHED, Stage.CANCELLED)

# Which stage a member of the public sees, in words.
STAGE_TEXT: dict[Stage, tuple[str, str]] = {
    Stage.DRAFT: ("筹备中", "in preparation"),
    Stage.FROZEN: ("筹备中", "in preparation"),
    Stage.ANNOUNCED: ("已公告，待抽签", "announced, draw pending"),
    Stage.DRAWN: ("已抽签，结果待发布", "drawn, result not yet published"),
    Stage.PUBLISHED: ("结果已公布", "result published"),
    Stage.CANCELLED: ("已撤销", "cancelled"),
}


@dataclass(frozen=True, slots=True)
class IntakeRow:
    draw_id: str
    school: str
    intake: str
    level: str
    year: int
    stage: Stage
    scheduled: str

    @property
    def stage_text(self) -> tuple[str, str]:
        return STAGE_TEXT[self.stage]

    @property
    def announced(self) -> bool:
        return self.stage in PUBLIC_STAGES

    @property
    def published(self) -> bool:
        return self.stage is Stage.PUBLISHED


@dataclass(frozen=True, slots=True)
class SchoolRow:
    name: str
    level: str
    closed: bool
    catchment_to: str
    intakes: tuple[IntakeRow, ...]


@dataclass(frozen=True, slots=True)
class AnnouncementView:
    row: IntakeRow
    doc: dict[str, Json]
    digest: str
    kid: str
    signed_at: str
    verify_digits: str  # the bureau's signature as a compact JWS, in digit pairs (§18.1)
    cancelled_reason: str | None
    cancelled_at: str | None
    hotline: str

    def text(self, key: str) -> str:
        v = self.doc.get(key)
        return "" if v is None else str(v)

    def part(self, key: str, field: str) -> str:
        v = self.doc.get(key)
        return str(v.get(field, "")) if isinstance(v, dict) else ""

    @property
    def witnesses(self) -> list[str]:
        w = self.doc.get("witnesses")
        return [str(x) for x in w] if isinstance(w, list) else []

    @property
    def strata(self) -> list[tuple[str, int]]:
        s = self.doc.get("strata")
        return sorted((str(k), int(str(v))) for k, v in s.items()) if isinstance(s, dict) else []


@dataclass(frozen=True, slots=True)
class Pupil:
    number: int
    name: str
    sex: str  # "F" | "M"


@dataclass(frozen=True, slots=True)
class ClassView:
    number: int
    label: str
    head_teacher: str
    pupils: tuple[Pupil, ...]
    verify_digits: str
    result_digest: str

    @property
    def males(self) -> int:
        return sum(1 for p in self.pupils if p.sex == "M")

    @property
    def females(self) -> int:
        return len(self.pupils) - self.males


@dataclass(frozen=True, slots=True)
class AmendmentView:
    seq: int
    reason: str
    approved_by: str
    approved_on: str
    changes: tuple[tuple[str, str, str], ...]  # pupil name, from label, to label


@dataclass(frozen=True, slots=True)
class ResultView:
    row: IntakeRow
    classes: tuple[ClassView, ...]
    amendments: tuple[AmendmentView, ...]
    result_digest: str
    final_seed: str
    revealed_at: str
    complaint_deadline: date | None
    hotline: str
    bundle_size: int
