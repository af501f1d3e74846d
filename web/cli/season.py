"""``placement season …``: the enrollment season's staff steps on the service database.

``init`` (catchment + plan, or ``--demo``), ``register`` (desk entries from CSV/XLSX),
``decide``, ``review`` (a sheet of decisions), ``override``, ``notice``, ``report``,
``finding``, ``derive``, ``export``, ``status`` and ``demo`` (the demo district's whole
season, dated 2024 by its own clock).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from placement.policy import PROFILES, Level
from placement.season import catchment as catchment_mod
from placement.season.outcome import OUTCOME_ZH, Outcome
from placement.season.plan import TAOBEI_RULES, Plan, intakes_from_rows, windows_from_profile
from web.cli.common import Sub, command, common, context
from web.demo.files import SEASON_INTAKES
from web.service.console import out
from web.service.errors import ServiceError


def _season(args: argparse.Namespace) -> str:
    return str(args.season)


def _plan_from_rows(rows: list[tuple[int, dict[str, str]]], season: str) -> Plan:
    profile = PROFILES[season]
    return Plan(
        season=season,
        district=profile.district,
        year=profile.year,
        intakes=intakes_from_rows(rows, profile),
        rules=TAOBEI_RULES,
        windows=windows_from_profile(profile),
    )


def cmd_init(args: argparse.Namespace) -> int:
    from web.demo import season as demo
    from web.service.season import files, steps

    season = _season(args)
    if args.demo:
        c, p = demo.catchment(), demo.plan()
    else:
        profile = PROFILES[season]
        crows = [r for _, r in files.rows(Path(args.catchment).read_bytes(), args.catchment)]
        c = catchment_mod.from_rows(
            crows, season=season, district=profile.district, year=profile.year
        )
        p = _plan_from_rows(files.rows(Path(args.plan).read_bytes(), args.plan), season)
    with context(args) as ctx:
        steps.create(ctx.env, catchment=c, plan=p, user=ctx.user)
    out(
        f"招生季 {season} 已建立：{len(c.schools)} 所学校的学区，{len(p.intakes)} 个招生计划 "
        f"/ season {season} set up"
    )
    return 0


def cmd_register(args: argparse.Namespace) -> int:
    from web.service.season import files, steps

    rows = files.rows(Path(args.file).read_bytes(), args.file)
    with context(args) as ctx:
        apps = steps.register_rows(
            ctx.env,
            _season(args),
            rows,
            intake=args.intake,
            level=Level(args.level),
            entered_by=args.entered_by,
        )
    out(
        f"已登记 {len(apps)} 份报名 / {len(apps)} applications registered "
        f"({apps[0].number if apps else '-'} … {apps[-1].number if apps else '-'})"
    )
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    from web.service.season import steps

    missing = None
    if args.missing:
        missing = (args.missing, dt.date.fromisoformat(args.missing_by))
    with context(args) as ctx:
        n = steps.decide(
            ctx.env,
            _season(args),
            args.number,
            outcome=Outcome(args.outcome),
            rule=args.rule,
            reason=args.reason,
            reviewer=args.reviewer,
            user=ctx.user,
            to_school=args.to_school,
            missing=missing,
            approved_by=args.approved_by,
        )
    out(f"决定 #{n}：{args.number} {OUTCOME_ZH[Outcome(args.outcome)]} / decision #{n} logged")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from web.service.season import files
    from web.service.season.review import decide_rows

    rows = files.rows(Path(args.file).read_bytes(), args.file)
    with context(args) as ctx:
        made = decide_rows(ctx.env, _season(args), rows, user=ctx.user)
    span = f"#{made[0]} … #{made[-1]}" if made else "-"
    out(f"已记录 {len(made)} 个审核决定 / {len(made)} decisions logged ({span})")
    return 0


def cmd_override(args: argparse.Namespace) -> int:
    from web.service.season import steps

    with context(args) as ctx:
        steps.override(ctx.env, _season(args), stage=args.stage, reason=args.reason, user=ctx.user)
    out(f"已登记 {args.stage} 阶段例外（公开）/ override of {args.stage} logged: {args.reason}")
    return 0


def cmd_notice(args: argparse.Namespace) -> int:
    from web.service.season import steps

    with context(args) as ctx:
        d = steps.commit_notice(
            ctx.env, _season(args), school=args.school, intake=args.intake, user=ctx.user
        )
    out(f"{args.school} 公示名单已承诺 / 公示 committed: {d[:16]}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from web.service.season import steps

    with context(args) as ctx:
        n = steps.file_case(
            ctx.env,
            _season(args),
            school=args.school,
            intake=args.intake,
            application=args.application,
            claim=args.claim,
            channel="desk",
        )
    out(f"举报已受理，案件编号 #{n} / report filed as case #{n}")
    return 0


def cmd_finding(args: argparse.Namespace) -> int:
    from web.service.season import steps

    with context(args) as ctx:
        steps.decide_case(
            ctx.env,
            _season(args),
            args.case,
            upheld=args.upheld,
            reason=args.reason,
            handled_by=args.handled_by,
            user=ctx.user,
        )
    out(f"举报 #{args.case}：{'查实' if args.upheld else '不实'} / case #{args.case} decided")
    return 0


def cmd_derive(args: argparse.Namespace) -> int:
    from web.service.season import steps

    with context(args) as ctx:
        doc = steps.derive(
            ctx.env, _season(args), school=args.school, intake=args.intake, user=ctx.user
        )
    s = doc["summary"]
    out(f"{args.school}：{s} / roster derived for the draw")
    return 0


def cmd_admit(args: argparse.Namespace) -> int:
    from web.service.season import steps

    with context(args) as ctx:
        steps.admit(ctx.env, _season(args), school=args.school, intake=args.intake, user=ctx.user)
    out(f"{args.school} 录取文件已签名 / admission signed; print the notices from the staff page")
    return 0


def cmd_allocate(args: argparse.Namespace) -> int:
    from web.service.season import steps

    with context(args) as ctx:
        d = steps.announce_allocation(
            ctx.env,
            _season(args),
            school=args.school,
            intake=args.intake,
            numbers=args.numbers,
            scheduled=args.scheduled,
            witnesses=args.planned_witness or [],
            user=ctx.user,
        )
    out(f"统筹摇号已公告（候选 {len(args.numbers)} 人）/ allocation draw announced: {d[:16]}")
    return 0


def cmd_allocation_draw(args: argparse.Namespace) -> int:
    from placement.documents import WitnessInput
    from web.service.season import steps

    witnesses = []
    for text in args.witness:
        role, name, said = ([*text.split("|", 2), "", ""])[:3]
        if not role.strip() or not name.strip() or not said:
            raise ServiceError(
                f"见证人输入须为「身份|姓名|输入」：{text!r}",
                f"a witness is given as 'role|name|input': {text!r}",
            )
        witnesses.append(WitnessInput(role.strip(), name.strip(), said, ""))
    with context(args) as ctx:
        won = steps.draw_allocation(
            ctx.env,
            _season(args),
            school=args.school,
            intake=args.intake,
            witnesses=witnesses,
            beacon=args.beacon,
            user=ctx.user,
        )
    out(f"中签 {len(won)} 人，已统筹到 {args.school} / {len(won)} assigned: {' '.join(won)}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from web.service.season import steps

    with context(args) as ctx:
        data = steps.export(ctx.env, _season(args), kind=args.kind)
    path = Path(args.out)
    path.write_bytes(data)
    if args.kind == "archive":
        path.chmod(0o600)  # records with ID numbers: never world-readable
    out(f"已导出 {path}（{len(data):,} 字节）/ exported")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from web.service.season import steps
    from web.service.season.pages import statistics

    with context(args) as ctx:
        led = steps.store_for(ctx.env, _season(args)).read()
    for row in statistics(led):
        out("  ".join(f"{k}={v}" for k, v in row.items()))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The demo district's whole season, each step dated in 2024 by the demo's clock."""
    from web.demo import season as demo
    from web.service.season.pages import statistics

    with context(args) as ctx:
        led = demo.run_demo_season(ctx.env, per_school=args.per_school)
    out(
        f"演示招生季完成：{len(led.records)} 份报名，{len(led.decisions)} 个决定，"
        f"{len(led.cases)} 件举报 / demo season done"
    )
    for row in statistics(led):
        out("  ".join(f"{k}={v}" for k, v in row.items()))
    return 0


