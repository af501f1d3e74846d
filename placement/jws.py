"""JWS (RFC 7515) framing for EdDSA-signed documents (spec §14), without crypto.

Building and parsing the text forms is pure; ``keys/`` signs the signing input
and ``verifier/`` checks signatures, each with its own Ed25519 code.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from placement.canonical import Json, canonical_json
from placement.errors import PlacementError

MAX_INFLATED = 1 << 20


class JwsError(PlacementError):
    """A JWS is malformed, or its payload is not one of our canonical documents."""


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text: str) -> bytes:
    """Strict base64url without padding; anything else is refused."""
    if not text.isascii() or "=" in text or any(c in text for c in "+/ \n"):
        raise JwsError("not base64url")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as e:
        raise JwsError("not base64url") from e
    if b64u(raw) != text:
        raise JwsError("base64url is not canonical")
    return raw


def protected_header(*, kid: str, typ: str, iat: int, deflate: bool = False) -> bytes:
    header: dict[str, Json] = {"alg": "EdDSA", "iat": iat, "kid": kid, "typ": typ}
    if deflate:
        header["zip"] = "DEF"
    return canonical_json(header)


def deflate(data: bytes) -> bytes:
    """Raw DEFLATE (RFC 1951), level 9: the smallest payload for a QR code."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    return c.compress(data) + c.flush()


def payload_bytes(doc: Json, *, compress: bool = False) -> bytes:
    raw = canonical_json(doc)
    return deflate(raw) if compress else raw


def signing_input(header: bytes, payload: bytes) -> bytes:
    return f"{b64u(header)}.{b64u(payload)}".encode("ascii")


def compact(header: bytes, payload: bytes, signature: bytes) -> str:
    return f"{b64u(header)}.{b64u(payload)}.{b64u(signature)}"


def general(payload: bytes, signatures: Sequence[tuple[bytes, bytes]]) -> str:
    """General JSON serialization: one payload, several (header, signature) pairs."""
    doc = {
        "payload": b64u(payload),
        "signatures": [{"protected": b64u(h), "signature": b64u(s)} for h, s in signatures],
    }
    return json.dumps(doc, separators=(",", ":"), sort_keys=True)


@dataclass(frozen=True, slots=True)
class Signature:
    header: dict[str, Json]
    signing_input: bytes
    signature: bytes

    @property
    def kid(self) -> str:
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else ""

    @property
    def iat(self) -> int:
        iat = self.header.get("iat")
        if not isinstance(iat, int) or isinstance(iat, bool):
            raise JwsError("iat must be an integer")
        return iat


@dataclass(frozen=True, slots=True)
class Jws:
    payload: bytes  # as signed (possibly deflated)
    signatures: tuple[Signature, ...]

    def document(self) -> dict[str, Json]:
        """The payload as a document, checked canonical and of the header's type."""
        headers = [s.header for s in self.signatures]
        zipped = {h.get("zip") for h in headers}
        if len(zipped) != 1 or zipped - {None, "DEF"}:
            raise JwsError("signatures disagree on, or use an unknown, compression")
        raw = self.payload
        if zipped == {"DEF"}:
            d = zlib.decompressobj(-15)
            try:
                raw = d.decompress(raw, MAX_INFLATED)
            except zlib.error as e:
                raise JwsError("compressed payload is not valid DEFLATE") from e
            if d.unconsumed_tail or not d.eof:
                raise JwsError("compressed payload is truncated or larger than 1 MiB")
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
            raise JwsError("payload is not JSON text") from e
        if not isinstance(doc, dict):
            raise JwsError("payload is not a JSON object")
        try:
            canonical = canonical_json(doc)
        except PlacementError as e:
            raise JwsError(f"payload holds values outside hashed JSON: {e}") from e
        if canonical != raw:
            raise JwsError("payload is not in canonical (RFC 8785) form")
        if any(h.get("typ") != doc.get("t") for h in headers):
            raise JwsError("header typ differs from the document type")
        return doc


def _header(b64: str) -> dict[str, Json]:
    try:
        header = json.loads(b64u_decode(b64).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise JwsError("protected header is not JSON") from e
    if not isinstance(header, dict) or header.get("alg") != "EdDSA":
        raise JwsError("only alg EdDSA is accepted")
    return header


def parse(text: str) -> Jws:
    """Compact or general JSON serialization → payload and signatures."""
    text = text.strip()
    if text.startswith("{"):
        try:
            doc = json.loads(text)
            payload_b64 = doc["payload"]
            sigs = [(s["protected"], s["signature"]) for s in doc["signatures"]]
        except (json.JSONDecodeError, KeyError, TypeError, RecursionError) as e:
            raise JwsError("not a JWS in general JSON serialization") from e
        if not isinstance(payload_b64, str) or not sigs:
            raise JwsError("JWS has no payload or no signature")
    else:
        parts = text.split(".")
        if len(parts) != 3:
            raise JwsError("a compact JWS has three parts")
        payload_b64, sigs = parts[1], [(parts[0], parts[2])]
    if not all(isinstance(h, str) and isinstance(s, str) for h, s in sigs):
        raise JwsError("JWS parts must be text")
    payload = b64u_decode(payload_b64)
    return Jws(
        payload,
        tuple(
            Signature(_header(h), f"{h}.{payload_b64}".encode("ascii"), b64u_decode(s))
            for h, s in sigs
        ),
    )
