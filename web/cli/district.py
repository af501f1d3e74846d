"""``placement district run``: take every intake of the district that is in the given
stage(s) through freeze → announce → witness inputs → draw → publish, with progress and
a summary. Each step is its own transaction, so stopping at the first error leaves every
intake in a consistent stage; rerunning with ``--resume`` continues where each stopped.
"""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from placement.errors import PlacementError
from placement.keyring import CST
from placement.policy import PROFILES
from web.cli.common import Context, Sub, command, common, context
from web.service.console import Progress, err, out
from web.service.errors import ServiceError
from web.service.stages import Stage

if TYPE_CHECKING:
    from web.db.models import Intake

UNFINISHED = (Stage.DRAFT, Stage.FROZEN, Stage.ANNOUNCED, Stage.DRAWN)
# The steps still to do from each stage, in order.
PLAN = {
    Stage.DRAFT: ("freeze", "announce", "witness", "draw", "publish"),
    Stage.FROZEN: ("announce", "witness", "draw", "publish"),
    Stage.ANNOUNCED: ("witness", "draw", "publish"),
    Stage.DRAWN: ("publish",),
}


@dataclass(frozen=True, slots=True)
class WitnessInput:
    draw_id: str  # "" applies to every intake
    role: str
    name: str
    text: str


@dataclass
class Row:
    intake: Intake
    school: str
    pupils: int
    start: str
    steps: tuple[str, ...]
    done: list[str] = field(default_factory=list)
    end: str = ""


def parse_witness_flag(text: str) -> WitnessInput:
    parts = text.split("|")
    if len(parts) != 3 or not all(p.strip() for p in parts[:2]):
        msg = f"须为「身份|姓名|输入」/ expected 'role|name|input': {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return WitnessInput("", parts[0].strip(), parts[1].strip(), parts[2])


_HEADERS = {
    "draw_id": ("draw_id", "抽签编号"),
    "role": ("role", "身份"),
    "name": ("name", "姓名"),
    "input": ("input", "输入"),
}


