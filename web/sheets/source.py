"""What the sheets of one draw are printed from: its record folder, read once.

The printed names are the signed class statements' names, so the page and its QR
code cannot disagree; they are checked against the result and the leaves on load.
Nothing here checks signatures: the printer trusts its own record, and the
verifier (``verify-placement``) checks what a phone or a parent gets.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from placement.announcement import ANNOUNCEMENT_TYPE_V2
from placement.canonical import Json
from placement.commitment import PublicLeaf
from placement.documents import digest
from placement.errors import PlacementError
from placement.history import State
from placement.jws import b64u_decode, parse
from placement.policy import PROFILES
from placement.roster import Sex
from placement.teams import Team
from web.record import exceptions as rx
from web.record.reading import RecordReading


class SheetError(PlacementError):
    """A record folder cannot be printed (missing, inconsistent or not yet drawn)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One pupil on a class list; ``student_no``/``birth_date`` only from the archive."""

    number: int  # 序号, 1-based in the result's order
    name: str
    sex: str  # 男 / 女
    leaf: int
    student_no: str = ""
    birth_date: str = ""


@dataclass(frozen=True, slots=True)
class ClassList:
    number: int
    label: str
    team: Team
    rows: tuple[Row, ...]
    statement: str  # compact JWS, what the QR carries
    kid: str  # who signed it: key name + hex key id
    version: int = 1  # statement version (Part E): > 1 after an approved exception
    exception: int | None = None  # the exception that made this version

    @property
    def males(self) -> int:
        return sum(1 for r in self.rows if r.sex == Sex.MALE.zh)


@dataclass(frozen=True, slots=True)
class Witness:
    role: str
    name: str
    input: str
    entered_at: str


@dataclass(frozen=True, slots=True)
class Ceremony:
    jws: str
    kid: str
    doc: dict[str, Json]
    witnesses: tuple[Witness, ...]
    result_digest: bytes

    @property
    def final_seed(self) -> str:
        return str(self.doc["final_seed"])

    @property
    def revealed_at(self) -> str:
        return str(self.doc["revealed_at"])


@dataclass(frozen=True, slots=True)
class DrawSource:
    directory: Path
    announcement: dict[str, Json]
    announcement_jws: str  # the bureau signature's compact form
    announcement_kid: str
    announcement_digest: bytes
    teams: tuple[Team, ...]
    leaves: tuple[PublicLeaf, ...]
    private: tuple[dict[str, Json], ...] | None
    hotline: str
    ceremony: Ceremony | None
    classes: tuple[ClassList, ...]

    def text(self, key: str) -> str:
        return str(self.announcement[key])

    @property
    def version(self) -> int:
        """The record's protocol version (spec §19): v2 sheets carry references (§22)."""
        return 2 if self.announcement.get("t") == ANNOUNCEMENT_TYPE_V2 else 1

    @property
    def draw_id(self) -> str:
        return self.text("draw_id")

    @property
    def school(self) -> str:
        return self.text("school")

    @property
    def draw_date(self) -> date:
        """The day of the reveal, or the scheduled day before it (in the time's own offset)."""
        when = self.ceremony.revealed_at if self.ceremony else self.text("scheduled")
        return datetime.fromisoformat(when).date()


def _compact_of_first(general: str) -> tuple[str, str]:
    """The first (bureau) signature of a general-JSON JWS as a compact JWS, and its kid."""
    try:
        doc = json.loads(general)
        sig = doc["signatures"][0]
        compact = f"{sig['protected']}.{doc['payload']}.{sig['signature']}"
    except (json.JSONDecodeError, KeyError, IndexError, TypeError) as e:
        raise SheetError("公告签名格式错误", "the announcement is not a general JWS") from e
    return compact, _kid(compact)


def _kid(compact: str) -> str:
    header = json.loads(b64u_decode(compact.split(".", maxsplit=1)[0]))
    return str(header["kid"])


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8").strip()
    except FileNotFoundError as e:
        raise SheetError(f"记录缺少 {path.name}", f"the record has no {path}") from e


def _private(directory: Path, size: int) -> tuple[dict[str, Json], ...] | None:
    path = directory / "private/leaves.json"
    if not path.exists():
        return None
    raw = json.loads(path.read_text("utf-8"))
    if not isinstance(raw, list) or len(raw) != size or not all(isinstance(p, dict) for p in raw):
        raise SheetError("private/leaves.json 与名单不符", "does not match the roster")
    return tuple(raw)


