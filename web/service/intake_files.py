"""Read roster and teacher-team files (CSV or XLSX) into core values.

What this module decides is only how a file becomes rows of text:

* **Format**, **encoding** and **cells**: see ``web.service.tables``.
* **Header**: the first non-blank row that names every required column (a title row above it,
  as Chinese school sheets often have, is skipped); columns named twice are refused; unknown
  columns are ignored; a value in a column beyond the last header is refused.

Every parsing rule for a row and its messages live in the core (``placement.roster``,
``placement.teams``). An import is all-or-nothing: the readers return every record or raise
``InvalidInput`` carrying every issue found (row, field, zh/en), never a partial result.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeVar

from placement.canonical import nfc
from placement.errors import InvalidInput, Issue
from placement.policy import Level, PolicyProfile
from placement.roster import (
    HEADERS,
    REQUIRED,
    PupilRecord,
    header_map,
    parse_row,
    validate_roster,
)
from placement.teams import TEAM_HEADERS, Team, parse_team_row
from web.service.eligibility import level_issues
from web.service.tables import (
    FORMAT_GB18030,
    FORMAT_UTF8,
    FORMAT_UTF8_BOM,
    FORMAT_XLSX,
    MAX_FILE_BYTES,
    Cell,
    Table,
    _number_issue,
    _text,
    column_letter,
    read_table,
)

T = TypeVar("T")

HEADER_SEARCH_ROWS: Final = 10  # how many leading non-blank rows may hold titles, not headers


TEAM_REQUIRED: Final = ("number", "label", "head_teacher")

# Excel shows numbers of 12+ digits as 2.20802E+17 and writes that into CSV.
_SCIENTIFIC: Final = re.compile(r"^\d+(?:\.\d+)?[eE][+]?\d+$")
# Excel keeps 15 significant digits; a whole number at or above this has lost some.
_EXACT_LIMIT: Final = 10**15


# --- files → tables ---------------------------------------------------------------------------


# --- cells → text -----------------------------------------------------------------------------


# --- tables → records -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Kind:
    """What one kind of file holds: its columns and how one row of text becomes a value."""

    aliases: Mapping[str, tuple[str, ...]]
    column_key: Callable[[str], str | None]
    missing: Callable[[Sequence[str]], tuple[Issue, ...]]
    numbers_refused: frozenset[str]  # fields where any number cell is wrong (others: ≥ 10^15)
    empty: Issue


def _roster_key(header: str) -> str | None:
    # Ask the core, so that this module and header_map can never disagree on a name.
    found, _ = header_map((header,))
    return next(iter(found), None)


def _team_key(header: str) -> str | None:
    head = nfc(header).lstrip("\ufeff").strip().lower()
    return next((key for key, names in TEAM_HEADERS.items() if head in names), None)


def _team_missing(headers: Sequence[str]) -> tuple[Issue, ...]:
    keys = {_team_key(h) for h in headers}
    return tuple(
        Issue(
            0,
            key,
            "header.missing",
            f"缺少必填列“{TEAM_HEADERS[key][0]}”",
            f"required column '{TEAM_HEADERS[key][-1]}' is missing",
        )
        for key in TEAM_REQUIRED
        if key not in keys
    )


_ROSTER = _Kind(
    aliases=HEADERS,
    column_key=_roster_key,
    missing=lambda headers: header_map(headers)[1],
    numbers_refused=frozenset({"id_number"}),
    empty=Issue(0, "", "file.no_rows", "文件中没有学生数据行", "the file holds no pupil rows"),
)
_TEAMS = _Kind(
    aliases=TEAM_HEADERS,
    column_key=_team_key,
    missing=_team_missing,
    numbers_refused=frozenset(),
    empty=Issue(0, "", "file.no_rows", "文件中没有教师团队行", "the file holds no teacher teams"),
)


def _find_header(table: Table, kind: _Kind) -> tuple[int, tuple[str, ...], tuple[Issue, ...]]:
    """Index into ``table.rows`` of the header row, its cells as text, and its issues."""
    if not table.rows:
        raise InvalidInput((Issue(0, "", "file.empty", "文件为空", "the file is empty"),))
    for i, (_, raw) in enumerate(table.rows[:HEADER_SEARCH_ROWS]):
        cells = tuple(_text(v) for v in raw)
        if not kind.missing(cells):
            return i, cells, ()
    cells = tuple(_text(v) for v in table.rows[0][1])
    issues = kind.missing(cells)
    if table.sheet_count > 1:
        issues += (
            Issue(
                0,
                "",
                "file.sheet.hint",
                f"只读取第一个工作表“{table.sheet}”（共{table.sheet_count}个）；请把名单放在第一个工作表",
                f"only the first of {table.sheet_count} worksheets ('{table.sheet}') is read; "
                "put the list there",
            ),
        )
    if table.format == FORMAT_GB18030:
        issues += (
            Issue(
                0,
                "",
                "file.encoding.hint",
                "文件按GBK编码读取；如果表头显示为乱码，请在Excel中“另存为”CSV UTF-8",
                "the file was read as GBK; if the headers look garbled, "
                "save it as CSV UTF-8 from Excel",
            ),
        )
    return 0, cells, issues


def _columns(row: int, headers: Sequence[str], kind: _Kind) -> tuple[dict[str, int], list[Issue]]:
    columns: dict[str, int] = {}
    issues: list[Issue] = []
    for col, head in enumerate(headers):
        key = kind.column_key(head)
        if key is None:
            continue
        if key in columns:
            first = columns[key]
            zh_name, en_name = kind.aliases[key][0], kind.aliases[key][-1]
            issues.append(
                Issue(
                    row,
                    key,
                    "header.duplicate",
                    f"第{column_letter(col)}列“{head.strip()}”与第{column_letter(first)}列"
                    f"“{headers[first].strip()}”重复，都是“{zh_name}”列；请删除其中一列",
                    f"column {column_letter(col)} '{head.strip()}' repeats column "
                    f"{column_letter(first)} '{headers[first].strip()}' (both are "
                    f"'{en_name}'); delete one of them",
                )
            )
        else:
            columns[key] = col
    return columns, issues


def _extra_cells(row: int, raw: Sequence[Cell], width: int) -> Issue | None:
    extra = [i for i in range(width, len(raw)) if raw[i] is not None and _text(raw[i]).strip()]
    if not extra:
        return None
    cols = "、".join(column_letter(i) for i in extra[:5]) + ("…" if len(extra) > 5 else "")
    cols_en = ", ".join(column_letter(i) for i in extra[:5]) + ("…" if len(extra) > 5 else "")
    last = column_letter(width - 1) if width else "A"
    return Issue(
        row,
        "",
        "row.extra_cells",
        f"第{row}行在表头之外的列（{cols}）有内容，表头只到第{last}列；"
        "请删除多余内容，或检查该行是否错位",
        f"row {row} has values in columns {cols_en} beyond the header, which ends at "
        f"column {last}; delete them or check whether the row is shifted",
    )


def _records(
    table: Table, kind: _Kind, parse: Callable[[int, Mapping[str, str]], T | list[Issue]]
) -> tuple[list[tuple[int, T]], list[Issue]]:
    start, headers, header_issues = _find_header(table, kind)
    header_row = table.rows[start][0]
    columns, duplicate_issues = _columns(header_row, headers, kind)
    if header_issues or duplicate_issues:
        raise InvalidInput((*header_issues, *duplicate_issues))
    width = max((i + 1 for i, h in enumerate(headers) if h.strip()), default=0)
    wanted = tuple(columns.items())
    found: list[Issue] = []
    out: list[tuple[int, T]] = []
    for n, raw in table.rows[start + 1 :]:
        size = len(raw)
        row_issues: list[Issue] = []
        if size > width and (extra := _extra_cells(n, raw, width)) is not None:
            row_issues.append(extra)
        if table.format == FORMAT_XLSX:
            row_issues.extend(_number_cells(n, raw, headers, wanted, kind))
        fields = {key: (_text(raw[col]) if col < size else "") for key, col in wanted}
        parsed = parse(n, fields)
        if isinstance(parsed, list):
            # Prefer the Excel explanation over the core's "bad ID" for a field already explained.
            explained = {i.field for i in row_issues if i.code == "cell.number"}
            row_issues.extend(
                _explain_scientific(fields, i) for i in parsed if i.field not in explained
            )
        elif not row_issues:
            out.append((n, parsed))
        found.extend(row_issues)
    if not out and not found:
        found.append(kind.empty)
    return out, _numbers_by_column(found, headers, columns)


def _numbers_by_column(
    issues: list[Issue], headers: Sequence[str], columns: Mapping[str, int]
) -> list[Issue]:
    """One message per column whose cells Excel stored as numbers, listing the rows,
    instead of one per cell (a whole ID column of 91 cells is one mistake)."""
    rows: dict[str, list[int]] = {}
    for i in issues:
        if i.code == "cell.number":
            rows.setdefault(i.field, []).append(i.row)
    many = {field for field, found in rows.items() if len(found) > 1}
    if not many:
        return issues
    kept = [i for i in issues if not (i.code == "cell.number" and i.field in many)]
    for field in sorted(many, key=lambda f: rows[f][0]):
        found = rows[field]
        col = columns[field]
        label, letter = headers[col].strip(), column_letter(col)
        listed = "、".join(map(str, found[:20])) + ("…" if len(found) > 20 else "")
        listed_en = ", ".join(map(str, found[:20])) + ("…" if len(found) > 20 else "")
        kept.append(
            Issue(
                found[0],
                field,
                "column.number",
                f"“{label}”列（{letter}列）有{len(found)}个单元格被Excel存成了数字，只保留15位"
                f"有效数字，末尾几位已丢失（第{listed}行）；请把这一列设置为“文本”格式，再重新录入",
                f"column {letter} '{label}' has {len(found)} cells stored as Excel numbers, "
                f"which keep only 15 digits, so their last digits are lost (rows {listed_en}); "
                "format the column as Text and re-enter the values",
            )
        )
    return kept


def _number_cells(
    row: int,
    raw: Sequence[Cell],
    headers: Sequence[str],
    wanted: Iterable[tuple[str, int]],
    kind: _Kind,
) -> Iterable[Issue]:
    """XLSX cells holding numbers that cannot be what the operator typed."""
    for key, col in wanted:
        v = raw[col] if col < len(raw) else None
        if not isinstance(v, int | float) or isinstance(v, bool):
            continue
        if key in kind.numbers_refused or abs(v) >= _EXACT_LIMIT:
            yield _number_issue(row, key, headers[col].strip(), column_letter(col))


def _explain_scientific(fields: Mapping[str, str], issue: Issue) -> Issue:
    """A CSV ID number written by Excel as 2.20802E+17: say why, not just that it is wrong."""
    value = fields.get(issue.field, "").strip()
    if not _SCIENTIFIC.match(value):
        return issue
    return Issue(
        issue.row,
        issue.field,
        "cell.scientific",
        f"“{value}”是Excel把长数字显示成的科学计数法，末尾几位已丢失；"
        "请在Excel中把这一列设置为“文本”格式，重新录入后再导出",
        f"'{value}' is Excel's scientific notation for a long number, and its last digits "
        "are lost; format the column as Text in Excel, re-enter the values and export again",
    )


def _by_row(issues: Iterable[Issue]) -> tuple[Issue, ...]:
    return tuple(sorted(issues, key=lambda i: i.row))


# --- rosters ----------------------------------------------------------------------------------


# Roster-wide issues that may only be artefacts of rows that failed to parse.
_NEEDS_EVERY_ROW: Final = frozenset({"twin.alone", "classes.too_few"})


def roster_from_table(
    table: Table,
    *,
    profile: PolicyProfile | None = None,
    level: Level | None = None,
    class_count: int | None = None,
) -> list[PupilRecord]:
    """Every pupil of ``table``, or ``InvalidInput`` with every issue.

    With ``profile`` and ``level`` the roster is also validated as a whole by the core
    (cut-off date, duplicate ID numbers, twin groups, 重名). ``class_count`` (the number of
    teacher teams filed) adds the checks that depend on it; without it they are skipped.
    """
    pupils, issues = roster_and_issues(table, profile=profile, level=level, class_count=class_count)
    if issues:
        raise InvalidInput(_by_row(issues))
    return pupils


def roster_and_issues(
    table: Table,
    *,
    profile: PolicyProfile | None = None,
    level: Level | None = None,
    class_count: int | None = None,
) -> tuple[list[PupilRecord], list[Issue]]:
    """The pupils of the rows that parsed and every issue found, so that a caller can add
    its own checks of those pupils (the district's other rosters) and report all at once.
    A file whose header cannot be found still raises ``InvalidInput``."""
    if (profile is None) != (level is None):
        msg = "profile and level go together"
        raise TypeError(msg)
    numbered, issues = _records(table, _ROSTER, parse_row)
    pupils = [pupil for _, pupil in numbered]
    if profile is not None and level is not None and pupils:
        # A class count no roster can exceed turns off the checks that need the real one.
        classes = class_count if class_count is not None else len(pupils) + len(issues) + 1
        whole = validate_roster(pupils, profile=profile, level=level, class_count=classes)
        rows_failed = bool(issues)
        issues.extend(i for i in whole if not (rows_failed and i.code in _NEEDS_EVERY_ROW))
        issues.extend(level_issues(pupils, profile=profile, level=level))
    return pupils, issues


def read_roster_bytes(
    data: bytes,
    filename: str,
    *,
    profile: PolicyProfile | None = None,
    level: Level | None = None,
    class_count: int | None = None,
) -> list[PupilRecord]:
    """A roster upload (CSV in UTF-8/BOM/GBK, or XLSX) → pupils; see ``roster_from_table``."""
    return roster_from_table(
        read_table(data, filename), profile=profile, level=level, class_count=class_count
    )


def read_roster(
    path: Path | str,
    *,
    profile: PolicyProfile | None = None,
    level: Level | None = None,
    class_count: int | None = None,
) -> list[PupilRecord]:
    path = Path(path)
    return read_roster_bytes(
        path.read_bytes(), path.name, profile=profile, level=level, class_count=class_count
    )


# --- teacher teams ----------------------------------------------------------------------------


def _team_set_issues(numbered: Sequence[tuple[int, Team]]) -> list[Issue]:
    """The whole filing: class numbers exactly 1..k and distinct labels (``commit_teams``).

    Proposed for the core as ``placement.teams.validate_teams``, next to ``parse_team_row``.
    """
    issues: list[Issue] = []
    numbers: dict[int, int] = {}
    labels: dict[str, int] = {}
    for row, team in numbered:
        if (first := numbers.setdefault(team.number, row)) != row:
            issues.append(
                Issue(
                    row,
                    "number",
                    "team.number.duplicate",
                    f"班号{team.number}与第{first}行重复",
                    f"class number {team.number} repeats row {first}",
                )
            )
        if (same := labels.setdefault(team.label, row)) != row:
            issues.append(
                Issue(
                    row,
                    "label",
                    "team.label.duplicate",
                    f"班级名称“{team.label}”与第{same}行重复",
                    f"class label '{team.label}' repeats row {same}",
                )
            )
    k = len(numbered)
    missing = sorted(set(range(1, k + 1)) - numbers.keys())
    if missing:
        shown = missing[:10]
        more = "…" if len(missing) > 10 else ""
        issues.append(
            Issue(
                0,
                "number",
                "team.number.gap",
                f"{k}个教师团队的班号应为1至{k}，缺少班号{'、'.join(map(str, shown))}{more}",
                f"{k} teams must be numbered 1 to {k}; "
                f"number {', '.join(map(str, shown))}{more} is missing",
            )
        )
    return issues


def teams_from_table(table: Table) -> list[Team]:
    """Every filed team of ``table`` in file order, or ``InvalidInput`` with every issue."""
    numbered, issues = _records(table, _TEAMS, parse_team_row)
    # Numbering problems come with the row errors, in one pass; only a gap may be an artefact
    # of rows that failed to parse, so it waits for them.
    rows_failed = bool(issues)
    issues.extend(
        i for i in _team_set_issues(numbered) if not (rows_failed and i.code == "team.number.gap")
    )
    if issues:
        raise InvalidInput(_by_row(issues))
    return [team for _, team in numbered]


def read_teams_bytes(data: bytes, filename: str) -> list[Team]:
    """A teacher-team upload (CSV or XLSX): 班号, 班级, 班主任, 任课教师 ("语文:张丽;数学:王强")."""
    return teams_from_table(read_table(data, filename))


def read_teams(path: Path | str) -> list[Team]:
    path = Path(path)
    return read_teams_bytes(path.read_bytes(), path.name)


__all__ = [
    "FORMAT_GB18030",
    "FORMAT_UTF8",
    "FORMAT_UTF8_BOM",
    "FORMAT_XLSX",
    "MAX_FILE_BYTES",
    "REQUIRED",
    "TEAM_REQUIRED",
    "Table",
    "column_letter",
    "read_roster",
    "read_roster_bytes",
    "read_table",
    "read_teams",
    "read_teams_bytes",
    "roster_and_issues",
    "roster_from_table",
    "teams_from_table",
]
