"""Read roster and teacher-team spreadsheets (CSV for now) into core values.

All parsing rules and messages live in the core; this module only opens files.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from placement.canonical import nfc
from placement.errors import InvalidInput, Issue
from placement.roster import REQUIRED, PupilRecord, header_map, parse_row
from placement.teams import TEAM_HEADERS, Team, parse_team_row

T = TypeVar("T")


def _read(
    path: Path,
    mapper: Callable[[Sequence[str]], tuple[dict[str, int], tuple[Issue, ...]]],
    parse: Callable[[int, Mapping[str, str]], T | list[Issue]],
) -> list[T]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise InvalidInput((Issue(0, "", "file.empty", "文件为空", "the file is empty"),))
    columns, issues = mapper(rows[0])
    found: list[Issue] = list(issues)
    out: list[T] = []
    for n, raw in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in raw):
            continue
        fields = {key: raw[col] if col < len(raw) else "" for key, col in columns.items()}
        parsed = parse(n, fields)
        if isinstance(parsed, list):
            found.extend(parsed)
        else:
            out.append(parsed)
    if found:
        raise InvalidInput(tuple(found))
    return out


def read_roster(path: Path) -> list[PupilRecord]:
    return _read(path, header_map, parse_row)


def _team_headers(headers: Sequence[str]) -> tuple[dict[str, int], tuple[Issue, ...]]:
    found: dict[str, int] = {}
    for col, raw in enumerate(headers):
        head = nfc(raw).lstrip("\ufeff").strip().lower()
        for key, names in TEAM_HEADERS.items():
            if head in names and key not in found:
                found[key] = col
    missing = tuple(
        Issue(
            0,
            key,
            "header.missing",
            f"缺少必填列“{names[0]}”",
            f"required column '{names[-1]}' is missing",
        )
        for key, names in TEAM_HEADERS.items()
        if key not in found and key != "teachers"
    )
    return found, missing


def read_teams(path: Path) -> list[Team]:
    return _read(path, _team_headers, parse_team_row)


__all__ = ["REQUIRED", "read_roster", "read_teams"]
