"""Opening an instance's database and keys for the command line, the demo and
``placement serve``; where the instance is and its settings come from
:mod:`web.service.config`, which the app factory reads too, so the command line and the
service always use the same database and keys."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from keys.passphrase import read_passphrase
from web.db.engine import make_engine
from web.db.schema import upgrade
from web.record import clock
from web.service.config import LOGIN_LIMIT, LOOKUP_LIMIT, Instance
from web.service.ratelimit import storage_url
from web.service.services import Services, make_limiter


def now() -> datetime:
    return clock.now()


def _passphrase() -> str:
    # Asked once per command: ``Services`` keeps the signers it opens with it.
    return read_passphrase(creating=False)


def open_services(
    inst: Instance, *, passphrase: Callable[[], str | None] | None = None, migrate: bool = True
) -> Services:
    engine = make_engine(inst.database_url)
    if migrate:
        upgrade(engine)
    limits = storage_url(inst.ratelimit_storage_url, inst.path)
    return Services(
        engine=engine,
        keys_dir=inst.keys_dir,
        bureau_key=inst.bureau_key,
        log_key=inst.log_key,
        passphrase=passphrase or _passphrase,
        login_limit=make_limiter(LOGIN_LIMIT, 60, limits, "login"),
        lookup_limit=make_limiter(LOOKUP_LIMIT, 60, limits, "lookup"),
    )


def ensure_database(inst: Instance) -> Engine:
    """Create or upgrade the schema. An SQLite file holds pupils' ID numbers: owner only."""
    inst.path.mkdir(mode=0o700, parents=True, exist_ok=True)
    engine = open_services(inst, migrate=True).engine
    db = inst.sqlite_file
    if db is not None:
        for path in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            if path.exists():
                path.chmod(0o600)
    return engine
