"""Ed25519 signatures with the public keyring: JWS documents (§14) and signed notes (§16).

A JWS verifies when every signature is by a key the keyring knows (looked up by the
``kid``, name and key id), of a role allowed for the document, made on a day the key
was acceptable (§13: not before ``valid_from``, not after ``retired``, not on or
after a revocation), over the exact signing input; and when the payload is the
canonical (JCS) bytes of a document whose ``t`` equals the header's ``typ``.

A signed note (a log checkpoint) verifies when a ``log`` key of the keyring signed
it; signatures by keys the keyring does not know are ignored, as C2SP notes say.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from placement import jws, note
from placement.canonical import Json, canonical_json
from placement.errors import PlacementError
from placement.keyring import KeyEntry, Keyring, KeyRole, signing_day
from placement.tlog import Checkpoint, parse_checkpoint
from verifier.errors import Failed

_HEADER_KEYS = frozenset({"alg", "iat", "kid", "typ"})
ROLE_ZH = {KeyRole.BUREAU: "教育局", KeyRole.SUPERVISOR: "监督方", KeyRole.LOG: "透明日志"}


def ed25519_ok(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _failed(e: PlacementError) -> Failed:
    zh, en = e.zh, e.en
    return Failed(zh, en)


def why_not_acceptable(entry: KeyEntry, day: date) -> tuple[str, str] | None:
    """Why a signature made on ``day`` by this key is not acceptable (§13), or None."""
    if day < entry.valid_from:
        return (
            f"密钥 {entry.name} 于 {day} 签名，早于启用日 {entry.valid_from}",
            f"key {entry.name} signed on {day}, before it became valid on {entry.valid_from}",
        )
    if entry.retired is not None and day > entry.retired:
        return (
            f"密钥 {entry.name} 于 {day} 签名，晚于停用日 {entry.retired}",
            f"key {entry.name} signed on {day}, after it was retired on {entry.retired}",
        )
    if entry.revoked is not None and day >= entry.revoked.day:
        return (
            (
                f"密钥 {entry.name} 于 {day} 签名，但已于 {entry.revoked.day} 吊销"
                f"（{entry.revoked.reason}）"
            ),
            (
                f"key {entry.name} signed on {day}, but it was revoked on {entry.revoked.day} "
                f"({entry.revoked.reason})"
            ),
        )
    return None


@dataclass(frozen=True, slots=True)
class Signed:
    """One acceptable signature: whose, and on which day."""

    name: str
    role: KeyRole
    day: date

    def describe(self) -> tuple[str, str]:
        return (
            f"{ROLE_ZH[self.role]}密钥 {self.name}（{self.day}）",
            f"{self.role.value} key {self.name} ({self.day})",
        )


@dataclass(frozen=True, slots=True)
class VerifiedDocument:
    document: dict[str, Json]
    signatures: tuple[Signed, ...]

    def describe(self) -> tuple[str, str]:
        parts = [s.describe() for s in self.signatures]
        return "、".join(p[0] for p in parts), ", ".join(p[1] for p in parts)


class DocumentCache:
    """The document of each JWS text, read once (:func:`placement.jws.parse`, then
    :meth:`~placement.jws.Jws.document`, which checks the payload is canonical): a pure
    function of the text, so a bundle's checks (privacy, signatures, parts) share it.
    Only successes are kept; a failure is recomputed, and raises the same error, each
    time. The documents are shared: callers only read them."""

    __slots__ = ("_docs",)

    def __init__(self) -> None:
        self._docs: dict[str, dict[str, Json]] = {}

    def document(self, text: str, parsed: jws.Jws | None = None) -> dict[str, Json]:
        """``parsed``, if given, is ``jws.parse(text)``, already done by the caller."""
        doc = self._docs.get(text)
        if doc is None:
            doc = self._docs[text] = (jws.parse(text) if parsed is None else parsed).document()
        return doc


def parse_document(text: str, cache: DocumentCache | None = None) -> dict[str, Json]:
    """The document a JWS carries, without checking signatures (for the semantic checks)."""
    try:
        return jws.parse(text).document() if cache is None else cache.document(text)
    except PlacementError as e:
        raise _failed(e) from e


def _check_header(sig: jws.Signature) -> None:
    raw = jws.b64u_decode(sig.signing_input.split(b".", 1)[0].decode("ascii"))
    keys = set(sig.header)
    if keys - {"zip"} != _HEADER_KEYS or sig.header.get("zip", "DEF") != "DEF":
        raise Failed("签名头字段不符合规范", f"the protected header has fields {sorted(keys)}")
    if raw != canonical_json(sig.header):
        raise Failed("签名头不是规范 JSON", "the protected header is not canonical JSON")


def verify_jws(
    text: str,
    keyring: Keyring,
    *,
    expected_type: str,
    roles: Collection[KeyRole] = (KeyRole.BUREAU,),
    cosigner_roles: Collection[KeyRole] = (),
    cache: DocumentCache | None = None,
) -> VerifiedDocument:
    """Check every signature of a JWS (§14) and return its document; raise :class:`Failed`.

    The first signature must be by a key of one of ``roles``; later ones (cosignatures,
    general serialization only) by keys of ``cosigner_roles``. ``cache`` shares the
    reading of the document with the other checks of a bundle.
    """
    try:
        parsed = jws.parse(text)
    except PlacementError as e:
        raise _failed(e) from e
    signed = []
    for n, sig in enumerate(parsed.signatures):
        try:
            _check_header(sig)
            iat = sig.iat
        except PlacementError as e:
            raise _failed(e) from e
        entry = keyring.by_kid(sig.kid)
        if entry is None:
            raise Failed(
                f"签名所用密钥 {sig.kid} 不在公钥清单中",
                f"signed by key {sig.kid}, which is not in the keyring",
            )
        allowed = roles if n == 0 else cosigner_roles
        if entry.role not in allowed:
            what = "签名" if n == 0 else "联署"
            raise Failed(
                f"{ROLE_ZH[entry.role]}密钥 {entry.name} 不能为此文件{what}",
                f"a {entry.role.value} key ({entry.name}) may not "
                f"{'sign' if n == 0 else 'cosign'} this document",
            )
        if not ed25519_ok(entry.public_key, sig.signature, sig.signing_input):
            raise Failed(
                f"密钥 {entry.name} 的签名无效：文件被改动或签名损坏",
                f"the signature by {entry.name} is invalid: the document was altered "
                "or the signature damaged",
            )
        try:
            day = signing_day(iat)
        except (OverflowError, OSError, ValueError) as e:
            raise Failed("签名时间 iat 超出范围", "the signing time iat is out of range") from e
        why = why_not_acceptable(entry, day)
        if why is not None:
            raise Failed(*why)
        signed.append(Signed(entry.name, entry.role, day))
    try:
        doc = parsed.document() if cache is None else cache.document(text, parsed)
    except PlacementError as e:
        raise _failed(e) from e
    if doc.get("t") != expected_type:
        raise Failed(
            f"文件类型为 {doc.get('t')}，应为 {expected_type}",
            f"the document is a {doc.get('t')}, expected {expected_type}",
        )
    return VerifiedDocument(doc, tuple(signed))


def verify_checkpoint(text: str, keyring: Keyring, *, day: date | None = None) -> Checkpoint:
    """A C2SP checkpoint signed by a ``log`` key whose name is the origin; raise :class:`Failed`.

    Signatures by unknown keys are ignored; one by a known key that does not verify
    fails. ``day``, when known, is when the checkpoint was made at the earliest.
    """
    try:
        parsed = note.parse_note(text)
        cp = parse_checkpoint(parsed.body)
        message = note.signed_message(parsed)
    except PlacementError as e:
        raise _failed(e) from e
    good = []
    for sig in parsed.signatures:
        entry = keyring.by_key_id(sig.name, sig.key_id)
        if entry is None:
            continue
        if not ed25519_ok(entry.public_key, sig.signature, message):
            raise Failed(
                f"检查点上密钥 {entry.name} 的签名无效",
                f"the checkpoint signature by {entry.name} is invalid",
            )
        if entry.role is KeyRole.LOG and entry.name == cp.origin:
            why = None if day is None else why_not_acceptable(entry, day)
            if why is not None:
                raise Failed(*why)
            good.append(entry)
    if not good:
        raise Failed(
            f"检查点（来源 {cp.origin}）没有由同名透明日志密钥作出的有效签名",
            f"the checkpoint (origin {cp.origin}) has no valid signature by the log key "
            "of that name",
        )
    return cp
