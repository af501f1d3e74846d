"""Verification URLs and their QR images (spec §18.1).

The links themselves (``#n=`` and ``#r=`` digit pairs, v2's ``#d=`` references) are
written and read by the core's codec, :mod:`placement.links`; this module adds the printed
defaults and the QR images.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from qrcode.constants import ERROR_CORRECT_M

from placement import links
from placement.canonical import Json
from placement.links import LinkError
from web.sheets.options import DEFAULT_BASE_URL
from web.sheets.qrmask import FastQRCode

# The link codec is the core's (placement.links), shared with the verifier and the tests.
QrError = LinkError


def document_url(compact_jws: str, base_url: str = DEFAULT_BASE_URL) -> str:
    """``<base>#n=<digit pairs of the compact JWS>``."""
    return links.document_url(compact_jws, base_url)


def reference_url(
    draw: str, item: str, document_digest: bytes, base_url: str = DEFAULT_BASE_URL
) -> str:
    """v2 (spec §22): ``<base>#d=<draw>/<item>/<b64u digest>``, a reference the verify page
    resolves in the draw's public record: a small code (version 7-8), not the document."""
    return links.reference_url(draw, item, document_digest, base_url)


def receipt_url(receipt: dict[str, Json], base_url: str = DEFAULT_BASE_URL) -> str:
    """``<base>#r=<digit pairs of base64url(raw DEFLATE(JCS(receipt)))>``."""
    return links.receipt_url(receipt, base_url)


@dataclass(frozen=True, slots=True)
class QrImage:
    png: bytes
    version: int
    modules: int  # modules across, quiet zone included


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png(matrix: list[list[bool]]) -> bytes:
    """A 1-bit greyscale PNG, one pixel per module (dark = 0), a row a list. The page scales it up
    with ``image-rendering: pixelated`` (PDF ``/Interpolate false``): sharp edges."""
    width = len(matrix[0]) if matrix else 0
    rows = bytearray()
    for row in matrix:
        bits = "".join("0" if dark else "1" for dark in row).ljust((width + 7) // 8 * 8, "1")
        rows.append(0)  # filter: none
        rows += int(bits, 2).to_bytes(len(bits) // 8, "big")
    header = struct.pack(">IIBBBBB", width, len(matrix), 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )


def qr_image(url: str) -> QrImage:
    """The QR code of ``url`` at ECC M, with its 4-module quiet zone, as a PNG.

    The encoder's segment optimisation splits the URL into an 8-bit segment (the
    base URL) and a numeric segment (the digit pairs); the mask is chosen by the
    standard's penalty rules (the same choice as ``qrcode``, made faster).
    """
    code = FastQRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(url, optimize=20)
    code.make(fit=True)
    matrix = code.get_matrix()
    return QrImage(png(matrix), int(code.version), len(matrix))
