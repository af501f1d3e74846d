"""``placement export-public``: the public side as static files (``web.app.export``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from web.cli.common import Sub


def add_parser(sub: Sub[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export-public",
        help="write the public portal as static files (公告、结果、核验页、透明日志)",
        description="Write announcements, results, the verify page, the keyring, public "
        "bundles and the transparency log (C2SP tlog-tiles) as static files for any web "
        "server or CDN. Reads the service's database and key store (PLACEMENT_* settings).",
    )
    p.add_argument("dir", type=Path, help="output folder (replaced as a whole)")
    p.add_argument(
        "--lookup-url", help="the service's lookup page (学位锁定查询) to link to, if any"
    )
    p.add_argument(
        "--instance", help="the service's instance folder (default: PLACEMENT_INSTANCE_PATH)"
    )
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from web.app.export import export_public
    from web.app.factory import create_app
    from web.app.services import services
    from web.service.config import resolve

    # The same instance, database and keys every other service command resolves.
    app = create_app(resolve(args.instance).app_config())
    try:
        summary = export_public(app, args.dir, lookup_url=args.lookup_url)
    finally:
        services(app).engine.dispose()
    sys.stdout.write(
        f"已导出 exported {summary.files} files to {args.dir}: "
        f"{summary.announcements} 公告 announcements, {summary.results} 结果 results, "
        f"log size {summary.log_size}\n"
    )
    if summary.names_up:
        # The static copy cannot take itself down: the names leave only with a new export.
        sys.stdout.write(
            f"公示名单（{summary.season_notices} 份）含姓名：公示期结束后请重新导出以撤下 / "
            f"{summary.season_notices} 公示 lists carry names: export again after the window "
            "to take them down\n"
        )
    return 0
