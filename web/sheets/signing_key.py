"""Which key signed a sheet's record, as the sheet names it (spec §18.2, §23.1).

v1 sheets print the kid: the key's name and its 4-byte key id. A v2 sheet prints the
key's 80-bit fingerprint instead, the value a reader passes to ``verify-placement
--key-fingerprint`` and compares with the verify page's "密钥指纹": the 4-byte id is no
pin (a second key with the same id costs 2^32 work). The fingerprint is of the whole
vkey, which the record's JWS headers do not carry, so a print run is given the keyring's
keys (``Options.keys``: the service's keyring, or the key store of ``placement print
--keys``) and also reads the keyring of any record bundle it embeds.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from placement.keyring import KeyringError, key_fingerprint, keyring_from_json, parse_vkey


@dataclass(frozen=True, slots=True)
class KeyText:
    """The key as printed: its name, and the fingerprint or (v1) key id."""

    name: str
    fingerprint: str
    known: bool  # False: a v2 record whose key was not given to the print run


@cache
def _bundle_vkeys(path: str) -> tuple[str, ...]:
    """The vkeys of a record bundle's ``keyring.json`` (none if it has no readable one)."""
    try:
        with zipfile.ZipFile(path) as z:
            ring = keyring_from_json(json.loads(z.read("keyring.json")))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, KeyringError):
        return ()
    return tuple(k.vkey for k in ring.keys)


def vkey_of(kid: str, vkeys: Iterable[str]) -> str | None:
    """The vkey (``name+keyid+key``) whose kid (``name+keyid``) is ``kid``; its key id is
    checked against its key (``parse_vkey``), so a mislabelled key is not taken."""
    for v in vkeys:
        try:
            name, key_id, _ = parse_vkey(v)
        except KeyringError:
            continue
        if f"{name}+{key_id.hex()}" == kid:
            return v
    return None


def key_text(kid: str, version: int, keys: Sequence[str], bundles: Sequence[str]) -> KeyText:
    name, _, key_id = kid.rpartition("+")
    if version < 2:
        return KeyText(name, key_id, known=True)
    vkey = vkey_of(kid, [*keys, *(v for b in bundles for v in _bundle_vkeys(str(Path(b))))])
    if vkey is None:
        return KeyText(name, key_id, known=False)
    return KeyText(name, key_fingerprint(vkey), known=True)
