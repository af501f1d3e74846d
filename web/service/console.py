"""How commands talk to people: lines on stdout and stderr, refusals in Chinese and English
with the row/field table of a refused file (never a traceback), and a progress bar."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from placement.errors import Issue, PlacementError


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def err(text: str = "") -> None:
    sys.stderr.write(text + "\n")


# -- errors ------------------------------------------------------------------------------------


def print_issues(issues: Sequence[Issue]) -> None:
    """A refused file as a table people can fix it from: row, field, Chinese, English."""
    if not issues:
        return
    rows = [("行 row", "字段 field", "问题", "problem")]
    rows += [(str(i.row) if i.row else "-", i.field or "-", i.zh, i.en) for i in issues]
    width = [max(len(r[c]) for r in rows) for c in range(2)]
    for r in rows:
        err(f"{r[0]:>{width[0]}}  {r[1]:<{width[1]}}  {r[2]}  |  {r[3]}")


def refusal(e: PlacementError) -> None:
    """A refusal in Chinese and English (never a traceback), with the table of its issues."""
    if e.zh == e.en:  # written in one language only (the core's low-level format errors)
        err(f"错误 error: {e.zh}")
    else:
        err(f"错误：{e.zh}")
        err(f"error: {e.en}")
    print_issues(e.issues)


# -- progress ----------------------------------------------------------------------------------


class Progress:
    """A simple progress bar on stderr: redrawn in place on a terminal, one line per
    step otherwise (so a script's log stays readable)."""

    WIDTH = 28

    def __init__(self, total: int, label: str) -> None:
        self.total = max(total, 1)
        self.label = label
        self.done = 0
        self.tty = sys.stderr.isatty()

    def step(self, note: str = "") -> None:
        self.done += 1
        self.show(note)

    def show(self, note: str = "") -> None:
        filled = self.WIDTH * self.done // self.total
        bar = "#" * filled + "." * (self.WIDTH - filled)
        line = f"{self.label} [{bar}] {self.done}/{self.total} {note}"
        if self.tty:
            sys.stderr.write(f"\r\x1b[K{line}")
            if self.done >= self.total:
                sys.stderr.write("\n")
        else:
            sys.stderr.write(line.rstrip() + "\n")
        sys.stderr.flush()
