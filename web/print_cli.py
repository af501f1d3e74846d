"""``placement print …``: the printed sheets of one or more draws (spec §18).

placement print --dir DRAW [--dir DRAW …] --out OUT [--copies gate,school,bureau]
                [--notices] [--jobs N] [--base-url URL] [--separate]
                [--complaint-deadline YYYY-MM-DD]
placement print --demo primary --out OUT --notices     (makes a demo record first)

One PDF per school in OUT, rendered in parallel; an interrupted run resumes where
it stopped (finished parts are kept under OUT/.parts).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from web.sheets.options import COPIES, DEFAULT_BASE_URL, Options


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def _copies(text: str) -> list[str]:
    copies = [c.strip() for c in text.split(",") if c.strip()]
    bad = [c for c in copies if c not in COPIES]
    if bad or not copies:
        msg = f"unknown copies {bad}; choose from {','.join(COPIES)}"
        raise argparse.ArgumentTypeError(msg)
    return copies


def cmd_print(args: argparse.Namespace) -> int:
    from web.sheets.batch import print_runs  # noqa: PLC0415 - keep --help fast
    from web.sheets.plan import plan  # noqa: PLC0415

    out = Path(args.out)
    dirs = [Path(d) for d in args.dir or ()]
    if args.demo:
        from web.sheets.demo import demo_record  # noqa: PLC0415

        dirs.append(demo_record(args.demo, out / "demo-record", progress=sys.stderr))
    opts = Options(base_url=args.base_url, complaint_deadline=args.complaint_deadline)
    runs = plan(dirs, out, args.copies, opts, notices=args.notices)
    result = print_runs(runs, out, opts, jobs=args.jobs, separate=args.separate)
    for f in result.files:
        _out(f"已输出 written: {f} ({f.stat().st_size:,} bytes)")
    _out(
        f"{result.pages} 页 pages; {result.rendered} 份新排版 rendered, "
        f"{result.skipped} 份沿用 reused; {result.seconds:.1f} s"
    )
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("print", help="print a draw's sheets to PDF (名单、公告、现场记录、通知书)")
    p.add_argument("--dir", action="append", help="a draw's record folder (repeatable)")
    p.add_argument(
        "--demo",
        choices=["primary", "middle"],
        help="first make a demo record (throwaway keys) under OUT/demo-record",
    )
    p.add_argument("--out", required=True, help="output folder: one PDF per school")
    p.add_argument(
        "--copies",
        type=_copies,
        default=list(COPIES),
        help="class-list copies, comma-separated: gate (校门张贴), school (学校存档), "
        "bureau (教育局备案); default all three",
    )
    p.add_argument(
        "--notices", action="store_true", help="also print admission notices (入学通知书)"
    )
    p.add_argument("--jobs", type=int, default=0, help="worker processes (default: CPU cores)")
    p.add_argument("--base-url", default=DEFAULT_BASE_URL, help="verification page for QR codes")
    p.add_argument("--separate", action="store_true", help="also copy each sheet to its own file")
    p.add_argument(
        "--complaint-deadline",
        type=date.fromisoformat,
        help="last day for complaints printed on sheets (default: draw date + 7 days)",
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    if not args.dir and not args.demo:
        sys.stderr.write("错误 error: give --dir DRAW (repeatable) or --demo\n")
        return 2
    return cmd_print(args)
