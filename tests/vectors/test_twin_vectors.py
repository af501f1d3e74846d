"""The twin vectors under ``v1/exceptions-twins/`` (spec §E7), checked from their bytes:
the second twin sits with the first although ``late-placement/1`` gives another class,
the honest bundle passes every exception check, and the bundle whose twin was placed by
``late-placement/1`` instead fails exactly ``exceptions.rules``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from verifier.checks import Status
from verifier.verify import verify_bundle

HERE = Path(__file__).resolve().parent / "v1" / "exceptions-twins"


def _history() -> dict[str, Any]:
    return json.loads((HERE / "history.json").read_text("utf-8"))  # type: ignore[no-any-return]


def _checks(name: str) -> dict[str, Any]:
    return {c.name: c for c in verify_bundle((HERE / name).read_bytes()).checks}


def test_the_twin_is_placed_with_the_first_twin_not_by_the_rule() -> None:
    steps = {s["number"]: s for s in _history()["steps"]}
    twin = next(
        s for s in steps.values() if s["twin_of"] and s["decision"]["decision"] == "approved"
    )
    first = steps[twin["twin_of"]]
    assert twin["request"]["detail"]["twin_of"] == first["number"]
    home = next(c for c, p in twin["classes_after"].items() if first["added_leaf_index"] in p)
    assert twin["decision"]["placed"] == int(home)
    assert twin["added_leaf_index"] in twin["classes_after"][home]
    assert twin["late_placement_1_would_place"] != twin["decision"]["placed"]


def test_the_twin_of_a_pupil_transferred_out_is_refused_in_both_languages() -> None:
    doc = _history()
    refused = doc["approval_refused"]
    assert "in no class any more" in refused["en"]
    assert "已不在任何班" in refused["zh"]
    last = doc["steps"][-1]
    assert last["number"] == refused["number"]
    assert last["decision"]["decision"] == "refused"
    assert last["changed"] == []


def test_without_twin_of_the_request_has_no_such_key() -> None:
    for step in _history()["steps"]:
        assert ("twin_of" in step["request"]["detail"]) == (step["twin_of"] is not None)


def test_public_bundle_replays_the_twins() -> None:
    checks = _checks("bundle-public.zip")
    assert not [c.name for c in checks.values() if c.status is Status.FAIL]
    for name in ("exceptions.order", "exceptions.rules", "exceptions.caps"):
        assert checks[name].status is Status.PASS, checks[name].message_en
    assert checks["exceptions.statements"].status is Status.PASS
    assert "(1 of them placed with their twin by §E7)" in checks["exceptions.rules"].message_en


def test_archive_opens_the_twins_private_parts() -> None:
    checks = _checks("bundle-archive.zip")
    assert not [c.name for c in checks.values() if c.status is Status.FAIL]
    assert "all 3 added pupils" in checks["exceptions.private"].message_en


def test_a_twin_placed_elsewhere_fails_the_rules_check() -> None:
    tampered = _history()["tampered"]
    checks = _checks(tampered["bundle"])
    failed = sorted(c.name for c in checks.values() if c.status is Status.FAIL)
    assert failed == [tampered["fails"]] == ["exceptions.rules"]
    assert "the twin (exception 1) is in class" in checks["exceptions.rules"].message_en
