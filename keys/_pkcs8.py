"""Encrypted PKCS#8 (RFC 5958) with PBES2 (RFC 8018): PBKDF2-HMAC-SHA256 and AES-256-CBC.

``cryptography`` writes this very structure (``BestAvailableEncryption``) but with a
fixed 2,048 PBKDF2 iterations, and its ``encryption_builder().kdf_rounds()`` is
offered only for OpenSSH and PKCS#12 files. So the few DER bytes around the
ciphertext are written here, with an iteration count of our choosing; all
cryptography (PBKDF2, AES, the key encoding) is ``cryptography``'s, and keys are
*loaded* by ``cryptography``'s own PEM reader. A test checks that, given the same
salt, IV and count, these bytes equal ``cryptography``'s byte for byte, and that
``openssl pkey`` opens the file.

scrypt would be memory-hard, but OpenSSL 3.0 refuses to read PBES2-scrypt with
more than 32 MiB of memory (N ≥ 2^15, r = 8), which would make the files
unreadable by the one tool an operator has for recovery.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

PEM_BEGIN = b"-----BEGIN ENCRYPTED PRIVATE KEY-----"
PEM_END = b"-----END ENCRYPTED PRIVATE KEY-----"

OID_PBES2 = bytes.fromhex("2a864886f70d01050d")  # 1.2.840.113549.1.5.13
OID_PBKDF2 = bytes.fromhex("2a864886f70d01050c")  # 1.2.840.113549.1.5.12
OID_HMAC_SHA256 = bytes.fromhex("2a864886f70d0209")  # 1.2.840.113549.2.9
OID_AES256_CBC = bytes.fromhex("60864801650304012a")  # 2.16.840.1.101.3.4.1.42
MAX_ROUNDS = 50_000_000  # more is damage, not a setting: refuse rather than spin for minutes

SEQUENCE, OCTET_STRING, INTEGER, NULL, OID = 0x30, 0x04, 0x02, 0x05, 0x06


class MalformedError(ValueError):
    """The bytes are not an encrypted PKCS#8 key in the one form this module writes."""


def _tlv(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(size))) + size + content


def _integer(value: int) -> bytes:
    return _tlv(INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def _seq(*items: bytes) -> bytes:
    return _tlv(SEQUENCE, b"".join(items))


def _der(*, salt: bytes, rounds: int, iv: bytes, ciphertext: bytes) -> bytes:
    prf = _seq(_tlv(OID, OID_HMAC_SHA256), _tlv(NULL, b""))
    kdf = _seq(_tlv(OID, OID_PBKDF2), _seq(_tlv(OCTET_STRING, salt), _integer(rounds), prf))
    cipher = _seq(_tlv(OID, OID_AES256_CBC), _tlv(OCTET_STRING, iv))
    algorithm = _seq(_tlv(OID, OID_PBES2), _seq(kdf, cipher))
    return _seq(algorithm, _tlv(OCTET_STRING, ciphertext))


def _pem(der: bytes) -> bytes:
    b64 = base64.b64encode(der)
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return b"\n".join([PEM_BEGIN, *lines, PEM_END]) + b"\n"


def _aes_key(passphrase: bytes, salt: bytes, rounds: int) -> bytes:
    return PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=rounds).derive(
        passphrase
    )


def encrypt(
    key: Ed25519PrivateKey,
    passphrase: bytes,
    *,
    rounds: int,
    salt: bytes | None = None,
    iv: bytes | None = None,
) -> bytes:
    """→ PEM ``ENCRYPTED PRIVATE KEY``; ``salt`` and ``iv`` are fresh unless a test fixes them."""
    if not 1 <= rounds <= MAX_ROUNDS:
        raise ValueError("PBKDF2 rounds out of range")
    salt = os.urandom(16) if salt is None else salt
    iv = os.urandom(16) if iv is None else iv
    plain = key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    enc = Cipher(algorithms.AES(_aes_key(passphrase, salt, rounds)), modes.CBC(iv)).encryptor()
    ciphertext = enc.update(padded) + enc.finalize()
    return _pem(_der(salt=salt, rounds=rounds, iv=iv, ciphertext=ciphertext))


@dataclass(frozen=True, slots=True)
class Envelope:
    salt: bytes
    rounds: int
    iv: bytes
    ciphertext: bytes


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, tag: int) -> bytes:
        d, p = self.data, self.pos
        if p + 2 > len(d) or d[p] != tag:
            raise MalformedError("unexpected DER tag")
        n, p = d[p + 1], p + 2
        if n & 0x80:
            width = n & 0x7F
            if not 1 <= width <= 2 or p + width > len(d):
                raise MalformedError("bad DER length")
            n, p = int.from_bytes(d[p : p + width], "big"), p + width
        if p + n > len(d):
            raise MalformedError("truncated DER")
        self.pos = p + n
        return d[p : p + n]

    def done(self) -> None:
        if self.pos != len(self.data):
            raise MalformedError("trailing DER bytes")


def _expect(reader: _Reader, tag: int, value: bytes) -> None:
    if reader.take(tag) != value:
        raise MalformedError("unexpected algorithm")


def read_envelope(pem: bytes) -> Envelope:
    """Check that ``pem`` is one encrypted PKCS#8 key of the form :func:`encrypt` writes."""
    lines = pem.strip().split(b"\n")
    if len(lines) < 3 or lines[0] != PEM_BEGIN or lines[-1] != PEM_END:
        raise MalformedError("not an encrypted PKCS#8 PEM file")
    try:
        der = base64.b64decode(b"".join(lines[1:-1]), validate=True)
    except ValueError as e:
        raise MalformedError("PEM body is not base64") from e
    outer = _Reader(der)
    body = _Reader(outer.take(SEQUENCE))
    outer.done()
    alg = _Reader(body.take(SEQUENCE))
    ciphertext = body.take(OCTET_STRING)
    body.done()
    _expect(alg, OID, OID_PBES2)
    params = _Reader(alg.take(SEQUENCE))
    alg.done()
    kdf = _Reader(params.take(SEQUENCE))
    cipher = _Reader(params.take(SEQUENCE))
    params.done()
    _expect(kdf, OID, OID_PBKDF2)
    pbkdf2 = _Reader(kdf.take(SEQUENCE))
    kdf.done()
    salt = pbkdf2.take(OCTET_STRING)
    rounds = int.from_bytes(pbkdf2.take(INTEGER), "big", signed=True)
    prf = _Reader(pbkdf2.take(SEQUENCE))
    pbkdf2.done()
    _expect(prf, OID, OID_HMAC_SHA256)
    _expect(prf, NULL, b"")
    prf.done()
    _expect(cipher, OID, OID_AES256_CBC)
    iv = cipher.take(OCTET_STRING)
    cipher.done()
    if not 1 <= rounds <= MAX_ROUNDS or len(iv) != 16 or not salt or len(ciphertext) % 16:
        raise MalformedError("implausible PBES2 parameters")
    return Envelope(salt, rounds, iv, ciphertext)
