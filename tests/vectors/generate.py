"""(Re)write the cross-implementation test vectors under ``tests/vectors/v1/`` and ``v2/``.

    python tests/vectors/generate.py           # rewrite every file
    python tests/vectors/generate.py --check   # exit 1 if a committed file drifted

Every value is computed by ``placement/`` (the Python reference implementation).
Where an intermediate value of the deal is not returned by a public function,
a small helper below recomputes it from the same core internals and says so in
the case description. Secret randomness (salts, server seeds) is replaced by
SHA-256 of a fixed label, as ``web/cli.py`` does for the demo: vectors only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import placement
from placement import canonical, deal, merkle, rfc3797
from placement.canonical import TAG_TEAM_TICKET, TAG_TICKET, CanonicalError
from placement.commitment import (
    PublicLeaf,
    commit_roster,
    opaque_codes,
    private_commitment,
    private_json,
)
from placement.draw import Intake, Outcome, Prepared, perform, prepare
from placement.errors import Infeasible, PlacementError
from placement.idcard import WEIGHTS, IdNumberError, check_character, parse_resident_id
from placement.policy import PROFILES, Level, eligible_by_birth
from placement.roster import PupilRecord, Sex, TwinWish
from placement.seed import SeedError, final_seed, seed_commitment
from placement.structure import Special, Structure, structure
from placement.teams import Teacher, Team, commit_teams

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "v1"
GENERATOR = "tests/vectors/generate.py"
PROFILE = PROFILES["taobei-2024"]

Doc = dict[str, Any]

# ---------------------------------------------------------------------------
# Published reference values the generator checks itself against, so that the
# provenance sentences stay true.

# RFC 3797 §6: the picks and the MD5 column of its worked example.
RFC3797_SOURCES: tuple[Any, ...] = (9319, (2, 5, 12, 8, 10), (9, 18, 26, 34, 41, 45))
RFC3797_KEY = "9319./2.5.8.10.12./9.18.26.34.41.45./"
RFC3797_POOL = [
    "John",
    "Mary",
    "Bashful",
    "Dopey",
    "Sleepy",
    "Grouchy",
    "Doc",
    "Sneazy",
    "Handsome",
    "Cassandra",
    "Pollyanna",
    "Pendragon",
    "Pandora",
    "Faith",
    "Hope",
    "Charity",
    "Lee",
    "Longsuffering",
    "Chastity",
    "Smith",
    "Pride",
    "Sloth",
    "Envy",
    "Anger",
    "Kasczynski",
]
RFC3797_PICKS = (17, 7, 2, 16, 25, 23, 8, 24, 19, 13, 22, 5, 18, 9, 1, 4)
RFC3797_DIGESTS = [
    "990DD0A5692A029A98B5E01AA28F3459",
    "3691E55CB63FCC37914430B2F70B5EC6",
    "FE814EDF564C190AC1D25753979990FA",
    "1863CCACEB568C31D7DDBDF1D4E91387",
    "F4AB33DF4889F0AF29C513905BE1D758",
    "13EAEB529F61ACFB9A29D0BA3A60DE4A",
    "992DB77C382CA2BDB9727001F3CDCCD9",
    "63AB4258ECA922976811C7F55C383CE7",
    "DFBC5AC97CED01B3A6E348E3CC63F40D",
    "31CB111C4A4EBE9287CEAE16FE51B909",
    "07FA46C122F164C215BBC72793B189A3",
    "AC52F8D75CCBE2E61AFEB3387637D501",
    "53306F73E14FC0B2FBF434218D25948E",
    "B5D1403501A81F9A47318BE7893B347C",
    "85B10B356AA06663EF1B1B407765100A",
    "3269E6CE559ABD57E2BA6AAB495EB9BD",
]

# github.com/transparency-dev/merkle testonly/constants.go (the RFC 6962 test leaves)
# and the proof tables of proof/verify_test.go (index 0-based here).
MERKLE_LEAVES = ("", "00", "10", "2021", "3031", "40414243", "5051525354555657")
MERKLE_LEAVES += ("606162636465666768696a6b6c6d6e6f",)
MERKLE_ROOTS = (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)
MERKLE_INCLUSION = {  # (index, size): audit path
    (0, 8): (
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ),
    (5, 8): (
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ),
    (2, 3): ("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",),
    (1, 5): (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ),
}
MERKLE_CONSISTENCY = {  # (old size, new size): proof
    (1, 8): (
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ),
    (6, 8): (
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ),
    (2, 5): (
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ),
    (6, 7): (
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ),
}


class VectorError(Exception):
    """The core disagrees with a published reference value: fix before committing."""


def _require(ok: bool, what: str) -> None:
    if not ok:
        raise VectorError(what)


# ---------------------------------------------------------------------------
# Deterministic stand-ins for secret randomness.


def label_bytes(label: str, n: int) -> bytes:
    """SHA-256("sunshine-placement vectors " ‖ label)[:n], UTF-8: vectors only."""
    return hashlib.sha256(f"sunshine-placement vectors {label}".encode()).digest()[:n]


def provenance(how: str) -> Doc:
    return {
        "generator": GENERATOR,
        "protocol": placement.PROTOCOL,
        "algorithm": placement.ALGORITHM,
        "produced_by": how,
        "hex": "every byte string is lowercase hex unless a field says otherwise",
    }


def canonical_text(value: Any) -> str:
    return canonical.canonical_json(value).decode("utf-8")


def error_doc(err: Exception) -> Doc:
    # The type and the message as str() gives it; a rule's code where it has one. (Every
    # error has zh and en since they share placement.errors.PlacementError; the vectors
    # that check the two languages record them beside the call that raises.)
    doc: Doc = {"type": type(err).__name__, "message": str(err)}
    if hasattr(err, "code"):
        doc["code"] = err.code
    return doc


# ---------------------------------------------------------------------------
# canonical.json


def _tags() -> list[tuple[str, str]]:
    return sorted((n, getattr(canonical, n)) for n in dir(canonical) if n.startswith("TAG_"))


def canonical_file() -> Doc:
    values: list[tuple[str, str, Any]] = [
        ("empty-object", "the empty object", {}),
        (
            "chinese-text",
            (
                "Chinese keys and values stay raw UTF-8 (no \\u escapes); keys sort by UTF-16 "
                "code units"
            ),
            {"姓名": "王浩宇", "班级": "2024级一年级（3）班", "name": "Wang", "年级": 1},
        ),
        (
            "utf16-key-order",
            (
                "JCS sorts keys by UTF-16 code units: U+1F600 (surrogates D83D DE00) comes "
                "before U+FF61 although its code point is larger"
            ),
            {"｡": 1, "😀": 2, "a": 3, "é": 4, "阳光": 5, "A": 6, "": 7},
        ),
        (
            "nested-lists",
            "lists keep their order; nested objects are sorted at every level",
            {"b": [[3, 2, 1], [], [{"z": None, "y": True}]], "a": [False, "x", 0]},
        ),
        (
            "integers-near-2^53",
            "the largest allowed magnitudes, ±(2^53-1), plus 0 and -1",
            [9007199254740991, -9007199254740991, 0, -1, 9007199254740990],
        ),
        (
            "string-escapes",
            (
                'JCS escapes only ", \\ and controls below U+0020 (as \\b \\t \\n \\f \\r or '
                "\\u00xx lowercase); DEL, U+2028 and non-BMP characters stay raw"
            ),
            ['"\\/', "\b\t\n\f\r", "\u0000\u001f", "\u007f\u2028\u2029", "😀𠀀"],
        ),
    ]
    cases: list[Doc] = [
        {
            "name": name,
            "kind": "json",
            "description": desc,
            "value": value,
            "tag": canonical.TAG_RESULT,
            "expected": {
                "canonical_text": canonical_text(value),
                "canonical_hex": canonical.canonical_json(value).hex(),
                "tagged_hash": canonical.json_digest(canonical.TAG_RESULT, value).hex(),
            },
        }
        for name, desc, value in values
    ]
    refused: list[tuple[str, str, Any]] = [
        ("refuse-2^53", "2^53 is outside ±(2^53-1)", {"n": 9007199254740992}),
        ("refuse-negative-2^53", "-2^53 is outside ±(2^53-1)", [-9007199254740992]),
        ("refuse-float", "floats are never hashed", {"x": 1.5}),
        ("refuse-nfd-text", "text must be NFC: 'e' + U+0301 is NFD for 'é'", ["e\u0301"]),
        ("refuse-nfd-key", "object keys must be NFC too", {"e\u0301": 1}),
    ]
    for name, desc, value in refused:
        try:
            canonical.canonical_json(value)
        except CanonicalError as e:
            err = error_doc(e)
        else:
            raise VectorError(name)
        cases.append(
            {
                "name": name,
                "kind": "refused",
                "description": desc + " (message text is informative; the refusal is normative)",
                "value": value,
                "expected": {"error": err},
            }
        )
    message = "阳光分班 sunshine placement".encode()
    for const, tag in _tags():
        raw = tag.encode("ascii")
        cases.append(
            {
                "name": f"tagged-hash-{const.removeprefix('TAG_').lower().replace('_', '-')}",
                "kind": "tagged_hash",
                "description": f"{const}: SHA-256(u8(len(tag)) ‖ tag ‖ message)",
                "tag": tag,
                "parts_hex": [message.hex()],
                "expected": {
                    "prefix_hex": (bytes([len(raw)]) + raw).hex(),
                    "digest": canonical.tagged_hash(tag, message).hex(),
                },
            }
        )
    parts = [b"\x00\x01", b"", "分班".encode()]
    cases.append(
        {
            "name": "tagged-hash-several-parts",
            "kind": "tagged_hash",
            "description": "parts are concatenated with no separator or length (an empty part "
            "adds nothing)",
            "tag": canonical.TAG_FINAL_SEED,
            "parts_hex": [p.hex() for p in parts],
            "expected": {
                "prefix_hex": (
                    bytes([len(canonical.TAG_FINAL_SEED)]) + canonical.TAG_FINAL_SEED.encode()
                ).hex(),
                "digest": canonical.tagged_hash(canonical.TAG_FINAL_SEED, *parts).hex(),
            },
        }
    )
    return {
        "provenance": provenance(
            "computed by placement/canonical.py (Python reference implementation, JCS bytes "
            "from the rfc8785 package)"
        ),
        "cases": cases,
    }


# ---------------------------------------------------------------------------
# idcard.json


def _checksum(first17: str) -> Doc | None:
    if len(first17) != 17 or not all(c in "0123456789" for c in first17):
        return None
    total = sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return {"weighted_sum": total, "remainder": total % 11, "check": check_character(first17)}


def _with_check(first17: str) -> str:
    return first17 + check_character(first17)


def idcard_file() -> Doc:
    inputs = [
        (
            "brief-cutoff-day-boy",
            "brief: Taobei, born on the 2018-08-31 cut-off, male, eligible",
            "220802201808310019",
        ),
        (
            "brief-one-day-too-young",
            "brief: female, born 2018-09-01, one day after the cut-off",
            "220802201809010026",
        ),
        (
            "brief-standard-example-x",
            "brief: the standard's own example, check character X",
            "11010519491231002X",
        ),
        ("brief-wrong-check", "brief: invalid check character (X expected)", "340524198001010013"),
        ("lowercase-x", "a lowercase x is normalised to X", "11010519491231002x"),
        (
            "fullwidth-and-spaces",
            "fullwidth digits (NFKC) and surrounding spaces are accepted",
            "  １１０１０５１９４９１２３１００２Ｘ ",
        ),
        ("too-short", "17 characters", "22080220180831001"),
        ("letter-inside", "a letter among the first 17 characters", "2208022018083100A9"),
        ("x-inside", "X is only allowed as the last character", "22080220180831X019"),
        (
            "impossible-date",
            "2018-02-30 does not exist (check character itself is right)",
            _with_check("22080220180230001"),
        ),
        (
            "before-1900",
            "born before 1900-01-01 is refused (check character itself is right)",
            _with_check("22080218991231001"),
        ),
        ("arabic-indic-digit", "other scripts' digits are not digits", "22080220180831001٩"),
    ]
    cases = []
    for name, desc, text in inputs:
        number = unicodedata.normalize("NFKC", text.strip()).upper()
        case: Doc = {"name": name, "kind": "parse", "description": desc, "input": text}
        expected: Doc = {"normalised": number, "checksum": _checksum(number[:17])}
        try:
            rid = parse_resident_id(text)
        except IdNumberError as e:
            expected["error"] = {"code": e.code, "zh": e.zh, "en": e.en}
        else:
            expected.update(
                number=rid.number,
                region=rid.region,
                birth_date=rid.birth_date.isoformat(),
                sex=Sex.MALE.value if rid.male else Sex.FEMALE.value,
                eligible_primary_taobei_2024=eligible_by_birth(PROFILE, rid.birth_date),
            )
        case["expected"] = expected
        cases.append(case)
    # The brief's checks must hold, or the vectors say something false.
    by_name = {c["name"]: c["expected"] for c in cases}
    _require(by_name["brief-cutoff-day-boy"]["eligible_primary_taobei_2024"], "cut-off day")
    _require(not by_name["brief-one-day-too-young"]["eligible_primary_taobei_2024"], "too young")
    _require(by_name["brief-wrong-check"]["error"]["code"] == "id.check", "wrong check")
    return {
        "provenance": provenance(
            "computed by placement/idcard.py (Python reference implementation); the first four "
            "cases are the examples of GB 11643-1999 / ISO 7064 MOD 11-2 given in the project "
            "brief, eligibility uses the taobei-2024 cut-off 2018-08-31 (inclusive)"
        ),
        "weights": list(WEIGHTS),
        "check_characters": "10X98765432",
        "fields": {
            "normalised": "NFKC of the stripped input, upper-cased (the core's normalise())",
            "checksum": "MOD 11-2 over the first 17 normalised characters when they are ASCII "
            "digits, else null: weighted_sum, remainder = weighted_sum mod 11, "
            "check = check_characters[remainder]; computed even when parsing fails",
            "error": "code, zh and en of the refusal; parsing checks length, then characters, "
            "then the birth date, then the check character, and stops at the first failure",
        },
        "cases": cases,
    }


# ---------------------------------------------------------------------------
# rfc3797.json


def _selection(
    name: str, desc: str, sources: Sequence[Any], pool: Sequence[str], count: int
) -> Doc:
    key = rfc3797.canonical_key(sources)
    remaining = list(range(1, len(pool) + 1))
    steps = []
    for i in range(count):
        d = rfc3797.digest(key, i)
        value = int.from_bytes(d, "big")
        size = len(remaining)
        at = value % size
        picked = remaining.pop(at)
        steps.append(
            {
                "index": i,
                "hashed_hex": (
                    i.to_bytes(2, "big") + key.encode("ascii") + i.to_bytes(2, "big")
                ).hex(),
                "md5": d.hex(),
                "remaining": size,
                "remainder": at,
                "position": picked,
                "name": pool[picked - 1],
            }
        )
    picks = rfc3797.select(len(pool), key, count)
    _require(picks == tuple(s["position"] for s in steps), f"{name}: select() disagrees")
    return {
        "name": name,
        "kind": "select",
        "description": desc,
        "sources": [s if isinstance(s, int | str) else list(s) for s in sources],
        "pool": list(pool),
        "count": count,
        "expected": {
            "canonical_sources": [rfc3797.canonical_source(s) for s in sources],
            "key": key,
            "picks": list(picks),
            "names": list(rfc3797.select_names(pool, key, count)),
            "steps": steps,
        },
    }


def rfc3797_file() -> Doc:
    rfc = _selection(
        "rfc3797-section-6",
        "RFC 3797 §6 worked example: three lottery sources, 25 names, all 16 picks. 'md5' is "
        "MD5(u16be(index) ‖ key ‖ u16be(index)) (the RFC prints it uppercase); the pick is the "
        "digest as a big-endian 128-bit integer modulo 'remaining', counted 0-based among the "
        "positions not yet picked",
        RFC3797_SOURCES,
        RFC3797_POOL,
        16,
    )
    _require(rfc["expected"]["key"] == RFC3797_KEY, "RFC 3797 key")
    _require(tuple(rfc["expected"]["picks"]) == RFC3797_PICKS, "RFC 3797 picks")
    _require(
        [s["md5"].upper() for s in rfc["expected"]["steps"]] == RFC3797_DIGESTS, "RFC 3797 MD5"
    )
    text = _selection(
        "text-source",
        "a text source loses accents, spaces and punctuation, is upper-cased and then ends in "
        "'./' like a number; numbers inside a list source are sorted; order of sources is kept",
        ["Café Zürich, 1-2 Dow Jones 38,852.86", [45, 9, 18], 7],
        ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏"],
        3,
    )
    parents = [
        p.strip()
        for p in (ROOT / "demo" / "parents.txt").read_text("utf-8").splitlines()
        if p.strip()
    ]
    demo = _selection(
        "demo-parent-representatives",
        "the demo's parent representatives: demo/parents.txt (one name a line, in file order) "
        "with the RFC §6 sources, 2 picks (as web/cli.py does)",
        RFC3797_SOURCES,
        parents,
        2,
    )
    refusals = []
    for name, desc, sources in (
        ("refuse-chinese-only-text", "a text source with no A-Z/0-9 left adds nothing", ["洮北区"]),
        ("refuse-negative", "sources hold non-negative integers", [[3, -1]]),
        ("refuse-empty-source", "a list source needs at least one number", [[]]),
    ):
        try:
            rfc3797.canonical_key(sources)
        except rfc3797.Rfc3797Error as e:
            refusals.append(
                {
                    "name": name,
                    "kind": "refused",
                    "description": desc,
                    "sources": sources,
                    "expected": {"error": error_doc(e)},
                }
            )
        else:
            raise VectorError(name)
    return {
        "provenance": provenance(
            "computed by placement/rfc3797.py (Python reference implementation); RFC 3797 §6 "
            "values (key string, 16 picks and every MD5 digest) also match the RFC text"
        ),
        "cases": [rfc, text, demo, *refusals],
    }


# ---------------------------------------------------------------------------
# merkle.json


def merkle_file() -> Doc:
    entries = [bytes.fromhex(h) for h in MERKLE_LEAVES]
    hashes = [merkle.leaf_hash(e) for e in entries]
    tree = merkle.MerkleTree.from_leaf_hashes(hashes)
    roots = [merkle.root(hashes[:n]).hex() for n in range(9)]
    _require(tuple(roots) == MERKLE_ROOTS, "Merkle roots differ from transparency-dev")
    cases: list[Doc] = [
        {
            "name": "leaf-hashes",
            "kind": "leaf_hash",
            "description": "SHA-256(0x00 ‖ entry) of the eight RFC 6962 test leaves",
            "entries_hex": list(MERKLE_LEAVES),
            "expected": {"leaf_hashes": [h.hex() for h in hashes]},
        },
        {
            "name": "node-hash",
            "kind": "node_hash",
            "description": "SHA-256(0x01 ‖ left ‖ right) of the first two leaf hashes",
            "left": hashes[0].hex(),
            "right": hashes[1].hex(),
            "expected": {"hash": merkle.node_hash(hashes[0], hashes[1]).hex()},
        },
    ]
    cases += [
        {
            "name": f"root-size-{n}",
            "kind": "root",
            "description": "MTH of the first n test leaves"
            + (" (SHA-256 of the empty string)" if n == 0 else ""),
            "entries_hex": list(MERKLE_LEAVES[:n]),
            "expected": {"root": roots[n]},
        }
        for n in range(9)
    ]
    for index, size in [(0, 1), (0, 8), (5, 8), (2, 3), (1, 5), (6, 7), (4, 5)]:
        proof = [p.hex() for p in tree.inclusion_proof(index, size)]
        if (index, size) in MERKLE_INCLUSION:
            _require(tuple(proof) == MERKLE_INCLUSION[index, size], f"inclusion {index} {size}")
        _require(
            merkle.verify_inclusion(
                hashes[index], index, size, tree.inclusion_proof(index, size), tree.root_at(size)
            ),
            "inclusion verifies",
        )
        cases.append(
            {
                "name": f"inclusion-{index}-of-{size}",
                "kind": "inclusion",
                "description": "audit path PATH(index, D[0:size]), leaf side first"
                + (" (transparency-dev table)" if (index, size) in MERKLE_INCLUSION else ""),
                "entries_hex": list(MERKLE_LEAVES[:size]),
                "index": index,
                "size": size,
                "expected": {
                    "leaf_hash": hashes[index].hex(),
                    "proof": proof,
                    "root": roots[size],
                    "valid": True,
                },
            }
        )
    for old, new in [(1, 1), (1, 8), (6, 8), (2, 5), (6, 7), (4, 8), (3, 7)]:
        proof = [p.hex() for p in tree.consistency_proof(old, new)]
        if (old, new) in MERKLE_CONSISTENCY:
            _require(tuple(proof) == MERKLE_CONSISTENCY[old, new], f"consistency {old} {new}")
        cases.append(
            {
                "name": f"consistency-{old}-to-{new}",
                "kind": "consistency",
                "description": "PROOF(old, D[0:new]); empty when the sizes are equal"
                + (" (transparency-dev table)" if (old, new) in MERKLE_CONSISTENCY else ""),
                "entries_hex": list(MERKLE_LEAVES[:new]),
                "old_size": old,
                "new_size": new,
                "expected": {
                    "old_root": roots[old],
                    "new_root": roots[new],
                    "proof": proof,
                    "valid": True,
                },
            }
        )
    good = [p.hex() for p in tree.inclusion_proof(5, 8)]
    bad = [good[0], good[2], good[1]]
    _require(
        not merkle.verify_inclusion(hashes[5], 5, 8, [bytes.fromhex(p) for p in bad], tree.root),
        "swapped proof rejected",
    )
    cases.append(
        {
            "name": "inclusion-swapped-path-rejected",
            "kind": "inclusion_verify",
            "description": "the 5-of-8 path with its last two hashes swapped must not verify",
            "leaf_hash": hashes[5].hex(),
            "index": 5,
            "size": 8,
            "proof": bad,
            "root": roots[8],
            "expected": {"valid": False},
        }
    )
    cases.append(
        {
            "name": "inclusion-wrong-index-rejected",
            "kind": "inclusion_verify",
            "description": "a correct path presented for the neighbouring index must not verify",
            "leaf_hash": hashes[5].hex(),
            "index": 4,
            "size": 8,
            "proof": good,
            "root": roots[8],
            "expected": {"valid": False},
        }
    )
    return {
        "provenance": provenance(
            "computed by placement/merkle.py (Python reference implementation, RFC 6962 / RFC "
            "9162 §2.1); test leaves, roots 0..8 and the proofs marked 'transparency-dev table' "
            "match transparency-dev/merkle testonly constants and proof/verify_test.go"
        ),
        "cases": cases,
    }


# ---------------------------------------------------------------------------
# Rosters built for the vectors.


def record(
    row: int,
    name: str,
    sex: Sex,
    born: str,
    serial: int,
    *,
    region: str = "220802",
    twin: str = "",
    wish: TwinWish = TwinWish.NONE,
    flags: Sequence[str] = (),
    student_no: str | None = None,
) -> PupilRecord:
    """A valid record: the order code's parity matches ``sex``, the check character is right."""
    order = 2 * serial + (1 if sex is Sex.MALE else 2)
    first17 = f"{region}{born.replace('-', '')}{order:03d}"
    number = first17 + check_character(first17)
    return PupilRecord(
        row=row,
        name=name,
        sex=sex,
        id_number=number,
        birth_date=dt.date.fromisoformat(born),
        student_no=f"G{number}" if student_no is None else student_no,
        twin_group=twin,
        twin_wish=wish,
        flags=tuple(sorted(flags)),
    )


