"""C2SP text formats of the log: checkpoints, tlog-proof@v1 receipts, hash lists.

Checkpoint bodies follow https://c2sp.org/tlog-checkpoint, inclusion receipts
https://c2sp.org/tlog-proof (``c2sp.org/tlog-proof@v1``); consistency proofs
(RFC 9162 §2.1.4) are written one base64 hash a line. Signatures are not checked
here: a checkpoint note is only parsed (:mod:`placement.note`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from placement import merkle
from placement.note import NoteError, check_key_name, decode_base64, encode_base64, parse_note
from placement.tlog_tiles import TlogError

PROOF_HEADER = "c2sp.org/tlog-proof@v1"
_MAX_SIZE = 2**64 - 1
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


@dataclass(frozen=True, slots=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()


def _decimal(text: str, what: str) -> int:
    if not _DECIMAL.fullmatch(text) or int(text) > _MAX_SIZE:
        raise TlogError(f"{what} 须为无前导零的十进制数", "must be a decimal without leading zeros")
    return int(text)


def _hash(text: str) -> bytes:
    try:
        raw = decode_base64(text, "hash")
    except NoteError as e:
        raise TlogError(str(e)) from e
    if len(raw) != merkle.HASH_SIZE:
        raise TlogError("哈希须为 32 字节", f"a hash must be 32 bytes: {text!r}")
    return raw


def checkpoint_body(origin: str, size: int, root: bytes, extensions: Sequence[str] = ()) -> str:
    """The note text of a checkpoint: origin, size, base64 root, then extension lines."""
    try:
        check_key_name(origin)  # our origin is the log key's name
    except NoteError as e:
        raise TlogError(str(e)) from e
    body = f"{origin}\n{size}\n{encode_base64(root)}\n" + "".join(f"{x}\n" for x in extensions)
    if parse_checkpoint(body) != Checkpoint(origin, size, root, tuple(extensions)):
        raise TlogError("检查点参数无效", "invalid checkpoint fields")
    return body


def parse_checkpoint(body: str) -> Checkpoint:
    """Parse the note text of a C2SP checkpoint (not the signatures)."""
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "" or not all(lines[:-1]):
        raise TlogError(
            "检查点须为至少三行非空行并以换行结尾",
            "a checkpoint is three or more non-empty lines, each ending in a newline",
        )
    if any(ch < " " for ch in body.replace("\n", "")):
        raise TlogError("检查点含控制字符", "checkpoint contains a control character")
    size = _decimal(lines[1], "tree size")
    return Checkpoint(lines[0], size, _hash(lines[2]), tuple(lines[3:-1]))


def checkpoint_of(note_text: str) -> Checkpoint:
    """Parse a signed checkpoint note (its signatures are not checked here)."""
    try:
        return parse_checkpoint(parse_note(note_text).body)
    except NoteError as e:
        raise TlogError(str(e)) from e


@dataclass(frozen=True, slots=True)
class Proof:
    index: int
    audit_path: tuple[bytes, ...]
    checkpoint_text: str
    extra: bytes | None = None

    @property
    def checkpoint(self) -> Checkpoint:
        return checkpoint_of(self.checkpoint_text)


def format_hashes(hashes: Sequence[bytes]) -> str:
    """One base64 hash a line (an RFC 9162 consistency proof, or an audit path)."""
    if not all(isinstance(h, bytes) and len(h) == merkle.HASH_SIZE for h in hashes):
        raise TlogError("哈希须为 32 字节", "every hash must be 32 bytes")
    return "".join(encode_base64(h) + "\n" for h in hashes)


def parse_hashes(text: str) -> tuple[bytes, ...]:
    if text and not text.endswith("\n"):
        raise TlogError("哈希列表须以换行结尾", "a hash list must end in a newline")
    return tuple(_hash(line) for line in text.split("\n")[:-1])


def format_proof(
    index: int, audit_path: Sequence[bytes], checkpoint_note_text: str, extra: bytes | None = None
) -> str:
    """A C2SP tlog-proof@v1 inclusion receipt for entry ``index``."""
    if extra is not None and not extra:
        raise TlogError("extra 不能为空", "extra data, when present, must be non-empty")
    head = PROOF_HEADER + "\n" + ("" if extra is None else f"extra {encode_base64(extra)}\n")
    text = f"{head}index {index}\n{format_hashes(audit_path)}\n{checkpoint_note_text}"
    if parse_proof(text) != Proof(index, tuple(audit_path), checkpoint_note_text, extra):
        raise TlogError("收据参数无效", "invalid proof fields")
    return text


def parse_proof(text: str) -> Proof:
    """Parse a tlog-proof@v1 text; the checkpoint must be a well-formed checkpoint note."""
    head, sep, checkpoint_text = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or lines[0] != PROOF_HEADER:
        raise TlogError(f"不是 {PROOF_HEADER} 文本", f"not a {PROOF_HEADER} text")
    extra = None
    if len(lines) > 1 and lines[1].startswith("extra "):
        try:
            extra = decode_base64(lines.pop(1)[len("extra ") :], "extra")
        except NoteError as e:
            raise TlogError(str(e)) from e
        if not extra:
            raise TlogError("extra 不能为空", "extra data, when present, must be non-empty")
    if len(lines) < 2 or not lines[1].startswith("index "):
        raise TlogError("缺少 index 行", "the index line is missing")
    index = _decimal(lines[1][len("index ") :], "index")
    path = tuple(_hash(line) for line in lines[2:])
    checkpoint_of(checkpoint_text)
    return Proof(index, path, checkpoint_text, extra)


def proof_includes(proof: Proof, entry_data: bytes) -> bool:
    """Does the receipt prove ``entry_data`` at its index under its checkpoint's root?"""
    cp = proof.checkpoint
    leaf = merkle.leaf_hash(entry_data)
    return merkle.verify_inclusion(leaf, proof.index, cp.size, proof.audit_path, cp.root)
