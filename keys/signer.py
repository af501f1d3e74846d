"""A loaded signing key: JWS (spec §14) and C2SP signed notes (spec §16).

A :class:`Signer` exists only in memory, made by :meth:`keys.store.KeyStore.signer`;
it never prints or pickles its private key.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from keys.errors import KeysError
from placement import jws, note
from placement.canonical import Json
from placement.keyring import KeyRole, check_name, key_id, vkey


class Signer:
    """An Ed25519 private key with its name and role."""

    __slots__ = ("_key", "name", "public_key", "role")

    def __init__(self, name: str, role: KeyRole, private_key: Ed25519PrivateKey) -> None:
        self.name = check_name(name)
        self.role = role
        self._key = private_key
        self.public_key: bytes = private_key.public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw
        )

    def __repr__(self) -> str:
        return f"Signer({self.kid!r}, {self.role.value})"

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a Signer holds a private key and cannot be pickled")

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @property
    def kid(self) -> str:
        """The JWS ``kid``: name ``+`` hex key id."""
        return f"{self.name}+{self.key_id.hex()}"

    @property
    def vkey(self) -> str:
        return vkey(self.name, self.public_key)

    def sign(self, data: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``data``."""
        return self._key.sign(data)

    def _header(self, doc: Json, iat: int, *, compress: bool) -> bytes:
        typ = doc.get("t") if isinstance(doc, dict) else None
        if not isinstance(typ, str):
            raise KeysError("文档缺少类型字段 t", "the document has no type field t")
        return jws.protected_header(kid=self.kid, typ=typ, iat=iat, deflate=compress)

    def sign_jws(self, doc: Json, *, iat: int, compress: bool = False) -> str:
        """Compact JWS of ``doc`` (``typ`` = its ``t``), optionally with a DEFLATE payload."""
        header = self._header(doc, iat, compress=compress)
        payload = jws.payload_bytes(doc, compress=compress)
        return jws.compact(header, payload, self.sign(jws.signing_input(header, payload)))

    def sign_note(self, body: str) -> str:
        """The complete C2SP signed note: ``body``, a blank line, one signature line."""
        if not body.endswith("\n") or any(c < " " and c != "\n" for c in body):
            raise KeysError(
                "签名文本须以换行结尾且不含控制字符",
                "a note body must end with a newline and hold no control characters",
            )
        signature = self.sign(body.encode("utf-8"))
        return note.format_note(body, [note.NoteSignature(self.name, self.key_id, signature)])


def sign_general(doc: Json, signers: Sequence[Signer], *, iat: int) -> str:
    """General JSON serialization, one signature per signer; the bureau's comes first."""
    if not signers or signers[0].role is not KeyRole.BUREAU:
        raise KeysError("第一个签名须由教育局密钥作出", "the first signature must be the bureau's")
    if len({s.kid for s in signers}) != len(signers):
        raise KeysError("同一密钥签了两次", "the same key is listed twice")
    payload = jws.payload_bytes(doc)
    pairs = []
    for s in signers:
        header = s._header(doc, iat, compress=False)  # noqa: SLF001 - same module
        pairs.append((header, s.sign(jws.signing_input(header, payload))))
    return jws.general(payload, pairs)
