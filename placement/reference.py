"""v2 QR references (spec §22): a URL fragment naming one document of a record by digest.

A v1 code carried the whole signed document (version 25 for a class list); a v2 code
carries ``#d=<draw>/<item>/<b64u digest>`` (version 7–8), and the reader verifies the
record's public bundle and finds the document with that digest in it.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from placement.errors import PlacementError

_DRAW_ID = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
_ITEM = r"[acr]|s[1-9][0-9]{0,3}"
_FRAGMENT = re.compile(rf"d=({_DRAW_ID})/({_ITEM})/([A-Za-z0-9_-]{{43}})")
ITEMS = {"a": "announcement.jws", "c": "ceremony.jws", "r": "result.jws"}


class ReferenceParseError(PlacementError):
    """A v2 reference is malformed."""


@dataclass(frozen=True, slots=True)
class Reference:
    draw: str
    item: str  # "a", "c", "r" or "s<n>"
    digest: bytes

    def fragment(self) -> str:
        b64 = base64.urlsafe_b64encode(self.digest).decode("ascii").rstrip("=")
        return f"d={self.draw}/{self.item}/{b64}"

    def member(self) -> str:
        """The bundle member that holds the document (§17)."""
        if self.item.startswith("s"):
            return f"statements/{int(self.item[1:]):02d}.jws"
        return ITEMS[self.item]


def reference(draw: str, item: str, digest: bytes) -> Reference:
    ref = Reference(draw, item, digest)
    return parse_fragment(ref.fragment())


def statement_item(number: int) -> str:
    return f"s{number}"


def parse_fragment(fragment: str) -> Reference:
    """``d=…`` (without ``#``); raise :class:`ReferenceParseError` for anything else."""
    m = _FRAGMENT.fullmatch(fragment)
    if m is None:
        msg = "二维码链接不是 v2 引用 / the link is not a v2 reference (#d=draw/item/digest)"
        raise ReferenceParseError(msg)
    raw = base64.urlsafe_b64decode(m.group(3) + "=")
    if base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=") != m.group(3):
        msg = "引用中的摘要编码不规范 / the digest in the reference is not canonical base64url"
        raise ReferenceParseError(msg)
    return Reference(m.group(1), m.group(2), raw)
