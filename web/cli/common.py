"""What every ``placement`` command on the service database shares: the opened instance,
who is acting and the common options.

Light at import time (``placement --help`` reads only the parsers): the database, the
models and the service are imported when a command runs."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from web.service.config import DEFAULT_INSTANCE, Instance, resolve
from web.service.errors import NotFound, ServiceError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from web.db.models import Intake
    from web.service.intakes import Env
    from web.service.services import Services

Handler = Callable[[argparse.Namespace], int]
Sub = argparse._SubParsersAction  # noqa: SLF001 - argparse names no public type for it


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


@contextmanager
def context(args: argparse.Namespace) -> Iterator[Context]:
    """Open the instance named by ``--instance``; refuse one never initialised."""
    from web.service.instance import open_services

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
    from sqlmodel import select

    from web.db.engine import reading
    from web.db.models import Intake

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
    p.set_defaults(func=handler)
    return p


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
