"""Where the portal's links point: the live site (``url_for``) or a static export
(relative file paths), so the same templates render both.

The language is part of the link: Chinese first, English with ``?lang=en`` on the
live site and as ``index.en.html`` beside each ``index.html`` in an export.
"""

from __future__ import annotations

import posixpath
from typing import Any, Literal, Protocol
from urllib.parse import urlencode

from flask import url_for

from web.portal.data import procedure
from web.portal.views import STAGE_TEXT
from web.service.stages import Stage

Lang = Literal["zh", "en"]


class Links(Protocol):
    lang: Lang
    static: bool

    def home(self) -> str: ...
    def announcements(self) -> str: ...
    def announcement(self, draw_id: str) -> str: ...
    def announcement_jws(self, draw_id: str) -> str: ...
    def result(self, draw_id: str) -> str: ...
    def bundle(self, draw_id: str) -> str: ...
    def verify(self, digits: str = "") -> str: ...
    def replay(self, draw_id: str) -> str: ...
    def lookup(self) -> str | None: ...
    def exceptions(self) -> str | None: ...
    def log(self) -> str: ...
    def css(self) -> str: ...
    def other_lang(self) -> str: ...
    def season(self, page: str = "index", n: int | None = None) -> str | None: ...


def _fragment(digits: str) -> str:
    return f"#n={digits}" if digits else ""


class LiveLinks:
    """Links on the running service."""

    static = False

    def __init__(
        self, lang: Lang, endpoint: str, args: dict[str, str], *, season: bool = True
    ) -> None:
        self.lang: Lang = lang
        self._endpoint = endpoint
        self._args = args
        self._season = season

    def _url(self, endpoint: str, **values: str) -> str:
        if self.lang == "en":
            values["lang"] = "en"
        return url_for(endpoint, **values)  # type: ignore[arg-type] # flask types **values as Any

    def home(self) -> str:
        return self._url("portal.index")

    def announcements(self) -> str:
        return self._url("portal.announcements")

    def announcement(self, draw_id: str) -> str:
        return self._url("portal.announcement", draw_id=draw_id)

    def announcement_jws(self, draw_id: str) -> str:
        return url_for("portal.announcement_jws", draw_id=draw_id)

    def result(self, draw_id: str) -> str:
        return self._url("portal.result", draw_id=draw_id)

    def bundle(self, draw_id: str) -> str:
        return url_for("portal.bundle", draw_id=draw_id)

    def verify(self, digits: str = "") -> str:
        return url_for("portal.verify_page") + _fragment(digits)

    def replay(self, draw_id: str) -> str:
        """The verify page replaying this intake's public bundle in the browser."""
        return url_for("portal.verify_page", bundle=self.bundle(draw_id))

    def lookup(self) -> str | None:
        return self._url("portal.lookup_page")

    def exceptions(self) -> str | None:
        """派位后的例外 (spec Part E)."""
        return self._url("portal.exceptions")

    def log(self) -> str:
        return url_for("portal.log_checkpoint")

    def css(self) -> str:
        return url_for("static", filename="portal.css")

    def other_lang(self) -> str:
        other = "zh" if self.lang == "en" else "en"
        return url_for(self._endpoint, **{**self._args, "lang": other})  # type: ignore[arg-type]

    def season(self, page: str = "index", n: int | None = None) -> str | None:
        """A page of the enrollment season (Part S); None while no season is set up."""
        if not self._season:
            return None
        return self._url(f"season.{page}", **({} if n is None else {"n": str(n)}))


# The season's pages a static export carries; the others (register, look up one's own
# application, report) post to the service and are linked only on the live site.
SEASON_PAGES = ("catchment", "plan", "cases", "stats")


def page_path(kind: str, lang: Lang, draw_id: str = "") -> str:
    """The file of a page in a static export."""
    name = "index.en.html" if lang == "en" else "index.html"
    folder = {
        "home": "",
        "announcements": "announcements/",
        "announcement": f"announcements/{draw_id}/",
        "result": f"results/{draw_id}/",
        **{f"season-{p}": f"season/{p}/" for p in SEASON_PAGES},
        "season-index": "season/",
        "season-notice": f"season/notices/{draw_id}/",
    }[kind]
    return folder + name


class StaticLinks:
    """Relative links between the files of a static export (works on any static host)."""

    static = True

    def __init__(
        self,
        lang: Lang,
        kind: str,
        draw_id: str = "",
        lookup_url: str | None = None,
        *,
        season: bool = False,
    ) -> None:
        self.lang: Lang = lang
        self._kind = kind
        self._draw_id = draw_id
        self._here = posixpath.dirname(page_path(kind, lang, draw_id)) or "."
        self._lookup_url = lookup_url
        self._season = season

    def _rel(self, target: str) -> str:
        return posixpath.relpath(target, self._here)

    def home(self) -> str:
        return self._rel(page_path("home", self.lang))

    def announcements(self) -> str:
        return self._rel(page_path("announcements", self.lang))

    def announcement(self, draw_id: str) -> str:
        return self._rel(page_path("announcement", self.lang, draw_id))

    def announcement_jws(self, draw_id: str) -> str:
        return self._rel(f"announcements/{draw_id}/announcement.jws")

    def result(self, draw_id: str) -> str:
        return self._rel(page_path("result", self.lang, draw_id))

    def bundle(self, draw_id: str) -> str:
        return self._rel(f"results/{draw_id}/public.zip")

    def verify(self, digits: str = "") -> str:
        return self._rel("verify/index.html") + _fragment(digits)

    def replay(self, draw_id: str) -> str:
        bundle = posixpath.relpath(f"results/{draw_id}/public.zip", "verify")
        return self._rel("verify/index.html") + "?" + urlencode({"bundle": bundle})

    def lookup(self) -> str | None:
        return self._lookup_url

    def exceptions(self) -> str | None:
        return None  # the export carries exceptions.json, not the page

    def log(self) -> str:
        return self._rel("log/checkpoint")

    def css(self) -> str:
        return self._rel("portal.css")

    def other_lang(self) -> str:
        other: Lang = "zh" if self.lang == "en" else "en"
        return posixpath.basename(page_path(self._kind, other, self._draw_id))

    def season(self, page: str = "index", n: int | None = None) -> str | None:
        """The exported season page; None for pages that need the service."""
        if not self._season or (page not in SEASON_PAGES and page not in ("index", "notice")):
            return None
        key = "" if n is None else f"{n + 1:02d}"
        return self._rel(page_path(f"season-{page}", self.lang, key))


def page_context(links: Links, hotline: str) -> dict[str, Any]:
    """What every portal template gets: links, the language and the complaints text."""
    zh, en = procedure(hotline)

    def t(zh_text: str, en_text: str) -> str:
        return en_text if links.lang == "en" else zh_text

    def stage_text(stage: Stage) -> str:
        return t(*STAGE_TEXT[stage])

    return {
        "L": links,
        "t": t,
        "hotline": hotline,
        "procedure": en if links.lang == "en" else zh,
        "stage_text": stage_text,
    }
