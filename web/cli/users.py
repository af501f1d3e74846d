"""Staff accounts and policy profiles from the command line: ``placement users add |
list | deactivate | passwd`` and ``placement profile list | show``. Accounts are never
deleted, only deactivated; passwords come from ``$PLACEMENT_USER_PASSWORD`` or a prompt."""

from __future__ import annotations

import argparse
import json

from sqlalchemy import Engine
from sqlmodel import col, select

from placement.policy import PROFILES, to_json
from web.cli.common import Sub, command, common, context, env_or_prompt
from web.db.engine import reading, writing
from web.db.models import School, User
from web.service.accounts import create_user, set_password
from web.service.console import out
from web.service.errors import NotFound
from web.service.instance import now
from web.service.roles import Role

# The name of an environment variable, not a password (S105).
PASSWORD_ENV = "PLACEMENT_USER_PASSWORD"  # noqa: S105


# -- users -------------------------------------------------------------------------------------


def _school_id(engine: Engine, ref: str | None) -> int | None:
    if not ref:
        return None
    with reading(engine) as s:
        row = s.exec(
            select(School).where((col(School.code) == ref) | (col(School.name) == ref))
        ).first()
    if row is None:
        raise NotFound(f"没有学校 {ref}（代码或名称）", f"no school {ref} (code or name)")
    return row.id


def cmd_users_add(args: argparse.Namespace) -> int:
    with context(args) as ctx:
        password = env_or_prompt(PASSWORD_ENV, f"{args.username} 的密码 password: ", twice=True)
        create_user(
            engine=ctx.engine,
            username=args.username,
            password=password,
            role=Role(args.role),
            now=now(),
            school_id=_school_id(ctx.engine, args.school),
            display_name=args.display_name or "",
            by=ctx.user,
        )
    out(f"已创建用户 created user {args.username}（{Role(args.role).zh}）")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    with context(args) as ctx, reading(ctx.engine) as s:
        schools = {sc.id: sc.name for sc in s.exec(select(School))}
        users = s.exec(select(User).order_by(col(User.username))).all()
    out(f"{'用户名 username':<20} {'角色 role':<12} {'状态 status':<10} 学校 school")
    for u in users:
        status = "启用 active" if u.active else "停用 inactive"
        school = schools.get(u.school_id, "") if u.school_id else ""
        out(f"{u.username:<20} {u.role:<12} {status:<10} {school}")
    return 0


def _change_user(args: argparse.Namespace, *, active: bool | None, password: str | None) -> None:
    with context(args) as ctx, writing(ctx.engine) as s:
        user = s.exec(select(User).where(User.username == args.username)).first()
        if user is None:
            raise NotFound(f"没有用户 {args.username}", f"no user {args.username}")
        if active is not None:
            user.active = active
        if password is not None:
            set_password(user, password)  # also ends the user's sessions
        s.add(user)


def cmd_users_deactivate(args: argparse.Namespace) -> int:
    _change_user(args, active=False, password=None)
    out(f"已停用 deactivated {args.username}（记录保留 the account is kept, not deleted）")
    return 0


def cmd_users_passwd(args: argparse.Namespace) -> int:
    password = env_or_prompt(PASSWORD_ENV, f"{args.username} 的新密码 new password: ", twice=True)
    _change_user(args, active=None, password=password)
    out(f"已更改密码 password changed for {args.username}")
    return 0


# -- profiles ----------------------------------------------------------------------------------


def cmd_profile_list(_args: argparse.Namespace) -> int:
    for key, p in sorted(PROFILES.items()):
        w = p.placement_window()
        out(f"{key:<16} {p.district} {p.year}  派位 placement {w.start}–{w.end}")
    return 0


def cmd_profile_show(args: argparse.Namespace) -> int:
    p = PROFILES.get(args.key)
    if p is None:
        raise NotFound(f"没有政策文件 {args.key}", f"no policy profile {args.key}")
    out(f"{p.key}: {p.district} {p.year}")
    out(f"   入学年龄 birth cut-off {p.birth_cutoff}（含当日 inclusive）")
    out(f"   班额上限 class caps: 小学 primary {p.primary_cap}，初中 middle {p.middle_cap}")
    for st in p.stages:
        out(f"   {st.start} – {st.end}  {st.name_zh} / {st.name_en}")
    for ch in p.catchment_changes:
        out(f"   停招 closed: {ch.closed_school} → {ch.receiving_school}（{ch.note_zh}）")
    out(f"   咨询电话 hotline {p.hotline}")
    if args.json:
        out(json.dumps(to_json(p), ensure_ascii=False, indent=2))
    return 0


def add_parsers(sub: Sub[argparse.ArgumentParser]) -> None:
    base = common()
    users = sub.add_parser("users", help="staff accounts (用户)", description="staff accounts")
    acts = users.add_subparsers(dest="users_command", required=True)
    p = command(
        acts, "add", cmd_users_add, f"add a user; password from ${PASSWORD_ENV} or asked", base
    )
    p.add_argument("username")
    p.add_argument("--role", choices=[r.value for r in Role], required=True)
    p.add_argument("--school", help="school code or name (required for an operator)")
    p.add_argument("--display-name")
    command(acts, "list", cmd_users_list, "list users", base)
    p = command(
        acts, "deactivate", cmd_users_deactivate, "deactivate a user (kept, not deleted)", base
    )
    p.add_argument("username")
    p = command(
        acts, "passwd", cmd_users_passwd, f"set a password (${PASSWORD_ENV} or asked)", base
    )
    p.add_argument("username")

    prof = sub.add_parser("profile", help="policy profiles (政策)", description="policy profiles")
    acts = prof.add_subparsers(dest="profile_command", required=True)
    command(acts, "list", cmd_profile_list, "list the policy profiles shipped")
    p = command(acts, "show", cmd_profile_show, "show one profile: cut-off, caps, calendar")
    p.add_argument("key", help="profile key, e.g. taobei-2024")
    p.add_argument("--json", action="store_true", help="also print it as the hashed JSON")
