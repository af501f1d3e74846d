"""The database engine: SQLite (WAL) by default, PostgreSQL through a URL.

Every write step runs in one transaction that takes the write lock at its start
(SQLite ``BEGIN IMMEDIATE``; on PostgreSQL the rows a step changes are locked with
``FOR UPDATE``), so two steps never interleave and a crash leaves either the whole
step or none of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlmodel import Session

_IMMEDIATE = "placement_immediate"


def make_engine(url: str, **kwargs: Any) -> Engine:  # noqa: ANN401 - passed to SQLAlchemy
    # Bound values are pupils' data (ID numbers, flags): never put them in error logs.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _sqlite_setup(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:  # noqa: ANN401 - DB-API
        # Let SQLAlchemy, not the driver, decide when a transaction begins (see below).
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")  # a committed step survives power loss
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def writing(engine: Engine) -> Iterator[Session]:
    """One write transaction: committed if the block ends normally, else rolled back."""
    with Session(engine.execution_options(**{_IMMEDIATE: True})) as session, session.begin():
        yield session


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session
