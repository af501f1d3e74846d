"""RFC 6962 Merkle trees: published known answers plus hypothesis properties."""

from __future__ import annotations

from hashlib import sha256

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placement.errors import PlacementError
from placement.merkle import (
    EMPTY_ROOT,
    MerkleError,
    MerkleTree,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# Known answers copied from github.com/transparency-dev/merkle (Apache-2.0):
# leaf inputs, node hashes and roots from testonly/constants.go; proof hashes
# from the inclusionProofs and consistencyProofs tables in proof/verify_test.go;
# proof node layouts from TestInclusion and TestConsistency in proof/proof_test.go.
# They are the RFC 6962 test vectors also used by google/certificate-transparency.
LEAF_INPUTS = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
NODE_HASHES = [
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
        "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    ],
    [
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    ],
    [
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
]
ROOT_HASHES = [  # indexed by tree size, 0..8
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (0-based leaf index, tree size, proof); verify_test.go lists the index 1-based.
INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]


def _nh(level: int, index: int) -> bytes:
    return bytes.fromhex(NODE_HASHES[level][index])


# proof_test.go gives proofs as node ids (level, index) over the 8-leaf tree;
# "rehash" pairs become node_hash(right_id, left_id) as in its TestRehash.
_L = node_hash(_nh(1, 2), _nh(0, 6))  # l = hash(i, j) in the size-7 tree
INCLUSION_LAYOUT = [
    (0, 7, [_nh(0, 1), _nh(1, 1), _L]),
    (2, 7, [_nh(0, 3), _nh(1, 0), _L]),
    (4, 7, [_nh(0, 5), _nh(0, 6), _nh(2, 0)]),
    (6, 7, [_nh(1, 2), _nh(2, 0)]),
    (3, 5, [_nh(0, 2), _nh(1, 0), _nh(0, 4)]),
    (3, 6, [_nh(0, 2), _nh(1, 0), _nh(1, 2)]),
]
CONSISTENCY_LAYOUT = [
    (1, 2, [_nh(0, 1)]),
    (1, 6, [_nh(0, 1), _nh(1, 1), _nh(1, 2)]),
    (2, 3, [_nh(0, 2)]),
    (2, 8, [_nh(1, 1), _nh(2, 1)]),
    (3, 7, [_nh(0, 2), _nh(0, 3), _nh(1, 0), _L]),
    (4, 7, [_L]),
    (5, 7, [_nh(0, 4), _nh(0, 5), _nh(0, 6), _nh(2, 0)]),
    (6, 7, [_nh(1, 2), _nh(0, 6), _nh(2, 0)]),
    (7, 8, [_nh(0, 6), _nh(0, 7), _nh(1, 2), _nh(2, 0)]),
    (3, 5, [_nh(0, 2), _nh(0, 3), _nh(1, 0), _nh(0, 4)]),
]

KAT_TREE = MerkleTree.from_leaf_hashes([leaf_hash(x) for x in LEAF_INPUTS])


def _hexes(proof: tuple[bytes, ...]) -> list[str]:
    return [p.hex() for p in proof]


def _root(size: int) -> bytes:
    return bytes.fromhex(ROOT_HASHES[size])


def test_hash_primitives() -> None:
    assert sha256(b"").digest() == EMPTY_ROOT == _root(0)
    for level, hashes in enumerate(NODE_HASHES):
        for i, h in enumerate(hashes):
            if level == 0:
                assert leaf_hash(LEAF_INPUTS[i]).hex() == h
            else:
                assert node_hash(_nh(level - 1, 2 * i), _nh(level - 1, 2 * i + 1)).hex() == h


@pytest.mark.parametrize("size", range(9))
def test_known_roots(size: int) -> None:
    leaves = [leaf_hash(x) for x in LEAF_INPUTS[:size]]
    assert root(leaves).hex() == ROOT_HASHES[size]
    assert MerkleTree.from_leaf_hashes(leaves).root.hex() == ROOT_HASHES[size]
    assert KAT_TREE.root_at(size).hex() == ROOT_HASHES[size]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_known_inclusion_proofs(index: int, size: int, proof: list[str]) -> None:
    assert _hexes(KAT_TREE.inclusion_proof(index, size)) == proof
    small = MerkleTree.from_leaf_hashes(KAT_TREE.levels[0][:size])
    assert _hexes(small.inclusion_proof(index)) == proof
    hashes = [bytes.fromhex(p) for p in proof]
    leaf = leaf_hash(LEAF_INPUTS[index])
    assert verify_inclusion(leaf, index, size, hashes, _root(size))
    assert not verify_inclusion(leaf, index + 1, size, hashes, _root(size))
    assert not verify_inclusion(leaf, index, size * 2, hashes, _root(size))
    assert not verify_inclusion(leaf, index, size, [*hashes, _root(size)], _root(size))
    assert not verify_inclusion(leaf, index, size, hashes, EMPTY_ROOT)


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_known_consistency_proofs(old: int, new: int, proof: list[str]) -> None:
    assert _hexes(KAT_TREE.consistency_proof(old, new)) == proof
    small = MerkleTree.from_leaf_hashes(KAT_TREE.levels[0][:new])
    assert _hexes(small.consistency_proof(old)) == proof
    hashes = [bytes.fromhex(p) for p in proof]
    assert verify_consistency(old, new, _root(old), _root(new), hashes)
    assert not verify_consistency(old, new, _root(new), _root(old), hashes) or old == new
    if hashes:
        assert not verify_consistency(old, new, _root(old), _root(new), [])
        assert not verify_consistency(old, new, _root(old), _root(new), hashes[:-1])
        assert not verify_consistency(old + 1, new, _root(old), _root(new), hashes)


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_LAYOUT)
def test_inclusion_layouts(index: int, size: int, proof: list[bytes]) -> None:
    assert list(KAT_TREE.inclusion_proof(index, size)) == proof
    assert verify_inclusion(KAT_TREE.levels[0][index], index, size, proof, _root(size))


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_LAYOUT)
def test_consistency_layouts(old: int, new: int, proof: list[bytes]) -> None:
    assert list(KAT_TREE.consistency_proof(old, new)) == proof
    assert verify_consistency(old, new, _root(old), _root(new), proof)


