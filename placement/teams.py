"""Teacher teams filed before the draw, and their commitment (spec §4.3).

The 双随机 second step matches drawn groups to these teams, so the teams (and who
teaches in them) are frozen by the announcement, before any seed exists.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from placement.canonical import MAX_SAFE_INT, Json, canonical_json, json_string, nfc
from placement.commitment import CommitmentError
from placement.errors import Issue
from placement.merkle import MerkleTree, leaf_hash

TEAM_LEAF_TYPE = "sunshine-placement/v1/team-leaf"
# JCS of a team leaf as templates (keys in order, no whitespace): the general path cost
# ~50 µs a team, and a district commits 2 000 teams twice per draw.
_TEAM_TEMPLATE: Final = (
    '{"head_teacher":%s,"label":%s,"number":%d,"t":"' + TEAM_LEAF_TYPE + '","teachers":[%s]}'
)
_TEACHER_TEMPLATE: Final = '{"name":%s,"subject":%s}'
_is_nfc: Final = functools.partial(unicodedata.is_normalized, "NFC")

TEAM_HEADERS: Mapping[str, tuple[str, ...]] = {
    "number": ("班号", "number"),
    "label": ("班级", "班级名称", "label"),
    "head_teacher": ("班主任", "head_teacher"),
    "teachers": ("任课教师", "teachers"),
}
_PAIRS = re.compile(r"[;；\n]+")
_PAIR = re.compile(r"^\s*([^:：]+?)\s*[:：]\s*(.+?)\s*$")


@dataclass(frozen=True, slots=True)
class Teacher:
    subject: str
    name: str


@dataclass(frozen=True, slots=True)
class Team:
    """A filed teacher team; ``number`` is the class number 1..k, ``label`` its name."""

    number: int
    label: str
    head_teacher: str
    teachers: tuple[Teacher, ...] = ()

    def to_json(self) -> dict[str, Json]:
        return {
            "head_teacher": self.head_teacher,
            "label": self.label,
            "number": self.number,
            "t": TEAM_LEAF_TYPE,
            "teachers": [{"name": t.name, "subject": t.subject} for t in self.teachers],
        }

    def leaf_hash(self) -> bytes:
        return leaf_hash(self.entry())

    def entry(self) -> bytes:
        """JCS(team) (spec §4.4): a template when every text is NFC and the number a safe
        integer (property-tested equal to RFC 8785), else the general checked path, which
        refuses what it refused before."""
        texts = [self.head_teacher, self.label]
        for t in self.teachers:
            texts += (t.name, t.subject)
        plain = set(map(type, texts)) == {str} and type(self.number) is int
        if not (plain and abs(self.number) <= MAX_SAFE_INT and all(map(_is_nfc, texts))):
            return canonical_json(self.to_json())
        q = json_string
        teachers = ",".join(_TEACHER_TEMPLATE % (q(t.name), q(t.subject)) for t in self.teachers)
        return (
            _TEAM_TEMPLATE % (q(self.head_teacher), q(self.label), self.number, teachers)
        ).encode()


@dataclass(frozen=True, slots=True)
class TeamCommitment:
    teams: tuple[Team, ...]  # ordered by number
    leaf_hashes: tuple[bytes, ...]
    root: bytes


def commit_teams(teams: Sequence[Team]) -> TeamCommitment:
    ordered = tuple(sorted(teams, key=lambda t: t.number))
    if [t.number for t in ordered] != list(range(1, len(ordered) + 1)):
        msg = "team numbers must be exactly 1..k"
        raise CommitmentError(msg)
    if len({t.label for t in ordered}) != len(ordered):
        msg = "team labels must be distinct"
        raise CommitmentError(msg)
    hashes = tuple(t.leaf_hash() for t in ordered)
    return TeamCommitment(ordered, hashes, MerkleTree.from_leaf_hashes(hashes).root)


def parse_team_row(row: int, fields: Mapping[str, str]) -> Team | list[Issue]:
    """One filed team: 班号, 班级, 班主任, 任课教师 as "语文:张丽;数学:王强"."""
    get = {k: nfc(v).strip() for k, v in fields.items()}
    issues: list[Issue] = []
    number = get.get("number", "")
    if not (number.isascii() and number.isdigit()) or not 1 <= int(number) <= 999:
        issues.append(
            Issue(
                row,
                "number",
                "team.number",
                "班号应为1至999的整数",
                "class number must be a whole number from 1 to 999",
            )
        )
    label = get.get("label", "")
    if not label:
        issues.append(Issue(row, "label", "team.label", "班级名称为空", "class label is empty"))
    head = get.get("head_teacher", "")
    if not head:
        issues.append(
            Issue(row, "head_teacher", "team.head", "班主任为空", "head teacher is empty")
        )
    teachers = []
    for part in _PAIRS.split(get.get("teachers", "")):
        if not part.strip():
            continue
        m = _PAIR.match(part)
        if m is None:
            issues.append(
                Issue(
                    row,
                    "teachers",
                    "team.teachers",
                    f"任课教师“{part}”应写作“科目:姓名”",
                    f"teacher entry '{part}' must be written subject:name",
                )
            )
            continue
        teachers.append(Teacher(subject=m[1], name=m[2]))
    if issues:
        return issues
    return Team(number=int(number), label=label, head_teacher=head, teachers=tuple(teachers))
