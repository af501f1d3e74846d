"""Intakes from the command line: create, list and show them, import their roster and
teacher teams (all or nothing; a refused file prints every row and field in Chinese and
English):

placement intake add --school TB-SY --draw-id tb-2024-shiyan --name 2024级一年级 \
                     --year 2024 --scheduled 2024-08-14T09:00
placement roster import INTAKE roster.csv      placement teams import INTAKE teams.xlsx
placement intake list [--stage draft]          placement intake show INTAKE

INTAKE is the intake's number or its draw id. The steps after the import are in
``web.cli.steps``.
"""

from __future__ import annotations

import argparse
from collections import Counter
from datetime import datetime
from pathlib import Path

from sqlmodel import col, select

from placement.documents import digest
from placement.policy import PROFILES
from web.cli.common import Context, Sub, command, common, context, find_intake, intake_id
from web.db.engine import reading
from web.db.models import AuditEvent, Intake, Pupil, School, TeamRow
from web.record import clock
from web.service import intake_db, workflow
from web.service.console import out
from web.service.errors import NotFound
from web.service.intakes import BEIJING, Stage, record_of


def _school(ctx: Context, ref: str) -> School:
    with reading(ctx.engine) as s:
        row = s.exec(
            select(School).where((col(School.code) == ref) | (col(School.name) == ref))
        ).first()
    if row is None:
        raise NotFound(f"没有学校 {ref}（代码或名称）", f"no school {ref} (code or name)")
    return row


