"""The v2 exception vectors under ``v2/exceptions/`` (spec §E5), checked from their bytes.

The same story as ``v1/exceptions/`` on a protocol v2 record: requests name the added
pupil and refer to others by [name, sex] in their class, an added leaf shows only its
sex, 重名 is checked against the class statements' names, and statement versions are v2
statements sorted by (name, sex). Both the honest bundles and the tampered one go
through the verifier.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from placement import jws
from placement.commitment import PUPIL_LEAF_TYPE_V2
from placement.documents import CLASS_STATEMENT_TYPE_V2, digest
from placement.reference import reference, statement_item
from verifier.checks import Status
from verifier.references import find
from verifier.verify import verify_bundle

HERE = Path(__file__).resolve().parent / "v2" / "exceptions"
EXCEPTION_CHECKS = (
    "exceptions.order",
    "exceptions.approvals",
    "exceptions.rules",
    "exceptions.caps",
    "exceptions.statements",
)


def _history() -> dict[str, Any]:
    return json.loads((HERE / "history.json").read_text("utf-8"))  # type: ignore[no-any-return]


def _members(name: str) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO((HERE / name).read_bytes())) as z:
        return {n: z.read(n) for n in z.namelist()}


def _checks(name: str) -> dict[str, Any]:
    return {c.name: c for c in verify_bundle((HERE / name).read_bytes()).checks}


def test_the_record_is_v2() -> None:
    ann = jws.parse(_members("bundle-public.zip")["announcement.jws"].decode()).document()
    assert ann["t"] == "sunshine-placement/v2/announcement"


def test_requests_pair_no_name_with_a_leaf_code() -> None:
    """An added pupil is named by the request (its statement will show the name), so its
    leaf shows nothing but sex; removed and moved pupils are named, never by leaf index."""
    steps = _history()["steps"]
    for step in steps:
        detail = step["request"]["detail"]
        if "leaf" in detail:
            leaf = detail["leaf"]
            assert leaf["t"] == PUPIL_LEAF_TYPE_V2
            assert "name" not in leaf
            assert [leaf[k] for k in ("same_name", "stratum", "twin", "twin_wish")] == [""] * 4
            assert isinstance(detail["name"], str)
            assert detail["name"]
        if step["kind"] == "transfer-out":
            assert detail["pupil"][1] in {"F", "M"}
            assert isinstance(detail["pupil"][0], str)
            assert isinstance(detail["class"], int)
        if step["kind"] == "correction":
            assert all(isinstance(c["pupil"], list) for c in detail["changes"])


def test_same_name_is_checked_against_the_statements() -> None:
    """王浩宇 is the name of two placed pupils: only the class whose statement lists
    neither is a candidate, found from the statements' names (the leaves have none)."""
    step = _history()["steps"][1]
    assert step["request"]["detail"]["name"] == "王浩宇"
    (only,) = step["candidates"]
    assert int(only) == step["decision"]["placed"]
    members = _members("bundle-public.zip")
    holding = {
        int(p[11:13])
        for p in members
        if p.startswith("statements/") and p.count(".") == 1
        for q in jws.parse(members[p].decode()).document()["pupils"]
        if q[0] == "王浩宇"
    }
    assert len(holding) == 2
    assert int(only) not in holding


def test_statement_versions_are_v2_and_sorted() -> None:
    members = _members("bundle-public.zip")
    versions = [p for p in members if p.startswith("statements/") and ".v" in p]
    assert versions
    for p in versions:
        doc = jws.parse(members[p].decode()).document()
        assert doc["t"] == CLASS_STATEMENT_TYPE_V2
        pairs = [tuple(x) for x in doc["pupils"]]
        assert pairs == sorted(pairs)


@pytest.mark.parametrize("name", ["bundle-public.zip", "bundle-archive.zip"])
def test_honest_bundles_replay_every_exception(name: str) -> None:
    checks = _checks(name)
    assert not [c.name for c in checks.values() if c.status is Status.FAIL]
    for check in EXCEPTION_CHECKS:
        assert checks[check].status is Status.PASS, checks[check].message_en
    assert "3 added pupils recomputed" in checks["exceptions.rules"].message_en


def test_archive_opens_added_pupils_with_their_names() -> None:
    checks = _checks("bundle-archive.zip")
    assert checks["exceptions.private"].status is Status.PASS
    late = json.loads(_members("bundle-archive.zip")["private/late-leaves.json"])
    names = {p["name"] for p in late.values()}
    added = {s["request"]["detail"]["name"] for s in _history()["steps"] if s["added_leaf_index"]}
    assert names == added
    assert len(added) == 3


def test_tampered_v2_history_fails_the_named_check() -> None:
    tampered = _history()["tampered"]
    checks = _checks(tampered["bundle"])
    failed = sorted(c.name for c in checks.values() if c.status is Status.FAIL)
    assert failed == [tampered["fails"]] == ["exceptions.statements"]


def test_a_reprinted_sheets_reference_resolves_to_its_version() -> None:
    """A v2 sheet reprinted after an exception refers to the class's later version (same
    item ``s<n>``, that version's digest): the code resolves to it, not to ✗."""
    members = _members("bundle-public.zip")
    name = max(p for p in members if p.startswith("statements/") and ".v" in p)
    doc = jws.parse(members[name].decode()).document()
    ref = reference(str(doc["draw"]), statement_item(int(str(doc["class"]))), digest(doc))
    check = find(ref, (HERE / "bundle-public.zip").read_bytes())
    assert check.status is Status.PASS, check.message_en
    assert f"made by exception #{doc['exception']}" in check.message_en
    forged = reference(ref.draw, ref.item, bytes(32))
    assert find(forged, (HERE / "bundle-public.zip").read_bytes()).status is Status.FAIL
