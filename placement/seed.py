"""Commit-reveal seed and its mixing with witness inputs (spec §5).

The server seed is committed in the announcement, before any witness speaks; the
final seed binds the announcement, the revealed server seed, every witness input
exactly as typed (in entry order) and the beacon value declared in advance.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from placement.canonical import (
    TAG_FINAL_SEED,
    TAG_SEED_COMMITMENT,
    Json,
    canonical_json,
    nfc,
    tagged_hash,
)
from placement.errors import PlacementError

SERVER_SEED_BYTES = 32
MAX_INPUT = 200
# Controls, format characters, surrogates, private use, unassigned, line breaks:
# nothing a witness could read back from the projector.
_UNREADABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class SeedError(PlacementError):
    """A seed or witness input is malformed, or a commitment does not open."""


def seed_commitment(server_seed: bytes) -> bytes:
    if len(server_seed) != SERVER_SEED_BYTES:
        msg = f"server seed must be {SERVER_SEED_BYTES} bytes"
        raise SeedError(msg)
    return tagged_hash(TAG_SEED_COMMITMENT, server_seed)


def opens(commitment: bytes, server_seed: bytes) -> bool:
    return len(server_seed) == SERVER_SEED_BYTES and seed_commitment(server_seed) == commitment


def check_witness_input(text: str) -> str:
    """Witness inputs are kept verbatim (after NFC); refuse what could not be read back."""
    value = nfc(text)
    if not value.strip():
        raise SeedError("见证人输入为空", "witness input is empty", english_first=True)
    if len(value) > MAX_INPUT or any(unicodedata.category(ch) in _UNREADABLE for ch in value):
        raise SeedError(
            "见证人输入过长或含不可打印字符",
            "witness input is too long or unprintable",
            english_first=True,
        )
    return value


def final_seed(
    *,
    announcement_digest: bytes,
    server_seed: bytes,
    witness_inputs: Sequence[str],
    beacon: str | None,
) -> bytes:
    """H(final-seed, JCS{announcement, beacon, server_seed, witnesses})."""
    if len(announcement_digest) != 32:
        msg = "announcement digest must be 32 bytes"
        raise SeedError(msg)
    seed_commitment(server_seed)  # length check
    if not witness_inputs:
        raise SeedError(
            "至少需要一名见证人输入", "at least one witness input is required", english_first=True
        )
    body: dict[str, Json] = {
        "announcement": announcement_digest.hex(),
        "beacon": None if beacon is None else nfc(beacon),
        "server_seed": server_seed.hex(),
        "witnesses": [check_witness_input(w) for w in witness_inputs],
    }
    return tagged_hash(TAG_FINAL_SEED, canonical_json(body))
