"""``placement``: the operator's command line.

On the service database (an instance folder, see ``web.service.instance``): ``init``, ``users``,
``profile``, ``schools``, ``intake``, ``roster``, ``teams``, ``freeze``, ``announce``,
``witness``, ``override``, ``draw``, ``publish``, ``cancel``, ``export-bundle``, ``amend``,
``district run``, ``serve`` and ``export-public`` (the public side as static files). On
files: ``keys``, ``record`` and ``print``; and ``demo``, a demo draw in the terminal."""

from __future__ import annotations

import argparse
import sys

from keys.cli import add_parser as add_keys_parser
from keys.errors import KeysError
from placement.errors import InvalidInput, PlacementError
from web.app import export
from web.cli import district, exceptions, intake, season, serve, setup, steps, users
from web.cli.printing import add_parser as add_print_parser
from web.cli.record import add_parser as add_record_parser
from web.demo import terminal


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="placement", description="阳光分班 verifiable class placement"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="draw a demo intake in the terminal (演示)")
    p.add_argument("--school", choices=sorted(terminal.DEMOS), default="primary")
    p.add_argument("--data", default=str(terminal.DEMO_DIR), help="folder with the demo CSV files")
    p.add_argument("--summary", action="store_true", help="balance report only, no class lists")
    p.set_defaults(func=terminal.demo)
    add_keys_parser(sub)
    add_record_parser(sub)
    add_print_parser(sub)
    setup.add_parsers(sub)
    users.add_parsers(sub)
    intake.add_parsers(sub)
    steps.add_parsers(sub)
    exceptions.add_parsers(sub)
    district.add_parsers(sub)
    season.add_parsers(sub)
    serve.add_parsers(sub)
    export.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except InvalidInput as e:
        for issue in e.issues:
            sys.stderr.write(f"{issue}\n")
        return 1
    except (PlacementError, KeysError) as e:
        sys.stderr.write(f"错误 error: {e}\n")
        return 1
    except BrokenPipeError:
        return 0  # output piped into e.g. `head`, which stopped reading
    except OSError as e:
        sys.stderr.write(f"无法读取文件 cannot read file: {e}\n")
        return 1
