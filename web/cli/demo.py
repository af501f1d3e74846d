"""``placement demo``: a whole draw of a demo intake in the terminal (``web.demo.terminal``)."""

from __future__ import annotations

import argparse

from web.cli.common import Sub
from web.demo.files import DEMO_DIR, DEMOS


def _run(args: argparse.Namespace) -> int:
    from web.demo.terminal import demo

    return demo(args)


def add_parser(sub: Sub[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="draw a demo intake in the terminal (演示)")
    p.add_argument("--school", choices=sorted(DEMOS), default="primary")
    p.add_argument("--data", default=str(DEMO_DIR), help="folder with the demo CSV files")
    p.add_argument("--summary", action="store_true", help="balance report only, no class lists")
    p.set_defaults(func=_run)