def record_json(p: PupilRecord) -> Doc:
    return {
        "row": p.row,
        "name": p.name,
        "sex": p.sex.value,
        "id_number": p.id_number,
        "birth_date": p.birth_date.isoformat(),
        "student_no": p.student_no,
        "twin_group": p.twin_group,
        "twin_wish": p.twin_wish.value,
        "flags": list(p.flags),
    }


M, F = Sex.MALE, Sex.FEMALE
SAME, APART = TwinWish.SAME, TwinWish.APART


def teams_for(prefix: str, k: int, heads: Sequence[str]) -> list[Team]:
    subjects = ("语文", "数学", "道德与法治")
    teachers = ("张丽", "王强", "刘洋", "陈静", "杨磊", "赵敏", "孙悦", "周杰", "吴芳")
    return [
        Team(
            number=n,
            label=f"{prefix}（{n}）班",
            head_teacher=heads[n - 1],
            teachers=tuple(
                Teacher(subject=s, name=heads[n - 1] if j == n % 2 else teachers[(n + j) % 9])
                for j, s in enumerate(subjects)
            ),
        )
        for n in range(1, k + 1)
    ]


# ---------------------------------------------------------------------------
# leaves.json


def _pupil_leaf_case(
    name: str, desc: str, p: PupilRecord, salt: bytes, codes: tuple[str, str]
) -> Doc:
    priv = private_json(p, salt)
    commitment = private_commitment(p, salt)
    leaf = PublicLeaf(
        name=p.name,
        sex=p.sex,
        stratum=codes[0],
        twin=codes[1],
        twin_wish=p.twin_wish,
        private=commitment,
    )
    _require(leaf.entry() == leaf.entry_strict(), "fast leaf entry == JCS")
    return {
        "name": name,
        "kind": "pupil_leaf",
        "description": desc,
        "record": record_json(p),
        "salt": salt.hex(),
        "stratum_code": codes[0],
        "twin_code": codes[1],
        "expected": {
            "private_json": priv,
            "private_canonical": canonical_text(priv),
            "private_commitment": commitment.hex(),
            "leaf_json": leaf.to_json(),
            "leaf_canonical": leaf.entry().decode("utf-8"),
            "leaf_hash": merkle.leaf_hash(leaf.entry()).hex(),
        },
    }


