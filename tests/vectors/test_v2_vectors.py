"""Protocol v2 vectors (spec Part III, ``tests/vectors/v2/``) recomputed from their inputs,
and the verifier's verdicts on them under every trust level (§23.2)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from placement.announcement import from_json, names_digest
from placement.canonical import TAG_PUPIL_PRIVATE, canonical_json, tagged_hash
from placement.commitment import TAG_PUPIL_PRIVATE_V2
from placement.deal import widened_sets
from placement.documents import digest
from placement.draw import replay
from placement.errors import PlacementError
from placement.keyring import key_fingerprint, keyring_fingerprint, keyring_from_json
from placement.merkle import leaf_hash
from placement.reference import parse_fragment
from placement.structure import structure
from verifier._cli import main as verify_main
from verifier.documents import roster_leaves, teams

V2 = Path(__file__).parent / "v2"


def _load(name: str) -> Any:
    return json.loads((V2 / name).read_text("utf-8"))


def _ring(tmp_path: Path) -> Path:
    path = tmp_path / "keyring.json"
    path.write_text(_load("references.json")["fingerprints"]["keyring_canonical"], "utf-8")
    return path


# --- leaves -----------------------------------------------------------------------------------


def test_leaves_hide_names_and_open_privately() -> None:
    doc = _load("leaves.json")
    names = []
    for case in doc["leaves"]:
        leaf, private = case["leaf"], case["private"]
        assert "name" not in leaf
        assert canonical_json(leaf).decode() == case["leaf_canonical"]
        assert leaf_hash(canonical_json(leaf)).hex() == case["leaf_hash"]
        raw = canonical_json(private)
        assert tagged_hash(TAG_PUPIL_PRIVATE_V2, raw).hex() == leaf["private"]
        assert tagged_hash(TAG_PUPIL_PRIVATE, raw).hex() != leaf["private"]  # a v2 tag
        if leaf["same_name"]:
            assert leaf["stratum"] == ""  # §20.3: withheld
            assert doc["codes"]["names"][leaf["same_name"]] == private["name"]
        names.append((private["name"], leaf["sex"]))
    assert any(c["private"]["flags"] and c["leaf"]["same_name"] for c in doc["leaves"])
    assert names_digest(names).hex() == doc["names_digest"]
    assert canonical_json(sorted([list(x) for x in names])).decode() == doc["names_canonical"]


# --- draws ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sample", "widened-stratum"])
def test_draw_replays(name: str) -> None:
    case = next(d for d in _load("draws.json")["draws"] if d["name"] == name)
    inputs, want = case["inputs"], case["expected"]
    leaves, hashes = roster_leaves(json.loads(json.dumps(inputs["leaves"])))
    ann = from_json(inputs["announcement"])
    assert ann.version == 2
    assert ann.digest().hex() == want["announcement_digest"]
    out = replay(
        announcement=ann,
        leaves=leaves,
        teams=teams(inputs["teams"]),
        server_seed=bytes.fromhex(inputs["server_seed"]),
        witness_inputs=inputs["witness_inputs"],
        beacon_value=inputs["beacon"],
        leaf_hashes=hashes,
    )
    assert out.final_seed.hex() == want["final_seed"]
    assert out.result == want["result"]
    assert out.result_digest.hex() == want["result_digest"]
    k = len(inputs["teams"])
    assert sorted(widened_sets(structure(leaves, k), leaves, ann.size_tolerance)) == want["widened"]
    for statement, d in zip(want["statements"], want["statement_digests"], strict=True):
        pupils = [tuple(p) for p in statement["pupils"]]
        assert pupils == sorted(pupils)
        assert digest(statement).hex() == d
    by_leaf = inputs["names_by_leaf"]
    for c, statement in zip(want["classes"], want["statements"], strict=True):
        names = sorted([by_leaf[i], leaves[i].sex.value] for i in c["pupils"])
        assert statement["pupils"] == names


def test_widened_vector_widens_a_stratum() -> None:
    case = next(d for d in _load("draws.json")["draws"] if d["name"] == "widened-stratum")
    assert case["expected"]["size_tolerance"] == 2
    assert any(s.startswith("s:") for s in case["expected"]["widened"])


# --- references and fingerprints ---------------------------------------------------------------


def test_references_round_trip() -> None:
    doc = _load("references.json")
    for case in doc["references"]:
        ref = parse_fragment(case["fragment"])
        assert (ref.draw, ref.item, ref.digest.hex()) == (
            case["draw"],
            case["item"],
            case["digest"],
        )
        assert case["url"] == doc["base_url"] + "#" + case["fragment"]
        assert ref.member() == case["member"]
    for bad in doc["invalid_fragments"]:
        with pytest.raises(PlacementError):
            parse_fragment(bad)


def test_fingerprints() -> None:
    fp = _load("references.json")["fingerprints"]
    for k in fp["keys"]:
        assert key_fingerprint(k["vkey"]) == k["fingerprint"]
    ring = keyring_from_json(json.loads(fp["keyring_canonical"]))
    assert keyring_fingerprint(ring) == fp["keyring"]


def _run(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    capsys.readouterr()
    code = verify_main([str(a) for a in args])
    out = capsys.readouterr().out
    return code, out


@pytest.mark.parametrize("member", ["announcement", "statements/01.jws"])
def test_reference_resolves_in_the_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], member: str
) -> None:
    doc = _load("references.json")
    case = next(c for c in doc["references"] if c["member"].startswith(member))
    bundle = V2 / "bundle-public.zip"
    code, out = _run(capsys, case["url"], "--bundle", bundle, "--keyring", _ring(tmp_path))
    assert code == 0, out
    assert "reference.document" in out
    wrong = case["url"][:-4] + ("AAAA" if not case["url"].endswith("AAAA") else "BBBA")
    code, out = _run(capsys, wrong, "--bundle", bundle, "--keyring", _ring(tmp_path))
    assert code in {1, 2}, out


# --- receipts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["good", "forged-one-leaf-root"])
def test_receipt_against_signed_documents(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    doc = _load("receipts.json")
    case = next(c for c in doc["cases"] if c["name"] == name)
    (tmp_path / "r.json").write_text(json.dumps(case["receipt"], ensure_ascii=False), "utf-8")
    (tmp_path / "a.jws").write_text(doc["announcement"], "utf-8")
    (tmp_path / "res.jws").write_text(doc["result"], "utf-8")
    args = ["--announcement", tmp_path / "a.jws", "--result", tmp_path / "res.jws"]
    code, out = _run(capsys, tmp_path / "r.json", *args, "--keyring", _ring(tmp_path))
    assert code == (0 if case["verified"] else 1), out
    # with the bundle instead of the separate documents: the same answer
    bundle = ["--bundle", V2 / "bundle-public.zip", "--keyring", _ring(tmp_path)]
    assert _run(capsys, tmp_path / "r.json", *bundle)[0] == (0 if case["verified"] else 1)
    # never on its own: not even the good one
    code, out = _run(capsys, tmp_path / "r.json", "--keyring", _ring(tmp_path))
    assert code == 1, out
    assert "never verified on its own" in out


def test_forged_receipt_is_internally_consistent() -> None:
    """The forgery is not caught by its own arithmetic: only by the signed announcement."""
    case = next(c for c in _load("receipts.json")["cases"] if c["name"] == "forged-one-leaf-root")
    r = case["receipt"]
    assert (r["size"], r["index"], r["proof"]) == (1, 0, [])
    assert leaf_hash(canonical_json(r["leaf"])).hex() == r["root"]


def test_v2_receipt_class_needs_the_result(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _load("receipts.json")
    good = doc["cases"][0]["receipt"]
    assert good["class"] is not None
    (tmp_path / "r.json").write_text(json.dumps(good, ensure_ascii=False), "utf-8")
    (tmp_path / "a.jws").write_text(doc["announcement"], "utf-8")
    code, out = _run(
        capsys,
        tmp_path / "r.json",
        "--announcement",
        tmp_path / "a.jws",
        "--keyring",
        _ring(tmp_path),
    )
    assert code == 1, out
    assert "receipt.class" in out
    moved = {**good, "class": {"label": "2024级一年级（2）班", "number": 2}}
    if good["class"]["number"] == 2:
        moved["class"] = {"label": "2024级一年级（1）班", "number": 1}
    (tmp_path / "m.json").write_text(json.dumps(moved, ensure_ascii=False), "utf-8")
    bundle = ["--bundle", V2 / "bundle-public.zip", "--keyring", _ring(tmp_path)]
    code, out = _run(capsys, tmp_path / "m.json", *bundle)
    assert code == 1, out
    assert "does not place this pupil" in out


# --- bundles under each trust level -----------------------------------------------------------


CASES = [(b["file"], mode) for b in _load("bundles.json")["bundles"] for mode in b["exit_codes"]]


@pytest.mark.parametrize(("file", "mode"), CASES, ids=[f"{f}-{m}" for f, m in CASES])
def test_bundle_verdict_by_trust(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], file: str, mode: str
) -> None:
    doc = _load("bundles.json")
    want = next(b for b in doc["bundles"] if b["file"] == file)["exit_codes"][mode]
    extra: list[object] = {
        "bundle": [],
        "keyring": ["--keyring", _ring(tmp_path)],
        "pinned": ["--key-fingerprint", doc["bureau_fingerprint"]],
    }[mode]
    code, out = _run(capsys, V2 / file, *extra)
    assert code == want, out
    if want == 3:
        assert "NOT AUTHENTICATED" in out


def test_a_key_id_is_too_short_to_pin(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = _run(capsys, V2 / "bundle-public.zip", "--key-fingerprint", "0011aabb")
    assert code == 2


def test_no_drift() -> None:
    """What ``python tests/vectors/generate.py --check`` checks for v2/."""
    here = str(Path(__file__).parent)
    if here not in sys.path:
        sys.path.insert(0, here)
    import generate_v2  # noqa: PLC0415

    assert generate_v2.drift(V2) == []
