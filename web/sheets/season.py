"""The 公示 gate poster (spec S7): names and sex only, the commitment's fingerprint and a
QR with the signed notice. Plain values in, HTML or PDF out (the service gathers them)."""

from __future__ import annotations

from collections.abc import Sequence

from web.sheets.options import DEFAULT_BASE_URL
from web.sheets.pages import _render, code
from web.sheets.qr import document_url
from web.sheets.render import pdf

ROWS_PER_COLUMN = 25


def poster_html(  # noqa: PLR0913
    *,
    district: str,
    school: str,
    intake: str,
    window: str,
    lines: Sequence[tuple[str, str]],
    notice_jws: str,
    root_hex: str,
    digest_hex: str,
    hotline: str,
    base_url: str = DEFAULT_BASE_URL,
) -> str:
    """``lines``: (name, 男/女) in the poster's order (by name, never the committed order)."""
    numbered = [(n, name, sex) for n, (name, sex) in enumerate(lines, start=1)]
    columns = [numbered[i : i + ROWS_PER_COLUMN] for i in range(0, len(numbered), ROWS_PER_COLUMN)]
    return _render(
        "season_poster.html",
        {
            "title": f"{school} {intake} 公示",
            "footer": f"投诉电话 {hotline}",
            "pageinfo": "",
            "district": district,
            "school": school,
            "intake": intake,
            "window": window,
            "columns": columns or [[]],
            "males": sum(s == "男" for _, s in lines),
            "females": sum(s == "女" for _, s in lines),
            "total": len(lines),
            "code": code(document_url(notice_jws, base_url), 45.0),
            "root_short": root_hex[:16],
            "digest_short": digest_hex[:16],
            "hotline": hotline,
        },
        fragment=False,
    )


def poster_pdf(**values: object) -> bytes:
    return pdf(poster_html(**values))  # type: ignore[arg-type]  # the same keywords


def admission_html(  # noqa: PLR0913
    *,
    district: str,
    school: str,
    intake: str,
    children: Sequence[tuple[str, str, str]],
    admission_jws: str,
    root_hex: str,
    total: int,
    draw_date: str,
    hotline: str,
    base_url: str = DEFAULT_BASE_URL,
) -> str:
    """One notice a page: ``children`` are (name, 男/女, application number); every QR is
    the school's signed admission document, the same on every notice (spec S13)."""
    return _render(
        "season_admission.html",
        {
            "title": f"{school} {intake} 入学通知书",
            "footer": f"咨询电话 {hotline}",
            "pageinfo": "",
            "district": district,
            "school": school,
            "intake": intake,
            "children": children,
            "code": code(document_url(admission_jws, base_url), 40.0),
            "root_short": root_hex[:16],
            "total": total,
            "draw_date": draw_date,
            "hotline": hotline,
        },
        fragment=False,
    )


def admission_pdf(**values: object) -> bytes:
    return pdf(admission_html(**values))  # type: ignore[arg-type]  # the same keywords
