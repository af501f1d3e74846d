"""The JSON vectors under ``v1/``, recomputed value by value from their inputs.

Every test reads a case's inputs, recomputes its outputs through ``placement/``
and compares them with the file, so the same JSON can drive the verifier and
the browser later. Only the last test compares whole files (drift).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from placement import ALGORITHM, PROTOCOL, canonical, deal, merkle, rfc3797
from placement.announcement import from_json as announcement_from_json
from placement.canonical import TAG_TEAM_TICKET, TAG_TICKET, CanonicalError
from placement.commitment import (
    PUPIL_LEAF_TYPE,
    PublicLeaf,
    commit_roster,
    private_commitment,
    private_json,
)
from placement.draw import replay
from placement.errors import Infeasible
from placement.idcard import WEIGHTS, IdNumberError, check_character, normalise, parse_resident_id
from placement.policy import PROFILES, eligible_by_birth
from placement.quota import peel
from placement.roster import PupilRecord, Sex, TwinWish
from placement.seed import SeedError, final_seed, seed_commitment
from placement.structure import Special, Structure, structure
from placement.teams import TEAM_LEAF_TYPE, Teacher, Team, commit_teams

HERE = Path(__file__).resolve().parent
VECTORS = HERE / "v1"
FILES = (
    "canonical.json",
    "idcard.json",
    "rfc3797.json",
    "merkle.json",
    "leaves.json",
    "seed.json",
    "draws.json",
    "demo-draw.json",
)

Case = dict[str, Any]


def _load(file: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((VECTORS / file).read_text("utf-8"))
    return doc


def cases(*files: str, kinds: Sequence[str] = ()) -> pytest.MarkDecorator:
    """Parametrize ``case`` over the cases of ``files`` (optionally of some kinds only)."""
    params = [
        pytest.param(c, id=c["name"])
        for file in files
        for c in _load(file)["cases"]
        if not kinds or c["kind"] in kinds
    ]
    return pytest.mark.parametrize("case", params)


def _hex(values: Sequence[bytes]) -> list[str]:
    return [v.hex() for v in values]


def _bytes(values: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(v) for v in values]


# ---------------------------------------------------------------------------
# canonical.json


@cases("canonical.json", kinds=["json"])
def test_canonical_json(case: Case) -> None:
    want = case["expected"]
    raw = canonical.canonical_json(case["value"])
    assert raw.decode("utf-8") == want["canonical_text"]
    assert raw.hex() == want["canonical_hex"]
    assert canonical.json_digest(case["tag"], case["value"]).hex() == want["tagged_hash"]
    assert canonical.tagged_hash(case["tag"], raw).hex() == want["tagged_hash"]


@cases("canonical.json", kinds=["refused"])
def test_canonical_refused(case: Case) -> None:
    with pytest.raises(CanonicalError) as info:
        canonical.canonical_json(case["value"])
    assert str(info.value) == case["expected"]["error"]["message"]


@cases("canonical.json", kinds=["tagged_hash"])
def test_tagged_hash(case: Case) -> None:
    tag, parts = case["tag"], _bytes(case["parts_hex"])
    raw = tag.encode("ascii")
    assert (bytes([len(raw)]) + raw).hex() == case["expected"]["prefix_hex"]
    assert canonical.tagged_hash(tag, *parts).hex() == case["expected"]["digest"]


def test_every_tag_has_a_vector() -> None:
    tags = {getattr(canonical, n) for n in dir(canonical) if n.startswith("TAG_")}
    covered = {c["tag"] for c in _load("canonical.json")["cases"] if c["kind"] == "tagged_hash"}
    assert tags <= covered


# ---------------------------------------------------------------------------
# idcard.json


@cases("idcard.json", kinds=["parse"])
def test_idcard(case: Case) -> None:
    want = case["expected"]
    number = normalise(case["input"])
    assert number == want["normalised"]
    if want["checksum"] is None:
        assert not (len(number) >= 17 and number[:17].isascii() and number[:17].isdigit())
    else:
        total = sum(int(c) * w for c, w in zip(number[:17], WEIGHTS, strict=True))
        assert total == want["checksum"]["weighted_sum"]
        assert total % 11 == want["checksum"]["remainder"]
        assert check_character(number[:17]) == want["checksum"]["check"]
    if "error" in want:
        with pytest.raises(IdNumberError) as info:
            parse_resident_id(case["input"])
        err = info.value
        assert {"code": err.code, "zh": err.zh, "en": err.en} == want["error"]
        return
    rid = parse_resident_id(case["input"])
    assert rid.number == want["number"]
    assert rid.region == want["region"]
    assert rid.birth_date.isoformat() == want["birth_date"]
    assert (Sex.MALE if rid.male else Sex.FEMALE).value == want["sex"]
    eligible = eligible_by_birth(PROFILES["taobei-2024"], rid.birth_date)
    assert eligible is want["eligible_primary_taobei_2024"]


# ---------------------------------------------------------------------------
# rfc3797.json


def _source(value: Any) -> rfc3797.Source:
    return value if isinstance(value, int | str) else tuple(value)


@cases("rfc3797.json", kinds=["select"])
def test_rfc3797_select(case: Case) -> None:
    want = case["expected"]
    sources = [_source(s) for s in case["sources"]]
    assert [rfc3797.canonical_source(s) for s in sources] == want["canonical_sources"]
    key = rfc3797.canonical_key(sources)
    assert key == want["key"] == "".join(want["canonical_sources"])
    pool, count = case["pool"], case["count"]
    assert list(rfc3797.select(len(pool), key, count)) == want["picks"]
    assert list(rfc3797.select_names(pool, key, count)) == want["names"]
    remaining = list(range(1, len(pool) + 1))
    for i, step in enumerate(want["steps"]):
        bracket = i.to_bytes(2, "big")
        assert step["index"] == i
        assert step["hashed_hex"] == (bracket + key.encode("ascii") + bracket).hex()
        md5 = rfc3797.digest(key, i)
        assert md5.hex() == step["md5"]
        assert step["remaining"] == len(remaining)
        assert step["remainder"] == int.from_bytes(md5, "big") % len(remaining)
        assert step["position"] == remaining.pop(step["remainder"])
        assert step["name"] == pool[step["position"] - 1]


@cases("rfc3797.json", kinds=["refused"])
def test_rfc3797_refused(case: Case) -> None:
    with pytest.raises(rfc3797.Rfc3797Error) as info:
        rfc3797.canonical_key([_source(s) for s in case["sources"]])
    assert str(info.value) == case["expected"]["error"]["message"]


# ---------------------------------------------------------------------------
# merkle.json


def _leaf_hashes(case: Case) -> list[bytes]:
    return [merkle.leaf_hash(e) for e in _bytes(case["entries_hex"])]


@cases("merkle.json", kinds=["leaf_hash"])
def test_merkle_leaf_hash(case: Case) -> None:
    assert _hex(_leaf_hashes(case)) == case["expected"]["leaf_hashes"]


@cases("merkle.json", kinds=["node_hash"])
def test_merkle_node_hash(case: Case) -> None:
    left, right = bytes.fromhex(case["left"]), bytes.fromhex(case["right"])
    assert merkle.node_hash(left, right).hex() == case["expected"]["hash"]


@cases("merkle.json", kinds=["root"])
def test_merkle_root(case: Case) -> None:
    hashes = _leaf_hashes(case)
    assert merkle.root(hashes).hex() == case["expected"]["root"]
    assert merkle.MerkleTree.from_leaf_hashes(hashes).root.hex() == case["expected"]["root"]


@cases("merkle.json", kinds=["inclusion"])
def test_merkle_inclusion(case: Case) -> None:
    want = case["expected"]
    hashes = _leaf_hashes(case)
    tree = merkle.MerkleTree.from_leaf_hashes(hashes)
    index, size = case["index"], case["size"]
    assert hashes[index].hex() == want["leaf_hash"]
    assert tree.root_at(size).hex() == want["root"]
    assert _hex(tree.inclusion_proof(index, size)) == want["proof"]
    ok = merkle.verify_inclusion(
        hashes[index], index, size, _bytes(want["proof"]), bytes.fromhex(want["root"])
    )
    assert ok is want["valid"]


@cases("merkle.json", kinds=["consistency"])
def test_merkle_consistency(case: Case) -> None:
    want = case["expected"]
    tree = merkle.MerkleTree.from_leaf_hashes(_leaf_hashes(case))
    old, new = case["old_size"], case["new_size"]
    assert tree.root_at(old).hex() == want["old_root"]
    assert tree.root_at(new).hex() == want["new_root"]
    assert _hex(tree.consistency_proof(old, new)) == want["proof"]
    ok = merkle.verify_consistency(
        old, new, bytes.fromhex(want["old_root"]), bytes.fromhex(want["new_root"]),
        _bytes(want["proof"]),
    )  # fmt: skip
    assert ok is want["valid"]


@cases("merkle.json", kinds=["inclusion_verify"])
def test_merkle_inclusion_rejected(case: Case) -> None:
    ok = merkle.verify_inclusion(
        bytes.fromhex(case["leaf_hash"]), case["index"], case["size"],
        _bytes(case["proof"]), bytes.fromhex(case["root"]),
    )  # fmt: skip
    assert ok is case["expected"]["valid"]


# ---------------------------------------------------------------------------
# Parsing the vectors' JSON back into core values (the core has no from_json
# for leaves, teams or records: a replayer needs these few lines).


def record_from_json(doc: Case) -> PupilRecord:
    return PupilRecord(
        row=doc["row"],
        name=doc["name"],
        sex=Sex(doc["sex"]),
        id_number=doc["id_number"],
        birth_date=dt.date.fromisoformat(doc["birth_date"]),
        student_no=doc["student_no"],
        twin_group=doc["twin_group"],
        twin_wish=TwinWish(doc["twin_wish"]),
        flags=tuple(doc["flags"]),
    )


def leaf_from_json(doc: Case) -> PublicLeaf:
    assert doc["t"] == PUPIL_LEAF_TYPE
    leaf = PublicLeaf(
        name=doc["name"],
        sex=Sex(doc["sex"]),
        stratum=doc["stratum"],
        twin=doc["twin"],
        twin_wish=TwinWish(doc["twin_wish"]),
        private=bytes.fromhex(doc["private"]),
    )
    assert leaf.to_json() == doc  # no unknown fields, nothing lost
    return leaf


def team_from_json(doc: Case) -> Team:
    assert doc["t"] == TEAM_LEAF_TYPE
    team = Team(
        number=doc["number"],
        label=doc["label"],
        head_teacher=doc["head_teacher"],
        teachers=tuple(Teacher(subject=t["subject"], name=t["name"]) for t in doc["teachers"]),
    )
    assert team.to_json() == doc
    return team


# ---------------------------------------------------------------------------
# leaves.json


@cases("leaves.json", kinds=["pupil_leaf"])
def test_pupil_leaf(case: Case) -> None:
    want = case["expected"]
    pupil, salt = record_from_json(case["record"]), bytes.fromhex(case["salt"])
    assert private_json(pupil, salt) == want["private_json"]
    assert canonical.canonical_json(want["private_json"]).decode() == want["private_canonical"]
    commitment = private_commitment(pupil, salt)
    assert commitment.hex() == want["private_commitment"]
    leaf = PublicLeaf(
        name=pupil.name,
        sex=pupil.sex,
        stratum=case["stratum_code"],
        twin=case["twin_code"],
        twin_wish=pupil.twin_wish,
        private=commitment,
    )
    assert leaf.to_json() == want["leaf_json"]
    assert leaf.entry().decode() == leaf.entry_strict().decode() == want["leaf_canonical"]
    assert merkle.leaf_hash(leaf.entry()).hex() == want["leaf_hash"]


@cases("leaves.json", kinds=["roster"])
def test_roster_commitment(case: Case) -> None:
    want = case["expected"]
    pupils = [record_from_json(r) for r in case["records"]]
    rc = commit_roster(pupils, _bytes(case["salts"]))
    assert {code: meaning for meaning, code in want["stratum_codes"].items()} == dict(rc.strata)
    assert [leaf.to_json() for leaf in rc.leaves] == want["leaves"]
    assert _hex(rc.leaf_hashes) == want["leaf_hashes"] == sorted(want["leaf_hashes"])
    assert list(rc.order) == want["order"]
    assert rc.root.hex() == want["root"]
    for leaf, i in zip(want["leaves"], want["order"], strict=True):
        assert leaf["twin"] == want["twin_codes"].get(pupils[i].twin_group, "")
        assert leaf["stratum"] == want["stratum_codes"].get(pupils[i].stratum_key, "")


@cases("leaves.json", kinds=["team_leaf"])
def test_team_leaf(case: Case) -> None:
    team = team_from_json(case["team"])
    assert canonical.canonical_json(team.to_json()).decode() == case["expected"]["canonical"]
    assert team.leaf_hash().hex() == case["expected"]["leaf_hash"]


@cases("leaves.json", kinds=["teams"])
def test_team_commitment(case: Case) -> None:
    tc = commit_teams([team_from_json(t) for t in case["teams"]])
    assert [t.number for t in tc.teams] == case["expected"]["numbers"]
    assert _hex(tc.leaf_hashes) == case["expected"]["leaf_hashes"]
    assert tc.root.hex() == case["expected"]["root"]


# ---------------------------------------------------------------------------
# seed.json


@cases("seed.json", kinds=["commitment"])
def test_seed_commitment(case: Case) -> None:
    commitment = seed_commitment(bytes.fromhex(case["server_seed"]))
    assert commitment.hex() == case["expected"]["commitment"]


def _final_seed(case: Case) -> bytes:
    return final_seed(
        announcement_digest=bytes.fromhex(case["announcement_digest"]),
        server_seed=bytes.fromhex(case["server_seed"]),
        witness_inputs=case["witness_inputs"],
        beacon=case["beacon"],
    )


@cases("seed.json", kinds=["final_seed"])
def test_final_seed(case: Case) -> None:
    want = case["expected"]
    body = want["body"]
    assert body["announcement"] == case["announcement_digest"]
    assert body["server_seed"] == case["server_seed"]
    assert body["witnesses"] == [canonical.nfc(w) for w in case["witness_inputs"]]
    assert body["beacon"] == case["beacon"]
    raw = canonical.canonical_json(body)
    assert raw.decode() == want["canonical"]
    assert canonical.tagged_hash(canonical.TAG_FINAL_SEED, raw).hex() == want["final_seed"]
    assert _final_seed(case).hex() == want["final_seed"]


@cases("seed.json", kinds=["refused"])
def test_final_seed_refused(case: Case) -> None:
    with pytest.raises(SeedError) as info:
        _final_seed(case)
    assert str(info.value) == case["expected"]["error"]["message"]


# ---------------------------------------------------------------------------
# draws.json and demo-draw.json


def _structure_doc(st: Structure) -> Case:
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


def _nonzero(row: Any) -> dict[str, int]:
    return {key: v for key, v in sorted(row.items()) if v}


@contextmanager
def _phase2_calls() -> Iterator[list[Case]]:
    """Each complete phase-1 layout ``deal._layout`` hands to ``peel``, with the verdict."""
    calls: list[Case] = []
    real = deal.peel

    def spy(**kwargs: Any) -> Any:
        out = real(**kwargs)
        calls.append({"counts": [_nonzero(r) for r in kwargs["pre"]], "accepted": out is not None})
        return out

    with mock.patch.object(deal, "peel", spy):
        yield calls


def _ordered_specials(st: Structure, tickets: Sequence[bytes]) -> list[tuple[int, Special]]:
    """Spec §6.3: blocks by (rank, smallest ticket of any member); inside a block,
    specials by (signature, groups, smallest member ticket)."""

    def low(s: Special) -> bytes:
        return min(tickets[i] for i in s.members)

    blocks = sorted(enumerate(st.blocks), key=lambda b: (b[1].rank, min(map(low, b[1].specials))))
    return [
        (b, s)
        for b, block in blocks
        for s in sorted(block.specials, key=lambda s: (s.signature, s.groups, low(s)))
    ]


def _groups_from_trace(want: Case, k: int) -> list[list[int]]:
    """Rebuild the groups from the recorded intermediates alone (specials, then queues)."""
    group_of: dict[int, int] = {}
    for entry in want["phase1"]["dealing_order"]:
        for i in entry["members"]:
            group_of[i] = entry["group"]
    queues = {(q["stratum"], q["sex"]): list(q["pupils"]) for q in want["phase2"]["queues"]}
    for g, row in enumerate(want["phase2"]["rows"]):
        for cell in row:
            for sex, count in (("F", cell["girls"]), ("M", cell["boys"])):
                queue = queues[cell["stratum"], sex]
                for i in queue[:count]:
                    group_of[i] = g
                del queue[:count]
    assert not any(queues.values())
    by_ticket = want["ticket_order"]
    return [[i for i in by_ticket if group_of[i] == g] for g in range(k)]


@cases("draws.json", "demo-draw.json", kinds=["draw"])
def test_draw(case: Case) -> None:  # noqa: PLR0915 - one case, every value, in spec order
    inputs, want = case["inputs"], case["expected"]
    leaves = [leaf_from_json(doc) for doc in inputs["leaves"]]
    hashes = _bytes(inputs["leaf_hashes"])
    teams = commit_teams([team_from_json(doc) for doc in inputs["teams"]])
    k, cap = len(teams.teams), inputs["class_cap"]

    # Commitments: leaves in hash order, the roots the announcement carries.
    assert [merkle.leaf_hash(leaf.entry()) for leaf in leaves] == hashes == sorted(hashes)
    assert merkle.root(hashes).hex() == inputs["roster_root"]
    assert _hex(teams.leaf_hashes) == inputs["team_leaf_hashes"]
    assert teams.root.hex() == inputs["teams_root"]
    ann = announcement_from_json(inputs["announcement"])
    assert ann.roster_root.hex() == inputs["roster_root"]
    assert ann.teams_root.hex() == inputs["teams_root"]
    assert ann.class_cap == cap
    assert ann.canonical().decode() == want["announcement_canonical"]
    assert ann.digest().hex() == want["announcement_digest"]
    server_seed = bytes.fromhex(inputs["server_seed"])
    assert (
        seed_commitment(server_seed).hex()
        == want["seed_commitment"]
        == inputs["announcement"]["seed_commitment"]
    )

    # Seed and tickets.
    body = want["final_seed_body"]
    assert body == {
        "announcement": want["announcement_digest"],
        "beacon": inputs["beacon"],
        "server_seed": inputs["server_seed"],
        "witnesses": [canonical.nfc(w) for w in inputs["witness_inputs"]],
    }
    assert canonical.json_digest(canonical.TAG_FINAL_SEED, body).hex() == want["final_seed"]
    seed = bytes.fromhex(want["final_seed"])
    tickets = deal.tickets(TAG_TICKET, seed, hashes)
    assert _hex(tickets) == want["tickets"]
    assert [canonical.tagged_hash(TAG_TICKET, seed, h) for h in hashes] == tickets
    assert sorted(range(len(leaves)), key=tickets.__getitem__) == want["ticket_order"]

    # Structure, tolerance and the balance sets (seed-independent).
    st = structure(leaves, k)
    assert _structure_doc(st) == want["structure"]
    tolerance = deal.size_tolerance(leaves, k, cap)
    assert tolerance == want["size_tolerance"] == ann.size_tolerance
    for trial in want["size_tolerance_trials"]:
        problem = deal._structural(leaves, k, cap, trial["tolerance"])
        if trial["feasible"]:
            deal._layout(*problem)
        else:
            with pytest.raises(Infeasible) as info:
                deal._layout(*problem)
            assert info.value.en == trial["en"]
    pb = deal.problem(leaves, k, cap, tolerance)
    sets = want["balance_sets"]
    assert dict(pb.totals) == sets["totals"]
    assert dict(pb.ceil) == sets["ceilings"]
    assert list(pb.strata) == sets["strata"]
    assert {(c["stratum"], c["sex"]): c["count"] for c in sets["ordinary_cells"]} == {
        (s, x): pb.cells.get((s, x), 0) for s in [*pb.strata, ""] for x in ("F", "M")
    }

    # Phase 1: dealing order and placement of the specials, with any backtracking.
    ordered = _ordered_specials(st, tickets)
    p1 = want["phase1"]
    assert [
        {
            "block": b,
            "members": list(s.members),
            "signature": s.signature,
            "groups": list(s.groups),
            "ticket": min(tickets[i] for i in s.members).hex(),
        }
        for b, s in ordered
    ] == [{key: v for key, v in e.items() if key != "group"} for e in p1["dealing_order"]]
    with _phase2_calls() as calls:
        where, picks = deal._layout(pb, [s for _, s in ordered])
    assert where == [e["group"] for e in p1["dealing_order"]]
    assert calls == p1["layouts"]
    assert p1["layouts"][-1]["counts"] == p1["counts"]

    # Phase 2: the peel, recomputed through the public quota function from the counts.
    rows = peel(
        pre=p1["counts"],
        cells={(c["stratum"], c["sex"]): c["count"] for c in sets["ordinary_cells"]},
        totals=sets["totals"],
        strata=sets["strata"],
        cap=cap,
        tolerance=tolerance,
        widened=frozenset(sets["widened"]),
    )
    assert rows == picks
    assert rows is not None
    assert [[(c["girls"], c["boys"]) for c in row] for row in want["phase2"]["rows"]] == rows
    special = {i for e in p1["dealing_order"] for i in e["members"]}
    for q in want["phase2"]["queues"]:
        assert q["pupils"] == [
            i
            for i in want["ticket_order"]
            if i not in special
            and (leaves[i].stratum, leaves[i].sex.value) == (q["stratum"], q["sex"])
        ]
    groups = deal.deal_groups(leaves, tickets, k, cap, tolerance)
    assert [list(g) for g in groups] == want["groups"] == _groups_from_trace(want, k)

    # Team matching (双随机).
    team_tickets = deal.tickets(TAG_TEAM_TICKET, seed, teams.leaf_hashes)
    assert _hex(team_tickets) == want["team_tickets"]
    rank = sorted(range(k), key=team_tickets.__getitem__)
    assert [teams.teams[t].number for t in rank] == want["group_team"]
    placed = deal.match_teams(groups, teams, seed)
    assert [
        {"number": c.number, "label": c.label, "team": c.team_leaf.hex(), "pupils": list(c.pupils)}
        for c in placed
    ] == want["classes"]
    for c in want["classes"]:
        assert c["pupils"] == want["groups"][want["group_team"].index(c["number"])]

    # The whole replay, report and result.
    outcome = replay(
        announcement=ann,
        leaves=leaves,
        teams=teams,
        server_seed=server_seed,
        witness_inputs=inputs["witness_inputs"],
        beacon_value=inputs["beacon"],
    )
    assert outcome.final_seed == seed
    assert outcome.placement.size_tolerance == tolerance
    assert [list(g) for g in outcome.placement.groups] == want["groups"]
    assert outcome.report.to_json() == want["report"]
    assert outcome.result == want["result"]
    if "result_canonical" in want:
        assert canonical.canonical_json(want["result"]).decode() == want["result_canonical"]
    assert (
        canonical.json_digest(canonical.TAG_RESULT, want["result"]).hex() == want["result_digest"]
    )
    assert outcome.result_digest.hex() == want["result_digest"]


@cases("draws.json", kinds=["refusal"])
def test_draw_refused(case: Case) -> None:
    inputs, err = case["inputs"], case["expected"]["error"]
    leaves = [leaf_from_json(doc) for doc in inputs["leaves"]]
    assert [merkle.leaf_hash(leaf.entry()).hex() for leaf in leaves] == inputs["leaf_hashes"]
    assert err["type"] == "Infeasible"
    with pytest.raises(Infeasible) as info:
        deal.size_tolerance(leaves, inputs["class_count"], inputs["class_cap"])
    assert (info.value.zh, info.value.en) == (err["zh"], err["en"])


# ---------------------------------------------------------------------------
# The file set itself.


def test_files_and_provenance() -> None:
    assert sorted(p.name for p in VECTORS.glob("*.json")) == sorted(FILES)
    for file in FILES:
        doc = _load(file)
        prov = doc["provenance"]
        assert prov["generator"] == "tests/vectors/generate.py"
        assert (prov["protocol"], prov["algorithm"]) == (PROTOCOL, ALGORITHM)
        assert prov["produced_by"]
        names = [c["name"] for c in doc["cases"]]
        assert len(names) == len(set(names)), file
        for c in doc["cases"]:
            assert c["description"]
            assert "expected" in c


def test_no_drift() -> None:
    """What ``python tests/vectors/generate.py --check`` does, in-process."""
    spec = importlib.util.spec_from_file_location("vectors_generate", HERE / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    generate = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = generate  # dataclasses look their module up while the file runs
    try:
        spec.loader.exec_module(generate)
        problems = generate.drift(VECTORS)
    finally:
        del sys.modules[spec.name]
    assert tuple(generate.FILES) == FILES
    assert problems == []
