"""学位锁定查询: a pupil's name and ID number → school, intake and class label.

No enumeration: a query for a pupil who exists, one who does not, and one whose name
does not match the ID number do the same work — one indexed query, the same rows
read back (a stand-in row when none is found), the same hashing and a constant-time
comparison — and answer with the same keys. Only published intakes answer. The
answer holds nothing beyond the school, the intake and the class label.

Input is checked (the ID number's MOD 11-2 check character included) before the
database is touched; rate limiting happens in the view, before all of this.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import col

from placement.idcard import IdNumberError, parse_resident_id
from web.db.models import Intake, Pupil, School
from web.service.errors import ServiceError
from web.service.stages import Stage

MAX_NAME = 64
# Compared against when no row is found, so a miss hashes and compares as a hit does.
_STAND_IN = ("\x00", "000000000000000000", "", "", 0, "")


@dataclass(frozen=True, slots=True)
class Answer:
    found: bool
    school: str | None
    intake: str | None
    class_label: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "found": self.found,
            "school": self.school,
            "intake": self.intake,
            "class_label": self.class_label,
        }


NOT_FOUND = Answer(found=False, school=None, intake=None, class_label=None)


def normalise_name(name: str) -> str:
    """NFKC, without white space: "张 三" and "张三" (or fullwidth forms) are one name."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def check_query(name: object, id_number: object) -> tuple[str, str]:
    """The name and the normalised ID number, or a bilingual :class:`ServiceError`."""
    if not isinstance(name, str) or not isinstance(id_number, str):
        raise ServiceError("请填写姓名和身份证号", "give a name and an ID number (text)")
    clean = normalise_name(name)
    if not clean or len(clean) > MAX_NAME:
        raise ServiceError(
            f"请填写姓名（不超过{MAX_NAME}个字）", f"give a name (at most {MAX_NAME} characters)"
        )
    try:
        number = parse_resident_id(id_number).number
    except IdNumberError as e:
        raise ServiceError.of(e) from e
    return clean, number


def _key(name: str, id_number: str) -> bytes:
    return hashlib.sha256(f"{normalise_name(name)}\x00{id_number}".encode()).digest()


# One statement, built once: the same query whether or not the pupil exists.
_QUERY = (
    select(
        col(Pupil.name),
        col(Pupil.id_number),
        col(School.name),
        col(Intake.name),
        col(Intake.year),
        col(Pupil.class_label),
    )
    .join(Intake, col(Intake.id) == col(Pupil.intake_id))
    .join(School, col(School.id) == col(Intake.school_id))
    .where(
        col(Pupil.id_number) == bindparam("id_number"),
        col(Intake.stage) == Stage.PUBLISHED.value,
    )
)
_compiled: dict[str, SQLCompiler] = {}


def _rows(engine: Engine, id_number: str) -> list[tuple[object, ...]]:
    """The query on this thread's own driver connection, compiled once per dialect.

    Result day is the hot path: SQLAlchemy's per-execution work (cache key, events,
    result wrapping) costs about four times the SQLite query itself, and a pool
    checkout and return as much again, so each serving thread keeps one DB-API
    connection for lookups and runs the compiled SQL on its cursor.
    """
    compiled = _compiled.get(engine.dialect.name)
    if compiled is None:
        made = _QUERY.compile(dialect=engine.dialect)
        assert isinstance(made, SQLCompiler)
        compiled = _compiled[engine.dialect.name] = made
    params = compiled.construct_params({"id_number": id_number})
    args: Any = (
        tuple(params[k] for k in compiled.positiontup or ()) if compiled.positional else params
    )
    for attempt in (1, 2):
        conn = _connection(engine)
        try:
            cur = conn.cursor()
            try:
                cur.execute(compiled.string, args)
                rows = [tuple(r) for r in cur.fetchall()]
            finally:
                cur.close()
            if engine.dialect.name != "sqlite":
                conn.rollback()  # end the read transaction: hold no snapshot or locks
        except engine.dialect.loaded_dbapi.Error:
            forget_connection()  # a dropped server connection: take a fresh one, once
            if attempt == 2:
                raise
        else:
            return rows
    raise AssertionError  # unreachable


_local = threading.local()


def _connection(engine: Engine) -> Any:  # noqa: ANN401 - a DB-API connection
    if getattr(_local, "engine", None) is not engine:
        forget_connection()
        _local.conn = engine.raw_connection()  # kept by this thread, never returned
        _local.engine = engine
    return _local.conn


def forget_connection() -> None:
    conn = getattr(_local, "conn", None)
    _local.conn = _local.engine = None
    if conn is not None:
        # A broken connection may fail even to close; it is dropped either way.
        with contextlib.suppress(Exception):
            conn.invalidate()


def lookup(engine: Engine, name: str, id_number: str) -> Answer:
    """Answer one checked query (see :func:`check_query`)."""
    rows = _rows(engine, id_number)
    probe = _key(name, id_number)
    answer = NOT_FOUND
    # Newest intake first: a child in a primary and, years later, a middle intake.
    for row in sorted(rows, key=lambda r: -int(str(r[4]))) or [_STAND_IN]:
        same = hmac.compare_digest(probe, _key(str(row[0]), str(row[1])))
        if same and row is not _STAND_IN and not answer.found and row[5]:
            answer = Answer(
                found=True, school=str(row[2]), intake=str(row[3]), class_label=str(row[5])
            )
    return answer
