"""Printed sheets: CPU per page of each sheet kind, and a whole district on 1 and 2 cores.

    python bench/bench_sheets.py            # measure and print the section
    python bench/bench_sheets.py --write    # the same, then update docs/benchmarks.md
    python bench/bench_sheets.py --quick    # 2 schools instead of 11 (a smoke run)

Per page: every part kind of the demo primary intake (400 pupils, 9 classes) rendered in
this process, CPU seconds a page, against a bare WeasyPrint render of a minimal A4 page in
the same run. District: 11 schools of 450 pupils (4 950 pupils, 110 classes × 3 copies,
4 950 notices), made with throwaway keys, printed by ``placement print``'s code in a
child process with ``--jobs 1`` and ``--jobs 2``, and by *today's* code (the tree of
``--baseline``, extracted with ``git archive``) with ``--jobs 2`` on the same records in
the same run. Targets: class page ≤ 1.5× notice page, ≥ 1.8× from the second core,
district ≥ 3× faster than today's code.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Final

from benchdoc import replace_section

from keys.store import KeyStore
from placement.draw import Intake
from placement.idcard import check_character
from placement.keyring import CST, KeyRole
from placement.policy import TAOBEI_2024, Level
from placement.roster import PupilRecord, Sex
from placement.teams import Teacher, Team
from web.demo.sheets import demo_record
from web.record.draw import DrawRecord, Signers
from web.record.filelog import FileLog
from web.sheets import batch, render
from web.sheets.options import Options
from web.sheets.plan import Sheet
from web.sheets.source import DrawSource, load

ROOT: Final = Path(__file__).resolve().parent.parent
DOC: Final = ROOT / "docs/benchmarks.md"
HEADING: Final = "## Printed sheets (`bench/bench_sheets.py`)"
END: Final = "<!-- sheets-bench:end -->"
BASELINE: Final = "90ec9d3"  # main before the sheet rework (issue 15): "today's code"
PASS: Final = "bench only, not a secret"
BARE: Final = "<style>@page { size: A4 }</style><p>x</p>"
NAMES: Final = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN: Final = "子涵一诺浩然欣怡梓萱宇轩雨桐俊熙思远佳怡紫萱博文晨曦嘉怡梦瑶天佑沐阳若汐"


def cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def children() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


@dataclass(frozen=True)
class Kind:
    label: str
    pages: int
    seconds: float  # CPU, best of the repeats, for the whole part
    size: int  # PDF bytes

    @property
    def per_page(self) -> float:
        return self.seconds / self.pages


def per_page(src: DrawSource, repeat: int) -> tuple[list[Kind], float]:
    """Each part kind's CPU a page, and a bare minimal A4 page's, in this process."""
    d = src.directory
    first = src.classes[0]
    cases = [
        ("announcement + ceremony record", Sheet(d, "f", "front")),
        (f"class lists, gate copy ({len(src.classes)} classes)", Sheet(d, "g", "classes", "gate")),
        (f"class lists, bureau copy ({len(src.classes)})", Sheet(d, "b", "classes", "bureau")),
        (
            f"admission notices of one class ({len(first.rows)})",
            Sheet(d, "n", "notices", leaves=tuple(r.leaf for r in first.rows)),
        ),
    ]
    render.pdf_pages(BARE)  # warm: imports, fonts
    bare = min(_timed(BARE) for _ in range(repeat * 3))
    out = []
    for label, sheet in cases:
        best, size, pages = float("inf"), 0, 0
        for _ in range(repeat):
            start = cpu()
            data, pages = render.pdf_pages(batch.html_of(sheet, Options()))
            best = min(best, cpu() - start)
            size = len(data)
        out.append(Kind(label, pages, best, size))
    return out, bare


def _timed(html: str) -> float:
    start = cpu()
    render.pdf_pages(html)
    return cpu() - start


def _roster(n: int, seed: int) -> list[PupilRecord]:
    rng = random.Random(seed)
    pupils: list[PupilRecord] = []
    names: set[str] = set()
    while len(pupils) < n:
        name = rng.choice(NAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2))))
        if name in names:
            continue
        names.add(name)
        sex = Sex.FEMALE if rng.random() < 0.5 else Sex.MALE
        born = date(2017, 9, 1) + timedelta(days=rng.randrange(365))
        seq = len(pupils) * 2 + (1 if sex is Sex.MALE else 0)
        first17 = f"220802{born:%Y%m%d}{seq % 1000:03d}"
        number = first17 + check_character(first17)
        pupils.append(
            PupilRecord(
                row=len(pupils) + 2,
                name=name,
                sex=sex,
                id_number=number,
                birth_date=born,
                student_no=f"G{number}",
            )
        )
    return pupils


def district(base: Path, schools: int, pupils: int = 450) -> list[Path]:
    """``schools`` drawn intakes of ``pupils`` each (10 classes of 45), throwaway keys."""
    store = KeyStore(base / "keys", kdf_rounds=1_000)
    store.init()
    for name, key_role in (
        ("bench.example/bureau", KeyRole.BUREAU),
        ("bench.example/log", KeyRole.LOG),
    ):
        store.create(name, key_role, name, date(2024, 6, 1), PASS)
    signers = Signers(
        bureau=store.signer("bench.example/bureau", PASS),
        log=store.signer("bench.example/log", PASS),
    )
    now = datetime(2024, 8, 14, 9, 0, tzinfo=CST)
    draws = []
    for s in range(schools):
        rng = random.Random(s)
        classes = -(-pupils // TAOBEI_2024.primary_cap)
        rec = DrawRecord.announce(
            base / f"school-{s:02d}" / "draw",
            FileLog(base / f"school-{s:02d}" / "log"),
            intake=Intake(
                draw_id=f"bench-2024-{s:02d}",
                district="吉林省白城市洮北区",
                school=f"洮北区第{s + 1}小学",
                intake="2024级一年级",
                level=Level.PRIMARY,
                year=2024,
                scheduled=now.isoformat(),
                witnesses=("家长代表 贾雪", "家长代表 刘洋", "区教育局监督员 王强"),
            ),
            profile=TAOBEI_2024,
            pupils=_roster(pupils, s),
            teams=[
                Team(
                    number=c,
                    label=f"2024级一年级（{c}）班",
                    head_teacher=f"班主任{c}",
                    teachers=(Teacher("语文", f"语文{c}"),),
                )
                for c in range(1, classes + 1)
            ],
            signers=signers,
            now=now - timedelta(days=7),
            token_bytes=rng.randbytes,
        )
        for i, (role, name) in enumerate((("家长代表", "贾雪"), ("家长代表", "刘洋"))):
            rec.add_witness(role=role, name=name, text=f"{s} {i}", now=now + timedelta(minutes=i))
        rec.reveal(beacon_value=None, now=now + timedelta(minutes=9), signers=signers)
        draws.append(base / f"school-{s:02d}" / "draw")
    return draws


PRINT: Final = """
import json, os, sys, time
from pathlib import Path
from web.sheets import batch
from web.sheets.options import COPIES, Options
from web.sheets.plan import plan
import web
assert Path(web.__file__).is_relative_to(Path.cwd()), web.__file__  # the tree asked for
dirs, out, jobs = [Path(d) for d in sys.argv[3:]], Path(sys.argv[1]), int(sys.argv[2])
start = time.perf_counter()
runs = plan(dirs, out, list(COPIES), Options(), notices=True)
with open(os.devnull, "w") as quiet:
    result = batch.print_runs(runs, out, Options(), jobs=jobs, progress=quiet)
