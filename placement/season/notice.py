"""公示: the committed list of a school's intake (spec S7).

The list is a set of 32-byte entries (S5); its commitment is the RFC 6962 tree over
their leaf hashes in ascending order. The gate poster shows names and sex only, in an
order that does not follow the tree, and the notice's fingerprint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from placement.canonical import Json
from placement.merkle import MerkleTree, leaf_hash
from placement.season.documents import NOTICE, SeasonError


@dataclass(frozen=True, slots=True)
class EntrySet:
    """Entries sorted by leaf hash, and the Merkle tree over those leaf hashes."""

    entries: tuple[bytes, ...]
    tree: MerkleTree

    @property
    def root(self) -> bytes:
        return self.tree.root

    @property
    def size(self) -> int:
        return self.tree.size

    def index(self, entry: bytes) -> int:
        return self.entries.index(entry)

    def proof(self, entry: bytes) -> tuple[bytes, ...]:
        """The inclusion proof of one entry (a parent checks their own child with it)."""
        return tuple(self.tree.inclusion_proof(self.index(entry), self.size))

    def hex_list(self) -> list[Json]:
        return [e.hex() for e in self.entries]


def entry_set(entries: Iterable[bytes]) -> EntrySet:
    items = list(entries)
    if any(len(e) != 32 for e in items) or len(set(items)) != len(items):
        raise SeasonError("条目须为不重复的32字节", "entries must be distinct 32-byte values")
    ordered = sorted(items, key=leaf_hash)
    return EntrySet(tuple(ordered), MerkleTree.from_leaf_hashes([leaf_hash(e) for e in ordered]))


def notice_document(
    *,
    season: str,
    school: str,
    intake: str,
    committed_at: str,
    entries: EntrySet,
    female: int,
    male: int,
    window: tuple[dt.date, dt.date],
) -> dict[str, Json]:
    if female + male != entries.size:
        raise SeasonError("男女人数之和须等于名单人数", "F + M must equal the list's size")
    return {
        "committed_at": committed_at,
        "entries": {"root": entries.root.hex(), "size": entries.size},
        "intake": intake,
        "school": school,
        "season": season,
        "sex": {"F": female, "M": male},
        "t": NOTICE,
        "window": {"end": window[1].isoformat(), "start": window[0].isoformat()},
    }


@dataclass(frozen=True, slots=True)
class PosterLine:
    name: str
    sex: str  # 男 / 女
    number: str  # application number: orders same-name lines, never printed


def poster_order(lines: Sequence[PosterLine]) -> list[PosterLine]:
    """Name (code point), then application number: independent of the entries' order."""
    return sorted(lines, key=lambda p: (p.name, p.number))
