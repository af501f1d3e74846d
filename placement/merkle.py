"""RFC 6962 / RFC 9162 §2.1 Merkle trees: tree hashes, inclusion and consistency proofs.

Leaves are given already hashed (``leaf_hash(entry)``). A :class:`MerkleTree`
keeps, per level ``k``, the hashes of the *complete* subtrees of ``2**k`` leaves
(``size >> k`` of them), so the root and the proofs for any earlier tree size
can be derived from it with ``O(log n)`` extra hashing.

The verifiers follow the bit-twiddling algorithms of RFC 9162 §2.1.3.2 and
§2.1.4.2 and return ``False`` (never raise) on malformed input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from hashlib import sha256

from placement.errors import PlacementError

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()
_LEAF = b"\x00"
_NODE = b"\x01"
_MAX_SIZE = 2**64 - 1  # tree sizes are uint64 in every implementation we interoperate with


class MerkleError(PlacementError):
    """Invalid argument to a Merkle tree builder or proof generator."""


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 ‖ entry)."""
    return sha256(_LEAF + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right)."""
    return sha256(_NODE + left + right).digest()


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_size(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_SIZE


def _checked(leaf_hashes: Sequence[bytes]) -> tuple[bytes, ...]:
    leaves = tuple(leaf_hashes)
    # The usual case in two C-level passes; anything else (bytes subclasses too) per item.
    if set(map(type, leaves)) <= {bytes} and set(map(len, leaves)) <= {HASH_SIZE}:
        return leaves
    if not all(_is_hash(h) for h in leaves):
        msg = f"every leaf hash must be {HASH_SIZE} bytes"
        raise MerkleError(msg)
    return leaves


def _parents(level: tuple[bytes, ...]) -> list[bytes]:
    """Hashes of the adjacent pairs of ``level``; an odd last node is left out."""
    pairs = iter(level)
    return [sha256(_NODE + a + b).digest() for a, b in zip(pairs, pairs, strict=False)]


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over already-hashed leaves; ``EMPTY_ROOT`` for no leaves."""
    level = _checked(leaf_hashes)
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        up = _parents(level)
        if len(level) % 2:
            up.append(level[-1])  # promoted unchanged: same result as the RFC's split
        level = tuple(up)
    return level[0]


def _split(n: int) -> int:
    """Largest power of two strictly smaller than ``n`` (``n`` ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


@dataclass(frozen=True, slots=True)
class MerkleTree:
    """An immutable Merkle tree; build it with :meth:`from_leaf_hashes`.

    ``levels[k][i]`` is the hash of leaves ``[i * 2**k, (i + 1) * 2**k)``.
    """

    levels: tuple[tuple[bytes, ...], ...] = field(repr=False)

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Sequence[bytes]) -> MerkleTree:
        level = _checked(leaf_hashes)
        levels = [level]
        while len(level) > 1:
            level = tuple(_parents(level))
            levels.append(level)
        return cls(tuple(levels))

    @property
    def size(self) -> int:
        return len(self.levels[0])

    @property
    def root(self) -> bytes:
        return self.root_at(self.size)

    def __repr__(self) -> str:
        return f"MerkleTree(size={self.size}, root={self.root.hex()})"

    def _subtree(self, start: int, end: int) -> bytes:
        """MTH of leaves ``[start, end)``; ``start`` is a multiple of a power of two ≥ the width.

        That holds for every subtree the RFC recursion visits, so the range splits
        into complete subtrees of decreasing size, folded from the right.
        """
        if start == end:
            return EMPTY_ROOT
        peaks: list[bytes] = []
        pos = start
        while pos < end:
            k = (end - pos).bit_length() - 1
            peaks.append(self.levels[k][pos >> k])
            pos += 1 << k
        acc = peaks.pop()
        while peaks:
            acc = node_hash(peaks.pop(), acc)
        return acc

    def root_at(self, size: int) -> bytes:
        """Root of the tree made of the first ``size`` leaves (0 ≤ size ≤ self.size)."""
        if not _is_size(size) or size > self.size:
            msg = f"size must be in 0..{self.size}, got {size!r}"
            raise MerkleError(msg)
        return self._subtree(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> tuple[bytes, ...]:
        """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, leaf side first."""
        n = self.size if size is None else size
        if not _is_size(n) or n > self.size or not _is_size(index) or index >= n:
            msg = f"need 0 <= index < size <= {self.size}, got index={index!r}, size={n!r}"
            raise MerkleError(msg)
        path: list[bytes] = []
        start, end = 0, n
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                path.append(self._subtree(start + k, end))
                end = start + k
            else:
                path.append(self._subtree(start, start + k))
                start += k
        path.reverse()
        return tuple(path)

    def consistency_proof(self, old_size: int, size: int | None = None) -> tuple[bytes, ...]:
        """PROOF(old_size, D[0:size]) of RFC 9162 §2.1.4.1; empty when old_size == size."""
        n = self.size if size is None else size
        if not _is_size(n) or n > self.size or not _is_size(old_size) or not 0 < old_size <= n:
            msg = f"need 0 < old_size <= size <= {self.size}, got {old_size!r}, {n!r}"
            raise MerkleError(msg)
        proof: list[bytes] = []
        m, start, end = old_size, 0, n  # m is relative to start
        whole = True  # SUBPROOF's flag b: still on the old tree's own root path
        while m != end - start:
            k = _split(end - start)
            if m <= k:
                proof.append(self._subtree(start + k, end))
                end = start + k
            else:
                proof.append(self._subtree(start, start + k))
                m -= k
                start += k
                whole = False
        if not whole:
            proof.append(self._subtree(start, end))
        proof.reverse()
        return tuple(proof)


def _proof_ok(proof: Sequence[bytes]) -> bool:
    return isinstance(proof, Sequence) and all(_is_hash(p) for p in proof)


def _fold(fn: int, sn: int, seed: bytes, path: Sequence[bytes]) -> tuple[bytes, bytes] | None:
    """The shared loop of RFC 9162 §2.1.3.2 step 4 and §2.1.4.2 step 6.

    Returns ``(fr, sr)`` (the inclusion algorithm's ``r`` is ``sr``), or None on
    failure, including ``sn != 0`` at the end.
    """
    fr = sr = seed
    for c in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return (fr, sr) if sn == 0 else None


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` show leaf ``index`` of a ``size``-leaf tree?"""
    if not (_is_hash(leaf_hash) and _is_hash(root) and _is_size(index) and _is_size(size)):
        return False
    if not _proof_ok(proof) or index >= size:
        return False
    got = _fold(index, size - 1, leaf_hash, proof)
    return got is not None and got[1] == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the ``old_size`` tree a prefix of the ``new_size`` tree?

    Equal sizes need an empty proof and equal roots; an empty old tree needs an
    empty proof and ``old_root == EMPTY_ROOT``.
    """
    if not (_is_hash(old_root) and _is_hash(new_root) and _is_size(old_size)):
        return False
    if not _is_size(new_size) or old_size > new_size or not _proof_ok(proof):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if not proof:  # step 1
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # step 2
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1  # step 3
    while fn & 1:  # step 4
        fn >>= 1
        sn >>= 1
    return _fold(fn, sn, path[0], path[1:]) == (old_root, new_root)  # steps 5-7
