"""Choices a print run is made with; no third-party imports, so ``placement --help`` is
cheap and works without the ``web`` extra installed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

DEFAULT_BASE_URL: Final = "https://verify.taobei.edu.example/verify/"
# key → (role printed on the sheet, which copy of three)
COPIES: Final = {
    "gate": ("校门张贴", "第一联"),
    "school": ("学校存档", "第二联"),
    "bureau": ("教育局备案", "第三联"),
}
PUBLIC_COPY: Final = "gate"
COMPLAINT_DAYS: Final = 7


@dataclass(frozen=True, slots=True)
class Options:
    base_url: str = DEFAULT_BASE_URL
    complaint_deadline: date | None = None  # default: the draw date + COMPLAINT_DAYS
    bundles: tuple[str, ...] = ()  # record bundles to embed in the class-list copies
    keys: tuple[str, ...] = ()  # the keyring's vkeys: v2 sheets print their fingerprint