def leaves_file() -> Doc:
    roster = [
        record(2, "魏清妍", F, "2018-06-14", 1),
        record(3, "李睿", M, "2017-10-15", 2, twin="T01", wish=SAME),
        record(4, "李欣悦", F, "2017-10-15", 3, twin="T01", wish=SAME, flags=["随班就读"]),
        record(5, "王浩宇", M, "2018-03-02", 4, flags=["留守儿童", "随迁子女"]),
        record(6, "林俊宇", M, "2017-09-21", 5, region="220881", flags=["随迁子女"]),
        record(7, "赵冉", F, "2017-12-24", 6, flags=["随迁子女"], student_no=""),
    ]
    salts = [label_bytes(f"leaves salt {p.row}", 16) for p in roster]
    strata = opaque_codes([p.stratum_key for p in roster], "s")
    twins = opaque_codes([p.twin_group for p in roster], "t")
    cases = [
        _pupil_leaf_case(
            f"pupil-leaf-row-{p.row}",
            "one pupil: private JSON (canonical) → tagged hash (pupil-private) → public leaf "
            "JSON (canonical) → leaf hash SHA-256(0x00 ‖ leaf). Stratum and twin codes are "
            "those of the roster case below",
            p,
            s,
            (strata.get(p.stratum_key, ""), twins.get(p.twin_group, "")),
        )
        for p, s in zip(roster, salts, strict=True)
    ]
    rc = commit_roster(roster, salts)
    cases.append(
        {
            "name": "roster-six-pupils",
            "kind": "roster",
            "description": "commit_roster: stratum labels (the sorted flags joined by '、') and "
            "twin groups are numbered s1, s2 … / t1 … in code-point order of the label; leaves "
            "are sorted by leaf hash (bytewise); order[i] is the input position of leaf i",
            "records": [record_json(p) for p in roster],
            "salts": [s.hex() for s in salts],
            "expected": {
                "stratum_codes": dict(strata),
                "twin_codes": dict(twins),
                "leaves": [leaf.to_json() for leaf in rc.leaves],
                "leaf_hashes": [h.hex() for h in rc.leaf_hashes],
                "order": list(rc.order),
                "root": rc.root.hex(),
            },
        }
    )
    teams = teams_for("2024级一年级", 3, ["林秀云", "杜春梅", "赵海涛"])
    teams.append(Team(number=4, label="2024级一年级（4）班", head_teacher="赵琳"))
    cases.extend(
        {
            "name": f"team-leaf-{t.number}",
            "kind": "team_leaf",
            "description": "team leaf JSON (canonical) → SHA-256(0x00 ‖ JSON)"
            + ("; no subject teachers filed" if not t.teachers else ""),
            "team": t.to_json(),
            "expected": {
                "canonical": canonical_text(t.to_json()),
                "leaf_hash": t.leaf_hash().hex(),
            },
        }
        for t in teams
    )
    tc = commit_teams(list(reversed(teams)))
    cases.append(
        {
            "name": "teams-four",
            "kind": "teams",
            "description": "commit_teams: teams ordered by number (1..k, labels distinct), "
            "Merkle root over their leaf hashes in that order",
            "teams": [t.to_json() for t in reversed(teams)],
            "expected": {
                "numbers": [t.number for t in tc.teams],
                "leaf_hashes": [h.hex() for h in tc.leaf_hashes],
                "root": tc.root.hex(),
            },
        }
    )
    return {
        "provenance": provenance(
            "computed by placement/commitment.py and placement/teams.py (Python reference "
            "implementation); salts are SHA-256('sunshine-placement vectors leaves salt <row>')"
            "[:16], stand-ins for secret randomness"
        ),
        "cases": cases,
    }


