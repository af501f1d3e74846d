"""RFC 3797 "Publicly Verifiable Nominations Committee (NomCom) Random Selection".

Implemented as the RFC and its reference code define it, MD5 included, so that
the RFC's own worked example (§6) is a conformance vector and any existing
RFC 3797 tool can replay a selection made here.

Key string (§4): each source's numbers are sorted ascending and written in
decimal, each followed by "."; every source is ended by "/"; sources are
concatenated in their announced order. Pick i (from 0) hashes
``u16be(i) ‖ key ‖ u16be(i)`` with MD5, reads the digest as a 128-bit
big-endian integer and takes it modulo the number of entries still in the pool;
that entry (counting the remaining ones in original order) is removed.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from typing import Final, TypeAlias, TypeVar

from placement.errors import PlacementError

# The reference code indexes the pool with an unsigned short.
MAX_POOL: Final = 0xFFFF

# One public source: one number, the set of numbers it produced, or text.
Source: TypeAlias = int | str | Sequence[int]

_ALNUM: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

T = TypeVar("T")


class Rfc3797Error(PlacementError):
    """A source or an argument that RFC 3797 cannot use."""


def _number(value: object) -> str:
    # bool is an int subclass; True is not a lottery number.
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"RFC 3797 sources hold non-negative integers, not {value!r}"
        raise Rfc3797Error(msg)
    return f"{value}."


def _text(value: str) -> str:
    # §4: alphanumeric sources lose white space, punctuation, accents and
    # special characters and are upper-cased, leaving only A-Z and 0-9, which
    # are then treated like a number: suffixed with "./".
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c)
    )
    kept = "".join(c for c in folded.upper() if c in _ALNUM)
    if not kept:
        # Text with no A-Z/0-9 (e.g. only Chinese) would add nothing to the key.
        msg = f"text source {value!r} has no letters A-Z or digits 0-9 left to use"
        raise Rfc3797Error(msg)
    return f"{kept}./"


def canonical_source(source: Source) -> str:
    """One source in its key-string form, ending with "/"."""
    if isinstance(source, str):
        return _text(source)
    if isinstance(source, int):
        return _number(source) + "/"
    values = list(source)
    if not values:
        msg = "an RFC 3797 source must hold at least one value"
        raise Rfc3797Error(msg)
    for value in values:
        _number(value)
    # Sorting makes the key independent of the order the numbers were drawn in.
    return "".join(_number(v) for v in sorted(values)) + "/"


def canonical_key(sources: Sequence[Source]) -> str:
    """The RFC 3797 key string: canonical sources concatenated in announced order."""
    if isinstance(sources, str) or not sources:
        msg = "give RFC 3797 a non-empty list of sources"
        raise Rfc3797Error(msg)
    return "".join(canonical_source(s) for s in sources)


def _key_bytes(key: str) -> bytes:
    try:
        return key.encode("ascii")
    except UnicodeEncodeError:
        msg = "an RFC 3797 key string is ASCII; build it with canonical_key()"
        raise Rfc3797Error(msg) from None


def digest(key: str, index: int) -> bytes:
    """MD5( u16be(index) ‖ key ‖ u16be(index) ), the value behind pick ``index``."""
    if not 0 <= index <= MAX_POOL:
        msg = f"pick index {index} does not fit in two bytes"
        raise Rfc3797Error(msg)
    bracket = index.to_bytes(2, "big")
    data = bracket + _key_bytes(key) + bracket
    return hashlib.md5(data, usedforsecurity=False).digest()


def select(pool_size: int, key: str, count: int) -> tuple[int, ...]:
    """The 1-based positions of ``count`` picks from a pool of ``pool_size``, in pick order."""
    if not 1 <= pool_size <= MAX_POOL:
        msg = f"pool size must be between 1 and {MAX_POOL}, not {pool_size}"
        raise Rfc3797Error(msg)
    if not 0 <= count <= pool_size:
        msg = f"cannot pick {count} from a pool of {pool_size}"
        raise Rfc3797Error(msg)
    _key_bytes(key)
    remaining = list(range(1, pool_size + 1))
    picks: list[int] = []
    for i in range(count):
        value = int.from_bytes(digest(key, i), "big")
        picks.append(remaining.pop(value % len(remaining)))
    return tuple(picks)


def select_items(pool: Sequence[T], key: str, count: int) -> tuple[T, ...]:
    """The picked entries of ``pool`` themselves, in pick order."""
    return tuple(pool[p - 1] for p in select(len(pool), key, count))


def select_names(pool: Sequence[str], key: str, count: int) -> tuple[str, ...]:
    """The picked names, in pick order (the pool's order is the published numbering)."""
    return select_items(pool, key, count)
