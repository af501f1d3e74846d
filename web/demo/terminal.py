"""``placement demo``: a whole draw of a demo intake in the terminal, from the demo files.
The fixed demo inputs here are also what the demo sheets (``web.demo.sheets``) draw from."""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

from placement.draw import Intake, Outcome, Prepared, perform, prepare
from placement.policy import PROFILES
from placement.rfc3797 import canonical_key, select_names
from placement.roster import Sex
from web.demo.files import DEMOS
from web.service.console import out
from web.service.intake_files import read_roster, read_teams

# Public sources "announced in advance" for picking parent representatives (demo values).
DEMO_SOURCES: tuple[tuple[int, ...], ...] = ((9319,), (2, 5, 12, 8, 10), (9, 18, 26, 34, 41, 45))
DEMO_WITNESS_INPUTS = ("3 1 4 1 5 9", "2 7 1 8 2 8", "1 4 1 4 2 1")


def _demo_bytes(label: str, n: int) -> bytes:
    """Reproducible stand-ins for secret randomness: demo only, never for a real draw."""
    return hashlib.sha256(f"sunshine-placement demo {label}".encode()).digest()[:n]


def demo(args: argparse.Namespace) -> int:
    roster_file, teams_file, level, school, intake_name = DEMOS[args.school]

    data = Path(args.data)
    pupils = read_roster(data / roster_file)
    teams = read_teams(data / teams_file)
    parents = [
        p.strip() for p in (data / "parents.txt").read_text("utf-8").splitlines() if p.strip()
    ]
    key = canonical_key(DEMO_SOURCES)
    reps = select_names(parents, key, 2)
    witnesses = (*(f"家长代表 {r}" for r in reps), "区教育局监督员", "纪检监察组")
    server_seed = _demo_bytes("server seed", 32)
    salts = [_demo_bytes(f"salt {p.id_number}", 16) for p in pupils]
    intake = Intake(
        draw_id=f"taobei-2024-{args.school}-demo",
        district="吉林省白城市洮北区",
        school=school,
        intake=intake_name,
        level=level,
        year=2024,
        scheduled="2024-08-14T09:00:00+08:00",
        witnesses=witnesses,
    )
    prepared = prepare(
        intake=intake,
        profile=PROFILES["taobei-2024"],
        pupils=pupils,
        teams=teams,
        salts=salts,
        server_seed=server_seed,
    )
    _announce(prepared, key, reps)
    outcome = perform(
        prepared, server_seed=server_seed, witness_inputs=DEMO_WITNESS_INPUTS, beacon_value=None
    )
    _result(prepared, outcome, server_seed, show_lists=not args.summary)
    return 0


def _announce(prepared: Prepared, key: str, reps: tuple[str, ...]) -> None:
    a = prepared.announcement
    out(f"== 分班公告 announcement — {a.school} {a.intake}  ({a.draw_id})")
    out(f"   学生 pupils {a.roster_size}，班级 classes {a.team_count}，班额上限 cap {a.class_cap}")
    out(f"   名单承诺 roster root      {a.roster_root.hex()}")
    out(f"   教师团队承诺 teams root   {a.teams_root.hex()}")
    out(f"   种子承诺 seed commitment  {a.seed_commitment.hex()}")
    out(f"   算法 algorithm {a.algorithm}   公告摘要 digest {a.digest().hex()}")
    out(f"   家长代表（RFC 3797，公开源 {key}）parent representatives: {'、'.join(reps)}")
    out()


def _result(prepared: Prepared, outcome: Outcome, server_seed: bytes, *, show_lists: bool) -> None:
    out("== 现场见证人输入 witness inputs (demo)")
    for w, text in zip(prepared.announcement.witnesses, DEMO_WITNESS_INPUTS, strict=False):
        out(f"   {w}: {text}")
    out(f"   公开服务器种子 revealed server seed  {server_seed.hex()}  (演示值 demo value)")
    out(f"   最终种子 final seed                  {outcome.final_seed.hex()}")
    out(f"   结果摘要 result digest               {outcome.result_digest.hex()}")
    out()
    out("== 均衡报告 balance report")
    out(outcome.report.table())
    if not show_lists:
        return
    leaves = prepared.roster.leaves
    by_number = {t.number: t for t in prepared.teams.teams}
    for c in outcome.placement.classes:
        team = by_number[c.number]
        males = sum(1 for i in c.pupils if leaves[i].sex is Sex.MALE)
        out()
        counts = f"男{males} 女{len(c.pupils) - males} 合计{len(c.pupils)}"
        out(f"== {c.label}  班主任 {team.head_teacher}  {counts}")
        teachers = "；".join(f"{t.subject} {t.name}" for t in team.teachers)
        out(f"   任课教师 {teachers}")
        cells = [
            f"{n:>2}. {leaves[i].name}（{leaves[i].sex.zh}）" for n, i in enumerate(c.pupils, 1)
        ]
        for row in range(0, len(cells), 5):
            out("   " + "  ".join(cells[row : row + 5]))