def _ceremony(directory: Path) -> Ceremony | None:
    path = directory / "public/ceremony.jws"
    if not path.exists():
        return None
    text = _read(path)
    doc = parse(text).document()
    witnesses = doc["witnesses"]
    assert isinstance(witnesses, list)
    result = parse(_read(directory / "public/result.jws")).document()
    return Ceremony(
        jws=text,
        kid=_kid(text),
        doc=doc,
        witnesses=tuple(
            Witness(str(w["role"]), str(w["name"]), str(w["input"]), str(w["entered_at"]))
            for w in witnesses
            if isinstance(w, dict)
        ),
        result_digest=digest(result),
    )


def _classes(
    directory: Path,
    leaves: tuple[PublicLeaf, ...],
    teams: tuple[Team, ...],
    private: tuple[dict[str, Json], ...] | None,
) -> tuple[ClassList, ...]:
    result_path = directory / "public/result.jws"
    if not result_path.exists():
        return ()
    result = parse(_read(result_path)).document()
    by_hash = {t.leaf_hash().hex(): t for t in teams}
    out = []
    for c in result["classes"]:  # type: ignore[union-attr]
        assert isinstance(c, dict)
        number, indices = int(str(c["number"])), c["pupils"]
        assert isinstance(indices, list)
        statement = _read(directory / f"public/statements/{number:02d}.jws")
        names = parse(statement).document()["pupils"]
        team = by_hash.get(str(c["team"]))
        if team is None or not isinstance(names, list) or len(names) != len(indices):
            raise SheetError(f"第 {number} 班的名单与结果不符", f"class {number} ≠ the result")
        label = str(c["label"])
        if leaves and leaves[0].version == 2:
            rows_v2 = _rows_v2(number, [int(str(i)) for i in indices], names, leaves, private)
            out.append(ClassList(number, label, team, rows_v2, statement, _kid(statement)))
            continue
        rows = []
        for n, (index, pair) in enumerate(zip(indices, names, strict=True), 1):
            leaf = leaves[int(str(index))]
            if pair != [leaf.name, leaf.sex.value]:
                raise SheetError(f"第 {number} 班声明与名单不符", f"statement {number} ≠ leaves")
            extra = private[int(str(index))] if private else {}
            rows.append(
                Row(
                    number=n,
                    name=leaf.name,
                    sex=leaf.sex.zh,
                    leaf=int(str(index)),
                    student_no=str(extra.get("student_no", "")),
                    birth_date=str(extra.get("birth_date", "")),
                )
            )
        out.append(ClassList(number, label, team, tuple(rows), statement, _kid(statement)))
    return tuple(out)


def _rows_v2(
    number: int,
    indices: list[int],
    names: list[Json],
    leaves: tuple[PublicLeaf, ...],
    private: tuple[dict[str, Json], ...] | None,
) -> tuple[Row, ...]:
    """A v2 list in the statement's (name) order. The public leaves carry no names: the
    sexes are checked against them, and with the archive each name is matched to its
    private object (one per (name, sex) in a class: identical names are kept apart)."""
    pairs = [(str(p[0]), str(p[1])) for p in names if isinstance(p, list)]
    if sorted(s for _, s in pairs) != sorted(leaves[i].sex.value for i in indices):
        raise SheetError(f"第 {number} 班声明与名单不符", f"statement {number} ≠ leaves")
    by_pair: dict[tuple[str, str], int] = {}
    if private:
        by_pair = {(str(private[i]["name"]), leaves[i].sex.value): i for i in indices}
        if sorted(by_pair) != sorted(pairs):
            raise SheetError(f"第 {number} 班声明与档案不符", f"statement {number} ≠ the archive")
    rows = []
    for n, (name, sex) in enumerate(pairs, 1):
        index = by_pair.get((name, sex), -1)
        extra = private[index] if private and index >= 0 else {}
        rows.append(
            Row(
                number=n,
                name=name,
                sex=Sex(sex).zh,
                leaf=index,
                student_no=str(extra.get("student_no", "")),
                birth_date=str(extra.get("birth_date", "")),
            )
        )
    return tuple(rows)


def load(directory: Path) -> DrawSource:
    """Read a draw folder made by ``placement record`` (or the service)."""
    ann_text = _read(directory / "public/announcement.jws")
    announcement = parse(ann_text).document()
    compact, kid = _compact_of_first(ann_text)
    record = RecordReading(directory)  # reading needs no log
    leaves = tuple(record.leaves())
    teams = record.teams().teams
    private = _private(directory, len(leaves))
    profile = PROFILES.get(str(announcement.get("policy")))
    return DrawSource(
        directory=directory,
        announcement=announcement,
        announcement_jws=compact,
        announcement_kid=kid,
        announcement_digest=digest(announcement),
        teams=teams,
        leaves=leaves,
        private=private,
        hotline=profile.hotline if profile else "",
        ceremony=_ceremony(directory),
        classes=current_versions(
            directory, record, _classes(directory, leaves, teams, private), private
        ),
    )


