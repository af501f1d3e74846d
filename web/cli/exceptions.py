"""Exceptions after the draw from the command line (spec Part E), each one transaction:

placement exception list INTAKE
placement exception late INTAKE --name 宋雨桐 --gender 女 --id-number … --basis late-review
                                --reference "复审决定 2024-0901-03" --reason …
placement exception transfer-in INTAKE --name … --gender … --id-number … --from-school …
        late and transfer-in take --twin-of M: placed with the twin added by exception M (§E7)
placement exception transfer-out INTAKE --id-number … --to-school … --category family-move
placement exception correct INTAKE --id-number … --to 3 --evidence … --category twin-wish
placement exception teacher INTAKE --class 2 --head-teacher 郑晓燕 --teacher 语文=郑晓燕 …
placement exception approve INTAKE N --reason … [--waive first-year] [--waive cap]
placement exception refuse INTAKE N --reason …
placement exception class-change …     always refused: 调班 is not allowed

INTAKE is the intake's number or its draw id; N the exception number.

The service module is imported when a command runs, so `placement --help` loads no
database code (tests/unit/test_cli_imports.py).
"""

from __future__ import annotations

import argparse

from placement.exceptions import CATEGORIES, Kind
from web.cli.common import Sub, command, common, context, intake_id
from web.service.console import out
from web.service.errors import ServiceError


def _pupil(args: argparse.Namespace) -> dict[str, str]:
    fields = {"name": args.name, "gender": args.gender, "id_number": args.id_number}
    if args.birth_date:
        fields["birth_date"] = args.birth_date
    if args.flags:
        fields["flags"] = args.flags
    if args.student_no:
        fields["student_no"] = args.student_no
    return fields


def cmd_list(args: argparse.Namespace) -> int:
    from web.service import exceptions as ex

    with context(args) as ctx:
        rows = ex.listing(ctx.env, intake_id(ctx, args.intake))
    if not rows:
        out("没有例外 no exceptions")
    for v in rows:
        classes = ",".join(str(c) for c in v.classes) or "-"
        twin = f"  双胞胎同第 {v.twin_of} 号 twin of #{v.twin_of}" if v.twin_of else ""
        out(
            f"#{v.number}  {v.kind.zh} {v.kind.value}  {v.category_zh} {v.category}  "
            f"{v.status_zh} {v.status}  申请 {v.requested_on}  决定 {v.decided_on or '-'}  "
            f"班级 classes {classes}{twin}"
        )
    return 0


def _done(number: int) -> int:
    out(f"已提交第 {number} 号例外申请，已签名并记入日志；待教育局审批")
    out(f"exception request #{number} signed and logged; awaiting the bureau's decision")
    return 0


def cmd_late(args: argparse.Namespace) -> int:
    from web.service import exceptions as ex

    with context(args) as ctx:
        n = ex.request_late(
            ctx.env,
            intake_id(ctx, args.intake),
            admitted=ex.Admitted(_pupil(args), args.basis, args.reference),
            reason=args.reason,
            user=ctx.user,
            twin_of=args.twin_of,
        )
    return _done(n)


def cmd_transfer_in(args: argparse.Namespace) -> int:
    from web.service import exceptions as ex

    with context(args) as ctx:
        n = ex.request_transfer_in(
            ctx.env,
            intake_id(ctx, args.intake),
            fields=_pupil(args),
            from_school=args.from_school,
            category=args.category,
            reason=args.reason,
            user=ctx.user,
            twin_of=args.twin_of,
        )
    return _done(n)


def cmd_transfer_out(args: argparse.Namespace) -> int:
    from web.service import exceptions as ex

    with context(args) as ctx:
        n = ex.request_transfer_out(
            ctx.env,
            intake_id(ctx, args.intake),
            id_number=args.id_number,
            to_school=args.to_school,
            category=args.category,
            reason=args.reason,
            user=ctx.user,
        )
    return _done(n)


def cmd_correct(args: argparse.Namespace) -> int:
    from web.service import exceptions as ex

    with context(args) as ctx:
        n = ex.request_correction(
            ctx.env,
            intake_id(ctx, args.intake),
            id_number=args.id_number,
            to_class=args.to,
            evidence=args.evidence,
            category=args.category,
            reason=args.reason,
            user=ctx.user,
        )
    return _done(n)


def cmd_teacher(args: argparse.Namespace) -> int:
    from web.service import exceptions as ex

    teachers = []
    for item in args.teacher:
        subject, sep, name = item.partition("=")
        if not sep or not subject.strip() or not name.strip():
            raise ServiceError(
                f"任课教师写作 科目=姓名：{item}", f"a teacher is given as subject=name: {item}"
            )
        teachers.append((subject, name))
    with context(args) as ctx:
        n = ex.request_teacher_change(
            ctx.env,
            intake_id(ctx, args.intake),
            class_number=args.class_number,
            head_teacher=args.head_teacher,
            teachers=teachers,
            category=args.category,
            reason=args.reason,
            user=ctx.user,
        )
    return _done(n)


