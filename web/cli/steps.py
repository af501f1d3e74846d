"""An intake's steps from the command line, each one database transaction:

placement freeze INTAKE       placement announce INTAKE
placement witness INTAKE --role 家长代表 --name 贾雪 --input "3 1 4 1 5 9"
placement override INTAKE --reason …          placement draw INTAKE [--beacon-value V]
placement publish INTAKE      placement export-bundle INTAKE --kind public --out p.zip
placement cancel INTAKE --reason …
placement amend INTAKE --id-number … --to 3 --evidence …   (files a correction request, §E1)

INTAKE is the intake's number or its draw id.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from placement.exceptions import CATEGORIES, Kind
from web.cli.common import Sub, command, common, context, env_or_prompt, find_intake, intake_id
from web.service.console import out

# The name of an environment variable, not a passphrase (S105).
SUPERVISOR_ENV = "PLACEMENT_SUPERVISOR_PASSPHRASE"


def cmd_freeze(args: argparse.Namespace) -> int:
    from web.service import workflow

    with context(args) as ctx:
        workflow.freeze(ctx.env, intake_id(ctx, args.intake), user=ctx.user)
    out(f"名单和教师团队已冻结 roster and teams frozen: {args.intake}")
    return 0


def cmd_announce(args: argparse.Namespace) -> int:
    from placement.documents import digest
    from web.db.engine import reading
    from web.service import workflow
    from web.service.intakes import reading_of

    with context(args) as ctx:
        workflow.announce(ctx.env, intake_id(ctx, args.intake), user=ctx.user)
        intake = find_intake(ctx, args.intake)
        with reading(ctx.engine) as s:
            ann = reading_of(s, intake).document("announcement.jws")
    out(f"已公告并记入日志 announced and logged: {intake.draw_id}")
    out(f"   公告摘要 announcement digest {digest(ann).hex() if ann else '-'}")
    out(f"   见证码 witness code {intake.witness_code}")
    return 0


def cmd_witness(args: argparse.Namespace) -> int:
    from web.service import workflow

    with context(args) as ctx:
        index = workflow.add_witness(
            ctx.env,
            intake_id(ctx, args.intake),
            role=args.role,
            name=args.name,
            text=args.input,
            user=ctx.user,
        )
    out(f"见证人输入 #{index + 1} 已记录 witness input recorded: {args.role} {args.name}")
    return 0


def cmd_override(args: argparse.Namespace) -> int:
    from web.service import workflow

    with context(args) as ctx:
        workflow.record_override(
            ctx.env, intake_id(ctx, args.intake), reason=args.reason, user=ctx.user
        )
    out(f"已登记派位时间例外 window override recorded: {args.reason}")
    return 0


def cmd_draw(args: argparse.Namespace) -> int:
    from sqlmodel import select

    from placement.documents import digest
    from placement.roster import Sex
    from web.db.engine import reading
    from web.db.models import Pupil
    from web.service import workflow
    from web.service.intakes import reading_of

    with context(args) as ctx:
        supervisor = None
        if args.supervisor_key:
            phrase = env_or_prompt(SUPERVISOR_ENV, "监督员密钥口令 supervisor passphrase: ")
            supervisor = ctx.services.with_supervisor(args.supervisor_key, phrase)
        iid = intake_id(ctx, args.intake)
        workflow.draw(
            ctx.env, iid, beacon_value=args.beacon_value, user=ctx.user, supervisor=supervisor
        )
        with reading(ctx.engine) as s:
            result = reading_of(s, find_intake(ctx, args.intake)).document("result.jws")
            rows = s.exec(select(Pupil.class_label, Pupil.sex).where(Pupil.intake_id == iid))
            sizes = Counter((label, sex) for label, sex in rows)
    out(f"已开奖、签名并记入日志 drawn, signed and logged: {args.intake}")
    out(f"   结果摘要 result digest {digest(result).hex() if result else '-'}")
    for label in sorted({label for label, _ in sizes}):
        # Stored as the core's Sex values ("M"/"F"), printed in Chinese.
        boys, girls = sizes[(label, Sex.MALE.value)], sizes[(label, Sex.FEMALE.value)]
        out(f"   {label}: 男 {boys} 女 {girls} 合计 {boys + girls}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from web.service import workflow

    with context(args) as ctx:
        workflow.publish(ctx.env, intake_id(ctx, args.intake), user=ctx.user)
    out(f"已发布 published: {args.intake}（公开记录包已生成 public bundle stored）")
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    from web.service import workflow

    with context(args) as ctx:
        workflow.cancel(ctx.env, intake_id(ctx, args.intake), reason=args.reason, user=ctx.user)
    out(f"公告已撤销并记入日志 announcement cancelled and logged: {args.intake}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from keys.store import write_atomic
    from web.service import workflow

    with context(args) as ctx:
        data = workflow.export_bundle(
            ctx.env, intake_id(ctx, args.intake), kind=args.kind, user=ctx.user
        )
    write_atomic(Path(args.out), data, mode=0o600 if args.kind == "archive" else 0o644)
    out(f"记录包 bundle ({args.kind}) → {args.out} ({len(data):,} bytes)")
    return 0


def cmd_amend(args: argparse.Namespace) -> int:
    """The v1 amendment's successor (spec §E1): files a ``correction`` request; the pupil
    moves once a bureau admin approves it (``placement exception approve``)."""
    from web.service import exceptions

    with context(args) as ctx:
        number = exceptions.request_correction(
            ctx.env,
            intake_id(ctx, args.intake),
            id_number=args.id_number,
            to_class=args.to,
            evidence=args.evidence,
            category=args.category,
            reason=args.reason,
            user=ctx.user,
        )
    out(f"第 {number} 号更正申请已签名并记入日志，待教育局批准（placement exception approve）")
    out(f"correction request #{number} signed and logged; the pupil moves once it is approved")
    return 0


def add_parsers(sub: Sub[argparse.ArgumentParser]) -> None:
    one = argparse.ArgumentParser(add_help=False, parents=[common()])
    one.add_argument("intake", metavar="INTAKE", help="intake number or draw id")
    command(sub, "freeze", cmd_freeze, "check and freeze the roster and teams (冻结)", one)
    command(
        sub, "announce", cmd_announce, "commit, sign, log and publish the announcement (公告)", one
    )
    p = command(sub, "witness", cmd_witness, "record one witness input (见证人输入)", one)
    p.add_argument("--role", required=True, help="e.g. 家长代表")
    p.add_argument("--name", required=True)
    p.add_argument("--input", required=True, help='the input as typed, e.g. "3 1 4 1 5 9"')
    p = command(
        sub, "override", cmd_override, "allow a draw outside the placement window (例外登记)", one
    )
    p.add_argument("--reason", required=True)
    p = command(sub, "draw", cmd_draw, "reveal the seed, draw, sign and log the result (开奖)", one)
    p.add_argument("--beacon-value", help="the declared beacon's published value")
    p.add_argument(
        "--supervisor-key",
        help=f"supervisor key name to cosign; passphrase from ${SUPERVISOR_ENV} or asked",
    )
    command(sub, "publish", cmd_publish, "publish the signed result (发布)", one)
    p = command(sub, "cancel", cmd_cancel, "cancel an announcement; logged and visible (撤销)", one)
    p.add_argument("--reason", required=True)
    p = command(sub, "export-bundle", cmd_export, "write a public or archive record bundle", one)
    p.add_argument("--kind", choices=["public", "archive"], default="public")
    p.add_argument("--out", required=True, help="the .zip file to write")
    p = command(
        sub, "amend", cmd_amend, "request a correction of class (更正; the bureau approves)", one
    )
    p.add_argument("--id-number", required=True, help="the pupil's ID number")
    p.add_argument("--to", type=int, required=True, help="class number to move to")
    p.add_argument("--reason", required=True)
    p.add_argument("--evidence", required=True, help="the document proving the error")
    p.add_argument("--category", choices=CATEGORIES[Kind.CORRECTION], default="data-error")
