"""Verification links printed on sheets (spec §18): ``…#n=<digits>`` and ``…#r=<digits>``.

Written here from the spec rather than imported from ``web/``: the verifier stays
independent of the code that prints the sheets.
"""

from __future__ import annotations

import base64
import binascii
import zlib

MAX_INFLATED = 1 << 20
_B64U = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


class LinkError(ValueError):
    """The fragment is not a well-formed verification link."""


def from_digits(digits: str) -> str:
    """Digit pairs → text: each pair is ord(c) − 45 (the SMART Health Cards rule)."""
    if not digits.isascii() or not digits.isdigit() or len(digits) % 2:
        raise LinkError("digit pairs expected / 应为成对数字")
    text = "".join(chr(int(digits[i : i + 2]) + 45) for i in range(0, len(digits), 2))
    if not set(text) <= _B64U:
        raise LinkError("a digit pair stands for no base64url character / 数字对无对应字符")
    return text


def fragment_payload(fragment: str) -> tuple[str, str]:
    """("statement", compact JWS) for ``n=…``, ("receipt", JSON text) for ``r=…``,
    ("text", fragment) for anything else (e.g. a bare JWS after ``#``)."""
    if fragment.startswith("n="):
        return "statement", from_digits(fragment[2:])
    if fragment.startswith("r="):
        b64 = from_digits(fragment[2:])
        if "." in b64:
            raise LinkError("a receipt link holds base64url only / 回执链接只含 base64url")
        try:
            raw = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
            d = zlib.decompressobj(-15)
            data = d.decompress(raw, MAX_INFLATED)
        except (binascii.Error, ValueError, zlib.error) as e:
            raise LinkError("the receipt link does not decode / 回执链接无法解码") from e
        if d.unconsumed_tail or not d.eof:
            raise LinkError("the receipt link is truncated or too large / 回执链接不完整或过大")
        try:
            return "receipt", data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise LinkError("the receipt is not UTF-8 text / 回执不是 UTF-8 文本") from e
    return "text", fragment
