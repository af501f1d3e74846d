"""HTML → PDF with WeasyPrint (imported on first use: it takes half a second)."""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _html_class() -> Any:  # noqa: ANN401 - WeasyPrint ships no type information
    from weasyprint import HTML  # noqa: PLC0415

    return HTML


def pdf_pages(html: str) -> tuple[bytes, int]:
    """One PDF document of every page of ``html`` (fonts subset once) and its page count."""
    document = _html_class()(string=html).render()
    data = document.write_pdf()
    assert isinstance(data, bytes)
    return data, len(document.pages)


def pdf(html: str) -> bytes:
    return pdf_pages(html)[0]