# ---------------------------------------------------------------------------
# seed.json


def _seed_input(digest: bytes, server: bytes, witnesses: Sequence[str], beacon: str | None) -> Doc:
    return {
        "announcement": digest.hex(),
        "beacon": None if beacon is None else canonical.nfc(beacon),
        "server_seed": server.hex(),
        "witnesses": [canonical.nfc(w) for w in witnesses],
    }


def seed_file() -> Doc:
    cases: list[Doc] = []
    for label in ("seed one", "seed two"):
        server = label_bytes(label, 32)
        cases.append(
            {
                "name": f"commitment-{label.replace(' ', '-')}",
                "kind": "commitment",
                "description": "seed commitment = tagged_hash(seed-commitment, server seed)",
                "server_seed": server.hex(),
                "expected": {"commitment": seed_commitment(server).hex()},
            }
        )
    digest = label_bytes("announcement digest", 32)
    server = label_bytes("seed one", 32)
    finals: list[tuple[str, str, list[str], str | None]] = [
        (
            "final-digits-no-beacon",
            "three witnesses typing dice digits, no beacon (null)",
            ["3 1 4 1 5 9", "2 7 1 8 2 8", "1 4 1 4 2 1"],
            None,
        ),
        (
            "final-chinese-and-spaces",
            "Chinese text, inner and trailing spaces kept verbatim",
            ["家长代表 张媛媛：六 六 三", "  纪检监察组 42  ", "区教育局监督员"],
            None,
        ),
        (
            "final-with-beacon",
            "a beacon value (drand-style hex) declared in the announcement",
            ["7 7 7", "阳光分班"],
            "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
        ),
        (
            "final-nfd-input",
            "witness input typed in NFD ('e' + U+0301) is hashed as NFC 'é'",
            ["Ame\u0301lie 12"],
            None,
        ),
        (
            "final-witness-order",
            "the same inputs in another order give another seed",
            ["2 7 1 8 2 8", "3 1 4 1 5 9", "1 4 1 4 2 1"],
            None,
        ),
        (
            "final-200-code-points",
            (
                "the length limit counts Unicode code points: 200 × U+20000 (400 UTF-16 units) is "
                "accepted"
            ),
            ["\U00020000" * 200],
            None,
        ),
        (
            "final-ideographic-space",
            "U+3000 (a Chinese IME's full-width space) and U+00A0 are kept verbatim, not refused",
            ["家长代表\u3000张媛媛 3 1 4", "3\u00a01 4"],
            None,
        ),
    ]
    for name, desc, witnesses, beacon in finals:
        body = _seed_input(digest, server, witnesses, beacon)
        cases.append(
            {
                "name": name,
                "kind": "final_seed",
                "description": desc + "; final seed = tagged_hash(final-seed, JCS(body))",
                "announcement_digest": digest.hex(),
                "server_seed": server.hex(),
                "witness_inputs": witnesses,
                "beacon": beacon,
                "expected": {
                    "body": body,
                    "canonical": canonical_text(body),
                    "final_seed": final_seed(
                        announcement_digest=digest,
                        server_seed=server,
                        witness_inputs=witnesses,
                        beacon=beacon,
                    ).hex(),
                },
            }
        )
    for name, desc, witnesses in (
        ("refuse-blank-witness", "a witness input of spaces only", ["1 2 3", "   "]),
        ("refuse-no-witness", "no witness input at all", []),
        ("refuse-control-character", "an unprintable character (TAB)", ["1\t2"]),
        ("refuse-201-code-points", "more than 200 code points", ["1" * 201]),
        ("refuse-line-separator", "U+2028 LINE SEPARATOR cannot be read back", ["3\u20281 4"]),
        ("refuse-zero-width", "U+200B ZERO WIDTH SPACE (format) is refused", ["3\u200b14"]),
    ):
        try:
            final_seed(
                announcement_digest=digest,
                server_seed=server,
                witness_inputs=witnesses,
                beacon=None,
            )
        except SeedError as e:
            err = error_doc(e)
        else:
            raise VectorError(name)
        cases.append(
            {
                "name": name,
                "kind": "refused",
                "description": desc,
                "announcement_digest": digest.hex(),
                "server_seed": server.hex(),
                "witness_inputs": witnesses,
                "beacon": None,
                "expected": {"error": err},
            }
        )
    return {
        "provenance": provenance(
            "computed by placement/seed.py (Python reference implementation); server seeds and "
            "the announcement digest are SHA-256('sunshine-placement vectors <label>'), "
            "stand-ins"
        ),
        "cases": cases,
    }


