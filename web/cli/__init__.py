"""``placement``: the operator's command line.

On the service database (an instance folder, see ``web.service.config``): ``init``, ``users``,
``profile``, ``schools``, ``intake``, ``roster``, ``teams``, ``freeze``, ``announce``,
``witness``, ``override``, ``draw``, ``publish``, ``cancel``, ``export-bundle``, ``amend``,
``district run``, ``serve`` and ``export-public`` (the public side as static files). On
files: ``keys``, ``record`` and ``print``; and ``demo``, a demo draw in the terminal.

Command groups load lazily: ``placement --help`` lists :data:`COMMANDS` without importing
any group, and ``placement <command> …`` imports and builds only the module that holds that
command (``web.cli.<module>``, whose top level is light: the service, the database and the
sheets are imported inside each command function). ``bench/bench_cli.py`` measures it.
:func:`main` is the one place where errors become output and an exit status.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# command → (module in web.cli that registers it, its one-line help). The order is the
# order of `placement --help`; tests/unit/test_cli_imports.py checks that each module
# registers exactly these commands with exactly this help.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "draw a demo intake in the terminal (演示)"),
    "keys": ("keys", "signing keys: init, list, rotate … (签名密钥)"),
    "record": ("record", "one draw's signed record (公告、见证、开奖、导出)"),
    "print": ("printing", "print a draw's sheets to PDF (名单、公告、现场记录、通知书)"),
    "init": (
        "setup",
        (
            "create the instance: folder, session secret, database, bureau and log keys, "
            "first admin (初始化)"
        ),
    ),
    "schools": ("setup", "schools of the district (学校)"),
    "users": ("users", "staff accounts (用户)"),
    "profile": ("users", "policy profiles (政策)"),
    "intake": ("intake", "intakes: school × level × year (招生批次)"),
    "roster": ("intake", "pupil roster (学生名单): import"),
    "teams": ("intake", "teacher teams (教师团队): import"),
    "freeze": ("steps", "check and freeze the roster and teams (冻结)"),
    "announce": ("steps", "commit, sign, log and publish the announcement (公告)"),
    "witness": ("steps", "record one witness input (见证人输入)"),
    "override": ("steps", "allow a draw outside the placement window (例外登记)"),
    "draw": ("steps", "reveal the seed, draw, sign and log the result (开奖)"),
    "publish": ("steps", "publish the signed result (发布)"),
    "cancel": ("steps", "cancel an announcement; logged and visible (撤销)"),
    "export-bundle": ("steps", "write a public or archive record bundle"),
    "amend": ("steps", "request a correction of class (更正; the bureau approves)"),
    "exception": ("exceptions", "exceptions after the draw: 补录, 转学, 更正, 更换教师 (例外)"),
    "district": ("district", "the whole district at once (区级批量)"),
    "season": ("season", "招生季：报名、审核、公示、举报、名单推导 (enrollment season)"),
    "serve": (
        "serve",
        "run the service with gunicorn (服务); --demo builds and serves the demo district",
    ),
    "export-public": (
        "export",
        "write the public portal as static files (公告、结果、核验页、透明日志)",
    ),
}


Sub = argparse._SubParsersAction  # noqa: SLF001 - argparse names no public type for it


def _parser() -> tuple[argparse.ArgumentParser, Sub[argparse.ArgumentParser]]:
    parser = argparse.ArgumentParser(
        prog="placement", description="阳光分班 verifiable class placement"
    )
    return parser, parser.add_subparsers(dest="command", required=True)


def add_group(sub: Sub[argparse.ArgumentParser], module: str) -> None:
    """Register every command of one group module (``web.cli.<module>``)."""
    mod = importlib.import_module(f"web.cli.{module}")
    (getattr(mod, "add_parsers", None) or mod.add_parser)(sub)


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: the full group of the command it names, or, for anything
    else (``--help``, no command, an unknown one), the list of commands alone."""
    parser, sub = _parser()
    words = list(sys.argv[1:] if argv is None else argv)
    command = next((w for w in words if not w.startswith("-")), None)
    if command in COMMANDS:
        add_group(sub, COMMANDS[command][0])
    else:
        for name, (_, help_text) in COMMANDS.items():
            sub.add_parser(name, help=help_text)
    return parser


def full_parser() -> argparse.ArgumentParser:
    """Every command with every option (for tests and documentation)."""
    parser, sub = _parser()
    for module in dict.fromkeys(m for m, _ in COMMANDS.values()):
        add_group(sub, module)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; a refusal is printed in Chinese and English, never a traceback."""
    args = build_parser(argv).parse_args(argv)
    from placement.errors import PlacementError
    from web.service.console import err, refusal

    try:
        return int(args.func(args))
    except BrokenPipeError:
        return 0  # output piped into e.g. `head`, which stopped reading
    except KeyboardInterrupt:
        err("\n已中断 interrupted")
        return 130
    except PlacementError as e:
        refusal(e)
        return e.exit_status
    except OSError as e:
        err(f"错误：无法读写文件 / error: cannot read or write a file: {e}")
        return 1
