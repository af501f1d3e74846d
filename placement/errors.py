"""One exception base for the core; validation problems are values, not exceptions."""

from __future__ import annotations

from dataclasses import dataclass


class PlacementError(Exception):
    """Base of every error the core raises."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with one input row, worded for people in Chinese and English.

    ``row`` is 1-based as a spreadsheet shows it (0 means the input as a whole);
    ``field`` is the column's English key (``id_number``, ``gender`` …) or ``""``.
    """

    row: int
    field: str
    code: str
    zh: str
    en: str

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "整体"
        col = f" [{self.field}]" if self.field else ""
        return f"{where}{col}: {self.zh} / row {self.row}{col}: {self.en}"


class InvalidInput(PlacementError):  # noqa: N818 - reads better at call sites than ...Error
    """Input refused; ``issues`` lists every problem found, not just the first."""

    def __init__(self, issues: tuple[Issue, ...]) -> None:
        self.issues = issues
        head = "; ".join(str(i) for i in issues[:3])
        more = f" (+{len(issues) - 3} more)" if len(issues) > 3 else ""
        super().__init__(head + more)


class Infeasible(PlacementError):  # noqa: N818
    """The draw cannot honour every rule for this roster; raised before any commitment."""

    def __init__(self, zh: str, en: str) -> None:
        self.zh = zh
        self.en = en
        super().__init__(f"{zh} / {en}")
