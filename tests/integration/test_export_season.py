"""``placement export-public`` carries the season's public pages: plan, catchment,
statistics, each 公示 (names only while its window is open; afterwards the commitment,
counts and QR stay), report outcomes, overrides, and the public season bundle — with
nothing private in any of them and every link relative and resolving."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import seasonflow
from seasonflow import at
from servicekit import Service

from placement.season.cases import FINDING_EN, Finding
from verifier.season_report import verify_season
from web.app.export import export_public
from web.demo import season as demo
from web.service.season import steps

CHILDREN = range(100, 103)
PAGES = ("season/index", "season/plan/index", "season/catchment/index")
PAGES += ("season/stats/index", "season/cases/index", "season/notices/01/index")
OVERRIDE = "7月20日停电，注册顺延一天"


def season_in_notice(svc: Service) -> list[str]:
    """Three approved children of 实验小学 posted on 7/29, registered after an override;
    a report filed and rejected."""
    seasonflow.started(svc)
    svc.at(at(7, 20, 8))
    steps.override(svc.env, demo.SEASON, stage="registration", reason=OVERRIDE, user="admin")
    numbers = seasonflow.registered(svc, CHILDREN, day=(7, 20))
    seasonflow.approved(svc, numbers)
    seasonflow.posted(svc)
    case = steps.file_case(
        svc.env,
        demo.SEASON,
        school=demo.SY,
        intake=demo.PRIMARY,
        application=numbers[0],
        claim="怀疑借用房产",
        channel="online",
    )
    svc.at(at(7, 30))
    steps.decide_case(
        svc.env,
        demo.SEASON,
        case,
        upheld=False,
        reason="核实房本属实",
        handled_by="王科长",
        user="a",
    )
    return numbers


def text(path: Path) -> str:
    return unescape(path.read_text())


def private_words() -> list[str]:
    words = []
    for n in CHILDREN:
        f = demo.form(n, "新华社区")
        words += [f.id_number, f.birth_date, f.address, f.guardian_name, f.guardian_phone]
    return [*words, "怀疑借用房产", "核实房本属实", "王科长"]


def links_resolve(root: Path) -> None:
    for page in root.rglob("*.html"):
        if page.is_relative_to(root / "verify"):
            continue
        for href in re.findall(r'(?:href|src)="([^"]+)"', page.read_text()):
            url, _ = urldefrag(unescape(href))
            if not url or url.startswith(("tel:", "data:image/png;base64,")):
                continue
            target = urlsplit(url).path
            assert "://" not in url
            assert not target.startswith("/"), (page, href)
            assert (page.parent / target).resolve().is_file(), (page, href)


def test_the_export_carries_the_season_and_takes_the_list_down_after_the_window(
    sqlite_service: Service, tmp_path: Path
) -> None:
    svc = sqlite_service
    season_in_notice(svc)
    names = [demo.form(n, "新华社区").name for n in CHILDREN]
    out = tmp_path / "www"
    summary = export_public(svc.app, out)
    assert (summary.season_notices, summary.names_up) == (1, True)
    for page in PAGES:
        for lang in ("html", "en.html"):
            assert (out / f"{page}.{lang}").is_file(), page
    links_resolve(out)
    home = text(out / "index.html")
    assert 'href="season/index.html"' in home  # the portal's navigation leads there
    led = steps.store_for(svc.env, demo.SEASON).read()
    notice = led.notices[(demo.SY, demo.PRIMARY)]
    root16, digest16 = notice.entries.root.hex()[:16], notice.digest.hex()[:16]
    posted = text(out / "season/notices/01/index.html")
    assert all(name in posted for name in names)  # during the window: the list is up
    assert root16 in posted
    assert digest16 in posted
    assert 'id="count">3<' in posted
    index = text(out / "season/index.html")
    assert OVERRIDE in index
    assert "公示名单" in index.split('class="actions small season-nav"')[1].split("</nav>")[0]
    assert "不实" in text(out / "season/cases/index.html")
    assert FINDING_EN[Finding.REJECTED] in text(out / "season/cases/index.en.html")
    assert "新华社区" in text(out / "season/catchment/index.html")
    assert "180" in text(out / "season/plan/index.html")  # 4 classes × 45 places
    stats = text(out / "season/stats/index.html")
    assert f"<td>{demo.SY}</td><td>3</td><td>3</td>" in stats
    for page in out.rglob("season/**/*.html"):
        body = text(page)
        for word in private_words():
            assert word not in body, (page, word)
    bundle = (out / "season/public.zip").read_bytes()
    report = verify_season(bundle, trusted=svc.env.keyring())
    assert report.verified, report

    # after the window: exported again, the names are gone; commitment and counts stay
    svc.at(at(8, 1))
    summary = export_public(svc.app, out)
    assert (summary.season_notices, summary.names_up) == (1, False)
    links_resolve(out)
    after = text(out / "season/notices/01/index.html")
    assert not any(name in after for name in names)
    assert 'id="taken-down"' in after
    assert root16 in after
    assert digest16 in after
    assert 'id="count">3<' in after
    nav = text(out / "season/index.html").split('class="actions small season-nav"')[1]
    assert "公示名单" not in nav.split("</nav>")[0]  # the nav's 公示 link is gone
    assert not any(name in p.read_text() for p in out.rglob("*.html") for name in names)


def test_without_a_season_the_export_has_no_season(sqlite_service: Service, tmp_path: Path):
    out = tmp_path / "www"
    summary = export_public(sqlite_service.app, out)
    assert (summary.season_notices, summary.names_up) == (0, False)
    assert not (out / "season").exists()
    assert "season/" not in text(out / "index.html")
