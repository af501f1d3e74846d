"""Salted roster leaves, teacher-team leaves and their Merkle commitments (spec §4, §21.1).

A pupil leaf is public: it carries what the draw needs (sex, opaque stratum and twin
codes; in v1 also the name, in v2 only an opaque code for identical names) plus
``private``, a salted hash of the ID number, birth date and the meaning of the flags
(v2: and the name). Only the archive can open ``private``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from placement.canonical import TAG_PUPIL_PRIVATE, Json, canonical_json, fast_json, tagged_hash
from placement.errors import PlacementError
from placement.merkle import MerkleTree, leaf_hash
from placement.roster import PupilRecord, Sex, TwinWish

PUPIL_LEAF_TYPE = "sunshine-placement/v1/pupil-leaf"
PUPIL_LEAF_TYPE_V2 = "sunshine-placement/v2/pupil-leaf"
TAG_PUPIL_PRIVATE_V2 = "sunshine-placement/v2/pupil-private"
SALT_BYTES = 16


class CommitmentError(PlacementError):
    """Inputs cannot be committed (wrong salt length, duplicate team numbers …)."""


@dataclass(frozen=True, slots=True)
class PublicLeaf:
    """What the public bundle shows of one pupil; enough to replay the draw."""

    name: str  # v1 only; "" in a v2 leaf, whose name is in the private part (§20.2)
    sex: Sex
    stratum: str  # "" or an opaque code "s1", "s2" …
    twin: str  # "" or an opaque code "t1", "t2" …
    twin_wish: TwinWish
    private: bytes  # 32-byte salted commitment to the private fields
    same_name: str = ""  # v2: "" or the opaque code "n1", "n2" … of an identical name
    version: int = 1

    def name_key(self) -> str | None:
        """What the 重名 rule (§6.2) compares: the name (v1), or the same-name code
        (v2), None for a v2 leaf whose name no other pupil shares."""
        if self.version == 1:
            return self.name
        return self.same_name or None

    def to_json(self) -> dict[str, Json]:
        if self.version == 2:
            return {
                "private": self.private.hex(),
                "same_name": self.same_name,
                "sex": self.sex.value,
                "stratum": self.stratum,
                "t": PUPIL_LEAF_TYPE_V2,
                "twin": self.twin,
                "twin_wish": self.twin_wish.value,
            }
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


def private_json(pupil: PupilRecord, salt: bytes, version: int = 1) -> dict[str, Json]:
    doc: dict[str, Json] = {
        "birth_date": pupil.birth_date.isoformat(),
        "flags": list(pupil.flags),
        "id_number": pupil.id_number,
        "id_type": "resident",
        "salt": salt.hex(),
        "student_no": pupil.student_no,
        "twin_group": pupil.twin_group,
    }
    if version == 2:
        doc["name"] = pupil.name
    return doc


def private_tag(version: int) -> str:
    return TAG_PUPIL_PRIVATE_V2 if version == 2 else TAG_PUPIL_PRIVATE


def private_commitment(pupil: PupilRecord, salt: bytes, version: int = 1) -> bytes:
    if len(salt) != SALT_BYTES:
        msg = f"salt must be {SALT_BYTES} bytes"
        raise CommitmentError(msg)
    texts = (pupil.name, pupil.twin_group, pupil.student_no, *pupil.flags)
    if any(not unicodedata.is_normalized("NFC", t) for t in texts):
        msg = f"row {pupil.row}: text must be in Unicode NFC before it is committed"
        raise CommitmentError(msg)
    # fast_json: text was checked NFC in commit_roster; keys are ASCII (test-proven equal).
    return tagged_hash(private_tag(version), fast_json(private_json(pupil, salt, version)))


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
    names: Mapping[str, str] = field(default_factory=dict)  # v2 same-name code → name
    version: int = 1

    @property
    def root(self) -> bytes:
        return self.tree.root

    @property
    def size(self) -> int:
        return self.tree.size


def same_name_codes(names: Sequence[str]) -> dict[str, str]:
    """v2 (§20.2): the names two or more pupils share, numbered "n1", "n2" … in code-point order."""
    seen: dict[str, int] = {}
    for n in names:
        seen[n] = seen.get(n, 0) + 1
    return opaque_codes([n for n, c in seen.items() if c > 1], "n")


def commit_roster(
    pupils: Sequence[PupilRecord], salts: Sequence[bytes], *, version: int = 1
) -> RosterCommitment:
    """Build the leaves with caller-supplied salts (the core has no randomness).

    v2 leaves carry no name; a pupil whose name another pupil shares gets a same-name
    code and keeps its stratum only in ``private`` (§20.3): gate lists show such a name
    in two classes, which would otherwise tie it to its leaf's codes."""
    if len(salts) != len(pupils):
        msg = "one salt per pupil is required"
        raise CommitmentError(msg)
    v2 = version == 2
    same = same_name_codes([p.name for p in pupils]) if v2 else {}
    strata = opaque_codes([p.stratum_key for p in pupils if p.name not in same], "s")
    twins = opaque_codes([p.twin_group for p in pupils], "t")
    built = []
    for i, (p, salt) in enumerate(zip(pupils, salts, strict=True)):
        leaf = PublicLeaf(
            name="" if v2 else p.name,
            sex=p.sex,
            stratum="" if p.name in same else strata.get(p.stratum_key, ""),
            twin=twins.get(p.twin_group, ""),
            twin_wish=p.twin_wish,
            private=private_commitment(p, salt, version),
            same_name=same.get(p.name, ""),
            version=version,
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
        names={code: name for name, code in same.items()},
        version=version,
    )


def leaves_root(leaves: Sequence[PublicLeaf]) -> tuple[tuple[bytes, ...], bytes]:
    """Recompute leaf hashes and the root from public leaves (what a verifier does)."""
    hashes = tuple(leaf_hash(leaf.entry()) for leaf in leaves)
    return hashes, MerkleTree.from_leaf_hashes(hashes).root
