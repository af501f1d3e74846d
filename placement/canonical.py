"""Canonical bytes and domain-separated hashes (spec §2).

Hashed JSON holds only strings (NFC), booleans, null, integers of magnitude
below 2^53, lists and objects with string keys; anything else is refused so that
a JavaScript verifier computes the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
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


def canonical_json(value: Json) -> bytes:
    """RFC 8785 (JCS) bytes of ``value`` after checking it stays in the safe domain."""
    _check(value, "$")
    return bytes(rfc8785.dumps(value))


def fast_json(value: Json) -> bytes:
    """Compact sorted JSON, no checks: equal to ``canonical_json`` for objects with
    ASCII keys holding NFC strings, booleans, null and safe integers (spec §2.1);
    a property test proves the equality for every shape the core uses it on."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


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
