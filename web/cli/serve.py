"""``placement serve``: the service under gunicorn (2 gthread workers by default).

The database is migrated once here, before the workers start (so two workers never
race to create tables), and the key passphrase is asked once and handed to them.
``--demo`` builds the demo 洮北区 district under ./instance/demo first when absent.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from keys.errors import KeysError
from keys.passphrase import ENV_VAR, read_passphrase
from web.cli.common import Sub, command, common
from web.service.console import err, out

if TYPE_CHECKING:
    from flask import Flask

    from web.service.config import Instance

DEMO_INSTANCE = "instance/demo"


def _gunicorn(make_app: Callable[[], Flask], options: dict[str, Any]) -> Any:  # noqa: ANN401

    from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

    class Server(BaseApplication):  # type: ignore[misc]  # gunicorn has no type hints
        def load_config(self) -> None:
            for key, value in options.items():
                if key in self.cfg.settings:  # newer settings are skipped on older gunicorn
                    self.cfg.set(key, value)

        def load(self) -> Flask:
            return make_app()

    return Server()


def _passphrase(demo_passphrase: str | None) -> str | None:
    """The key passphrase for the workers: the demo's, the environment's, or asked once."""
    if demo_passphrase:
        return demo_passphrase
    if os.environ.get(ENV_VAR) or sys.stdin.isatty():
        return read_passphrase(creating=False)
    err(f"注意：未设置 {ENV_VAR}，签名步骤（公告、开奖、发布）将被拒绝")
    err(f"note: {ENV_VAR} is not set; signing steps (announce, draw, publish) will be refused")
    return None


def _check_keys(inst: Instance, passphrase: str | None) -> None:
    from web.service.instance import open_services

    services = open_services(inst, passphrase=lambda: passphrase, migrate=True)
    try:
        if passphrase is not None:
            services.signers()  # a wrong passphrase fails now, not at the first announcement
    finally:
        services.engine.dispose()


def cmd_serve(args: argparse.Namespace) -> int:
    from web.service.config import resolve

    demo_passphrase = None
    info = None
    if args.demo:
        from web.demo.district import DEMO_PASSPHRASE, build_demo

        info = build_demo(Path(args.instance or DEMO_INSTANCE), database_url=args.database_url)
        inst = info.instance
        demo_passphrase = DEMO_PASSPHRASE
    else:
        inst = resolve(args.instance, args.database_url)
        db = inst.sqlite_file
        if db is not None and not db.exists():
            err(f"错误：实例 {inst.path} 尚未初始化：请先运行 placement init（或 --demo）")
            err(f"error: instance {inst.path} is not initialised: run placement init (or --demo)")
            return 1
    passphrase = _passphrase(demo_passphrase)
    try:
        _check_keys(inst, passphrase)
    except KeysError as e:
        err(f"错误 error: {e}")
        return 1
    config: dict[str, Any] = {
        **inst.app_config(),
        "MIGRATE": False,
        "KEY_PASSPHRASE": passphrase,
        "SESSION_COOKIE_SECURE": not (args.demo or args.plain_http),
    }

    def make_app() -> Flask:
        from web.app.factory import create_app

        return create_app(config)

    host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104 - printed only
    url = f"http://{host}:{args.port}/"
    out(f"阳光分班服务 sunshine-placement service: {url}")
    out(f"   实例 instance {inst.path}")
    if info is not None:
        from web.demo.district import print_logins

        print_logins(info)
    sys.stdout.flush()
    options = {
        "bind": f"{args.host}:{args.port}",
        "workers": args.workers,
        "worker_class": "gthread",
        "threads": args.threads,
        "accesslog": "-" if args.access_log else None,
        "errorlog": "-",
        "loglevel": "info",
        "preload_app": False,
        "control_socket_disable": True,  # gunicorn ≥ 25 would open one in $HOME
    }
    _gunicorn(make_app, options).run()
    return 0


def add_parsers(sub: Sub[argparse.ArgumentParser]) -> None:
    p = command(
        sub,
        "serve",
        cmd_serve,
        "run the service with gunicorn (服务); --demo builds and serves the demo district",
        common(),
    )
    p.add_argument("--demo", action="store_true", help=f"serve the demo district ({DEMO_INSTANCE})")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    p.add_argument("--access-log", action="store_true", help="log every request to stderr")
    p.add_argument(
        "--plain-http",
        action="store_true",
        help="session cookies without the Secure flag (only behind no TLS on a trusted host)",
    )
