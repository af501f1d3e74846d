"""Salted roster leaves, teacher-team leaves and their Merkle commitments (spec §4, §21.1).

A pupil leaf is public: it carries what the draw needs (sex, opaque stratum and twin
codes; in v1 also the name, in v2 only an opaque code for identical names) plus
``private``, a salted hash of the ID number, birth date and the meaning of the flags
(v2: and the name). Only the archive can open ``private``.
"""

from __future__ import annotations

import functools
import hashlib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from placement.canonical import TAG_PUPIL_PRIVATE, Json, canonical_json, json_string
from placement.errors import PlacementError
from placement.merkle import MerkleTree, leaf_hash
from placement.roster import PupilRecord, Sex, TwinWish

PUPIL_LEAF_TYPE = "sunshine-placement/v1/pupil-leaf"
PUPIL_LEAF_TYPE_V2 = "sunshine-placement/v2/pupil-leaf"
TAG_PUPIL_PRIVATE_V2 = "sunshine-placement/v2/pupil-private"
SALT_BYTES = 16

# The per-pupil shapes as JCS templates (keys in order, no whitespace), filled with
# ``json_string`` literals: the general serialiser cost ~5 µs a pupil. Property tests
# (tests/property/test_canonical_shapes.py) hold them byte-identical to RFC 8785.
_LEAF_TEMPLATE: Final = (
    '{"name":%s,"private":"%s","sex":%s,"stratum":%s,"t":"'
    + PUPIL_LEAF_TYPE
    + '","twin":%s,"twin_wish":%s}'
)
_LEAF_TEMPLATE_V2: Final = (  # §21.1: no name; the same-name code instead
    '{"private":"%s","same_name":%s,"sex":%s,"stratum":%s,"t":"'
    + PUPIL_LEAF_TYPE_V2
    + '","twin":%s,"twin_wish":%s}'
)
_PRIVATE_TEMPLATE: Final = (
    '{"birth_date":"%s","flags":[%s],"id_number":%s,"id_type":"resident",'
    '"salt":"%s","student_no":%s,"twin_group":%s}'
)
_PRIVATE_TEMPLATE_V2: Final = (  # §21.1: the v1 fields and the name ("name" sorts after "id_type")
    '{"birth_date":"%s","flags":[%s],"id_number":%s,"id_type":"resident","name":%s,'
    '"salt":"%s","student_no":%s,"twin_group":%s}'
)
_is_nfc: Final = functools.partial(unicodedata.is_normalized, "NFC")


def _tag_prefix(tag: str) -> hashlib._Hash:
    """The SHA-256 state after ``u8(len(tag)) ‖ tag`` (``tagged_hash``), copied per pupil."""
    return hashlib.sha256(bytes([len(tag)]) + tag.encode("ascii"))


_PRIVATE_PREFIX: Final = _tag_prefix(TAG_PUPIL_PRIVATE)
_PRIVATE_PREFIX_V2: Final = _tag_prefix(TAG_PUPIL_PRIVATE_V2)


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
        """Canonical bytes without checks (text NFC, as committed); templates proven
        equal to RFC 8785 by property tests. ``entry_strict`` checks and refuses."""
        q = json_string
        if self.version == 2:
            filled = _LEAF_TEMPLATE_V2 % (
                self.private.hex(),
                q(self.same_name),
                q(self.sex),
                q(self.stratum),
                q(self.twin),
                q(self.twin_wish),
            )
        else:
            filled = _LEAF_TEMPLATE % (
                q(self.name),
                self.private.hex(),
                q(self.sex),
                q(self.stratum),
                q(self.twin),
                q(self.twin_wish),
            )
        return filled.encode()

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


def private_bytes(pupil: PupilRecord, salt: bytes, version: int = 1) -> bytes:
    """JCS(private JSON) from a template: equal to ``canonical_json(private_json(…))``
    for NFC text (property-tested), which ``private_commitment`` checks first."""
    q = json_string
    flags = ",".join(map(q, pupil.flags))
    date, id_number, salt_hex = pupil.birth_date.isoformat(), q(pupil.id_number), salt.hex()
    student_no, twin_group = q(pupil.student_no), q(pupil.twin_group)
    if version == 2:
        filled = _PRIVATE_TEMPLATE_V2 % (
            date,
            flags,
            id_number,
            q(pupil.name),
            salt_hex,
            student_no,
            twin_group,
        )
    else:
        filled = _PRIVATE_TEMPLATE % (date, flags, id_number, salt_hex, student_no, twin_group)
    return filled.encode()


def private_commitment(pupil: PupilRecord, salt: bytes, version: int = 1) -> bytes:
    if len(salt) != SALT_BYTES:
        msg = f"salt must be {SALT_BYTES} bytes"
        raise CommitmentError(msg)
    texts = (pupil.name, pupil.twin_group, pupil.student_no, *pupil.flags)
    if not all(map(_is_nfc, texts)):
        msg = f"row {pupil.row}: text must be in Unicode NFC before it is committed"
        raise CommitmentError(msg)
    h = (_PRIVATE_PREFIX_V2 if version == 2 else _PRIVATE_PREFIX).copy()
    h.update(private_bytes(pupil, salt, version))
    return h.digest()


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
    keys = [p.stratum_key for p in pupils]
    # v2: a 重名 pupil's stratum is withheld (§20.3), so it takes no stratum code either.
    kept = [k for p, k in zip(pupils, keys, strict=True) if p.name not in same] if same else keys
    strata = opaque_codes(kept, "s")
    twins = opaque_codes([p.twin_group for p in pupils], "t")
    built = []
    for i, (p, key, salt) in enumerate(zip(pupils, keys, salts, strict=True)):
        code = same.get(p.name, "")  # always "" in v1
        leaf = PublicLeaf(
            "" if v2 else p.name,
            p.sex,
            "" if code else strata.get(key, ""),
            twins.get(p.twin_group, ""),
            p.twin_wish,
            private_commitment(p, salt, version),
            code,
            version,
        )
        built.append((leaf_hash(leaf.entry()), i, leaf))
    built.sort()  # by leaf hash; equal hashes (equal leaves) by input position, never by leaf
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
