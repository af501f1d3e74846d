"""Key identity (C2SP signed-note style) and the public keyring (spec §13).

Pure data: the keyring is public, read by every verifier; private keys live in
``keys/`` only. Retired keys stay here forever, because printed sheets outlive keys.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from enum import StrEnum

from placement.canonical import Json, canonical_json
from placement.errors import PlacementError

KEYRING_TYPE = "sunshine-placement/v1/keyring"
CST = timezone(timedelta(hours=8))  # signing days are counted in China Standard Time
_NAME = re.compile(r"^[\x21-\x7e]+$")


class KeyringError(PlacementError):
    """A key name, vkey or keyring entry is malformed, or a change is not allowed."""


class KeyRole(StrEnum):
    BUREAU = "bureau"
    SUPERVISOR = "supervisor"
    LOG = "log"


def check_name(name: str) -> str:
    if not _NAME.match(name) or "+" in name:
        raise KeyringError(f"key name {name!r} must be printable ASCII without spaces or '+'")
    return name


def key_id(name: str, public_key: bytes) -> bytes:
    """SHA-256(name ‖ 0x0a ‖ 0x01 ‖ public key)[:4], as in C2SP signed notes."""
    if len(public_key) != 32:
        raise KeyringError("an Ed25519 public key is 32 bytes")
    return hashlib.sha256(check_name(name).encode() + b"\n\x01" + public_key).digest()[:4]


def vkey(name: str, public_key: bytes) -> str:
    kid = key_id(name, public_key)
    encoded = base64.b64encode(b"\x01" + public_key).decode()
    return f"{name}+{kid.hex()}+{encoded}"


def parse_vkey(text: str) -> tuple[str, bytes, bytes]:
    """→ (name, key id, public key); refuses a vkey whose id does not match."""
    parts = text.split("+", 2)  # the name has no "+"; base64 may
    if len(parts) != 3:
        raise KeyringError(f"not a verifier key: {text!r}")
    name, kid_hex, b64 = parts
    try:
        raw = base64.b64decode(b64, validate=True)
        kid = bytes.fromhex(kid_hex)
    except (binascii.Error, ValueError) as e:
        raise KeyringError(f"verifier key {text!r} is not well encoded") from e
    if len(raw) != 33 or raw[0] != 1:
        raise KeyringError(f"verifier key {text!r} is not an Ed25519 key")
    if key_id(name, raw[1:]) != kid:
        raise KeyringError(f"verifier key {text!r} has a wrong key id")
    if vkey(name, raw[1:]) != text:
        raise KeyringError(f"verifier key {text!r} is not in its one canonical spelling")
    return name, kid, raw[1:]


def signing_day(iat: int) -> date:
    """The calendar day (UTC+8) of a JWS ``iat``."""
    return datetime.fromtimestamp(iat, tz=UTC).astimezone(CST).date()


@dataclass(frozen=True, slots=True)
class Revocation:
    day: date
    reason: str


@dataclass(frozen=True, slots=True)
class KeyEntry:
    vkey: str
    role: KeyRole
    label: str
    valid_from: date
    retired: date | None = None
    revoked: Revocation | None = None

    @property
    def name(self) -> str:
        return parse_vkey(self.vkey)[0]

    @property
    def key_id(self) -> bytes:
        return parse_vkey(self.vkey)[1]

    @property
    def public_key(self) -> bytes:
        return parse_vkey(self.vkey)[2]

    @property
    def kid(self) -> str:
        """The JWS ``kid``: name + hex key id."""
        name, kid, _ = parse_vkey(self.vkey)
        return f"{name}+{kid.hex()}"

    def acceptable_on(self, day: date) -> bool:
        """Was a signature made on ``day`` by this key acceptable (spec §13)?"""
        if day < self.valid_from:
            return False
        if self.retired is not None and day > self.retired:
            return False
        return self.revoked is None or day < self.revoked.day

    def to_json(self) -> dict[str, Json]:
        return {
            "label": self.label,
            "retired": None if self.retired is None else self.retired.isoformat(),
            "revoked": None
            if self.revoked is None
            else {"date": self.revoked.day.isoformat(), "reason": self.revoked.reason},
            "role": self.role.value,
            "valid_from": self.valid_from.isoformat(),
            "vkey": self.vkey,
        }


@dataclass(frozen=True, slots=True)
class Keyring:
    keys: tuple[KeyEntry, ...] = ()

    def to_json(self) -> dict[str, Json]:
        return {
            "keys": [k.to_json() for k in sorted(self.keys, key=lambda k: k.vkey)],
            "t": KEYRING_TYPE,
        }

    def by_kid(self, kid: str) -> KeyEntry | None:
        """The key a JWS ``kid`` names, if this keyring knows it."""
        return next((k for k in self.keys if k.kid == kid), None)

    def by_key_id(self, name: str, key_id_bytes: bytes) -> KeyEntry | None:
        return next((k for k in self.keys if k.name == name and k.key_id == key_id_bytes), None)

    def with_key(self, entry: KeyEntry) -> Keyring:
        parse_vkey(entry.vkey)
        if any(k.vkey == entry.vkey for k in self.keys):
            raise KeyringError("that key is already in the keyring")
        return Keyring((*self.keys, entry))

    def _change(self, vk: str, **changes: object) -> Keyring:
        if not any(k.vkey == vk for k in self.keys):
            raise KeyringError("no such key in the keyring")
        return Keyring(tuple(replace(k, **changes) if k.vkey == vk else k for k in self.keys))  # type: ignore[arg-type]

    def retire(self, vk: str, day: date) -> Keyring:
        return self._change(vk, retired=day)

    def revoke(self, vk: str, day: date, reason: str) -> Keyring:
        if not reason.strip():
            raise KeyringError("a revocation needs a reason")
        return self._change(vk, revoked=Revocation(day, reason))

    def active(self, role: KeyRole, day: date) -> Sequence[KeyEntry]:
        return [k for k in self.keys if k.role is role and k.acceptable_on(day)]


def keyring_from_json(doc: Json) -> Keyring:
    """Parse a published keyring, refusing anything malformed."""
    try:
        if not isinstance(doc, dict) or doc.get("t") != KEYRING_TYPE or set(doc) != {"keys", "t"}:
            raise KeyringError("not a keyring document")
        raw = doc["keys"]
        if not isinstance(raw, list):
            raise KeyringError("keys must be a list")
        entries = []
        for item in raw:
            if not isinstance(item, dict):
                raise KeyringError("a key entry must be an object")
            rev = item["revoked"]
            ret = item["retired"]
            entry = KeyEntry(
                vkey=str(item["vkey"]),
                role=KeyRole(str(item["role"])),
                label=str(item["label"]),
                valid_from=date.fromisoformat(str(item["valid_from"])),
                retired=None if ret is None else date.fromisoformat(str(ret)),
                revoked=None
                if rev is None
                else Revocation(date.fromisoformat(str(rev["date"])), str(rev["reason"]))
                if isinstance(rev, dict)
                else _bad(),
            )
            parse_vkey(entry.vkey)
            if entry.to_json() != item:
                raise KeyringError("key entry has unknown fields or non-canonical values")
            entries.append(entry)
    except (KeyError, ValueError, TypeError) as e:
        raise KeyringError(f"malformed keyring: {e}") from e
    return Keyring(tuple(entries))


def _bad() -> Revocation:
    raise KeyringError("revoked must be null or an object")


FINGERPRINT_BYTES = 10  # spec §23.1: 80 bits, where the 4-byte key id is only 32


def _grouped(digest: bytes) -> str:
    h = digest[:FINGERPRINT_BYTES].hex()
    return "-".join(h[i : i + 4] for i in range(0, len(h), 4))


def key_fingerprint(vkey: str) -> str:
    """The fingerprint v2 sheets print for the signing key (§23.1), e.g. ``3f2a-…``."""
    return _grouped(hashlib.sha256(vkey.encode("ascii")).digest())


def keyring_fingerprint(ring: Keyring) -> str:
    """The fingerprint of a whole keyring (§23.1): SHA-256 over its JCS bytes."""
    return _grouped(hashlib.sha256(canonical_json(ring.to_json())).digest())


def normalise_fingerprint(text: str) -> str | None:
    """A user's pin (§23.1): 20 hex digits, ``-``, spaces and case ignored; None otherwise."""
    h = "".join(c for c in text.lower() if c not in "- ")
    if len(h) != 2 * FINGERPRINT_BYTES or any(c not in "0123456789abcdef" for c in h):
        return None
    return _grouped(bytes.fromhex(h))
