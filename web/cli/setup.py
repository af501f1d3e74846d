"""Setting up a district from the command line: ``placement init`` (instance folder,
session secret, database, key store with the bureau and log keys, first admin) and
``placement schools add | list | close``."""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from keys.passphrase import read_passphrase
from placement.keyring import CST, KeyRole
from placement.policy import Level
from web.cli.common import Sub, command, common, context, env_or_prompt
from web.service.console import out
from web.service.errors import NotFound, ServiceError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from web.service.config import Instance

# The name of an environment variable, not a password (S105).
ADMIN_PASSWORD_ENV = "PLACEMENT_ADMIN_PASSWORD"  # noqa: S105


# -- init --------------------------------------------------------------------------------------


def ensure_keys(
    inst: Instance, *, label: str, passphrase: str | None = None, kdf_rounds: int | None = None
) -> list[str]:
    """Create the key store and the bureau and log keys where missing; the names created."""
    from keys.store import KeyStore

    store = (
        KeyStore(inst.keys_dir)
        if kdf_rounds is None
        else KeyStore(inst.keys_dir, kdf_rounds=kdf_rounds)
    )
    store.init()
    names = {k.name for k in store.keyring().keys}
    wanted = [
        (inst.bureau_key, KeyRole.BUREAU, label),
        (inst.log_key, KeyRole.LOG, f"{label}透明日志"),
    ]
    missing = [w for w in wanted if w[0] not in names]
    if missing and passphrase is None:
        passphrase = read_passphrase(creating=True)
    today = datetime.now(CST).date()
    for name, role, holder in missing:
        assert passphrase is not None
        store.create(name, role, holder, today, passphrase)
    return [m[0] for m in missing]


def first_admin(engine: Engine, username: str, password: str | None) -> bool:
    """Create the first bureau admin when the database has no user yet."""
    from sqlmodel import select

    from web.db.engine import reading
    from web.db.models import User
    from web.service.accounts import create_user
    from web.service.instance import now
    from web.service.roles import Role

    with reading(engine) as s:
        if s.exec(select(User)).first() is not None:
            return False
    if password is None:
        password = env_or_prompt(ADMIN_PASSWORD_ENV, f"{username} 的密码 password: ", twice=True)
    create_user(engine=engine, username=username, password=password, role=Role.ADMIN, now=now())
    return True


def cmd_init(args: argparse.Namespace) -> int:
    from web.service.config import (
        check_public_base_url,
        new_secret_key,
        read_config,
        resolve,
        write_config,
    )
    from web.service.instance import ensure_database

    if args.demo:
        from web.demo.district import build_demo, print_logins

        info = build_demo(Path(args.instance or "instance/demo"), database_url=args.database_url)
        print_logins(info)
        return 0
    inst = resolve(args.instance, args.database_url)
    config = read_config(inst.path)
    named = args.database_url or os.environ.get("PLACEMENT_DATABASE_URL")
    _refuse_second_database(inst, config, named=bool(named))
    public = args.public_base_url or inst.public_base_url
    if not public:
        raise ServiceError(
            "请用 --public-base-url 给出公众核验页所在的网址"
            "（印在每张名单的二维码里，纸面要保存多年）",
            "give --public-base-url, where the public verify page is served (every printed "
            "sheet's QR code carries it, and paper is kept for years)",
        )
    inst.path.mkdir(mode=0o700, parents=True, exist_ok=True)
    config.update(
        # The database this instance uses from now on, whichever way it was named: a later
        # shell without $PLACEMENT_DATABASE_URL must find the same one (issue 11).
        DATABASE_URL=inst.database_url,
        PUBLIC_BASE_URL=check_public_base_url(public),
    )
    for key, value in (("BUREAU_KEY", args.bureau_key), ("LOG_KEY", args.log_key)):
        if value:
            config[key] = value
    write_config(inst.path, config)
    inst = resolve(args.instance, args.database_url)
    if new_secret_key(inst.path):
        out(f"已生成会话密钥 created the session secret {inst.path / 'secret_key'}")
    engine = ensure_database(inst)
    out(f"数据库已是最新结构 database migrated: {_safe_url(inst.database_url)}")
    for name in ensure_keys(inst, label=args.label):
        out(f"已生成签名密钥 created signing key {name}")
    out(f"密钥目录 key store {inst.keys_dir}（bureau {inst.bureau_key}，log {inst.log_key}）")
    out(f"二维码核验网址 verify page in QR codes: {inst.public_base_url.rstrip('/')}/verify/")
    if first_admin(engine, args.admin, None):
        out(f"已创建管理员 created bureau admin {args.admin}")
    engine.dispose()
    out(f"实例已就绪 instance ready: {inst.path}")
    return 0


