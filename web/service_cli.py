"""What every ``placement`` command on the service database shares: where the instance
is, how to reach its database and keys, who is acting, and how refusals are printed.

Configuration is resolved once, in this order: command-line flags, ``PLACEMENT_*``
environment variables, the instance's ``config.json`` (written by ``placement init``),
then the defaults of ``web.app.create_app``. ``placement serve`` hands the same values
to the app, so the command line and the service always use the same database and keys.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import select

from keys.errors import KeysError
from keys.passphrase import read_passphrase
from keys.store import write_atomic
from placement.errors import PlacementError
from web.cli_output import err, report
from web.db.engine import make_engine, reading
from web.db.models import Intake
from web.db.schema import upgrade
from web.errors import NotFound, ServiceError
from web.intakes import Env
from web.services import Services, make_limiter

DEFAULT_INSTANCE = "instance"
CONFIG_FILE = "config.json"
# Settings an instance's config.json may hold (the same names as create_app's config).
CONFIG_KEYS = ("DATABASE_URL", "KEYS_DIR", "BUREAU_KEY", "LOG_KEY", "PUBLIC_BASE_URL")

Handler = Callable[[argparse.Namespace], int]
Sub = argparse._SubParsersAction  # noqa: SLF001 - argparse names no public type for it


def now() -> datetime:
    return datetime.now().astimezone()


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
    )


def new_secret_key(path: Path) -> bool:
    """The Flask session secret, created once (the same file ``create_app`` reads)."""
    file = path / "secret_key"
    if file.exists():
        return False
    write_atomic(file, secrets.token_hex(32).encode(), mode=0o600)
    return True


# -- the context of one command ----------------------------------------------------------------


def _passphrase() -> str:
    # Asked once per command: ``Services`` keeps the signers it opens with it.
    return read_passphrase(creating=False)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


@dataclass
class Context:
    """The database and keys of one instance, opened for one command."""

    instance: Instance
    services: Services
    user: str

    @property
    def engine(self) -> Engine:
        return self.services.engine

    @property
    def env(self) -> Env:
        return self.services.env


def open_services(
    inst: Instance, *, passphrase: Callable[[], str | None] | None = None, migrate: bool = True
) -> Services:
    engine = make_engine(inst.database_url)
    if migrate:
        upgrade(engine)
    return Services(
        engine=engine,
        keys_dir=inst.keys_dir,
        bureau_key=inst.bureau_key,
        log_key=inst.log_key,
        passphrase=passphrase or _passphrase,
        login_limit=make_limiter(10, 60),
        lookup_limit=make_limiter(20, 60),
    )


@contextmanager
def context(args: argparse.Namespace) -> Iterator[Context]:
    """Open the instance named by ``--instance``; refuse one never initialised."""
    inst = resolve(args.instance, args.database_url)
    db = inst.sqlite_file
    if db is not None and not db.exists():
        raise ServiceError(
            f"实例 {inst.path} 尚未初始化（没有数据库 {db}）：请先运行 placement init",
            f"instance {inst.path} is not initialised (no database {db}): run placement init",
        )
    services = open_services(inst)
    try:
        yield Context(inst, services, args.by or f"cli:{_login_name()}")
    finally:
        services.engine.dispose()


def find_intake(ctx: Context, ref: str) -> Intake:
    """An intake by number or by draw id."""
    with reading(ctx.engine) as s:
        row = s.get(Intake, int(ref)) if ref.isdigit() else None
        if row is None:
            row = s.exec(select(Intake).where(Intake.draw_id == ref)).first()
    if row is None:
        raise NotFound(
            f"没有招生批次 {ref}（编号或抽签编号）", f"no intake {ref} (number or draw id)"
        )
    return row


def intake_id(ctx: Context, ref: str) -> int:
    row = find_intake(ctx, ref)
    assert row.id is not None
    return row.id


# -- parsers -----------------------------------------------------------------------------------


def common() -> argparse.ArgumentParser:
    """``--instance``, ``--database-url`` and ``--by``, shared by every service command."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "--instance",
        metavar="DIR",
        help="instance folder (实例目录), default $PLACEMENT_INSTANCE_PATH or "
        f"./{DEFAULT_INSTANCE}",
    )
    p.add_argument(
        "--database-url",
        metavar="URL",
        help="database URL, overrides $PLACEMENT_DATABASE_URL and the instance's config.json "
        "(default: SQLite in the instance folder)",
    )
    p.add_argument(
        "--by",
        metavar="NAME",
        help="who is acting, for the audit trail (default cli:<login name>)",
    )
    return p


def command(
    sub: Sub[argparse.ArgumentParser],
    name: str,
    handler: Handler,
    help_text: str,
    *parents: argparse.ArgumentParser,
) -> argparse.ArgumentParser:
    p = sub.add_parser(
        name, help=help_text, description=help_text, parents=list(parents), allow_abbrev=False
    )
    p.set_defaults(func=guarded(handler))
    return p


def guarded(handler: Handler) -> Handler:
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except BrokenPipeError:
            return 0  # output piped into e.g. `head`, which stopped reading
        except (ServiceError, PlacementError, KeysError, OSError) as e:
            return report(e)
        except KeyboardInterrupt:
            err("\n已中断 interrupted")
            return 130

    return run


def env_or_prompt(var: str, prompt: str, *, twice: bool = False) -> str:
    """A secret from an environment variable, else asked on the terminal."""
    value = os.environ.get(var)
    if value:
        return value
    if not sys.stdin.isatty():
        raise ServiceError(
            f"没有终端可输入：请设置环境变量 {var}", f"no terminal to ask on: set {var}"
        )
    first = getpass.getpass(prompt)
    if twice and getpass.getpass("再输入一次 again: ") != first:
        raise ServiceError("两次输入不一致", "the two entries differ")
    return first
