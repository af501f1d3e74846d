"""Verification URLs and their QR images (spec §18.1).

A compact JWS is written after ``#n=`` as digit pairs (each character ``c`` as the
two decimal digits of ``ord(c) - 45``, as SMART Health Cards do), so the QR
encoder can put it in a numeric segment: 3⅓ bits per digit instead of 8 bits per
character. A pupil receipt goes after ``#r=`` as the digit pairs of
``base64url(raw DEFLATE(JCS(receipt)))``.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from dataclasses import dataclass
from typing import Final

from qrcode.constants import ERROR_CORRECT_M

from placement.canonical import Json, canonical_json
from placement.errors import PlacementError
from placement.jws import b64u, b64u_decode, deflate
from placement.reference import reference
from web.sheets.options import DEFAULT_BASE_URL
from web.sheets.qrmask import FastQRCode

DOCUMENT_KEY: Final = "n"
RECEIPT_KEY: Final = "r"
_B64U: Final = re.compile(r"[A-Za-z0-9_.-]*")
_MAX_INFLATED: Final = 1 << 16


class QrError(PlacementError):
    """A verification URL is malformed, or its payload does not decode."""


def to_digits(text: str) -> str:
    """Base64url text (and ``.``) → digit pairs."""
    if not _B64U.fullmatch(text):
        raise QrError("only base64url characters and '.' can be written as digit pairs")
    return "".join(f"{ord(c) - 45:02d}" for c in text)


def from_digits(digits: str) -> str:
    if not digits.isascii() or not digits.isdigit() or len(digits) % 2:
        raise QrError("digit pairs expected")
    text = "".join(chr(int(digits[i : i + 2]) + 45) for i in range(0, len(digits), 2))
    if not _B64U.fullmatch(text):
        raise QrError("a digit pair stands for no base64url character")
    return text


def _url(base_url: str, key: str, digits: str) -> str:
    if "#" in base_url:
        raise QrError("the base URL must not have a fragment")
    return f"{base_url}#{key}={digits}"


def document_url(compact_jws: str, base_url: str = DEFAULT_BASE_URL) -> str:
    """``<base>#n=<digit pairs of the compact JWS>``."""
    if compact_jws.count(".") != 2:
        raise QrError("a compact JWS has three parts")
    return _url(base_url, DOCUMENT_KEY, to_digits(compact_jws))


def reference_url(
    draw: str, item: str, document_digest: bytes, base_url: str = DEFAULT_BASE_URL
) -> str:
    """v2 (spec §22): ``<base>#d=<draw>/<item>/<b64u digest>``, a reference the verify page
    resolves in the draw's public record: a small code (version 7-8), not the document."""
    if "#" in base_url:
        raise QrError("the base URL must not have a fragment")
    return f"{base_url}#{reference(draw, item, document_digest).fragment()}"


def receipt_url(receipt: dict[str, Json], base_url: str = DEFAULT_BASE_URL) -> str:
    """``<base>#r=<digit pairs of base64url(raw DEFLATE(JCS(receipt)))>``."""
    return _url(base_url, RECEIPT_KEY, to_digits(b64u(deflate(canonical_json(receipt)))))


@dataclass(frozen=True, slots=True)
class Fragment:
    key: str  # "n" (a compact JWS) or "r" (a receipt)
    text: str  # the compact JWS, or the receipt's canonical JSON text


def parse_url(url: str) -> Fragment:
    """What a phone's verification page does with the fragment."""
    _, sep, fragment = url.partition("#")
    key, eq, digits = fragment.partition("=")
    if not sep or not eq or key not in {DOCUMENT_KEY, RECEIPT_KEY}:
        raise QrError("the URL has no #n= or #r= fragment")
    text = from_digits(digits)
    if key == DOCUMENT_KEY:
        return Fragment(key, text)
    d = zlib.decompressobj(-15)
    try:
        raw = d.decompress(b64u_decode(text), _MAX_INFLATED)
    except (zlib.error, PlacementError) as e:
        raise QrError("the receipt is not valid DEFLATE") from e
    if d.unconsumed_tail or not d.eof:
        raise QrError("the receipt is truncated or too large")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise QrError("the receipt is not JSON") from e
    if not isinstance(doc, dict) or canonical_json(doc) != raw:
        raise QrError("the receipt is not canonical JSON")
    return Fragment(key, raw.decode("utf-8"))


@dataclass(frozen=True, slots=True)
class QrImage:
    png: bytes
    version: int
    modules: int  # modules across, quiet zone included


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png(matrix: list[list[bool]]) -> bytes:
    """A 1-bit greyscale PNG, one pixel per module (dark = 0). The page scales it up
    with ``image-rendering: pixelated`` (PDF ``/Interpolate false``): sharp edges."""
    size = len(matrix)
    rows = bytearray()
    for row in matrix:
        bits = "".join("0" if dark else "1" for dark in row).ljust((size + 7) // 8 * 8, "1")
        rows.append(0)  # filter: none
        rows += int(bits, 2).to_bytes(len(bits) // 8, "big")
    header = struct.pack(">IIBBBBB", size, size, 1, 0, 0, 0, 0)
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