def test_go_edge_cases() -> None:
    """Adapted from TestVerifyInclusion / TestVerifyConsistency in verify_test.go."""
    some = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
    for index, size in [(0, 0), (0, 1), (1, 0), (2, 1)]:
        assert not verify_inclusion(some, index, size, [], b"")
        assert not verify_inclusion(b"", index, size, [], EMPTY_ROOT)
        assert not verify_inclusion(some, index, size, [], EMPTY_ROOT)
    h = leaf_hash(b"data")
    assert verify_inclusion(h, 0, 1, [], h)
    assert not verify_inclusion(b"", 0, 1, [], h)
    assert not verify_inclusion(h, 0, 1, [], b"")
    r1, r2 = _root(1), _root(2)
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(1, 1, r2, r2, [])
    assert not verify_consistency(1, 1, r1, r2, [])
    assert not verify_consistency(1, 0, r1, r2, [])
    assert not verify_consistency(2, 1, r1, r2, [])
    assert not verify_consistency(1, 2, r1, r2, [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    assert not verify_consistency(0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    assert not verify_consistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    # Deliberate difference from Go: an empty old tree must have the empty root.
    assert verify_consistency(0, 5, EMPTY_ROOT, _root(5), [])
    assert not verify_consistency(0, 5, r1, _root(5), [])


def test_malformed_inputs_return_false() -> None:
    leaf, r = KAT_TREE.levels[0][0], _root(8)
    good = list(KAT_TREE.inclusion_proof(0))
    bad_proofs: list[object] = [None, "abc", b"x" * 32, [*good[:2], good[2][:31]], [*good[:2], 7]]
    for bad in bad_proofs:
        assert not verify_inclusion(leaf, 0, 8, bad, r)  # type: ignore[arg-type]
        assert not verify_consistency(1, 8, _root(1), r, bad)  # type: ignore[arg-type]
    for index, size in [(-1, 8), (8, 8), (True, 8), (0, 2**64), (0, -3)]:
        assert not verify_inclusion(leaf, index, size, good, r)
    assert not verify_inclusion(leaf, 0, 8, good, r.hex())  # type: ignore[arg-type]
    assert not verify_consistency(-1, 8, _root(1), r, [])
    assert not verify_consistency(1, 2**64, _root(1), r, good)
    assert not verify_consistency(1, 8, bytearray(_root(1)), r, good)  # type: ignore[arg-type]


def test_builder_errors() -> None:
    assert issubclass(MerkleError, PlacementError)
    with pytest.raises(MerkleError):
        MerkleTree.from_leaf_hashes([b"short"])
    with pytest.raises(MerkleError):
        root([leaf_hash(b"a"), "x" * 32])  # type: ignore[list-item]
    with pytest.raises(MerkleError):
        KAT_TREE.inclusion_proof(8)
    with pytest.raises(MerkleError):
        KAT_TREE.inclusion_proof(-1)
    with pytest.raises(MerkleError):
        KAT_TREE.inclusion_proof(0, 9)
    for old in (0, 9, -1):
        with pytest.raises(MerkleError):
            KAT_TREE.consistency_proof(old)
    with pytest.raises(MerkleError):
        KAT_TREE.root_at(9)
    empty = MerkleTree.from_leaf_hashes([])
    assert empty.size == 0
    assert empty.root == EMPTY_ROOT == root([])
    with pytest.raises(MerkleError):
        empty.inclusion_proof(0)
    assert "size=8" in repr(KAT_TREE)


# --- properties ---------------------------------------------------------------


def naive_mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH, written straight from the definition."""
    if not leaves:
        return sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return sha256(b"\x01" + naive_mth(leaves[:k]) + naive_mth(leaves[k:])).digest()


def _flip(proof: tuple[bytes, ...], i: int) -> list[bytes]:
    out = list(proof)
    out[i] = bytes([out[i][0] ^ 0x10]) + out[i][1:]
    return out


leaves_st = st.lists(st.binary(max_size=8), min_size=1, max_size=70, unique=True).map(
    lambda xs: [leaf_hash(x) for x in xs]
)


@settings(max_examples=60, deadline=None)
@given(leaves_st)
def test_root_matches_naive(leaves: list[bytes]) -> None:
    tree = MerkleTree.from_leaf_hashes(leaves)
    assert root(leaves) == tree.root == naive_mth(leaves)
    for size in range(len(leaves) + 1):
        assert tree.root_at(size) == naive_mth(leaves[:size])


@settings(max_examples=40, deadline=None)
@given(leaves_st, st.data())
def test_inclusion_property(leaves: list[bytes], data: st.DataObject) -> None:
    tree = MerkleTree.from_leaf_hashes(leaves)
    n, r = tree.size, tree.root
    other = leaf_hash(b"not in the tree at all")
    for i in range(n):
        proof = tree.inclusion_proof(i)
        assert verify_inclusion(leaves[i], i, n, proof, r)
        assert not verify_inclusion(other, i, n, proof, r)
        assert not verify_inclusion(leaves[i], i, n, proof, node_hash(r, r))
        if n > 1:
            j = data.draw(st.integers(0, n - 1).filter(lambda j, i=i: j != i))
            assert not verify_inclusion(leaves[j], i, n, proof, r)
            assert not verify_inclusion(leaves[i], j, n, proof, r)
        if proof:
            k = data.draw(st.integers(0, len(proof) - 1))
            assert not verify_inclusion(leaves[i], i, n, _flip(proof, k), r)
    size = data.draw(st.integers(1, n))
    index = data.draw(st.integers(0, size - 1))
    past = tree.inclusion_proof(index, size)
    assert verify_inclusion(leaves[index], index, size, past, naive_mth(leaves[:size]))


@settings(max_examples=40, deadline=None)
@given(leaves_st)
def test_consistency_property(leaves: list[bytes]) -> None:
    tree = MerkleTree.from_leaf_hashes(leaves)
    roots = [tree.root_at(s) for s in range(tree.size + 1)]
    for new in range(1, tree.size + 1):
        for old in range(1, new + 1):
            proof = tree.consistency_proof(old, new)
            if new == tree.size:
                assert proof == tree.consistency_proof(old)
            assert verify_consistency(old, new, roots[old], roots[new], proof)
            wrong_old = node_hash(roots[old], roots[old])
            assert not verify_consistency(old, new, wrong_old, roots[new], proof)
            assert not verify_consistency(old, new, roots[old], wrong_old, proof)
            for k in range(len(proof)):
                assert not verify_consistency(old, new, roots[old], roots[new], _flip(proof, k))
