"""HTML → PDF with WeasyPrint (imported on first use: it takes half a second)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from functools import cache
from io import BytesIO
from typing import Any


@cache
def _html_class() -> Any:  # noqa: ANN401 - WeasyPrint ships no type information
    from weasyprint import HTML  # noqa: PLC0415

    return HTML


@cache
def _attachment_class() -> Any:  # noqa: ANN401 - WeasyPrint ships no type information
    from weasyprint import Attachment  # noqa: PLC0415

    return Attachment


def pdf_pages(
    html: str,
    *,
    variant: str | None = None,
    files: Sequence[tuple[str, bytes, str]] = (),
    xmp: bytes | None = None,
) -> tuple[bytes, int]:
    """One PDF document of every page of ``html`` (fonts subset once) and its page count;
    optionally a PDF variant (``pdf/a-3b``) with embedded files (name, bytes, description,
    associated as the page's data) and extra XMP ``rdf:Description`` elements."""
    document = _html_class()(string=html).render()
    attachments = [
        _attachment_class()(
            file_obj=BytesIO(data), name=name, description=about, relationship="Data"
        )
        for name, data, about in files
    ]
    if xmp:
        _add_xmp(document.metadata, xmp)
    with warnings.catch_warnings():
        # WeasyPrint's PDF/A output intent opens its sRGB profile and never closes it (the
        # file is dropped, and warned about, inside write_pdf): nothing of ours to close
        warnings.simplefilter("ignore", ResourceWarning)
        data = document.write_pdf(pdf_variant=variant, attachments=attachments or None)
    assert isinstance(data, bytes)
    return data, len(document.pages)


def pdf(html: str) -> bytes:
    return pdf_pages(html)[0]


def _add_xmp(metadata: Any, descriptions: bytes) -> None:  # noqa: ANN401 - WeasyPrint's
    """Put ``descriptions`` inside WeasyPrint's own ``rdf:RDF``: XMP allows one per packet
    (WeasyPrint's ``xmp_metadata`` option would add a second, which readers ignore)."""
    own = metadata.generate_rdf_metadata

    def merged(*args: object) -> bytes:
        rdf: bytes = own(*args)
        end = rdf.rindex(b"</")
        return rdf[:end] + descriptions + rdf[end:]

    metadata.generate_rdf_metadata = merged