def cmd_to_draw(args: argparse.Namespace) -> int:
    from web.cli.common import intake_id
    from web.service.season.roster import import_from_season

    with context(args) as ctx:
        n = import_from_season(
            ctx.env, intake_id(ctx, args.intake), season=_season(args), user=ctx.user
        )
    out(
        f"已从招生季取得派位名单 {n} 人；公告将注明该名单推导 / roster of {n} taken from "
        "the season; the announcement will name its derivation"
    )
    return 0


def add_parsers(sub: Sub[argparse.ArgumentParser]) -> None:
    grp = sub.add_parser(
        "season", help="招生季：报名、审核、公示、举报、名单推导 (enrollment season)"
    )
    ssub = grp.add_subparsers(dest="season_command", required=True)
    base = argparse.ArgumentParser(add_help=False)
    base.add_argument("--season", default="taobei-2024", help="season (= policy profile) key")
    place = argparse.ArgumentParser(add_help=False)
    place.add_argument("--school", required=True)
    place.add_argument("--intake", default=SEASON_INTAKES[0])
    c = common()
    p = command(ssub, "init", cmd_init, "建立招生季 set the season up", c, base)
    p.add_argument("--catchment", help="招生区域 CSV/XLSX: 学校,学段,状态,接收学校,类型,名称")
    p.add_argument("--plan", help="招生计划 CSV/XLSX: 学校,年级,学段,班数[,班额]")
    p.add_argument("--demo", action="store_true", help="the demo district's catchment and plan")
    p = command(ssub, "register", cmd_register, "现场报名（批量）desk entries in bulk", c, base)
    p.add_argument("file")
    p.add_argument("--intake", default=SEASON_INTAKES[0])
    p.add_argument("--level", default="primary", choices=["primary", "middle"])
    p.add_argument("--entered-by", required=True)
    p = command(ssub, "decide", cmd_decide, "资格审核决定 a review decision", c, base)
    p.add_argument("number")
    p.add_argument("--outcome", required=True, choices=[o.value for o in Outcome])
    p.add_argument("--rule", required=True)
    p.add_argument("--reason", required=True)
    p.add_argument("--reviewer", required=True)
    p.add_argument("--to-school")
    p.add_argument("--missing")
    p.add_argument("--missing-by", default="", help="YYYY-MM-DD: 补交期限")
    p.add_argument("--approved-by")
    p = command(ssub, "review", cmd_review, "资格审核（批量）decisions from a sheet", c, base)
    p.add_argument(
        "file", help="CSV/XLSX: 报名号,结果,规则,理由,审核人[,去向学校,所缺材料,补交期限,审批人]"
    )
    p = command(ssub, "override", cmd_override, "阶段时间例外 window override", c, base)
    p.add_argument(
        "--stage", required=True, choices=["registration", "review", "notice", "admission"]
    )
    p.add_argument("--reason", required=True)
    command(ssub, "notice", cmd_notice, "公示名单承诺 commit the 公示 list", c, base, place)
    p = command(ssub, "report", cmd_report, "受理举报 file a report", c, base, place)
    p.add_argument("--application")
    p.add_argument("--claim", required=True)
    p = command(ssub, "finding", cmd_finding, "举报处理结果 decide a report", c, base)
    p.add_argument("case", type=int)
    p.add_argument("--upheld", action="store_true", help="查实 (default: 不实)")
    p.add_argument("--application", help="报名号 of the reported child, if the report lacks it")
    p.add_argument("--reason", required=True)
    p.add_argument("--handled-by", required=True)
    command(ssub, "derive", cmd_derive, "推导派位名单 derive the draw's roster", c, base, place)
    command(ssub, "admit", cmd_admit, "签发录取文件 sign the admission", c, base, place)
    _allocation_parsers(ssub, c, base, place)
    p = command(ssub, "export", cmd_export, "导出招生季记录包 export the season bundle", c, base)
    p.add_argument("--kind", choices=["public", "archive"], default="public")
    p.add_argument("--out", required=True)
    _other_parsers(ssub, c, base)


