"""Where an instance is and how to reach its database and keys, for the command line, the
demo and ``placement serve``.

Configuration is resolved once, in this order: command-line flags, ``PLACEMENT_*``
environment variables, the instance's ``config.json`` (written by ``placement init``),
then the defaults of ``web.app.create_app``. ``placement serve`` hands the same values
to the app, so the command line and the service always use the same database and keys.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from keys.passphrase import read_passphrase
from keys.store import write_atomic
from web.db.engine import make_engine
from web.db.schema import upgrade
from web.record import clock
from web.service.errors import ServiceError
from web.service.ratelimit import storage_url
from web.service.services import Services, make_limiter

DEFAULT_INSTANCE = "instance"
CONFIG_FILE = "config.json"
# Settings an instance's config.json may hold (the same names as create_app's config).
CONFIG_KEYS = (
    "DATABASE_URL",
    "KEYS_DIR",
    "BUREAU_KEY",
    "LOG_KEY",
    "PUBLIC_BASE_URL",
    "RATELIMIT_STORAGE_URL",
)


def now() -> datetime:
    return clock.now()


# -- the instance ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Instance:
    """An instance folder and the settings resolved for it."""

    path: Path
    database_url: str
    keys_dir: Path
    bureau_key: str
    log_key: str
    public_base_url: str = ""
    ratelimit_storage_url: str = ""  # redis://… shared by several machines; else a file here

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG_FILE

    @property
    def sqlite_file(self) -> Path | None:
        prefix = "sqlite:///"
        if not self.database_url.startswith(prefix):
            return None
        return Path(self.database_url.removeprefix(prefix))

    def app_config(self) -> dict[str, Any]:
        """The settings as ``create_app`` takes them."""
        return {
            "INSTANCE_PATH": str(self.path),
            "DATABASE_URL": self.database_url,
            "KEYS_DIR": str(self.keys_dir),
            "BUREAU_KEY": self.bureau_key,
            "LOG_KEY": self.log_key,
            "PUBLIC_BASE_URL": self.public_base_url,
            "RATELIMIT_STORAGE_URL": self.ratelimit_storage_url,
        }


def read_config(path: Path) -> dict[str, str]:
    file = path / CONFIG_FILE
    if not file.exists():
        return {}
    try:
        raw = json.loads(file.read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise ServiceError(f"无法读取配置文件 {file}：{e}", f"cannot read {file}: {e}") from e
    if not isinstance(raw, dict):
        raise ServiceError(f"配置文件 {file} 格式有误", f"{file} is not a JSON object")
    return {k: str(v) for k, v in raw.items() if k in CONFIG_KEYS}


def write_config(path: Path, values: dict[str, str]) -> None:
    data = json.dumps(values, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    write_atomic(path / CONFIG_FILE, data.encode(), mode=0o600)


def resolve(instance: str | None, database_url: str | None = None) -> Instance:
    """Flags, then ``PLACEMENT_*`` variables, then config.json, then the defaults."""
    path = Path(instance or os.environ.get("PLACEMENT_INSTANCE_PATH") or DEFAULT_INSTANCE)
    path = path.resolve()
    file = read_config(path)

    def pick(key: str, default: str, flag: str | None = None) -> str:
        return flag or os.environ.get(f"PLACEMENT_{key}") or file.get(key) or default

    return Instance(
        path=path,
        database_url=pick("DATABASE_URL", f"sqlite:///{path / 'placement.db'}", database_url),
        keys_dir=Path(pick("KEYS_DIR", str(path / "keys"))),
        bureau_key=pick("BUREAU_KEY", "bureau"),
        log_key=pick("LOG_KEY", "log"),
        public_base_url=pick("PUBLIC_BASE_URL", ""),
        ratelimit_storage_url=pick("RATELIMIT_STORAGE_URL", ""),
    )


def new_secret_key(path: Path) -> bool:
    """The Flask session secret, created once (the same file ``create_app`` reads)."""
    file = path / "secret_key"
    if file.exists():
        return False
    write_atomic(file, secrets.token_hex(32).encode(), mode=0o600)
    return True


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
        login_limit=make_limiter(10, 60, limits, "login"),
        lookup_limit=make_limiter(20, 60, limits, "lookup"),
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
