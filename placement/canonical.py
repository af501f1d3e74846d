"""Canonical bytes and domain-separated hashes (spec §2).

Hashed JSON holds only strings (NFC), booleans, null, integers of magnitude
below 2^53, lists and objects with string keys; anything else is refused so that
a JavaScript verifier computes the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Collection
from json.encoder import encode_basestring
from typing import Final, TypeAlias

import rfc8785

from placement.errors import PlacementError

MAX_SAFE_INT: Final = 2**53 - 1

# Every kind of hash has its own tag (spec §2.3). Tags are ASCII, < 256 bytes.
TAG_SEED_COMMITMENT: Final = "sunshine-placement/v1/seed-commitment"
TAG_FINAL_SEED: Final = "sunshine-placement/v1/final-seed"
TAG_PUPIL_PRIVATE: Final = "sunshine-placement/v1/pupil-private"
TAG_TICKET: Final = "sunshine-placement/v1/pupil-ticket"
TAG_TEAM_TICKET: Final = "sunshine-placement/v1/team-ticket"
TAG_ANNOUNCEMENT: Final = "sunshine-placement/v1/announcement"
TAG_RESULT: Final = "sunshine-placement/v1/result"


class CanonicalError(PlacementError):
    """A value cannot be hashed canonically (float, huge integer, non-NFC text …)."""


Json: TypeAlias = bool | int | str | list["Json"] | dict[str, "Json"] | None


def nfc(text: str) -> str:
    """Unicode NFC, applied to every text at import so that one name has one spelling."""
    return unicodedata.normalize("NFC", text)


def _check(value: object, path: str) -> None:
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INT:
            msg = f"{path}: integer {value} is outside ±(2^53-1)"
            raise CanonicalError(msg)
        return
    if isinstance(value, str):
        if not unicodedata.is_normalized("NFC", value):
            msg = f"{path}: text is not in Unicode NFC"
            raise CanonicalError(msg)
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                msg = f"{path}: object key {key!r} is not a string"
                raise CanonicalError(msg)
            _check(key, f"{path}.{key}")
            _check(item, f"{path}.{key}")
        return
    msg = f"{path}: {type(value).__name__} is not allowed in hashed JSON"
    raise CanonicalError(msg)


# One encoder for every call: ``json.dumps`` with keyword arguments builds a new one each time.
_ENCODER: Final = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
_PLAIN: Final = frozenset({str, int, bool, type(None), dict, list})
_CONTAINERS: Final = (dict, list)

json_string: Final = encode_basestring
"""The JSON string literal of a text, quotes included: escapes only ``"``, ``\\`` and
U+0000–U+001F (``\\b \\f \\n \\r \\t`` or ``\\u00xx``), as RFC 8785 does (spec §2.1).
Shape templates build canonical bytes with it; property tests hold them to RFC 8785."""


def _plain(value: object) -> bool:
    """Is ``value`` in the safe domain by exact types (no subclasses), with ASCII keys
    and safe integers? Text is not looked at: the caller checks NFC on the output.
    Only called on a value the JSON encoder accepted, so it holds no cycle."""
    if type(value) not in _PLAIN:
        return False
    stack = [value]
    while stack:
        v = stack.pop()
        items: Collection[object]
        if isinstance(v, dict):
            if not set(map(type, v)) <= {str} or not all(map(str.isascii, v)):
                return False  # JCS orders keys by UTF-16 units: only ASCII sorts alike
            items = v.values()
        else:
            items = v if isinstance(v, list) else (v,)
        types = set(map(type, items))
        if not types <= _PLAIN:
            return False
        if int in types:
            ints = items if types == {int} else [x for x in items if type(x) is int]
            if max(ints) > MAX_SAFE_INT or min(ints) < -MAX_SAFE_INT:
                return False
        if dict in types or list in types:
            stack.extend(x for x in items if isinstance(x, _CONTAINERS))
    return True


def canonical_json(value: Json) -> bytes:
    """RFC 8785 (JCS) bytes of ``value`` after checking it stays in the safe domain.

    Fast path: a value of exact JSON types, ASCII keys and safe integers whose whole
    compact sorted serialisation is NFC (then so is every string in it: escaping only
    swaps ASCII starters, which never compose) is that serialisation (spec §2.1).
    Anything else, or the rare NFC text whose escapes compose (``"\\n"`` then U+0301),
    takes the careful path, which refuses what it refused before with the same message.
    """
    try:
        text = _ENCODER.encode(value)
    except (TypeError, ValueError, RecursionError):
        text = None
    if text is not None and _plain(value) and unicodedata.is_normalized("NFC", text):
        try:
            return text.encode()
        except UnicodeEncodeError:  # a lone surrogate: RFC 8785 says what it says below
            pass
    return canonical_json_careful(value)


def canonical_json_careful(value: Json) -> bytes:
    """The general path: check every node, then the reference RFC 8785 serialiser."""
    _check(value, "$")
    return bytes(rfc8785.dumps(value))


def fast_json(value: Json) -> bytes:
    """Compact sorted JSON, no checks: equal to ``canonical_json`` for objects with
    ASCII keys holding NFC strings, booleans, null and safe integers (spec §2.1);
    a property test proves the equality for every shape the core uses it on."""
    return _ENCODER.encode(value).encode()


def tagged_hash(tag: str, *parts: bytes) -> bytes:
    """SHA-256( u8(len(tag)) ‖ tag ‖ part₁ ‖ part₂ … ): one tag per kind of hash."""
    raw = tag.encode("ascii")
    h = hashlib.sha256(bytes([len(raw)]) + raw)
    for part in parts:
        h.update(part)
    return h.digest()


def json_digest(tag: str, value: Json) -> bytes:
    """The tagged hash of a value's canonical JSON bytes."""
    return tagged_hash(tag, canonical_json(value))
