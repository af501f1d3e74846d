"""Salted roster leaves, teacher-team leaves and their Merkle commitments (spec §4).

A pupil leaf is public: it carries what the draw needs (name, sex, opaque stratum
and twin codes) plus ``private``, a salted hash of the ID number, birth date and
the meaning of the flags. Only the archive can open ``private``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from placement.canonical import TAG_PUPIL_PRIVATE, Json, canonical_json, fast_json, tagged_hash
from placement.errors import PlacementError
from placement.merkle import MerkleTree, leaf_hash
from placement.roster import PupilRecord, Sex, TwinWish

PUPIL_LEAF_TYPE = "sunshine-placement/v1/pupil-leaf"
SALT_BYTES = 16


class CommitmentError(PlacementError):
    """Inputs cannot be committed (wrong salt length, duplicate team numbers …)."""


@dataclass(frozen=True, slots=True)
class PublicLeaf:
    """What the public bundle shows of one pupil; enough to replay the draw."""

    name: str
    sex: Sex
    stratum: str  # "" or an opaque code "s1", "s2" …
    twin: str  # "" or an opaque code "t1", "t2" …
    twin_wish: TwinWish
    private: bytes  # 32-byte salted commitment to the private fields

    def to_json(self) -> dict[str, Json]:
        return {
            "name": self.name,
            "private": self.private.hex(),
            "sex": self.sex.value,
            "stratum": self.stratum,
            "t": PUPIL_LEAF_TYPE,
            "twin": self.twin,
            "twin_wish": self.twin_wish.value,
        }

    def entry(self) -> bytes:
        """Canonical bytes; a fast path proven equal to RFC 8785 by a property test."""
        return fast_json(self.to_json())

    def entry_strict(self) -> bytes:
        return canonical_json(self.to_json())


def private_json(pupil: PupilRecord, salt: bytes) -> dict[str, Json]:
    return {
        "birth_date": pupil.birth_date.isoformat(),
        "flags": list(pupil.flags),
        "id_number": pupil.id_number,
        "id_type": "resident",
        "salt": salt.hex(),
        "student_no": pupil.student_no,
        "twin_group": pupil.twin_group,
    }


def private_commitment(pupil: PupilRecord, salt: bytes) -> bytes:
    if len(salt) != SALT_BYTES:
        msg = f"salt must be {SALT_BYTES} bytes"
        raise CommitmentError(msg)
    texts = (pupil.name, pupil.twin_group, pupil.student_no, *pupil.flags)
    if any(not unicodedata.is_normalized("NFC", t) for t in texts):
        msg = f"row {pupil.row}: text must be in Unicode NFC before it is committed"
        raise CommitmentError(msg)
    # fast_json: text was checked NFC in commit_roster; keys are ASCII (test-proven equal).
    return tagged_hash(TAG_PUPIL_PRIVATE, fast_json(private_json(pupil, salt)))


def opaque_codes(labels: Sequence[str], prefix: str) -> dict[str, str]:
    """Number the distinct non-empty labels in code-point order: "s1", "s2" …"""
    return {lab: f"{prefix}{i}" for i, lab in enumerate(sorted({x for x in labels if x}), 1)}


@dataclass(frozen=True, slots=True)
class RosterCommitment:
    """The frozen roster: leaves in canonical (leaf-hash) order and the tree over them."""

    leaves: tuple[PublicLeaf, ...]
    leaf_hashes: tuple[bytes, ...]
    tree: MerkleTree
    order: tuple[int, ...]  # order[i] = index into the input records of leaf i
    strata: Mapping[str, str]  # opaque code → meaning (private)

    @property
    def root(self) -> bytes:
        return self.tree.root

    @property
    def size(self) -> int:
        return self.tree.size


def commit_roster(pupils: Sequence[PupilRecord], salts: Sequence[bytes]) -> RosterCommitment:
    """Build the leaves with caller-supplied salts (the core has no randomness)."""
    if len(salts) != len(pupils):
        msg = "one salt per pupil is required"
        raise CommitmentError(msg)
    strata = opaque_codes([p.stratum_key for p in pupils], "s")
    twins = opaque_codes([p.twin_group for p in pupils], "t")
    built = []
    for i, (p, salt) in enumerate(zip(pupils, salts, strict=True)):
        leaf = PublicLeaf(
            name=p.name,
            sex=p.sex,
            stratum=strata.get(p.stratum_key, ""),
            twin=twins.get(p.twin_group, ""),
            twin_wish=p.twin_wish,
            private=private_commitment(p, salt),
        )
        built.append((leaf_hash(leaf.entry()), i, leaf))
    built.sort(key=lambda t: t[0])
    hashes = tuple(h for h, _, _ in built)
    return RosterCommitment(
        leaves=tuple(leaf for _, _, leaf in built),
        leaf_hashes=hashes,
        tree=MerkleTree.from_leaf_hashes(hashes),
        order=tuple(i for _, i, _ in built),
        strata={code: meaning for meaning, code in strata.items()},
    )


def leaves_root(leaves: Sequence[PublicLeaf]) -> tuple[tuple[bytes, ...], bytes]:
    """Recompute leaf hashes and the root from public leaves (what a verifier does)."""
    hashes = tuple(leaf_hash(leaf.entry()) for leaf in leaves)
    return hashes, MerkleTree.from_leaf_hashes(hashes).root