# ---------------------------------------------------------------------------
# draws.json and demo-draw.json: the whole draw with every intermediate value.


@dataclass(frozen=True)
class DrawSpec:
    name: str
    description: str
    intake: Intake
    pupils: Sequence[PupilRecord]
    teams: Sequence[Team]
    salts: Sequence[bytes]
    server_seed: bytes
    witness_inputs: Sequence[str]
    beacon_value: str | None


def _counts(row: Any) -> dict[str, int]:
    return dict(sorted((key, v) for key, v in row.items() if v))


@contextmanager
def recording_layouts() -> Iterator[list[Doc]]:
    """Record each complete phase-1 layout handed to phase 2, and phase 2's verdict.

    ``deal._layout`` calls ``deal.peel`` once per complete layout; wrapping it is
    the only way to see the backtracking from outside. A layout is shown as the
    per-group counts phase 2 receives.
    """
    seen: list[Doc] = []
    real = deal.peel

    def wrapper(**kwargs: Any) -> Any:
        out = real(**kwargs)
        seen.append(
            {"counts": [_counts(row) for row in kwargs["pre"]], "accepted": out is not None}
        )
        return out

    with mock.patch.object(deal, "peel", wrapper):
        yield seen


def dealing_order(st: Structure, tickets: Sequence[bytes]) -> list[tuple[int, Special]]:
    """Phase-1 order as ``deal.deal_groups`` builds it (not exposed): blocks by (rank,
    smallest member ticket), then specials by (signature, groups, smallest ticket)."""

    def ticket(s: Special) -> bytes:
        return min(tickets[i] for i in s.members)

    ranked = sorted(
        enumerate(st.blocks), key=lambda bi: (bi[1].rank, min(ticket(s) for s in bi[1].specials))
    )
    return [
        (b, s)
        for b, block in ranked
        for s in sorted(block.specials, key=lambda s: (s.signature, s.groups, ticket(s)))
    ]


def structure_json(st: Structure) -> Doc:
    return {
        "units": [list(u) for u in st.units],
        "apart": [list(g) for g in st.apart],
        "same_name": [list(g) for g in st.same_name],
        "blocks": [
            {
                "rank": list(b.rank),
                "specials": [
                    {
                        "members": list(s.members),
                        "signature": s.signature,
                        "groups": list(s.groups),
                        "need": dict(s.need),
                    }
                    for s in b.specials
                ],
            }
            for b in st.blocks
        ],
    }


def tolerance_trials(leaves: Sequence[PublicLeaf], k: int, cap: int, tolerance: int) -> list[Doc]:
    """size_tolerance's attempts (structural order, no tickets), via deal internals."""
    trials: list[Doc] = []
    for t in range(1, tolerance + 1):
        try:
            deal._layout(*deal._structural(leaves, k, cap, t))
        except Infeasible as e:
            trials.append({"tolerance": t, "feasible": False, "en": e.en})
        else:
            trials.append({"tolerance": t, "feasible": True})
    return trials