def read_witness_file(path: Path) -> list[WitnessInput]:
    """CSV with draw_id (blank: every intake), role, name, input; English or Chinese headers."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    fields = reader.fieldnames or []
    col_of = {
        k: next((f for f in fields if f.strip() in names), None) for k, names in _HEADERS.items()
    }
    missing = [k for k in ("role", "name", "input") if col_of[k] is None]
    if missing:
        raise ServiceError(
            f"见证人文件 {path.name} 缺少列：{'、'.join(missing)}",
            f"witness file {path.name} lacks columns: {', '.join(missing)}",
        )
    out_rows = []
    for row in reader:
        did = row.get(col_of["draw_id"] or "", "") or ""
        out_rows.append(
            WitnessInput(
                did.strip(),
                row[col_of["role"] or ""].strip(),
                row[col_of["name"] or ""].strip(),
                row[col_of["input"] or ""],
            )
        )
    return out_rows


def _select(ctx: Context, args: argparse.Namespace) -> list[Row]:
    from sqlmodel import col, select

    from web.db.engine import reading
    from web.db.models import Intake, Pupil, School

    stages = [Stage(s) for s in args.stage] if args.stage else [Stage.DRAFT]
    if args.resume:
        stages = list(UNFINISHED)
    with reading(ctx.engine) as s:
        q = (
            select(Intake, School.name)
            .join(School, col(School.id) == col(Intake.school_id))
            .where(col(Intake.stage).in_([st.value for st in stages]))
        )
        if args.year:
            q = q.where(Intake.year == args.year)
        if args.profile:
            q = q.where(Intake.profile == args.profile)
        if args.intake:
            q = q.where(
                col(Intake.draw_id).in_(args.intake)
                | col(Intake.id).in_([int(x) for x in args.intake if x.isdigit()])
            )
        found = s.exec(q.order_by(col(Intake.id))).all()
        rows = []
        for intake, school in found:
            n = len(s.exec(select(Pupil.id).where(Pupil.intake_id == intake.id)).all())
            stage = Stage(intake.stage)
            rows.append(Row(intake, school, n, stage.value, PLAN[stage]))
    return rows


def _outside_window(intake: Intake, now: datetime) -> bool:
    window = PROFILES[intake.profile].placement_window()
    return not window.contains(now.astimezone(CST).date())


def _step(ctx: Context, args: argparse.Namespace, row: Row, step: str) -> Callable[[], None]:
    from web.service import workflow

    env, iid, user = ctx.env, row.intake.id, ctx.user
    assert iid is not None
    witnesses = [w for w in args.witnesses if w.draw_id in ("", row.intake.draw_id)]

    def witness() -> None:
        for w in witnesses:
            workflow.add_witness(env, iid, role=w.role, name=w.name, text=w.text, user=user)

    def draw() -> None:
        if (
            args.override
            and not row.intake.override_reason
            and _outside_window(row.intake, env.now())
        ):
            workflow.record_override(env, iid, reason=args.override, user=user)
        workflow.draw(env, iid, beacon_value=args.beacon_value, user=user)

    steps: dict[str, Callable[[], None]] = {
        "freeze": lambda: workflow.freeze(env, iid, user=user),
        "announce": lambda: workflow.announce(env, iid, user=user),
        "witness": witness,
        "draw": draw,
        "publish": lambda: workflow.publish(env, iid, user=user),
    }
    return steps[step]


def _summary(rows: list[Row]) -> None:
    out(f"{'抽签编号 draw id':<24} {'学生':>5}  {'阶段 stage':<22} 学校 school")
    for r in rows:
        moved = f"{r.start} → {r.end}" if r.end and r.end != r.start else r.start
        out(f"{r.intake.draw_id:<24} {r.pupils:>5}  {moved:<22} {r.school} {r.intake.name}")


def cmd_run(args: argparse.Namespace) -> int:
    args.witnesses = list(args.witness or [])
    if args.witness_file:
        args.witnesses += read_witness_file(Path(args.witness_file))
    with context(args) as ctx:
        rows = _select(ctx, args)
        if not rows:
            out("没有符合条件的招生批次 no intake in the given stage(s)")
            return 0
        total = sum(len(r.steps) for r in rows)
        out(f"区级批量派位 district batch: {len(rows)} 个批次 intakes, {total} 步 steps")
        if args.dry_run:
            for r in rows:
                out(f"   {r.intake.draw_id}: {' → '.join(r.steps)}")
            return 0
        bar = Progress(total, "派位 placing")
        for r in rows:
            for step in r.steps:
                try:
                    _step(ctx, args, r, step)()
                except (PlacementError, OSError):
                    # Where it stopped and what every intake did; the refusal itself is
                    # printed by the one error boundary (web.cli.main).
                    r.end = _stage_now(ctx, r)
                    err()
                    err(f"失败：{r.intake.draw_id}（{r.school}）在「{step}」步骤")
                    err(f"failed: {r.intake.draw_id} at step {step!r}")
                    err("其余批次状态一致；改正后用 --resume 重新运行即可从各自阶段继续")
                    err("every other intake is consistent; fix this and rerun with --resume")
                    _summary(rows)
                    raise
                r.done.append(step)
                bar.step(f"{r.intake.draw_id} {step}")
            r.end = _stage_now(ctx, r)
        _summary(rows)
    return 0


def _stage_now(ctx: Context, row: Row) -> str:
    from web.db.engine import reading
    from web.db.models import Intake

    with reading(ctx.engine) as s:
        intake = s.get(Intake, row.intake.id)
    return intake.stage if intake else "?"


def add_parsers(sub: Sub[argparse.ArgumentParser]) -> None:
    grp = sub.add_parser("district", help="the whole district at once (区级批量)")
    acts = grp.add_subparsers(dest="district_command", required=True)
    p = command(
        acts,
        "run",
        cmd_run,
        "freeze → announce → witness inputs → draw → publish every intake in the given "
        "stage(s), one transaction per step; stops at the first error",
        common(),
    )
    p.add_argument(
        "--stage",
        action="append",
        choices=[s.value for s in UNFINISHED],
        help="take intakes in this stage (repeatable; default draft)",
    )
    p.add_argument(
        "--resume", action="store_true", help="take every unfinished intake (draft … drawn)"
    )
    p.add_argument("--intake", action="append", help="only this intake (number or draw id)")
    p.add_argument("--year", type=int)
    p.add_argument("--profile", choices=sorted(PROFILES))
    p.add_argument(
        "--witness",
        type=parse_witness_flag,
        action="append",
        metavar="'ROLE|NAME|INPUT'",
        help="a witness input for every intake, repeatable",
    )
    p.add_argument(
        "--witness-file",
        metavar="CSV",
        help="witness inputs: columns draw_id (blank = every intake), role, name, input",
    )
    p.add_argument("--beacon-value", help="the declared beacon's value (intakes with a beacon)")
    p.add_argument(
        "--override",
        metavar="REASON",
        help="record this window override where today is outside the placement window",
    )
    p.add_argument("--dry-run", action="store_true", help="list the steps, change nothing")