def scheduled_time(text: str) -> str:
    """A planned start as the record writes it: 2024-08-14T09:00:00+08:00 (UTC+8 if no
    offset is given)."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        msg = f"时间格式须如 2024-08-14T09:00 / a time like 2024-08-14T09:00: {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=BEIJING)
    return when.astimezone(BEIJING).isoformat(timespec="seconds")


def cmd_intake_add(args: argparse.Namespace) -> int:
    with context(args) as ctx:
        school = _school(ctx, args.school)
        assert school.id is not None
        iid = workflow.create_intake(
            ctx.env,
            school_id=school.id,
            draw_id=args.draw_id,
            name=args.name,
            year=args.year,
            profile=args.profile,
            scheduled=args.scheduled,
            planned_witnesses=args.witness or (),
            beacon=args.beacon or "",
            second_reason=args.second_reason or "",
            user=ctx.user,
        )
    out(f"已建立招生批次 created intake #{iid} {args.draw_id}（{school.name} {args.name}）")
    return 0


def _counts(ctx: Context) -> tuple[Counter[int], Counter[int]]:
    with reading(ctx.engine) as s:
        pupils = Counter(s.exec(select(Pupil.intake_id)))
        teams = Counter(s.exec(select(TeamRow.intake_id)))
    return pupils, teams


def cmd_intake_list(args: argparse.Namespace) -> int:
    with context(args) as ctx:
        with reading(ctx.engine) as s:
            q = select(Intake, School.name).join(School, col(School.id) == col(Intake.school_id))
            if args.stage:
                q = q.where(Intake.stage == args.stage)
            if args.year:
                q = q.where(Intake.year == args.year)
            rows = s.exec(q.order_by(col(Intake.id))).all()
        pupils, teams = _counts(ctx)
    out(f"{'#':>3} {'抽签编号 draw id':<24} {'阶段 stage':<10} {'学生':>5} {'班':>3}  学校 批次")
    for intake, school in rows:
        assert intake.id is not None
        out(
            f"{intake.id:>3} {intake.draw_id:<24} {intake.stage:<10} "
            f"{pupils[intake.id]:>5} {teams[intake.id]:>3}  {school} {intake.name}"
        )
    return 0


def cmd_intake_show(args: argparse.Namespace) -> int:
    with context(args) as ctx:
        intake = find_intake(ctx, args.intake)
        assert intake.id is not None
        with reading(ctx.engine) as s:
            school = s.get(School, intake.school_id)
            rec = record_of(s, intake)
            witnesses = rec.state()["witnesses"] if rec.has("draw.json") else []
            announcement, result = rec.document("announcement.jws"), rec.document("result.jws")
            events = s.exec(
                select(AuditEvent)
                .where(AuditEvent.intake_id == intake.id)
                .order_by(col(AuditEvent.id))
            ).all()
            classes = Counter(
                s.exec(
                    select(Pupil.class_label).where(
                        Pupil.intake_id == intake.id, col(Pupil.class_number).is_not(None)
                    )
                )
            )
        pupils, teams = _counts(ctx)
    stage = Stage(intake.stage)
    out(f"#{intake.id} {intake.draw_id}: {school.name if school else '?'} {intake.name}")
    out(f"   阶段 stage: {stage.zh} ({stage.value})   政策 profile {intake.profile}")
    out(f"   学生 pupils {pupils[intake.id]}   教师团队 teams {teams[intake.id]}")
    out(f"   计划时间 scheduled {intake.scheduled or '-'}   信标 beacon {intake.beacon or '-'}")
    if intake.override_reason:
        out(f"   派位时间例外 window override: {intake.override_reason}（{intake.override_by}）")
    if intake.witness_code:
        out(f"   见证码 witness code {intake.witness_code}")
    assert isinstance(witnesses, list)
    for i, w in enumerate(witnesses, 1):
        assert isinstance(w, dict)
        out(f"   见证 witness {i}: {w['role']} {w['name']}: {w['input']}")
    if announcement is not None:
        out(f"   公告摘要 announcement digest {digest(announcement).hex()}")
    if result is not None:
        out(f"   结果摘要 result digest       {digest(result).hex()}")
    for label, n in sorted(classes.items()):
        out(f"   {label}: {n}")
    for e in events:
        out(f"   {clock.shown(e.time)} {e.username:<16} {e.action} {e.detail}")
    return 0


def _import(args: argparse.Namespace, *, teams: bool) -> int:
    path = Path(args.file)
    data = path.read_bytes()
    with context(args) as ctx:
        iid = intake_id(ctx, args.intake)
        step = intake_db.import_teams if teams else intake_db.import_roster
        n = step(ctx.env, iid, filename=path.name, data=data, user=ctx.user)
    what = "教师团队 teams" if teams else "学生 pupils"
    out(f"已导入 imported {n} {what} from {path.name} into intake #{iid}")
    return 0


def cmd_roster_import(args: argparse.Namespace) -> int:
    return _import(args, teams=False)


def cmd_teams_import(args: argparse.Namespace) -> int:
    return _import(args, teams=True)


def add_parsers(sub: Sub[argparse.ArgumentParser]) -> None:
    base = common()
    one = argparse.ArgumentParser(add_help=False, parents=[base])
    one.add_argument("intake", metavar="INTAKE", help="intake number or draw id")

    grp = sub.add_parser("intake", help="intakes: school × level × year (招生批次)")
    acts = grp.add_subparsers(dest="intake_command", required=True)
    p = command(acts, "add", cmd_intake_add, "create an intake for a school", base)
    p.add_argument("--school", required=True, help="school code or name")
    p.add_argument("--draw-id", required=True, help="public draw id, e.g. tb-2024-shiyan")
    p.add_argument("--name", required=True, help="e.g. 2024级一年级")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--profile", choices=sorted(PROFILES), default="taobei-2024")
    p.add_argument(
        "--scheduled",
        type=scheduled_time,
        required=True,
        help="planned start, e.g. 2024-08-14T09:00 (UTC+8 unless an offset is given)",
    )
    p.add_argument("--witness", action="append", help="planned witness 'role name', repeatable")
    p.add_argument("--beacon", help="public beacon round declared in advance")
    p.add_argument(
        "--second-reason",
        help="why this school needs a second intake of the same level and year (audited)",
    )
    p = command(acts, "list", cmd_intake_list, "list intakes with stage and counts", base)
    p.add_argument("--stage", choices=[st.value for st in Stage])
    p.add_argument("--year", type=int)
    command(acts, "show", cmd_intake_show, "show one intake: stage, digests, history", one)

    for name, handler, what in (
        ("roster", cmd_roster_import, "pupil roster (学生名单)"),
        ("teams", cmd_teams_import, "teacher teams (教师团队)"),
    ):
        grp = sub.add_parser(name, help=f"{what}: import", description=f"{what}")
        acts = grp.add_subparsers(dest=f"{name}_command", required=True)
        p = command(
            acts,
            "import",
            handler,
            f"import the {what} from CSV (UTF-8, BOM, GBK) or XLSX; all or nothing",
            one,
        )
        p.add_argument("file", metavar="FILE")