def trace(prepared: Prepared, outcome: Outcome, spec: DrawSpec) -> Doc:
    leaves, hashes = prepared.roster.leaves, prepared.roster.leaf_hashes
    ann = prepared.announcement
    k, cap, seed = ann.team_count, ann.class_cap, outcome.final_seed
    tol = outcome.placement.size_tolerance
    tickets = deal.tickets(TAG_TICKET, seed, hashes)
    st = structure(leaves, k)
    pb = deal.problem(leaves, k, cap, tol)
    order = dealing_order(st, tickets)
    with recording_layouts() as seen:
        where, picks = deal._layout(pb, [s for _, s in order])
    pre: list[dict[str, int]] = [{} for _ in range(k)]
    for (_, sp), g in zip(order, where, strict=True):
        for key, v in sp.need:
            pre[g][key] = pre[g].get(key, 0) + v
    special = {i for _, s in order for i in s.members}
    queues: dict[tuple[str, str], list[int]] = {}
    for i in sorted(range(len(leaves)), key=tickets.__getitem__):
        if i not in special:
            queues.setdefault((leaves[i].stratum, leaves[i].sex.value), []).append(i)
    team_tickets = deal.tickets(TAG_TEAM_TICKET, seed, prepared.teams.leaf_hashes)
    team_rank = sorted(range(k), key=team_tickets.__getitem__)
    groups = outcome.placement.groups
    numbers = {c.number: list(c.pupils) for c in outcome.placement.classes}
    _require(
        all(
            numbers[prepared.teams.teams[t].number] == list(groups[g])
            for g, t in enumerate(team_rank)
        ),
        "team matching helper disagrees with the core",
    )
    strata_order = [*pb.strata, ""]
    by_ticket = sorted(range(len(leaves)), key=tickets.__getitem__)
    group_of = {i: g for (_, sp), g in zip(order, where, strict=True) for i in sp.members}
    taken: dict[tuple[str, str], int] = {}
    for g, row in enumerate(picks):
        for s, (a, b) in zip(strata_order, row, strict=True):
            for cell, count in (((s, "F"), a), ((s, "M"), b)):
                start = taken.get(cell, 0)
                group_of.update((i, g) for i in queues.get(cell, [])[start : start + count])
                taken[cell] = start + count
    rebuilt = [tuple(i for i in by_ticket if group_of[i] == g) for g in range(k)]
    _require(rebuilt == list(groups), "phase 1/2 helpers disagree with the core's groups")
    body = _seed_input(ann.digest(), spec.server_seed, spec.witness_inputs, spec.beacon_value)
    _require(canonical.json_digest(canonical.TAG_FINAL_SEED, body) == seed, "final seed body")
    return {
        "final_seed_body": body,
        "final_seed": seed.hex(),
        "tickets": [t.hex() for t in tickets],
        "ticket_order": by_ticket,
        "structure": structure_json(st),
        "size_tolerance": tol,
        "size_tolerance_trials": tolerance_trials(leaves, k, cap, tol),
        "balance_sets": {
            "totals": dict(sorted(pb.totals.items())),
            "ceilings": dict(sorted(pb.ceil.items())),
            "widened": sorted(pb.widened),
            "strata": list(pb.strata),
            "ordinary_cells": [
                {"stratum": s, "sex": x, "count": pb.cells.get((s, x), 0)}
                for s in strata_order
                for x in (Sex.FEMALE.value, Sex.MALE.value)
            ],
        },
        "phase1": {
            "dealing_order": [
                {
                    "block": b,
                    "members": list(sp.members),
                    "signature": sp.signature,
                    "groups": list(sp.groups),
                    "ticket": min(tickets[i] for i in sp.members).hex(),
                    "group": g,
                }
                for (b, sp), g in zip(order, where, strict=True)
            ],
            "layouts": seen,
            "counts": [_counts(row) for row in pre],
        },
        "phase2": {
            "queues": [
                {"stratum": s, "sex": x, "pupils": queues.get((s, x), [])}
                for s in strata_order
                for x in (Sex.FEMALE.value, Sex.MALE.value)
            ],
            "rows": [
                [
                    {"stratum": s, "girls": a, "boys": b}
                    for s, (a, b) in zip(strata_order, row, strict=True)
                ]
                for row in picks
            ],
        },
        "groups": [list(g) for g in groups],
        "team_tickets": [t.hex() for t in team_tickets],
        "group_team": [prepared.teams.teams[t].number for t in team_rank],
        "classes": [
            {
                "number": c.number,
                "label": c.label,
                "team": c.team_leaf.hex(),
                "pupils": list(c.pupils),
            }
            for c in outcome.placement.classes
        ],
        "report": outcome.report.to_json(),
        "result": outcome.result,
        "result_canonical": canonical_text(outcome.result),
        "result_digest": outcome.result_digest.hex(),
    }


def draw_case(spec: DrawSpec) -> Doc:
    prepared = prepare(
        intake=spec.intake,
        profile=PROFILE,
        pupils=spec.pupils,
        teams=spec.teams,
        salts=spec.salts,
        server_seed=spec.server_seed,
    )
    outcome = perform(
        prepared,
        server_seed=spec.server_seed,
        witness_inputs=spec.witness_inputs,
        beacon_value=spec.beacon_value,
    )
    expected = trace(prepared, outcome, spec)
    ann = prepared.announcement
    return {
        "name": spec.name,
        "kind": "draw",
        "description": spec.description,
        "inputs": {
            "leaves": [leaf.to_json() for leaf in prepared.roster.leaves],
            "leaf_hashes": [h.hex() for h in prepared.roster.leaf_hashes],
            "roster_root": prepared.roster.root.hex(),
            "teams": [t.to_json() for t in prepared.teams.teams],
            "team_leaf_hashes": [h.hex() for h in prepared.teams.leaf_hashes],
            "teams_root": prepared.teams.root.hex(),
            "class_cap": ann.class_cap,
            "announcement": ann.to_json(),
            "server_seed": spec.server_seed.hex(),
            "witness_inputs": list(spec.witness_inputs),
            "beacon": spec.beacon_value,
        },
        "expected": {
            "announcement_canonical": ann.canonical().decode("utf-8"),
            "announcement_digest": ann.digest().hex(),
            "seed_commitment": seed_commitment(spec.server_seed).hex(),
            **expected,
        },
    }


def _intake(draw_id: str, school: str, witnesses: Sequence[str], beacon: str | None) -> Intake:
    return Intake(
        draw_id=draw_id,
        district="吉林省白城市洮北区",
        school=school,
        intake="2024级一年级",
        level=Level.PRIMARY,
        year=2024,
        scheduled="2024-08-14T09:00:00+08:00",
        witnesses=tuple(witnesses),
        beacon=beacon,
    )


def _salts(case: str, pupils: Sequence[PupilRecord]) -> list[bytes]:
    return [label_bytes(f"{case} salt {p.id_number}", 16) for p in pupils]


def tiny_spec() -> DrawSpec:
    pupils = [
        record(2, "李睿", M, "2017-10-15", 1, twin="T01", wish=SAME),
        record(3, "李欣悦", F, "2017-10-15", 2, twin="T01", wish=SAME),
        record(4, "郭梓萱", F, "2018-03-02", 3, twin="T02", wish=APART),
        record(5, "郭梓铭", M, "2018-03-02", 4, twin="T02", wish=APART),
        record(6, "王浩宇", M, "2018-01-11", 5, flags=["留守儿童"]),
        record(7, "王浩宇", M, "2017-11-16", 6),
        record(8, "赵冉", F, "2017-12-24", 7, flags=["留守儿童"]),
    ]
    name = "tiny-7-pupils-3-classes"
    return DrawSpec(
        name=name,
        description="7 pupils, 3 classes: a 同班 twin pair (李睿/李欣悦), a 分班 twin pair "
        "(郭梓萱/郭梓铭), two pupils named 王浩宇 (重名, kept apart) and one stratum s1 (留守儿童, "
        "two pupils). Small enough to follow by hand. The phase-1 dealing order, the balance-set "
        "counts, the ordinary-pupil queues and the layouts phase 2 saw are not returned by a "
        "public function: the generator recomputes them from placement.deal internals (_problem, "
        "_layout, peel).",
        intake=_intake("vectors-tiny", "向量小学", ["家长代表 张媛媛", "区教育局监督员"], None),
        pupils=pupils,
        teams=teams_for("2024级一年级", 3, ["林秀云", "杜春梅", "赵海涛"]),
        salts=_salts(name, pupils),
        server_seed=label_bytes(f"{name} server seed", 32),
        witness_inputs=["家长代表 张媛媛：3 1 4", "  区教育局 监督员 2 7 1  "],
        beacon_value=None,
    )


SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙")
GIVEN = [
    "子轩",
    "浩然",
    "梓涵",
    "欣怡",
    "一诺",
    "雨桐",
    "宇航",
    "思彤",
    "俊熙",
    "诗涵",
    "博文",
    "梦琪",
    "天佑",
    "语嫣",
    "睿泽",
    "可馨",
    "明哲",
    "佳怡",
    "嘉懿",
    "若汐",
    "皓轩",
    "晨曦",
    "铭泽",
    "雅琪",
    "泽宇",
    "婉清",
    "奕辰",
    "紫萱",
    "承志",
    "安然",
]


