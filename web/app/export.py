"""``placement export-public DIR``: the public side as static files, so result day can
be served by a CDN or any web server, without the service doing the work.

The tree (every page in Chinese, ``index.html``, and English, ``index.en.html``)::

    index.html                         schools and intakes with their state
    portal.css
    announcements/index.html           every announcement
    announcements/<draw>/index.html    one announcement + announcement.jws
    results/<draw>/index.html          published class lists + public.zip
    verify/                            the verify page, its scripts, keyring.json, portal.json
    log/checkpoint, log/tile/...       the transparency log in the C2SP tlog-tiles layout
    season/index.html                  the enrollment season (when one is set up): calendar,
    season/{plan,catchment,stats,cases}/   overrides, plan, catchment, statistics, reports
    season/notices/<NN>/index.html     each 公示: names only while its window is open
    season/public.zip                  the public season bundle (spec S12)

Pages are rendered from the portal's own templates with relative links. The lookup
needs the service: pass ``--lookup-url`` to link to it. The new tree is written beside
``DIR`` and swapped in whole, so a web server never serves half an export.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, render_template

from placement.canonical import canonical_json
from placement.keyring import CST
from placement.season.ledger import Ledger
from placement.tlog import checkpoint_of
from web.app.portal_links import Lang, StaticLinks, page_context, page_path
from web.app.services import services
from web.app.views import season_public
from web.db.engine import reading
from web.portal import data
from web.portal import exceptions as public_exceptions
from web.portal.views import PUBLIC_STAGES
from web.service.season import pages, steps

STATIC = Path(__file__).resolve().parents[1] / "static"
LANGS: tuple[Lang, ...] = ("zh", "en")


@dataclass(frozen=True, slots=True)
class Exported:
    files: int
    announcements: int
    results: int
    log_size: int
    season_notices: int = 0  # 公示 pages exported (0: no season set up)
    names_up: bool = False  # their names are on them: export again after the window


def portal_json(hotline: str) -> bytes:
    """``verify/portal.json``: the hotline and procedure the verify page shows."""
    zh, en = data.procedure(hotline)
    return canonical_json({"hotline": hotline, "procedure_en": en, "procedure_zh": zh})


class _Tree:
    def __init__(self, root: Path, *, season: bool = False) -> None:
        self.root = root
        self.count = 0
        self.season = season  # link the season's pages (the export carries them)

    def write(self, rel: str, body: bytes | str) -> None:
        path = self.root / rel
        if ".." in Path(rel).parts or not path.resolve().is_relative_to(self.root.resolve()):
            raise ValueError(f"refusing to write outside the export: {rel!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body.encode() if isinstance(body, str) else body)
        self.count += 1

    def page(
        self,
        kind: str,
        template: str,
        hotline: str,
        lookup_url: str | None,
        draw_id: str = "",
        **values: Any,  # noqa: ANN401 - template values
    ) -> None:
        for lang in LANGS:
            links = StaticLinks(lang, kind, draw_id, lookup_url, season=self.season)
            html = render_template(template, **page_context(links, hotline), **values)
            self.write(page_path(kind, lang, draw_id), html)


def _verify_page(tree: _Tree, hotline: str, keyring_json: bytes) -> None:
    source = STATIC / "verify"
    for path in sorted(source.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            tree.write(f"verify/{path.relative_to(source).as_posix()}", path.read_bytes())
    tree.write("verify/keyring.json", keyring_json)
    tree.write("verify/portal.json", portal_json(hotline))


def _season_pages(tree: _Tree, led: Ledger, today: dt.date, lookup_url: str | None) -> bool:
    """The season's public pages as of today (spec S1): calendar and overrides, plan,
    catchment, statistics, report outcomes, and each 公示 page — its names only while the
    window is open; after it the commitment, counts and QR stay. With the public season
    bundle, so anyone can check the chain from the files alone."""
    hotline = led.profile.hotline
    shared = season_public.shared_values(led, today)
    tree.page(
        "season-index",
        "season/index.html",
        hotline,
        lookup_url,
        **shared,
        **season_public.index_values(led, today),
    )
    tree.page("season-plan", "season/plan.html", hotline, lookup_url, **shared)
    tree.page("season-catchment", "season/catchment.html", hotline, lookup_url, **shared, q="")
    stats = season_public.stats_values(led)
    tree.page("season-stats", "season/stats.html", hotline, lookup_url, **shared, **stats)
    cases = pages.public_cases(led)
    tree.page("season-cases", "season/cases.html", hotline, lookup_url, **shared, rows=cases)
    for n in range(len(led.notices)):
        values = season_public.notice_values(led, n, today)
        tree.page(
            "season-notice", "season/notice.html", hotline, lookup_url, f"{n + 1:02d}",
            **shared, **values,
        )  # fmt: skip
    tree.write("season/public.zip", steps.export(services().env, led.season, kind="public"))
    return bool(led.notices) and season_public.is_open(led, "notice", today)


def write_public(app: Flask, out: Path, *, lookup_url: str | None = None) -> Exported:
    """Write the whole public side into the (empty) folder ``out``."""
    svc = services(app)
    store = steps.store_for(svc.env, steps.SERVED_SEASON)
    tree = _Tree(out, season=store.exists())
    with app.app_context(), reading(svc.engine) as s:
        hotline = data.district_profile(data.profile_keys(s)).hotline
        _verify_page(tree, hotline, canonical_json(svc.keyring().to_json()))
        tree.write("portal.css", (STATIC / "portal.css").read_bytes())
        tree.page("home", "portal/home.html", hotline, lookup_url, schools=data.schools(s))
        rows = data.intake_rows(s, *PUBLIC_STAGES)
        tree.page("announcements", "portal/announcements.html", hotline, lookup_url, rows=rows)
        results = 0
        for row in rows:
            ann = data.announcement(s, row.draw_id)
            jws = data.announcement_jws(s, row.draw_id)
            if ann is None or jws is None:
                continue
            tree.page(
                "announcement",
                "portal/announcement.html",
                ann.hotline,
                lookup_url,
                row.draw_id,
                a=ann,
            )
            tree.write(f"announcements/{row.draw_id}/announcement.jws", jws)
            res = data.result(s, row.draw_id)
            bundle = data.public_bundle(s, row.draw_id)
            if res is None or bundle is None:
                continue
            tree.page("result", "portal/result.html", res.hotline, lookup_url, row.draw_id, r=res)
            tree.write(f"results/{row.draw_id}/public.zip", bundle)
            results += 1
        # Part E: which lists changed after the draw (verify page) and the exception counts.
        tree.write("verify/changes.json", canonical_json(public_exceptions.changes(s)))
        tree.write("exceptions.json", canonical_json(public_exceptions.listing(s).to_json()))
        led = store.read() if tree.season else None
        names_up = led is not None and _season_pages(
            tree, led, svc.now().astimezone(CST).date(), lookup_url
        )
        log = data.log_tiles(s)
        for rel, body in log.items():
            tree.write(f"log/{rel}", body)
    size = checkpoint_of(log["checkpoint"].decode()).size if log else 0
    return Exported(
        files=tree.count,
        announcements=len(rows),
        results=results,
        log_size=size,
        season_notices=len(led.notices) if led is not None else 0,
        names_up=names_up,
    )


def export_public(app: Flask, directory: Path, *, lookup_url: str | None = None) -> Exported:
    """Write the export beside ``directory`` and swap it in whole (replacing an older one)."""
    directory = directory.resolve()
    directory.parent.mkdir(parents=True, exist_ok=True)
    new = Path(tempfile.mkdtemp(prefix=f".{directory.name}.new-", dir=directory.parent))
    try:
        summary = write_public(app, new, lookup_url=lookup_url)
        new.chmod(0o755)
        old = directory.with_name(f".{directory.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if directory.exists():
            directory.rename(old)
        new.rename(directory)
        if old.exists():
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    return summary
