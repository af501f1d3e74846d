"""The stages of an intake (see docs/service.md), with their names in Chinese and English."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    DRAFT = "draft"
    FROZEN = "frozen"
    ANNOUNCED = "announced"
    DRAWN = "drawn"
    PUBLISHED = "published"
    CANCELLED = "cancelled"

    @property
    def zh(self) -> str:
        return _STAGE_ZH[self]

    @property
    def en(self) -> str:
        return _STAGE_EN[self]


_STAGE_ZH = {
    Stage.DRAFT: "草稿（可导入名单）",
    Stage.FROZEN: "名单已冻结",
    Stage.ANNOUNCED: "已公告，待见证输入",
    Stage.DRAWN: "已开奖并签名",
    Stage.PUBLISHED: "已发布",
    Stage.CANCELLED: "公告已撤销",
}
_STAGE_EN = {
    Stage.DRAFT: "draft (roster may be imported)",
    Stage.FROZEN: "roster frozen",
    Stage.ANNOUNCED: "announced, awaiting witness inputs",
    Stage.DRAWN: "drawn and signed",
    Stage.PUBLISHED: "published",
    Stage.CANCELLED: "announcement cancelled",
}