def _refuse_second_database(inst: Instance, config: dict[str, str], *, named: bool) -> None:
    """One instance, one database: its keys sign one transparency log. Refuse a database
    other than the one recorded, and, where none is recorded yet but keys exist, a new
    one that was not named explicitly (--database-url or $PLACEMENT_DATABASE_URL; an
    SQLite file already there is not new: instances made before init recorded their
    database)."""
    from keys.store import KEYRING_FILE

    recorded = config.get("DATABASE_URL")
    if recorded and recorded != inst.database_url:
        raise ServiceError(
            f"实例 {inst.path} 已记录数据库 {_safe_url(recorded)}，不会另建数据库 "
            f"{_safe_url(inst.database_url)}：同一密钥只能签一本透明日志。"
            "请去掉 PLACEMENT_DATABASE_URL / --database-url，或换一个实例目录",
            f"instance {inst.path} records the database {_safe_url(recorded)}; init will not "
            f"make another ({_safe_url(inst.database_url)}): its keys sign one transparency "
            "log. Unset PLACEMENT_DATABASE_URL / --database-url, or use another instance folder",
        )
    db = inst.sqlite_file
    exists = db is not None and db.exists()
    if not recorded and not named and not exists and (inst.keys_dir / KEYRING_FILE).exists():
        raise ServiceError(
            f"实例 {inst.path} 已有签名密钥（{inst.keys_dir}）但没有记录数据库：不会自动新建 "
            f"{_safe_url(inst.database_url)}。"
            "若这确是它的第一个数据库，请用 --database-url 明确给出",
            f"instance {inst.path} already has signing keys ({inst.keys_dir}) but no recorded "
            f"database: init will not make {_safe_url(inst.database_url)} on its own. If this "
            "is its first database, name it with --database-url",
        )


def _safe_url(url: str) -> str:
    """A database URL without its password, for printing."""
    head, at, tail = url.rpartition("@")
    if not at or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, _, cred = head.partition("//")
    return f"{scheme}//{cred.split(':', 1)[0]}:***@{tail}"


# -- schools -----------------------------------------------------------------------------------


def cmd_schools_add(args: argparse.Namespace) -> int:
    from web.service.schools import add_school

    with context(args) as ctx:
        sid = add_school(
            ctx.engine,
            code=args.code,
            name=args.name,
            level=args.level,
            closed=args.closed,
            catchment_to=args.catchment_to or "",
            user=ctx.user,
            now=ctx.env.now(),
        )
    out(f"已添加学校 added school #{sid} {args.code} {args.name}")
    return 0


def cmd_schools_list(args: argparse.Namespace) -> int:
    from sqlmodel import col, select

    from web.db.engine import reading
    from web.db.models import School

    with context(args) as ctx, reading(ctx.engine) as s:
        rows = s.exec(select(School).order_by(col(School.level), col(School.code))).all()
    for sc in rows:
        level = "小学 primary" if sc.level == Level.PRIMARY else "初中 middle"
        status = f"停招 closed → {sc.catchment_to}" if sc.closed else "招生 open"
        out(f"#{sc.id:<3} {sc.code:<10} {sc.name:<12} {level:<12} {status}")
    return 0


def cmd_schools_close(args: argparse.Namespace) -> int:
    from sqlmodel import col, select

    from web.db.engine import writing
    from web.db.models import School

    with context(args) as ctx, writing(ctx.engine) as s:
        sc = s.exec(
            select(School).where(
                (col(School.code) == args.school) | (col(School.name) == args.school)
            )
        ).first()
        if sc is None:
            raise NotFound(f"没有学校 {args.school}", f"no school {args.school}")
        sc.closed, sc.catchment_to = True, args.catchment_to
        s.add(sc)
    out(f"{args.school} 停止招生，学区学生由 {args.catchment_to} 接收 / closed for intake")
    return 0


# -- parsers -----------------------------------------------------------------------------------


def add_parsers(sub: Sub[argparse.ArgumentParser]) -> None:
    base = common()
    p = command(
        sub,
        "init",
        cmd_init,
        "create the instance: folder, session secret, database, bureau and log keys, "
        "first admin (初始化)",
        base,
    )
    p.add_argument("--admin", default="admin", help="first bureau admin's username")
    p.add_argument("--bureau-key", help="bureau key name, e.g. taobei.edu.example/bureau-2024")
    p.add_argument("--log-key", help="log key name, e.g. taobei.edu.example/log-2024")
    p.add_argument("--label", default="教育局", help="key holder, e.g. 洮北区教育局")
    p.add_argument("--public-base-url", help="where the public verify page is served")
    p.add_argument(
        "--demo", action="store_true", help="build the demo 洮北区 district (./instance/demo)"
    )

    sch = sub.add_parser("schools", help="schools of the district (学校)", description="schools")
    acts = sch.add_subparsers(dest="schools_command", required=True)
    p = command(acts, "add", cmd_schools_add, "add a school", base)
    p.add_argument("--code", required=True, help="short code, e.g. TB-SY")
    p.add_argument("--name", required=True, help="e.g. 洮北区实验小学")
    p.add_argument("--level", choices=[lv.value for lv in Level], required=True)
    p.add_argument("--closed", action="store_true", help="closed for intake")
    p.add_argument("--catchment-to", help="the school taking a closed school's catchment")
    command(acts, "list", cmd_schools_list, "list schools", base)
    p = command(acts, "close", cmd_schools_close, "close a school for intake", base)
    p.add_argument("school", help="code or name")
    p.add_argument("--catchment-to", required=True, help="the school that takes its catchment")
