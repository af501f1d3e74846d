"""One exception base for the whole project; validation problems are values, not exceptions.

Every error carries its message in Chinese and English (``zh``, ``en``) as the place
that raises it wrote them, so nothing downstream ever splits a string to find the two
languages. ``keys``, ``verifier`` and the service (``web.service.errors``) derive their
errors from :class:`PlacementError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


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


class PlacementError(Exception):
    """Base of every error the project raises: a message in Chinese and English.

    ``PlacementError(zh, en)``; a message written in one language only (the core's
    low-level format errors) is given once and serves as both. ``issues`` lists the
    row-level problems of a refused input; ``exit_status`` is what a command line
    returns for it. ``str(error)`` is ``"中文 / English"`` — or ``"English / 中文"`` with
    ``english_first``, for the few messages the test vectors fix in that order.
    """

    exit_status: ClassVar[int] = 1

    def __init__(
        self,
        zh: str,
        en: str | None = None,
        *,
        issues: tuple[Issue, ...] = (),
        english_first: bool = False,
    ) -> None:
        self.zh = zh
        self.en = zh if en is None else en
        self.issues = issues
        pair = (self.en, zh) if english_first else (zh, self.en)
        super().__init__(zh if self.en == zh else " / ".join(pair))


class InvalidInput(PlacementError):  # noqa: N818 - reads better at call sites than ...Error
    """Input refused; ``issues`` lists every problem found, not just the first."""

    def __init__(self, issues: tuple[Issue, ...]) -> None:
        super().__init__("输入不符合要求", "the input is refused", issues=issues)
        # str() names the first few problems with their rows, for logs and tracebacks.
        head = "; ".join(str(i) for i in issues[:3])
        more = f" (+{len(issues) - 3} more)" if len(issues) > 3 else ""
        self.args = (head + more,)

    def __str__(self) -> str:
        return str(self.args[0])


class Infeasible(PlacementError):  # noqa: N818
    """The draw cannot honour every rule for this roster; raised before any commitment."""