def sixty_spec() -> DrawSpec:
    n = 60
    pupils: list[PupilRecord] = []
    twins = {  # index → (group, wish); members of one group share a birth date
        10: ("T01", SAME), 11: ("T01", SAME),
        20: ("T02", APART), 21: ("T02", APART),
        30: ("T03", SAME), 31: ("T03", SAME), 32: ("T03", SAME),
    }  # fmt: skip
    left_behind = {3, 8, 14, 22, 31, 40, 47}  # 留守儿童
    inclusive = {5, 26, 52}  # 随班就读
    for i in range(n):
        sex = M if (i * 7) % 13 < 7 else F
        twin, wish = twins.get(i, ("", TwinWish.NONE))
        first = min((j for j, t in twins.items() if t[0] == twin), default=i)
        day = dt.date(2017, 9, 1) + dt.timedelta(days=(first * 37) % 365)
        flags = ["留守儿童"] if i in left_behind else ["随班就读"] if i in inclusive else []
        name = SURNAMES[i % 12] + GIVEN[(i * 7) % 30]
        if twin:
            name = "郭" + GIVEN[(i * 11) % 30]
        pupils.append(
            record(i + 2, name, sex, day.isoformat(), i, twin=twin, wish=wish, flags=flags)
        )
    # One 重名 pair across sexes.
    pupils[45] = record(47, pupils[44].name, pupils[45].sex, "2018-05-20", 45)
    name = "sixty-pupils-4-classes"
    return DrawSpec(
        name=name,
        description="60 pupils, 4 classes: two strata (留守儿童 ×7, 随班就读 ×3), a 同班 twin "
        "pair, a 分班 twin pair, a 同班 triplet with one flagged member, one 重名 pair; a beacon "
        "is declared and its value mixed into the final seed. Intermediates of phase 1 and 2 are "
        "recomputed from placement.deal internals as in the tiny case.",
        intake=_intake(
            "vectors-sixty",
            "向量实验小学",
            ["家长代表 甲", "家长代表 乙", "纪检监察组"],
            "drand quicknet round 12345678 (vectors stand-in)",
        ),
        pupils=pupils,
        teams=teams_for("2024级一年级", 4, ["林秀云", "杜春梅", "赵海涛", "赵琳"]),
        salts=_salts(name, pupils),
        server_seed=label_bytes(f"{name} server seed", 32),
        witness_inputs=["6 6 3 1", "阳光 分班 2024", "纪检 42"],
        beacon_value=label_bytes(f"{name} beacon", 32).hex(),
    )


def tolerance_spec() -> DrawSpec:
    pupils = [
        record(2, "孙悦", F, "2018-02-03", 1, twin="T01", wish=SAME),
        record(3, "孙怡", F, "2018-02-03", 2, twin="T01", wish=SAME),
        record(4, "孙浩", M, "2018-02-03", 3, twin="T01", wish=SAME),
        record(5, "周雨桐", F, "2018-04-05", 4),
    ]
    name = "triplet-needs-tolerance-2"
    return DrawSpec(
        name=name,
        description="a 同班 triplet (2 girls, 1 boy) and one other girl in 2 classes: sizes 3 "
        "and 1, so size tolerance 1 is infeasible and 2 is announced; sex balance still holds "
        "(girls 2/1, boys 1/0).",
        intake=_intake("vectors-triplet", "向量小学", ["区教育局监督员"], None),
        pupils=pupils,
        teams=teams_for("2024级一年级", 2, ["林秀云", "杜春梅"]),
        salts=_salts(name, pupils),
        server_seed=label_bytes(f"{name} server seed", 32),
        witness_inputs=["1 2 3"],
        beacon_value=None,
    )


def backtrack_spec() -> DrawSpec:
    pupils = [
        record(2, "张欣怡", F, "2017-11-03", 1, flags=["留守儿童"]),
        record(3, "李子轩", M, "2018-01-21", 2, flags=["留守儿童"]),
        record(4, "张欣怡", M, "2018-02-14", 3),
        record(5, "陈诗琪", F, "2018-03-09", 4),
        record(6, "赵天佑", M, "2018-04-27", 5, flags=["随班就读"]),
        record(7, "张欣怡", F, "2018-07-01", 6),
    ]
    name = "same-name-triple-backtracks"
    return DrawSpec(
        name=name,
        description="6 pupils, 3 classes, three pupils named 张欣怡 (one a flagged girl): the "
        "first round-robin layouts of phase 1 leave phase 2 without a balanced completion, so "
        "the deal backtracks; phase1.layouts lists every complete layout phase 2 was given (as "
        "per-group counts) and whether it was accepted.",
        intake=_intake("vectors-backtrack", "向量小学", ["区教育局监督员", "家长代表"], None),
        pupils=pupils,
        teams=teams_for("2024级一年级", 3, ["林秀云", "杜春梅", "赵海涛"]),
        salts=_salts(name, pupils),
        server_seed=label_bytes(f"{name} server seed", 32),
        witness_inputs=["5 5 5", "0 0 1"],
        beacon_value=None,
    )


def refusal_case(name: str, desc: str, pupils: Sequence[PupilRecord], k: int) -> Doc:
    rc = commit_roster(pupils, _salts(name, pupils))
    cap = PROFILE.primary_cap
    try:
        deal.size_tolerance(rc.leaves, k, cap)
    except Infeasible as e:
        err: Doc = {"type": "Infeasible", "zh": e.zh, "en": e.en}
    else:
        raise VectorError(name)
    return {
        "name": name,
        "kind": "refusal",
        "description": desc,
        "inputs": {
            "leaves": [leaf.to_json() for leaf in rc.leaves],
            "leaf_hashes": [h.hex() for h in rc.leaf_hashes],
            "class_count": k,
            "class_cap": cap,
        },
        "expected": {"error": err},
    }


def refusal_cases() -> list[Doc]:
    return [
        refusal_case(
            "refuse-apart-triplet-two-classes",
            "a 分班 triplet with only 2 classes: refused by structure (seed-independent). "
            "Roster validation also reports twin.too_many earlier; this is the deal's own check.",
            [
                record(2, "吴一", M, "2018-01-01", 1, twin="T01", wish=APART),
                record(3, "吴二", F, "2018-01-01", 2, twin="T01", wish=APART),
                record(4, "吴三", M, "2018-01-01", 3, twin="T01", wish=APART),
                record(5, "陈静", F, "2018-05-05", 4),
            ],
            2,
        ),
        refusal_case(
            "refuse-same-name-inside-unit",
            "a 同班 twin pair whose two members carry the same full name: the 重名 rule wants "
            "them apart, the 同班 wish together",
            [
                record(2, "刘洋", M, "2018-01-01", 1, twin="T01", wish=SAME),
                record(3, "刘洋", F, "2018-01-01", 2, twin="T01", wish=SAME),
                record(4, "陈静", F, "2018-05-05", 3),
                record(5, "杨磊", M, "2018-06-06", 4),
            ],
            2,
        ),
        refusal_case(
            "refuse-same-name-three-two-classes",
            "three pupils named 王浩宇 but only 2 classes",
            [
                record(2, "王浩宇", M, "2018-01-01", 1),
                record(3, "王浩宇", M, "2018-02-01", 2),
                record(4, "王浩宇", F, "2018-03-01", 3),
                record(5, "陈静", F, "2018-05-05", 4),
            ],
            2,
        ),
    ]


