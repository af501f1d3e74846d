"""Schools of the district: the one place a school is created (CLI, admin page, demo)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import col, select

from placement.policy import Level
from web.db.engine import writing
from web.db.models import School
from web.service.errors import ServiceError
from web.service.intakes import audit


def add_school(
    engine: Engine,
    *,
    code: str,
    name: str,
    level: str,
    closed: bool = False,
    catchment_to: str = "",
    user: str,
    now: datetime,
) -> int:
    """A new school; refuses a repeated code or name, and a closed school that does not
    say where its catchment goes."""
    code, name, catchment_to = code.strip(), name.strip(), catchment_to.strip()
    if not code or not name:
        raise ServiceError("请填写学校代码和名称", "a school needs a code and a name")
    try:
        level = Level(level).value
    except ValueError:
        raise ServiceError("请选择学段（primary 或 middle）", "choose the level") from None
    if closed and not catchment_to:
        raise ServiceError(
            "停止招生的学校须注明接收其学区的学校",
            "a school closed for intake must name the school that takes its catchment",
        )
    with writing(engine) as s:
        clash = s.exec(
            select(School).where((col(School.code) == code) | (col(School.name) == name))
        ).first()
        if clash is not None:
            raise ServiceError(
                f"学校代码或名称已存在：{clash.code} {clash.name}",
                f"a school with this code or name exists: {clash.code} {clash.name}",
            )
        row = School(code=code, name=name, level=level, closed=closed, catchment_to=catchment_to)
        s.add(row)
        s.flush()
        assert row.id is not None
        audit(s, now, user, "school.created", None, f"{code} {name}")
        return row.id
