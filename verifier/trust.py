"""Whose keys were trusted (spec §23): a supplied keyring, pinned key fingerprints, or
only the bundle's own keyring; and one bureau key per record unless a rotation is logged.

A bundle brings its own ``keyring.json``; nothing signs it. Checking signatures with it
proves only that the bundle is consistent with itself: whoever made the bundle may have
added the key. The verdict says so (exit status 3) unless the user gave a keyring
(``--keyring``) or pinned the signing key's fingerprint (``--key-fingerprint``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from placement import jws
from placement.errors import PlacementError
from placement.keyring import KeyEntry, KeyRole, key_fingerprint, keyring_fingerprint
from placement.tlog_entries import Event
from verifier.checks import Catalogue, Passed, first, require
from verifier.errors import Failed
from verifier.record import BundleRecord, owned

checks: Catalogue[BundleRecord] = Catalogue()
_SINGLE = ("announcement.jws", "ceremony.jws", "result.jws")


def first_signatures(rec: BundleRecord) -> Iterator[tuple[str, int, str]]:
    """(member, iat, kid) of the first signature of every signed member present."""
    for path in (*_SINGLE, *rec.paths("statements/"), *rec.paths("amendments/")):
        if path not in rec.members():
            continue
        try:
            sig = jws.parse(rec.text(path)).signatures[0]
            yield path, sig.iat, sig.kid
        except (PlacementError, IndexError):
            continue  # the signature checks report a damaged document


def _pinned(rec: BundleRecord) -> list[KeyEntry]:
    ring = rec.bundle_keyring()
    keys = [k for k in ring.keys if key_fingerprint(k.vkey) in rec.pinned or k.vkey in rec.pinned]
    found = {key_fingerprint(k.vkey) for k in keys} | {k.vkey for k in keys}
    missing = sorted(p for p in rec.pinned if p not in found)
    require(
        not missing,
        f"记录包的公钥清单中没有指纹为 {'、'.join(missing)} 的密钥",
        f"the bundle's keyring has no key with fingerprint {', '.join(missing)}",
    )
    return keys


def _describe(keys: list[KeyEntry]) -> tuple[str, str]:
    listed = [f"{k.role.value} {k.name} [{key_fingerprint(k.vkey)}]" for k in keys]
    return "、".join(listed), ", ".join(listed)


@checks.check("trust.keys", "受信任的密钥", "keys trusted")
def _trust(rec: BundleRecord) -> Passed:
    ring = owned(rec.bundle_keyring)
    if rec.trusted is not None:
        zh, en = _describe(list(rec.trusted.keys))
        fp = keyring_fingerprint(rec.trusted)
        return Passed(
            f"签名按您提供的公钥清单（指纹 {fp}）核验：{zh}",
            f"signatures were checked with the keyring you supplied (fingerprint {fp}): {en}",
        )
    if rec.pinned:
        keys = _pinned(rec)
        kids = {k.kid for k in keys}
        wrong = [
            (f"{path} 不是由固定的密钥签名", f"{path} is not signed by a pinned key ({kid})")
            for path, _, kid in first_signatures(rec)
            if kid not in kids
        ]
        if wrong:
            raise first(wrong)
        zh, en = _describe(keys)
        return Passed(
            f"每份文件均由您固定的密钥签名：{zh}；联署与日志检查点按记录包自带的公钥核验",
            f"every document is signed by a key you pinned: {en}; cosignatures and log "
            "checkpoints were checked with the bundle's own keys",
        )
    zh, en = _describe(list(ring.keys))
    fp = keyring_fingerprint(ring)
    return Passed(
        f"仅按记录包自带的公钥清单（指纹 {fp}）核验：{zh}。这只说明记录包自身一致，"
        "不能确认签名者；请用 --keyring 或 --key-fingerprint（名单上印有指纹）",
        f"checked only with the bundle's own keyring (fingerprint {fp}): {en}. This shows "
        "the bundle is consistent with itself, not who signed it: use --keyring or "
        "--key-fingerprint (printed on the sheets)",
    )


@checks.check(
    "keys.rotation", "教育局密钥唯一或轮换已入日志", "one bureau key, or a logged rotation"
)
def _rotation(rec: BundleRecord) -> Passed:
    ring = rec.keyring()
    signed = sorted((iat, kid) for _, iat, kid in first_signatures(rec))
    bureau: list[str] = []
    for _, kid in signed:
        entry = ring.by_kid(kid)
        if entry is not None and entry.role is KeyRole.BUREAU and (not bureau or bureau[-1] != kid):
            bureau.append(kid)
    if len(set(bureau)) <= 1:
        name = bureau[0] if bureau else "—"
        return Passed(
            f"全部文件由同一把教育局密钥签名：{name}", f"one bureau key signs it all: {name}"
        )
    rotations = {
        (str(d.get("from")), str(d.get("to")))
        for _, e in rec.entries()
        if e["event"] == Event.ROTATED.value and isinstance(d := e["detail"], dict)
    }
    missing = [
        (f"从 {a} 换为 {b} 的密钥轮换未记入日志", f"no logged key.rotated from {a} to {b}")
        for a, b in itertools.pairwise(bureau)
        if (a, b) not in rotations
    ]
    if missing:
        raise first(missing)
    return Passed(
        f"教育局密钥轮换均已记入日志：{' → '.join(bureau)}",
        f"every bureau key change is logged: {' → '.join(bureau)}",
    )


def trust_level(rec: BundleRecord) -> str:
    """``keyring``, ``pinned`` or ``bundle`` (spec §23.2)."""
    if rec.trusted is not None:
        return "keyring"
    return "pinned" if rec.pinned else "bundle"


__all__ = ["Failed", "checks", "first_signatures", "trust_level"]