DRAW_FIELDS: Doc = {
    "inputs": "everything a replayer is given: public leaves in leaf order (sorted by leaf "
    "hash) with their hashes, filed teams by number with their leaf hashes, the class cap, the "
    "announcement JSON, the revealed server seed, witness inputs as typed, the beacon value",
    "balance sets": "'*' = every pupil, 'F' / 'M' = by sex, 's:<code>' = by opaque stratum "
    "code; ordinary pupils are counted per (stratum, sex) cell, stratum '' = no flag",
    "tickets": "tagged_hash(pupil-ticket, final seed ‖ leaf hash), in leaf order; ticket_order "
    "lists leaf indices by ascending ticket (bytewise)",
    "structure.blocks": "phase-1 blocks in structural order, rank = [-pupils, composition, "
    "first separation group]; a special's need counts the balance sets it fills",
    "size_tolerance_trials": "size_tolerance(): phase 1 + 2 tried in structural order (no "
    "tickets) with tolerance 1, then 2 only if 1 fails and 同班 units exist",
    "balance_sets.ceilings": "the skip rule's per-class limits: ceil(total / k) per set; for "
    "'*' min(cap, ceil(n / k) + tolerance - 1)",
    "phase1.dealing_order": "specials in dealing order: blocks by (rank, smallest member "
    "ticket), inside a block by (signature, separation groups, smallest member ticket); "
    "'ticket' is the special's smallest member ticket, 'block' indexes structure.blocks, "
    "'group' is where it was finally placed (0-based, before team matching)",
    "phase1.layouts": "every complete phase-1 layout handed to phase 2, as per-group counts "
    "of balance sets, with phase 2's verdict; more than one entry means backtracking",
    "phase1.counts": "per-group balance-set counts of the accepted layout (zero counts omitted)",
    "phase2.rows": "for group g = 0 … k-1, the (girls, boys) taken per stratum, in the order "
    "balance_sets.strata then '' (quota.peel)",
    "phase2.queues": "ordinary pupils per (stratum, sex) cell by ascending ticket; each group "
    "takes the next girls / boys from the front of its cells",
    "groups": "leaf indices per group before team matching, each by ascending ticket",
    "team_tickets": "tagged_hash(team-ticket, final seed ‖ team leaf hash), teams by number",
    "group_team": "group g gets the team with the g-th smallest team ticket: the number here",
}


def draws_file() -> Doc:
    cases = [
        draw_case(spec) for spec in (tiny_spec(), sixty_spec(), tolerance_spec(), backtrack_spec())
    ]
    return {
        "provenance": provenance(
            "computed by placement/ (Python reference implementation: draw.prepare and "
            "draw.perform); intermediates the core does not return are recomputed by "
            "tests/vectors/generate.py from placement.deal internals and checked against the "
            "final groups. Salts, server seeds and the beacon value are "
            "SHA-256('sunshine-placement vectors <case> …') stand-ins"
        ),
        "fields": DRAW_FIELDS,
        "cases": [*cases, *refusal_cases()],
    }


def demo_file() -> Doc:
    from web.demo.files import DEMO_DIR, DEMOS  # noqa: PLC0415 - only here needs web/
    from web.demo.terminal import (  # noqa: PLC0415
        DEMO_SOURCES,
        DEMO_WITNESS_INPUTS,
        _demo_bytes,
    )
    from web.service.intake_files import read_roster, read_teams  # noqa: PLC0415

    roster_file, teams_file, level, school, intake_name = DEMOS["primary"]
    pupils = read_roster(DEMO_DIR / roster_file)
    teams = read_teams(DEMO_DIR / teams_file)
    parents = [
        p.strip() for p in (DEMO_DIR / "parents.txt").read_text("utf-8").splitlines() if p.strip()
    ]
    reps = rfc3797.select_names(parents, rfc3797.canonical_key(DEMO_SOURCES), 2)
    spec = DrawSpec(
        name="demo-primary",
        description="the committed demo primary intake exactly as `placement demo` draws it: "
        "demo/taobei-2024-primary-*.csv read by web.intake_files, salts "
        "SHA-256('sunshine-placement demo salt <id number>')[:16], server seed "
        "SHA-256('sunshine-placement demo server seed'), witnesses = the two RFC 3797 parent "
        "representatives + two officials, witness inputs and no beacon as in web/cli.py",
        intake=Intake(
            draw_id="taobei-2024-primary-demo",
            district="吉林省白城市洮北区",
            school=school,
            intake=intake_name,
            level=level,
            year=2024,
            scheduled="2024-08-14T09:00:00+08:00",
            witnesses=(*(f"家长代表 {r}" for r in reps), "区教育局监督员", "纪检监察组"),
        ),
        pupils=pupils,
        teams=teams,
        salts=[_demo_bytes(f"salt {p.id_number}", 16) for p in pupils],
        server_seed=_demo_bytes("server seed", 32),
        witness_inputs=list(DEMO_WITNESS_INPUTS),
        beacon_value=None,
    )
    case = draw_case(spec)
    del case["expected"]["result_canonical"]  # the result JSON is there; keep the file small
    return {
        "provenance": provenance(
            "computed by placement/ (Python reference implementation) from the committed demo "
            "files, with the demo's label-derived stand-ins for secret randomness (web/cli.py); "
            "intermediates as in draws.json"
        ),
        "fields": DRAW_FIELDS,
        "cases": [case],
    }


# ---------------------------------------------------------------------------

FILES: dict[str, Callable[[], Doc]] = {
    "canonical.json": canonical_file,
    "idcard.json": idcard_file,
    "rfc3797.json": rfc3797_file,
    "merkle.json": merkle_file,
    "leaves.json": leaves_file,
    "seed.json": seed_file,
    "draws.json": draws_file,
    "demo-draw.json": demo_file,
}


def dumps(doc: Doc) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def render() -> dict[str, str]:
    """Every vector file's exact text, keyed by file name."""
    return {name: dumps(build()) for name, build in FILES.items()}


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def drift(out: Path = OUT) -> list[str]:
    """Problems found comparing the committed files with a fresh rendering (empty: none)."""
    want = render()
    have = {p.name for p in out.glob("*.json")} if out.is_dir() else set()
    problems = [f"missing: {_shown(out / n)}" for n in sorted(want.keys() - have)]
    problems += [f"extra: {_shown(out / n)}" for n in sorted(have - want.keys())]
    problems += [
        f"differs: {_shown(out / n)}"
        for n in sorted(want.keys() & have)
        if (out / n).read_text("utf-8") != want[n]
    ]
    problems += _record_vectors().drift(out / "record")
    problems += _v2_vectors().drift(out.parent / "v2")
    problems += _exception_vectors().drift(out / "exceptions")
    problems += _twin_vectors().drift(out / "exceptions-twins")
    return problems + _exception_vectors().drift(out.parent / "v2/exceptions", 2)


def _record_vectors() -> Any:
    """tests/vectors/generate_record.py: the signed-record vectors (Part II) in v1/record/."""
    import generate_record  # noqa: PLC0415 - beside this file (the script's folder, or pytest's pythonpath)

    return generate_record


def _v2_vectors() -> Any:
    """tests/vectors/generate_v2.py: protocol v2 (spec Part III) in v2/."""
    import generate_v2  # noqa: PLC0415 - beside this file (the script's folder, or pytest's pythonpath)

    return generate_v2


def _exception_vectors() -> Any:
    """tests/vectors/generate_exceptions.py: exceptions after the draw (spec Part E)."""
    import generate_exceptions  # noqa: PLC0415 - beside this file (as generate_v2)

    return generate_exceptions


def _twin_vectors() -> Any:
    """tests/vectors/generate_twins.py: twins added after the draw (spec §E7)."""
    import generate_twins  # noqa: PLC0415 - beside this file (as generate_v2)

    return generate_twins


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="regenerate in memory; exit 1 on any drift"
    )
    args = parser.parse_args(argv)
    try:
        if args.check:
            problems = drift()
            for p in problems:
                print(p, file=sys.stderr)
            if problems:
                print("run: python tests/vectors/generate.py", file=sys.stderr)
                return 1
            print(f"test vectors up to date ({len(FILES)} files)")
            return 0
        files = render()
    except (PlacementError, VectorError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    for stale in sorted({p.name for p in OUT.glob("*.json")} - files.keys()):
        (OUT / stale).unlink()
        print(f"removed {_shown(OUT / stale)}")
    for name, text in files.items():
        path = OUT / name
        path.write_bytes(text.encode("utf-8"))
        print(f"wrote {_shown(path)} ({len(text.encode('utf-8')):,} bytes)")
    for line in _record_vectors().write(OUT / "record"):
        print(line)
    for line in _v2_vectors().write(OUT.parent / "v2"):
        print(line)
    for line in _exception_vectors().write(OUT / "exceptions"):
        print(line)
    for line in _exception_vectors().write(OUT.parent / "v2/exceptions", 2):
        print(line)
    for line in _twin_vectors().write(OUT / "exceptions-twins"):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
