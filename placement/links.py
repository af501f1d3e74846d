"""Verification links: ``<base>#n=<digits>`` and ``#r=<digits>`` (v1, spec §18), the v2
reference ``#d=<draw>/<item>/<digest>`` (§22) and the lookup's ``#p=`` hand-off (§21.5).

One codec for the sheets (``web.sheets.qr`` writes the links into QR codes), the portal
(the lookup's ``#p=``), the verifier (``verify-placement`` reads a link given on its command
line) and the tests.

A compact JWS is written after ``#n=`` as digit pairs (each character ``c`` as the two
decimal digits of ``ord(c) - 45``, as SMART Health Cards do), so a QR encoder can put it in
a numeric segment: 3⅓ bits per digit instead of 8 bits per character. A pupil receipt goes
after ``#r=`` as the digit pairs of ``base64url(raw DEFLATE(JCS(receipt)))``.

A v1 code carried the whole signed document (version 25 for a class list); a v2 code
carries ``#d=<draw>/<item>/<b64u digest>`` (version 7–8), and the reader verifies the
record's public bundle and finds the document with that digest in it (the reference
itself is :class:`placement.reference.Reference`, also what a bundle is searched by). The
lookup page links to the verify page with ``#p=`` and ``base64url(raw DEFLATE(JCS({announcement,
receipt, result})))``: the fragment never reaches a server.
"""

from __future__ import annotations

import json
import re
import zlib
from dataclasses import dataclass
from typing import Final

from placement.canonical import Json, canonical_json
from placement.errors import PlacementError
from placement.jws import b64u, b64u_decode, deflate
from placement.reference import reference

DOCUMENT_KEY: Final = "n"
RECEIPT_KEY: Final = "r"
REFERENCE_KEY: Final = "d"
PACKAGE_KEY: Final = "p"  # the lookup's receipt with the signed documents it is checked against
# A receipt inflates to at most 64 KiB (spec §18). A real one is about 2 KB even for a
# 100 000-pupil roster (17 proof hashes), and a QR code cannot carry more than about
# 2.7 KB of DEFLATE data, so 64 KiB leaves 30× room while keeping what a hostile link can
# make us allocate small. (The verifier once allowed 1 MiB here, the sheets 64 KiB.)
MAX_INFLATED: Final = 1 << 16
_B64U: Final = re.compile(r"[A-Za-z0-9_.-]*")


class LinkError(PlacementError):
    """A verification link is malformed, or its payload does not decode."""


def to_digits(text: str) -> str:
    """Base64url text (and ``.``) → digit pairs."""
    if not _B64U.fullmatch(text):
        raise LinkError(
            "只有 base64url 字符和“.”能写成数字对",
            "only base64url characters and '.' can be written as digit pairs",
        )
    return "".join(f"{ord(c) - 45:02d}" for c in text)


def from_digits(digits: str) -> str:
    """Digit pairs → text: each pair is ord(c) − 45 (the SMART Health Cards rule)."""
    if not digits.isascii() or not digits.isdigit() or len(digits) % 2:
        raise LinkError("应为成对数字", "digit pairs expected", english_first=True)
    text = "".join(chr(int(digits[i : i + 2]) + 45) for i in range(0, len(digits), 2))
    if not _B64U.fullmatch(text):
        raise LinkError(
            "数字对无对应字符",
            "a digit pair stands for no base64url character",
            english_first=True,
        )
    return text


def _url(base_url: str, key: str, digits: str) -> str:
    if "#" in base_url:
        raise LinkError("基础网址不能带“#”片段", "the base URL must not have a fragment")
    return f"{base_url}#{key}={digits}"


def document_url(compact_jws: str, base_url: str) -> str:
    """``<base>#n=<digit pairs of the compact JWS>``."""
    if compact_jws.count(".") != 2:
        raise LinkError("紧凑 JWS 应有三段", "a compact JWS has three parts")
    return _url(base_url, DOCUMENT_KEY, to_digits(compact_jws))


def receipt_url(receipt: dict[str, Json], base_url: str) -> str:
    """``<base>#r=<digit pairs of base64url(raw DEFLATE(JCS(receipt)))>``."""
    return _url(base_url, RECEIPT_KEY, to_digits(b64u(deflate(canonical_json(receipt)))))


def inflate_receipt(b64u_text: str) -> bytes:
    """The receipt's bytes from the base64url text of a ``#r=`` link, at most 64 KiB."""
    if "." in b64u_text:
        raise LinkError(
            "回执链接只含 base64url", "a receipt link holds base64url only", english_first=True
        )
    d = zlib.decompressobj(-15)
    try:
        raw = d.decompress(b64u_decode(b64u_text), MAX_INFLATED)
    except (zlib.error, PlacementError) as e:
        raise LinkError(
            "回执链接无法解码", "the receipt link does not decode", english_first=True
        ) from e
    if d.unconsumed_tail or not d.eof:
        raise LinkError(
            "回执链接不完整或过大",
            "the receipt link is truncated or too large",
            english_first=True,
        )
    return raw


def fragment_payload(fragment: str) -> tuple[str, str]:
    """("statement", compact JWS) for ``n=…``, ("receipt", JSON text) for ``r=…``,
    ("text", fragment) for anything else (e.g. a bare JWS after ``#``)."""
    if fragment.startswith(f"{DOCUMENT_KEY}="):
        return "statement", from_digits(fragment[2:])
    if fragment.startswith(f"{RECEIPT_KEY}="):
        data = inflate_receipt(from_digits(fragment[2:]))
        try:
            return "receipt", data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise LinkError(
                "回执不是 UTF-8 文本", "the receipt is not UTF-8 text", english_first=True
            ) from e
    return "text", fragment


@dataclass(frozen=True, slots=True)
class Fragment:
    key: str  # "n" (a compact JWS) or "r" (a receipt)
    text: str  # the compact JWS, or the receipt's canonical JSON text


def parse_url(url: str) -> Fragment:
    """What a phone's verification page does with the fragment: the compact JWS, or the
    receipt's canonical JSON text (refused unless it is a canonical JSON object)."""
    _, sep, fragment = url.partition("#")
    key, eq, _ = fragment.partition("=")
    if not sep or not eq or key not in {DOCUMENT_KEY, RECEIPT_KEY}:
        raise LinkError("网址没有 #n= 或 #r= 片段", "the URL has no #n= or #r= fragment")
    kind, text = fragment_payload(fragment)
    if kind == "statement":
        return Fragment(key, text)
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as e:
        raise LinkError("回执不是 JSON", "the receipt is not JSON") from e
    try:
        canonical = isinstance(doc, dict) and canonical_json(doc) == text.encode("utf-8")
    except PlacementError:  # a value hashed JSON cannot hold (a float, a huge integer …)
        canonical = False
    if not canonical:
        raise LinkError("回执不是规范 JSON", "the receipt is not canonical JSON")
    return Fragment(key, text)


def reference_url(draw: str, item: str, document_digest: bytes, base_url: str) -> str:
    """``<base>#d=<draw>/<item>/<b64u digest>``, a reference the verify page resolves in
    the draw's public record: a small code (version 7-8), not the document."""
    if "#" in base_url:
        raise LinkError("基础网址不能带“#”片段", "the base URL must not have a fragment")
    return f"{base_url}#{reference(draw, item, document_digest).fragment()}"


def package_fragment(payload: dict[str, Json]) -> str:
    """``p=<base64url(raw DEFLATE(JCS({announcement, receipt, result})))>`` (spec §21.5)."""
    return f"{PACKAGE_KEY}={b64u(deflate(canonical_json(payload)))}"
