"""``placement print …``: the printed sheets of one or more draws (spec §18).

placement print INTAKE --out OUT [--copies gate,school,bureau] [--notices] [--jobs N]
                [--instance DIR] [--database-url URL]     (an intake in the service)
placement print --dir DRAW [--dir DRAW …] --out OUT [--copies gate,school,bureau]
                [--notices] [--jobs N] [--base-url URL] [--separate]
                [--complaint-deadline YYYY-MM-DD]
                [--log LOG --keys KEYS --bureau-key NAME --log-key NAME]
placement print --demo primary --out OUT --notices     (makes a demo record first)

One PDF per school in OUT, rendered in parallel; an interrupted run resumes where
it stopped (finished parts are kept under OUT/.parts). With ``--log``, each printed
draw folder whose result is published gets a ``sheets.printed`` log entry.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from keys.passphrase import ENV_VAR
from web.cli.common import common, context, intake_id
from web.service.console import out
from web.sheets.options import COPIES, DEFAULT_BASE_URL, Options

if TYPE_CHECKING:
    from web.record.draw import Signers


def _copies(text: str) -> list[str]:
    copies = [c.strip() for c in text.split(",") if c.strip()]
    bad = [c for c in copies if c not in COPIES]
    if bad or not copies:
        msg = f"unknown copies {bad}; choose from {','.join(COPIES)}"
        raise argparse.ArgumentTypeError(msg)
    return copies


def cmd_print(args: argparse.Namespace) -> int:
    from web.sheets.batch import print_runs
    from web.sheets.plan import plan

    out_dir = Path(args.out)
    dirs = [Path(d) for d in args.dir or ()]
    signers = _log_signers(args) if args.log else None  # before printing: fail early
    if args.demo:
        from web.demo.sheets import demo_record

        dirs.append(demo_record(args.demo, out_dir / "demo-record", progress=sys.stderr))
    opts = Options(
        base_url=args.base_url or DEFAULT_BASE_URL,
        complaint_deadline=args.complaint_deadline,
        bundles=tuple(args.bundle or ()),
        keys=_known_keys(Path(args.keys)),
    )
    runs = plan(dirs, out_dir, args.copies, opts, notices=args.notices)
    result = print_runs(runs, out_dir, opts, jobs=args.jobs, separate=args.separate)
    for f in result.files:
        out(f"已输出 written: {f} ({f.stat().st_size:,} bytes)")
    out(
        f"{result.pages} 页 pages; {result.rendered} 份新排版 rendered, "
        f"{result.skipped} 份沿用 reused; {result.seconds:.1f} s"
    )
    if signers is not None:
        _log_printed([Path(d) for d in args.dir or ()], len(args.copies), Path(args.log), signers)
    return 0


def cmd_print_intake(args: argparse.Namespace) -> int:
    """An intake in the service: its drawn record laid out into one PDF under OUT and
    logged (``sheets.printed``), exactly what the intake page's print form does."""
    from web.service.config import printable_base_url, read_config
    from web.service.intake_sheets import print_intake

    with context(args) as ctx:
        # As the print form: the instance's verify page; the placeholder only in the demo.
        demo = read_config(ctx.instance.path).get("DEMO") == "1"
        url = args.base_url or printable_base_url(ctx.instance.public_base_url, demo=demo)
        opts = Options(base_url=url, complaint_deadline=args.complaint_deadline)
        result = print_intake(
            ctx.env,
            intake_id(ctx, args.intake),
            Path(args.out),
            copies=args.copies,
            notices=args.notices,
            opts=opts,
            user=ctx.user,
            jobs=args.jobs,
        )
    for f in result.files:
        out(f"已输出 written: {f} ({f.stat().st_size:,} bytes)")
    out(f"{result.pages} 页 pages; 二维码指向 QR codes point to {url}; 已记入日志 logged")
    return 0


def _known_keys(folder: Path) -> tuple[str, ...]:
    """The key store's public keys, if it has a keyring: v2 sheets print the signing
    key's fingerprint (spec §23.1), which needs the whole key, not only its id."""
    from keys.store import KeyStore

    store = KeyStore(folder)
    if not store.keyring_path.is_file():
        return ()
    return tuple(k.vkey for k in store.keyring().keys)


def _log_signers(args: argparse.Namespace) -> Signers:
    from web.cli.record import load_signers

    return load_signers(args)


def _log_printed(dirs: list[Path], copies: int, log_dir: Path, signers: Signers) -> None:
    """Log ``sheets.printed`` for each printed draw folder whose result is published."""
    from web.record import clock
    from web.record.draw import DrawRecord
    from web.record.filelog import FileLog

    log = FileLog(log_dir)
    for d in dirs:
        rec = DrawRecord(d, log)
        if rec.state()["stage"] != "published":
            out(f"未记入日志（结果未发布）not logged (no published result): {d}")
            continue
        index = rec.log_printed(copies=copies, now=clock.now(), signers=signers)
        out(f"打印已记入日志 printing logged: {rec.draw_id}, {copies} 份 copies, entry {index}")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "print",
        help="print a draw's sheets to PDF (名单、公告、现场记录、通知书)",
        parents=[common()],
    )
    p.add_argument(
        "intake",
        nargs="?",
        metavar="INTAKE",
        help="an intake in the service (number or draw id); or use --dir / --demo",
    )
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
    p.add_argument(
        "--base-url",
        help="verification page for QR codes (default: the instance's public base URL + "
        f"/verify/, else {DEFAULT_BASE_URL})",
    )
    p.add_argument("--separate", action="store_true", help="also copy each sheet to its own file")
    p.add_argument(
        "--bundle",
        action="append",
        help="record bundle (.zip) to embed in the class-list copies (PDF/A-3b); an archive "
        "bundle goes only into the bureau copy (repeatable)",
    )
    p.add_argument(
        "--complaint-deadline",
        type=date.fromisoformat,
        help="last day for complaints printed on sheets (default: draw date + 7 days)",
    )
    p.add_argument(
        "--log", help="transparency log folder: log sheets.printed for each printed --dir"
    )
    p.add_argument(
        "--keys",
        default="instance/keys",
        help="key store folder (with --log); its public keys give v2 sheets the signing "
        "key's fingerprint",
    )
    p.add_argument("--bureau-key", help="bureau signing key name (with --log)")
    p.add_argument("--log-key", help="log signing key name (with --log)")
    p.add_argument("--passphrase-env", default=ENV_VAR)
    p.set_defaults(func=_run, supervisor_key=None)


def _run(args: argparse.Namespace) -> int:
    if args.intake and (args.dir or args.demo or args.log):
        sys.stderr.write("错误 error: give INTAKE, or --dir / --demo, not both\n")
        return 2
    if args.intake:
        return cmd_print_intake(args)  # its errors: web.cli.main, the one boundary
    if not args.dir and not args.demo:
        sys.stderr.write("错误 error: give INTAKE, --dir DRAW (repeatable) or --demo\n")
        return 2
    if args.log and not (args.bureau_key and args.log_key):
        sys.stderr.write("错误 error: --log needs --bureau-key and --log-key\n")
        return 2
    return cmd_print(args)