size = sum(f.stat().st_size for f in result.files)
print(json.dumps({"wall": time.perf_counter() - start, "pages": result.pages, "bytes": size}))
"""


@dataclass(frozen=True)
class Batch:
    code: str  # "ours" | "today"
    jobs: int
    wall: float
    cpu: float
    pages: int
    size: int


def print_batch(code: str, tree: Path, draws: list[Path], out: Path, jobs: int) -> Batch:
    """One district print in a child process running ``tree``'s code, from empty output."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    before = children()
    args = [sys.executable, "-c", PRINT, str(out), str(jobs), *map(str, draws)]
    done = subprocess.run(args, env=env, check=True, capture_output=True, text=True, cwd=tree)
    used = children() - before
    got = json.loads(done.stdout.strip().splitlines()[-1])
    return Batch(code, jobs, got["wall"], used, got["pages"], got["bytes"])


def baseline_tree(rev: str, into: Path) -> Path:
    """Today's code: ``rev``'s packages, extracted (the working tree is left alone)."""
    archive = subprocess.run(
        ["git", "archive", rev, "placement", "verifier", "web", "keys"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def section(
    kinds: list[Kind], bare: float, runs: list[Batch], schools: int, rev: str, start_load: float
) -> str:
    by = {(b.code, b.jobs): b for b in runs}
    notice = next(k for k in kinds if k.label.startswith("admission"))
    rows = [
        "| part | pages | CPU a page | × bare page | × notice page | PDF bytes a page |",
        "|---|---|---|---|---|---|",
        f"| bare WeasyPrint, minimal A4 page | 1 | {bare * 1000:.0f} ms | 1.00× | – | – |",
        *(
            f"| {k.label} | {k.pages} | {k.per_page * 1000:.0f} ms | {k.per_page / bare:.2f}× "
            f"| **{k.per_page / notice.per_page:.2f}×** | {k.size // k.pages:,} |"
            for k in kinds
        ),
    ]
    table = [
        "| code | jobs | wall | CPU | pages | PDF bytes a page |",
        "|---|---|---|---|---|---|",
        *(
            f"| {b.code} | {b.jobs} | {b.wall:.0f} s | {b.cpu:.0f} s | {b.pages:,} | "
            f"{b.size // max(1, b.pages):,} |"
            for b in runs
        ),
    ]
    ours1, ours2, today2 = by[("ours", 1)], by[("ours", 2)], by[("today", 2)]
    load = os.getloadavg()
    return "\n".join(
        [
            HEADING,
            "",
            (
                f"Measured {datetime.now(CST).date().isoformat()} with "
                f"{os.cpu_count()} cores shared with other work (load average {start_load:.1f} at "
                f"the start, {load[0]:.1f} at the end): CPU seconds are the figures to compare; "
                "wall times move with the load."
            ),
            "",
            (
                "**Per page** (demo primary intake, one part per kind rendered in this process, "
                "best of the repeats; *bare* is `HTML(string=minimal A4 page).write_pdf()`):"
            ),
            "",
            *rows,
            "",
            (
                f"**District batch** ({schools} schools × 450 pupils, 10 classes each: "
                f"{ours1.pages:,} pages = front sheets, class lists × 3 copies and one notice a "
                f"pupil), each from empty output folders, merge included; *today* is `{rev}`:"
            ),
            "",
            *table,
            "",
            (
                f"Second core: **{ours1.wall / ours2.wall:.2f}×** (target ≥ 1.8×). Against today's "
                f"code on 2 cores: **{today2.wall / ours2.wall:.2f}×** faster in wall time, "
                f"{today2.cpu / ours2.cpu:.2f}× less CPU (target ≥ 3×)."
            ),
            END,
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    p.add_argument("--quick", action="store_true", help="2 schools; 1 repeat a page")
    p.add_argument("--schools", type=int, default=11)
    p.add_argument("--baseline", default=BASELINE, help="git revision of today's code")
    args, _ = p.parse_known_args(argv)  # ./dev bench passes every benchmark's flags
    schools, repeat = (2, 1) if args.quick else (args.schools, 3)
    start_load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-sheets-") as tmp:
        work = Path(tmp)
        print("per page …", file=sys.stderr)
        kinds, bare = per_page(load(demo_record("primary", work / "demo")), repeat)
        print(f"making {schools} drawn intakes …", file=sys.stderr)
        draws = district(work / "district", schools)
        today = baseline_tree(args.baseline, work / "today")
        runs = []
        for code, tree, jobs in (("ours", ROOT, 1), ("ours", ROOT, 2), ("today", today, 2)):
            print(f"district: {code}, {jobs} jobs …", file=sys.stderr)
            runs.append(print_batch(code, tree, draws, work / f"out-{code}-{jobs}", jobs))
            print(runs[-1], file=sys.stderr)
    text = section(kinds, bare, runs, schools, args.baseline, start_load)
    print(text)
    if args.write:
        replace_section(DOC, text, heading=HEADING, end=END)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
