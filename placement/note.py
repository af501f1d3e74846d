"""C2SP signed notes (https://c2sp.org/signed-note): the text format only.

A note is a body text ending in a newline, a blank line, then one or more
signature lines ``— <key name> <base64(key id[4] ‖ signature)>``. This module
formats and parses that text; it never checks a signature (``verifier/`` does,
over :func:`signed_message`) and never signs (``keys/`` does).

The parser applies every rule of signed-note.md and is a little stricter where
the text leaves room, so that one note has one spelling:

- base64 must be canonical (padded, no stray bits), RFC 4648 §3.5;
- at most :data:`MAX_SIGNATURES` signature lines (the spec requires accepting
  at least 16; Go's ``golang.org/x/mod/sumdb/note`` stops at 100) and at most
  :data:`MAX_NOTE_BYTES` bytes in all.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass

from placement.errors import PlacementError

MAX_SIGNATURES = 100
MAX_NOTE_BYTES = 1 << 20
KEY_ID_SIZE = 4
_DASH = "\u2014 "  # em dash, space
# Unicode White_Space (what Go's unicode.IsSpace tests): key names must not contain any.
_SPACES = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


class NoteError(PlacementError):
    """A signed note (or a part of one) is malformed."""


@dataclass(frozen=True, slots=True)
class NoteSignature:
    name: str
    key_id: bytes  # 4 bytes, the big-endian uint32 key ID
    signature: bytes  # the signature proper, without the key ID


@dataclass(frozen=True, slots=True)
class Note:
    body: str  # the note text, with its final newline, without the blank line
    signatures: tuple[NoteSignature, ...]


def decode_base64(text: str, what: str = "base64") -> bytes:
    """Standard base64 (RFC 4648 §4), padded, in its one canonical spelling."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError) as e:
        raise NoteError(f"{what} 不是合法的 base64", f"is not valid base64: {text!r}") from e
    if base64.b64encode(raw).decode("ascii") != text:
        raise NoteError(f"{what} 的 base64 写法不规范", f"is not canonical base64: {text!r}")
    return raw


def encode_base64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def check_key_name(name: str) -> str:
    """Key names are non-empty, without Unicode spaces or ``+`` (and, in a note, no controls)."""
    if not name or "+" in name or any(ch in _SPACES or ch < " " for ch in name):
        raise NoteError(
            f"密钥名 {name!r} 为空或含空白、控制字符或“+”",
            "key name must be non-empty, without spaces, control characters or '+'",
        )
    _utf8(name)
    return name


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise NoteError("文本不是合法的 UTF-8", "text is not valid UTF-8") from e


def _check_text(text: str) -> None:
    if any(ch < " " and ch != "\n" for ch in text):
        raise NoteError(
            "签名文本含控制字符", "note contains an ASCII control character other than newline"
        )


def _check_body(body: str) -> None:
    if not body or not body.endswith("\n"):
        raise NoteError(
            "正文须非空且以换行结尾", "note text must be non-empty and end in a newline"
        )
    _check_text(body)
    _utf8(body)


def signature_line(name: str, key_id: bytes, signature: bytes) -> str:
    """``— <name> <base64(key_id ‖ signature)>\\n``."""
    check_key_name(name)
    if len(key_id) != KEY_ID_SIZE or not signature:
        raise NoteError(
            "签名须为 4 字节密钥 ID 加签名", "a signature is a 4-byte key ID and non-empty bytes"
        )
    return f"{_DASH}{name} {encode_base64(key_id + signature)}\n"


def format_note(body: str, signatures: Sequence[NoteSignature]) -> str:
    """The note's text: body, blank line, one line per signature (at least one)."""
    _check_body(body)
    if not signatures:
        raise NoteError("签名文本至少要有一个签名", "a note needs at least one signature")
    if len(signatures) > MAX_SIGNATURES:
        raise NoteError(f"签名多于 {MAX_SIGNATURES} 个", f"more than {MAX_SIGNATURES} signatures")
    text = body + "\n" + "".join(signature_line(s.name, s.key_id, s.signature) for s in signatures)
    if len(_utf8(text)) > MAX_NOTE_BYTES:
        raise NoteError(
            f"签名文本超过 {MAX_NOTE_BYTES} 字节", f"note exceeds {MAX_NOTE_BYTES} bytes"
        )
    return text


def _parse_signature(line: str) -> NoteSignature:
    if not line.startswith(_DASH):
        raise NoteError(
            "签名行须以“— ”开头", f"signature line must start with an em dash and a space: {line!r}"
        )
    name, _, b64 = line[len(_DASH) :].partition(" ")
    check_key_name(name)
    if not b64:
        raise NoteError("签名行缺少签名", f"signature line has no signature: {line!r}")
    raw = decode_base64(b64, "signature")
    if len(raw) < KEY_ID_SIZE + 1:
        raise NoteError(
            "签名须至少 5 字节", "a signature must be at least 5 bytes (4-byte key ID ‖ signature)"
        )
    return NoteSignature(name, raw[:KEY_ID_SIZE], raw[KEY_ID_SIZE:])


def parse_note(text: str | bytes) -> Note:
    """Split a signed note into body and signature lines, refusing anything malformed."""
    if isinstance(text, bytes):
        if len(text) > MAX_NOTE_BYTES:
            raise NoteError(
                f"签名文本超过 {MAX_NOTE_BYTES} 字节", f"note exceeds {MAX_NOTE_BYTES} bytes"
            )
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise NoteError("签名文本不是合法的 UTF-8", "note is not valid UTF-8") from e
    elif len(_utf8(text)) > MAX_NOTE_BYTES:
        raise NoteError(
            f"签名文本超过 {MAX_NOTE_BYTES} 字节", f"note exceeds {MAX_NOTE_BYTES} bytes"
        )
    _check_text(text)
    if not text.endswith("\n"):
        raise NoteError("签名文本须以换行结尾", "note must end in a newline")
    split = text.rfind("\n\n")
    if split < 0:
        raise NoteError(
            "正文与签名之间须有一空行", "note needs a blank line between text and signatures"
        )
    body, sig_block = text[: split + 1], text[split + 2 :]
    lines = sig_block.split("\n")[:-1]  # sig_block ends in "\n"
    if not lines:
        raise NoteError("签名文本至少要有一个签名", "a note needs at least one signature")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"签名多于 {MAX_SIGNATURES} 个", f"more than {MAX_SIGNATURES} signatures")
    return Note(body, tuple(_parse_signature(line) for line in lines))


def signed_message(note: Note) -> bytes:
    """The bytes every signature of the note covers: the body text, final newline included."""
    _check_body(note.body)
    return _utf8(note.body)