# -- class lists as they are now (spec Part E) -----------------------------------------------
# After an approved exception a class has a later signed statement version; a reprint shows
# that version, its number and the exception that made it, and its QR carries the new one.

_VERSION = re.compile(r"([0-9]{2,})\.v([1-9][0-9]*)\.jws")


def latest_versions(directory: Path) -> dict[int, tuple[int, Path]]:
    """Class number → (latest version, its file), for classes changed after the draw."""
    out: dict[int, tuple[int, Path]] = {}
    folder = directory / "public/statements"
    for path in folder.glob("*.v*.jws") if folder.is_dir() else ():
        m = _VERSION.fullmatch(path.name)
        if m:
            c, v = int(m.group(1)), int(m.group(2))
            if v > out.get(c, (1, path))[0]:
                out[c] = (v, path)
    return out


def current_versions(
    directory: Path,
    record: RecordReading,
    classes: tuple[ClassList, ...],
    private: tuple[dict[str, Json], ...] | None,
) -> tuple[ClassList, ...]:
    """``classes`` with every changed class replaced by its current version."""
    latest = latest_versions(directory)
    if not latest:
        return classes
    state = rx.current(record)
    late_path = directory / rx.LATE_PRIVATE
    late = json.loads(late_path.read_text("utf-8")) if late_path.exists() else {}
    out = []
    for cls in classes:
        if cls.number not in latest:
            out.append(cls)
            continue
        version, path = latest[cls.number]
        now = state.get(cls.number)
        text = path.read_text("utf-8").strip()
        doc = parse(text).document()
        if now is None or now.version != version or doc.get("version") != version:
            raise SheetError(
                f"第 {cls.number} 班的最新名单与例外记录不符 / class {cls.number}'s latest "
                "statement does not match the exceptions"
            )
        if state.version == 2:
            rows_v2 = _version_rows_v2(record, state, now.pupils, private, late)
            if doc.get("pupils") != [[r.row.name, r.sex_code] for r in rows_v2]:
                raise SheetError(
                    f"第 {cls.number} 班声明与名单不符 / statement {cls.number} ≠ rows"
                )
            out.append(
                replace(
                    cls,
                    team=now.team,
                    rows=tuple(r.row for r in rows_v2),
                    statement=text,
                    version=version,
                    exception=now.exception,
                )
            )
            continue
        rows = []
        for n, index in enumerate(now.pupils, 1):
            leaf = state.leaves[index]
            extra: Json = (
                private[index] if private and index < len(private) else late.get(str(index), {})
            )
            assert isinstance(extra, dict)
            rows.append(
                Row(
                    number=n,
                    name=leaf.name,
                    sex=leaf.sex.zh,
                    leaf=index,
                    student_no=str(extra.get("student_no", "")),
                    birth_date=str(extra.get("birth_date", "")),
                )
            )
        if doc.get("pupils") != [[r.name, state.leaves[r.leaf].sex.value] for r in rows]:
            raise SheetError(f"第 {cls.number} 班声明与名单不符 / statement {cls.number} ≠ leaves")
        out.append(
            replace(
                cls,
                team=now.team,
                rows=tuple(rows),
                statement=text,
                version=version,
                exception=now.exception,
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class _V2Row:
    row: Row
    sex_code: str


def _version_rows_v2(
    record: RecordReading,
    state: State,
    pupils: tuple[int, ...],
    private: tuple[dict[str, Json], ...] | None,
    late: dict[str, Json],
) -> list[_V2Row]:
    """A later v2 version's rows in its statement's (name, sex) order (§E5); the archive
    columns come from the pupil's private object: the roster pupil whose member it is, or
    the added pupil's by index."""
    leaf_of = {m: i for i, m in enumerate(rx.members(record))} if private else {}
    members = sorted((state.leaves[m].name, state.leaves[m].sex.value, m) for m in pupils)
    out = []
    for n, (name, sex, m) in enumerate(members, 1):
        leaf = leaf_of.get(m, m if str(m) in late else -1)
        extra: Json = private[leaf] if private and m in leaf_of else late.get(str(m), {})
        assert isinstance(extra, dict)
        row = Row(
            number=n,
            name=name,
            sex=Sex(sex).zh,
            leaf=leaf,
            student_no=str(extra.get("student_no", "")),
            birth_date=str(extra.get("birth_date", "")),
        )
        out.append(_V2Row(row, sex))
    return out