def _allocation_parsers(
    ssub: Sub[argparse.ArgumentParser], *parents: argparse.ArgumentParser
) -> None:
    c, base, place = parents
    p = command(ssub, "allocate", cmd_allocate, "公告统筹摇号 announce a 统筹 draw", c, base, place)
    p.add_argument("numbers", nargs="+", help="application numbers of the pool")
    p.add_argument("--scheduled", required=True, help="ISO 8601 with offset")
    p.add_argument("--planned-witness", action="append", help="role and name, as published")
    p = command(
        ssub, "allocation-draw", cmd_allocation_draw, "统筹摇号开奖 draw it", c, base, place
    )
    p.add_argument(
        "--witness",
        action="append",
        required=True,
        help="'role|name|input' as for placement witness",
    )
    p.add_argument("--beacon")


def _other_parsers(
    ssub: Sub[argparse.ArgumentParser], c: argparse.ArgumentParser, base: argparse.ArgumentParser
) -> None:
    command(ssub, "status", cmd_status, "各校统计 statistics per school", c, base)
    p = command(ssub, "to-draw", cmd_to_draw, "派位名单取自招生季 roster from the season", c, base)
    p.add_argument("intake", help="intake number or draw id")
    p = command(ssub, "demo", cmd_demo, "演示区的完整招生季 the demo season", c)
    p.add_argument("--per-school", type=int, default=40)
