"""The browser verifier checks an added pupil's receipt (spec §E6, web/static/verify/js/
receipt.js) as ``verify-placement`` does: every added pupil of the v1 and v2 exception
vectors verifies; a wrong salt, a class the decision did not give, a refused decision or
missing documents fail, in real Chromium."""

# ruff: noqa: E501 - the JavaScript run in the page is kept on readable lines

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from browserkit import js
from receiptkit import members, receipts

CHECK = """const {verifyAddedReceipt} = await mod('receipt'); const {Keyring} = await mod('keyring');
const ring = await Keyring.parse(arg.keyring);
try { const v = await verifyAddedReceipt(arg.receipt, arg.docs, ring); return {ok: true, checks: v.checks}; }
catch (e) { return {ok: false, code: e.code || null}; }"""


@pytest.mark.parametrize("version", [1, 2])
def test_added_receipts_in_the_browser(page: Any, vector_site: str, version: int) -> None:
    page.goto(vector_site)
    ring = json.loads(members(version)["keyring.json"])
    for receipt, docs in receipts(version):
        got = js(page, CHECK, {"receipt": receipt, "docs": docs, "keyring": ring})
        assert got == {
            "ok": True,
            "checks": [
                "receipt_private",
                "receipt_idcard",
                "receipt_request",
                "receipt_decision",
                "receipt_class",
            ],
        }
    receipt, docs = receipts(version)[0]
    salt = copy.deepcopy(receipt)
    salt["private"]["salt"] = "00" * 16
    moved = copy.deepcopy(receipt)
    moved["class"]["number"] = 1 if moved["class"]["number"] != 1 else 2
    refused = {**docs, "decision": members(version)["exceptions/4.decision.jws"].decode()}
    for bad, given, code in (
        (salt, docs, "private"),
        (moved, docs, "receipt_decision"),
        (receipt, refused, "receipt_decision"),
        (receipt, {**docs, "request": None}, "receipt_request"),
    ):
        got = js(page, CHECK, {"receipt": bad, "docs": given, "keyring": ring})
        assert got == {"ok": False, "code": code}
    assert page.page_errors == []
