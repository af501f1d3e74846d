"""The receipt of a pupil added after the draw (spec §E6), checked by ``verify-placement``
against the request and decision of its bundle: every added pupil of the v1 and v2
exception vectors verifies; a wrong salt, a class the decision did not give, a refused
or another request, and a receipt without its documents fail the named check."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from receiptkit import VECTORS, members, receipts

from placement.keyring import keyring_from_json
from verifier.verify import verify_receipt


def check(receipt: dict[str, Any], texts: dict[str, str | None], version: int) -> dict[str, str]:
    ring = keyring_from_json(json.loads(members(version)["keyring.json"]))
    report = verify_receipt(receipt, keyring=ring, **texts)  # type: ignore[arg-type]
    return {c.name: c.status for c in report.checks}


@pytest.mark.parametrize("version", [1, 2])
def test_every_added_pupil_verifies(version: int) -> None:
    made = receipts(version)
    assert len(made) == 3  # two late placements and a transfer in, in both stories
    for receipt, texts in made:
        got = check(receipt, texts, version)
        assert set(got.values()) == {"pass"}, got
        assert list(got) == [
            "receipt.document",
            "receipt.private",
            "receipt.request",
            "receipt.decision",
            "receipt.class",
        ]


def _bad(version: int, change: Any) -> dict[str, str]:
    receipt, texts = receipts(version)[0]
    receipt, texts = copy.deepcopy(receipt), dict(texts)
    change(receipt, texts)
    got = check(receipt, texts, version)
    return {k: v for k, v in got.items() if v != "pass"}


@pytest.mark.parametrize("version", [1, 2])
def test_forgeries_fail_the_named_check(version: int) -> None:
    def salt(r: dict[str, Any], _t: dict[str, str]) -> None:
        r["private"]["salt"] = "00" * 16

    def other_class(r: dict[str, Any], _t: dict[str, str]) -> None:
        r["class"]["number"] = 1 if r["class"]["number"] != 1 else 2

    def other_request(_r: dict[str, Any], t: dict[str, str]) -> None:
        files = members(version)
        t["request"] = files["exceptions/3.request.jws"].decode()  # a transfer out

    def refused(_r: dict[str, Any], t: dict[str, str]) -> None:
        files = members(version)
        t["decision"] = files["exceptions/4.decision.jws"].decode()  # the refused one

    def alone(_r: dict[str, Any], t: dict[str, str]) -> None:
        t["request"] = t["decision"] = None  # type: ignore[assignment]

    assert _bad(version, salt) == {"receipt.private": "fail"}
    assert "receipt.decision" in _bad(version, other_class)
    assert "receipt.request" in _bad(version, other_request)
    assert "receipt.decision" in _bad(version, refused)
    assert set(_bad(version, alone)) >= {"receipt.request", "receipt.decision"}


def test_the_cli_takes_the_documents_from_the_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from verifier._cli import main  # noqa: PLC0415

    receipt, _ = receipts(2)[0]
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(receipt, ensure_ascii=False), "utf-8")
    bundle = VECTORS / "v2" / "exceptions" / "bundle-public.zip"
    ring = tmp_path / "keyring.json"
    ring.write_bytes(members(2)["keyring.json"])  # trusted here: the vectors' own keys
    assert main([str(path), "--bundle", str(bundle), "--keyring", str(ring)]) == 0
    out = capsys.readouterr().out
    for name in ("receipt.private", "receipt.request", "receipt.decision", "receipt.class"):
        assert f"[通过 PASS] {name}" in out
