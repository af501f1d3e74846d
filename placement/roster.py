"""Pupil records as imported, and their validation (spec §3).

Parsing turns one spreadsheet row (already split into named text fields) into a
``PupilRecord`` or a list of ``Issue`` values naming the row and the field.
Validation then checks the roster as a whole against the policy.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from placement.canonical import nfc
from placement.errors import Issue
from placement.idcard import (
    EARLIEST_BIRTH,
    LENGTH,
    IdNumberError,
    check_of_digits,
    parse_resident_id,
)
from placement.policy import Level, PolicyProfile, eligible_by_birth


class Sex(StrEnum):
    FEMALE = "F"
    MALE = "M"

    @property
    def zh(self) -> str:
        return "女" if self is Sex.FEMALE else "男"


class TwinWish(StrEnum):
    NONE = ""
    SAME = "same"  # 同班
    APART = "apart"  # 分班


@dataclass(frozen=True, slots=True)
class PupilRecord:
    """One pupil as registered. Private: ID number and flags never leave the archive."""

    row: int
    name: str
    sex: Sex
    id_number: str
    birth_date: date
    student_no: str = ""
    twin_group: str = ""
    twin_wish: TwinWish = TwinWish.NONE
    flags: tuple[str, ...] = ()

    @property
    def stratum_key(self) -> str:
        """The spread group: the set of sensitive flags, as one sorted label."""
        return "、".join(self.flags)


# Column names accepted for each field (Chinese headers as Excel users write them).
HEADERS: Mapping[str, tuple[str, ...]] = {
    "name": ("姓名", "name"),
    "gender": ("性别", "gender", "sex"),
    "id_number": ("身份证号", "身份证号码", "证件号码", "id_number"),
    "birth_date": ("出生日期", "birth_date"),
    "student_no": ("学籍号", "student_no"),
    "twin_group": ("双胞胎组", "多胞胎组", "twin_group"),
    "twin_preference": ("双胞胎意愿", "多胞胎意愿", "twin_preference"),
    "flags": ("特殊标记", "标记", "flags"),
}
REQUIRED = ("name", "gender", "id_number")

_SEX = {"男": Sex.MALE, "女": Sex.FEMALE, "m": Sex.MALE, "f": Sex.FEMALE}
_SEX.update({"male": Sex.MALE, "female": Sex.FEMALE})
_WISH = {"": TwinWish.NONE, "同班": TwinWish.SAME, "分班": TwinWish.APART}
_WISH.update({"same": TwinWish.SAME, "apart": TwinWish.APART})
_FLAG_SPLIT = re.compile(r"[、,，;；/\s]+")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
MAX_NAME = 40


def header_map(headers: Sequence[str]) -> tuple[dict[str, int], tuple[Issue, ...]]:
    """Map spreadsheet headers to field keys; unknown columns are ignored."""
    found: dict[str, int] = {}
    for col, raw in enumerate(headers):
        head = nfc(raw).lstrip("\ufeff").strip().lower()
        for key, names in HEADERS.items():
            if head in names and key not in found:
                found[key] = col
    issues = tuple(
        Issue(
            0,
            key,
            "header.missing",
            f"缺少必填列“{HEADERS[key][0]}”",
            f"required column '{HEADERS[key][-1]}' is missing",
        )
        for key in REQUIRED
        if key not in found
    )
    return found, issues


def _parse_date(text: str) -> date | None:
    m = _DATE.match(text)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


_CLEAN_SEX = {"男": Sex.MALE, "女": Sex.FEMALE}
_CLEAN_WISH = {"": TwinWish.NONE, "同班": TwinWish.SAME, "分班": TwinWish.APART}
_nfc = functools.partial(unicodedata.normalize, "NFC")
_is_nfc = functools.partial(unicodedata.is_normalized, "NFC")


def parse_row(row: int, fields: Mapping[str, str]) -> PupilRecord | list[Issue]:
    """One row of text fields (keys as in ``HEADERS``) → a record, or every issue in it.

    A clean row (the usual case) is read in one pass by :func:`_clean_row`; any row
    it does not vouch for takes the careful path, which names every issue.
    """
    return _clean_row(row, fields) or parse_row_careful(row, fields)


def _clean_row(row: int, fields: Mapping[str, str]) -> PupilRecord | None:
    """The record of a row that needs no care (text already NFC and trimmed, an ASCII ID
    number with an uppercase check character, 男/女, an ISO birth date or none, 同班/分班
    with a group), else None. Wherever it returns a record, ``parse_row_careful`` returns
    an equal one (tests/property/test_roster_paths.py); it never decides an issue."""
    get = fields.get
    number = get("id_number", "")
    born = _clean_birth(number)
    sex = _CLEAN_SEX.get(get("gender", ""))
    given = get("birth_date", "")
    name = get("name", "")
    wish = _CLEAN_WISH.get(get("twin_preference", ""))
    group = get("twin_group", "")
    if (
        born is None
        or sex is None
        or (sex is Sex.MALE) != (number[16] in "13579")
        or (given and given != born.isoformat())
        or not (0 < len(name) <= MAX_NAME and name.isprintable() and name.strip() == name)
        or wish is None
        or (wish is TwinWish.NONE) != (not group)
        or group.strip() != group
        or not (_is_nfc(name) and _is_nfc(group))
    ):
        return None
    flags = get("flags", "")
    return PupilRecord(
        row,
        name,
        sex,
        number,
        born,
        _nfc(get("student_no", "")).strip(),
        group,
        wish,
        tuple(sorted({f for f in _FLAG_SPLIT.split(_nfc(flags).strip()) if f})) if flags else (),
    )


def _clean_birth(number: str) -> date | None:
    """The birth date in a well-formed ID number (ASCII, uppercase X, right check
    character, a real date from 1900), or None for anything else."""
    first17 = number[:17]
    if (
        len(number) != LENGTH
        or not number.isascii()
        or not first17.isdigit()
        or number[17] != check_of_digits(first17)
    ):
        return None
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    return born if born >= EARLIEST_BIRTH else None


def parse_row_careful(row: int, fields: Mapping[str, str]) -> PupilRecord | list[Issue]:
    """``parse_row`` for any row: normalises every field, then checks each rule."""
    get = {k: nfc(v).strip() for k, v in fields.items()}
    issues: list[Issue] = []

    def bad(field: str, code: str, zh: str, en: str) -> None:
        issues.append(Issue(row, field, code, zh, en))

    name = get.get("name", "")
    if not name:
        bad("name", "name.empty", "姓名为空", "name is empty")
    elif len(name) > MAX_NAME or any(not ch.isprintable() for ch in name):
        bad("name", "name.invalid", "姓名含有不可打印字符或过长", "name is too long or unprintable")

    sex = _SEX.get(get.get("gender", "").lower())
    if sex is None:
        bad(
            "gender",
            "gender.invalid",
            "性别应为“男”或“女”",
            "gender must be 男 (male) or 女 (female)",
        )

    ident = None
    try:
        ident = parse_resident_id(get.get("id_number", ""))
    except IdNumberError as e:
        bad("id_number", e.code, e.zh, e.en)
    if ident is not None and sex is not None and ident.male != (sex is Sex.MALE):
        bad(
            "id_number",
            "id.sex",
            "身份证号第17位与性别不符",
            "the 17th digit of the ID number disagrees with gender",
        )

    birth = ident.birth_date if ident else None
    if raw_birth := get.get("birth_date", ""):
        given = _parse_date(raw_birth)
        if given is None:
            bad(
                "birth_date",
                "birth.invalid",
                "出生日期格式应为YYYY-MM-DD",
                "birth date must be YYYY-MM-DD",
            )
        elif birth is not None and given != birth:
            bad(
                "birth_date",
                "birth.mismatch",
                "出生日期与身份证号不符",
                "birth date disagrees with the ID number",
            )

    wish = _WISH.get(get.get("twin_preference", "").lower())
    group = get.get("twin_group", "")
    if wish is None:
        bad(
            "twin_preference",
            "twin.wish",
            "双胞胎意愿应为“同班”或“分班”",
            "twin preference must be 同班 (same) or 分班 (apart)",
        )
    elif group and wish is TwinWish.NONE:
        bad(
            "twin_preference",
            "twin.wish.missing",
            "填写了双胞胎组但未填写意愿",
            "twin group given without a preference",
        )
    elif wish is not TwinWish.NONE and not group:
        bad(
            "twin_group",
            "twin.group.missing",
            "填写了双胞胎意愿但未填写组号",
            "twin preference given without a group",
        )

    flags = tuple(sorted({f for f in _FLAG_SPLIT.split(get.get("flags", "")) if f}))
    if issues or sex is None or ident is None or birth is None or wish is None:
        return issues
    return PupilRecord(
        row=row,
        name=name,
        sex=sex,
        id_number=ident.number,
        birth_date=birth,
        student_no=get.get("student_no", ""),
        twin_group=group,
        twin_wish=wish,
        flags=flags,
    )


def validate_roster(
    pupils: Sequence[PupilRecord], *, profile: PolicyProfile, level: Level, class_count: int
) -> tuple[Issue, ...]:
    """Roster-wide rules: eligibility, duplicates, twin groups, enough classes."""
    issues: list[Issue] = []
    if level is Level.PRIMARY:
        issues.extend(
            Issue(
                p.row,
                "birth_date",
                "birth.cutoff",
                f"出生日期晚于入学截止日{profile.birth_cutoff.isoformat()}",
                f"born after the cut-off {profile.birth_cutoff.isoformat()}",
            )
            for p in pupils
            if not eligible_by_birth(profile, p.birth_date)
        )
    seen: dict[str, int] = {}
    for p in pupils:
        if p.id_number in seen:
            issues.append(
                Issue(
                    p.row,
                    "id_number",
                    "id.duplicate",
                    f"身份证号与第{seen[p.id_number]}行重复",
                    f"ID number repeats row {seen[p.id_number]}",
                )
            )
        else:
            seen[p.id_number] = p.row
    issues.extend(_twin_issues(pupils, class_count))
    cap = profile.cap(level)
    needed = math.ceil(len(pupils) / cap) if pupils else 0
    if class_count < max(needed, 1):
        issues.append(
            Issue(
                0,
                "",
                "classes.too_few",
                f"{len(pupils)}名学生至少需要{needed}个班（班额上限{cap}），现有{class_count}个教师团队",
                f"{len(pupils)} pupils need at least {needed} classes (cap {cap}); "
                f"{class_count} teacher teams were filed",
            )
        )
    issues.extend(_name_issues(pupils, class_count))
    return tuple(issues)


def _twin_issues(pupils: Sequence[PupilRecord], class_count: int) -> Iterable[Issue]:
    groups: dict[str, list[PupilRecord]] = defaultdict(list)
    for p in pupils:
        if p.twin_group:
            groups[p.twin_group].append(p)
    for label, members in groups.items():
        first = members[0]
        if len(members) < 2:
            yield Issue(
                first.row,
                "twin_group",
                "twin.alone",
                f"双胞胎组“{label}”只有一人",
                f"twin group '{label}' has only one pupil",
            )
        for p in members[1:]:
            if p.twin_wish is not first.twin_wish:
                yield Issue(
                    p.row,
                    "twin_preference",
                    "twin.inconsistent",
                    f"双胞胎组“{label}”的意愿与第{first.row}行不一致",
                    f"twin group '{label}' preference differs from row {first.row}",
                )
        if first.twin_wish is TwinWish.APART and len(members) > class_count:
            yield Issue(
                first.row,
                "twin_group",
                "twin.too_many",
                f"双胞胎组“{label}”要求分班，但人数多于班数",
                f"twin group '{label}' asks to be apart but has more pupils than classes",
            )


def _name_issues(pupils: Sequence[PupilRecord], class_count: int) -> Iterable[Issue]:
    # Counted in C; the rows are looked up only in the rare refusal.
    counts = Counter(p.name for p in pupils)
    too_many = [name for name, n in counts.items() if n > class_count]
    first_row: dict[str, int] = {}
    if too_many:
        for p in pupils:
            first_row.setdefault(p.name, p.row)
    for name in too_many:
        yield Issue(
            first_row[name],
            "name",
            "name.too_many_same",
            f"同名“{name}”的学生多于班数，无法分到不同班",
            f"more pupils named '{name}' than classes; they cannot all be apart",
        )


def duplicate_names(pupils: Sequence[PupilRecord]) -> dict[str, tuple[int, ...]]:
    """重名: every full name carried by two or more pupils, with their rows."""
    names: dict[str, list[int]] = defaultdict(list)
    for p in pupils:
        names[p.name].append(p.row)
    return {n: tuple(rows) for n, rows in names.items() if len(rows) > 1}
