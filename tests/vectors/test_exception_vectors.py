"""The exception vectors under ``v1/exceptions/`` (spec Part E), checked from their bytes.

Late-placement tickets are recomputed here with hashlib from the spec's formula, the
winning class from the recorded keys, and the bundles go through the verifier: the
honest one passes every exception check, the tampered one fails exactly
``exceptions.statements``.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from placement import jws
from placement.keyring import keyring_from_json
from verifier.checks import Status
from verifier.verify import verify_bundle, verify_statement

HERE = Path(__file__).resolve().parent / "v1" / "exceptions"
EXCEPTION_CHECKS = (
    "exceptions.order",
    "exceptions.approvals",
    "exceptions.rules",
    "exceptions.caps",
    "exceptions.statements",
)


def _history() -> dict[str, Any]:
    return json.loads((HERE / "history.json").read_text("utf-8"))  # type: ignore[no-any-return]


def _ticket(final_seed: bytes, number: int, cls: int) -> str:
    tag = b"sunshine-placement/v1/late-ticket"
    data = final_seed + number.to_bytes(4, "big") + cls.to_bytes(4, "big")
    return hashlib.sha256(bytes([len(tag)]) + tag + data).hexdigest()


def _final_seed() -> bytes:
    with zipfile.ZipFile(io.BytesIO((HERE / "bundle-public.zip").read_bytes())) as z:
        result = jws.parse(z.read("result.jws").decode()).document()
    return bytes.fromhex(str(result["final_seed"]))


def test_late_ticket_example_is_the_spec_formula() -> None:
    ex = _history()["late_ticket_example"]
    seed = bytes.fromhex(ex["final_seed"])
    assert ex["ticket"] == _ticket(seed, ex["number"], ex["class"])


def test_every_late_placement_is_the_smallest_key_with_tickets_recomputed() -> None:
    seed = _final_seed()
    placed = 0
    for step in _history()["steps"]:
        cands = step["candidates"]
        if not cands:
            assert step["decision"]["placed"] is None
            continue
        for cls, key in cands.items():
            assert key["ticket"] == _ticket(seed, step["number"], int(cls))
        order = sorted(
            cands,
            key=lambda c: (
                cands[c]["excess"],
                cands[c]["size"],
                cands[c]["same_sex"],
                cands[c]["same_stratum"],
                bytes.fromhex(cands[c]["ticket"]),
            ),
        )
        assert int(order[0]) == step["decision"]["placed"]
        assert step["changed"] == [step["decision"]["placed"]]
        placed += 1
    assert placed == 3  # two late placements and one transfer in


def test_same_name_pupil_is_only_offered_the_class_without_that_name() -> None:
    step = _history()["steps"][1]
    assert step["request"]["detail"]["leaf"]["name"] == "王浩宇"
    assert list(step["candidates"]) == [str(step["decision"]["placed"])]


def test_refused_request_changes_nothing() -> None:
    steps = _history()["steps"]
    refused = next(s for s in steps if s["decision"]["decision"] == "refused")
    before = steps[steps.index(refused) - 1]
    assert refused["changed"] == []
    assert refused["classes_after"] == before["classes_after"]


def _checks(name: str) -> dict[str, Any]:
    report = verify_bundle((HERE / name).read_bytes())
    return {c.name: c for c in report.checks}


def test_public_bundle_replays_every_exception() -> None:
    checks = _checks("bundle-public.zip")
    assert not [c.name for c in checks.values() if c.status is Status.FAIL]
    for name in EXCEPTION_CHECKS:
        assert checks[name].status is Status.PASS, checks[name].message_en
    assert "3 added pupils recomputed by late-placement/1" in checks["exceptions.rules"].message_en


def test_tampered_history_fails_the_named_check() -> None:
    tampered = _history()["tampered"]
    checks = _checks(tampered["bundle"])
    failed = sorted(c.name for c in checks.values() if c.status is Status.FAIL)
    assert failed == [tampered["fails"]] == ["exceptions.statements"]
    assert "no approved exception" in checks["exceptions.statements"].message_en


def test_archive_opens_the_added_pupils_private_parts() -> None:
    checks = _checks("bundle-archive.zip")
    assert not [c.name for c in checks.values() if c.status is Status.FAIL]
    assert checks["exceptions.private"].status is Status.PASS
    assert "all 3 added pupils" in checks["exceptions.private"].message_en


@pytest.mark.parametrize(
    "name", ["bundle-public.zip", "bundle-archive.zip", "bundle-tampered-moved.zip"]
)
def test_old_statements_stay_and_verify(name: str) -> None:
    checks = _checks(name)
    assert checks["statements.match"].status is Status.PASS
    assert checks["signature.statements"].status is Status.PASS


def test_a_statement_version_verifies_on_its_own() -> None:
    with zipfile.ZipFile(io.BytesIO((HERE / "bundle-public.zip").read_bytes())) as z:
        ring = keyring_from_json(json.loads(z.read("keyring.json")))
        name = next(n for n in sorted(z.namelist()) if n.startswith("statements/") and ".v" in n)
        text = z.read(name).decode()
    report = verify_statement(text, keyring=ring)
    assert report.verified
    content = next(c for c in report.checks if c.name == "statement.document")
    assert "made by exception #" in content.message_en