def cmd_class_change(_args: argparse.Namespace) -> int:
    from web.service import exceptions as ex

    raise ex.refuse_class_change()


def _decide(args: argparse.Namespace, *, approve: bool) -> int:
    from web.service import exceptions as ex

    with context(args) as ctx:
        doc = ex.decide(
            ctx.env,
            intake_id(ctx, args.intake),
            number=args.number,
            approve=approve,
            reason=args.reason,
            waivers=getattr(args, "waive", None) or (),
            user=ctx.user,
        )
        twin = next(
            (
                v.twin_of
                for v in ex.listing(ctx.env, intake_id(ctx, args.intake))
                if v.number == args.number
            ),
            None,
        )
    if approve:
        placed = doc["placed"]
        rule = f"与第 {twin} 号例外的双胞胎同班（§E7）" if twin else "按 late-placement/1 "
        rule_en = f" with the twin of exception #{twin}" if twin else " by late-placement/1"
        where = f"，{rule}安排在第{placed}班 placed in class {placed}{rule_en}" if placed else ""
        out(f"第 {args.number} 号例外已批准{where} / exception #{args.number} approved")
    else:
        out(f"第 {args.number} 号例外不予批准 / exception #{args.number} refused")
    out("   决定已签名并记入透明日志 decision signed and logged")
    return 0


def cmd_approve(args: argparse.Namespace) -> int:

    return _decide(args, approve=True)


def cmd_refuse(args: argparse.Namespace) -> int:

    return _decide(args, approve=False)


def add_parsers(sub: Sub[argparse.ArgumentParser]) -> None:
    group = sub.add_parser(
        "exception",
        help="exceptions after the draw: 补录, 转学, 更正, 更换教师 (例外)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    inner = group.add_subparsers(dest="action", required=True)
    one = argparse.ArgumentParser(add_help=False, parents=[common()])
    one.add_argument("intake", metavar="INTAKE", help="intake number or draw id")
    asked = argparse.ArgumentParser(add_help=False, parents=[one])
    asked.add_argument("--reason", required=True, help="why (public in the signed request)")
    pupil = argparse.ArgumentParser(add_help=False)
    pupil.add_argument("--name", required=True)
    pupil.add_argument("--gender", required=True, help="男 or 女")
    pupil.add_argument("--id-number", required=True)
    pupil.add_argument("--birth-date", help="YYYY-MM-DD (must equal the ID number's)")
    pupil.add_argument("--student-no", help="学籍号")
    pupil.add_argument("--flags", help="特殊标记, e.g. 留守儿童 (kept private)")
    pupil.add_argument(
        "--twin-of",
        type=int,
        metavar="M",
        help="双胞胎同班: exception M added the twin; placed in the twin's class (§E7)",
    )

    command(inner, "list", cmd_list, "list the intake's exceptions", one)
    p = command(
        inner, "late", cmd_late, "request 补录 of a pupil admitted after the draw", asked, pupil
    )
    p.add_argument("--basis", required=True, choices=CATEGORIES[Kind.LATE])
    p.add_argument("--reference", required=True, help="the review decision's or 统筹安排's number")
    transfer = CATEGORIES[Kind.TRANSFER_IN]
    p = command(inner, "transfer-in", cmd_transfer_in, "request a transfer in (转入)", asked, pupil)
    p.add_argument("--from-school", required=True)
    p.add_argument("--category", required=True, choices=transfer)
    p = command(inner, "transfer-out", cmd_transfer_out, "request a transfer out (转出)", asked)
    p.add_argument("--id-number", required=True)
    p.add_argument("--to-school", required=True)
    p.add_argument("--category", required=True, choices=transfer)
    p = command(
        inner, "correct", cmd_correct, "request a correction of a documented error (更正)", asked
    )
    p.add_argument("--id-number", required=True)
    p.add_argument("--to", type=int, required=True, help="the class the pupil belongs in")
    p.add_argument("--evidence", required=True, help="the document proving the error")
    p.add_argument("--category", required=True, choices=CATEGORIES[Kind.CORRECTION])
    p = command(inner, "teacher", cmd_teacher, "request a teacher change (更换教师)", asked)
    p.add_argument("--class", dest="class_number", type=int, required=True)
    p.add_argument("--head-teacher", required=True)
    p.add_argument("--teacher", action="append", required=True, help="subject=name, repeated")
    p.add_argument("--category", required=True, choices=CATEGORIES[Kind.TEACHER_CHANGE])
    p = command(inner, "class-change", cmd_class_change, "调班: always refused", one)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p = command(inner, "approve", cmd_approve, "approve exception N (bureau admin)", one)
    p.add_argument("number", type=int, metavar="N")
    p.add_argument("--reason", required=True)
    p.add_argument("--waive", action="append", choices=["cap", "first-year"])
    p = command(inner, "refuse", cmd_refuse, "refuse exception N (bureau admin)", one)
    p.add_argument("number", type=int, metavar="N")
    p.add_argument("--reason", required=True)
