"""The browser verifier's replay of twins added after the draw (spec §E7,
web/static/verify/js/exceptions.js) on the twin vectors, in real Chromium: the same
steps and the same verdicts as the Python verifier."""

# ruff: noqa: E501 - the JavaScript run in the page is kept on readable lines

from __future__ import annotations

import base64
import json
from typing import Any

from browserkit import VECTORS, js

from verifier.checks import Status
from verifier.verify import verify_bundle

HERE = VECTORS / "exceptions-twins"
REPLAY = """const x = await mod('exceptions');
const bytes = Uint8Array.from(atob(arg.zip), (c) => c.charCodeAt(0));
const r = await x.verifyExceptions(bytes, null);
return {ok: r.ok, checks: r.checks, steps: (r.steps || []).map((s) => ({number: s.number, changed: s.changed, added: s.added}))};"""


def history() -> dict[str, Any]:
    return json.loads((HERE / "history.json").read_text("utf-8"))  # type: ignore[no-any-return]


def _zip(name: str) -> str:
    return base64.b64encode((HERE / name).read_bytes()).decode()


def _python_failures(name: str) -> list[str]:
    report = verify_bundle((HERE / name).read_bytes())
    return sorted(
        c.name.removeprefix("exceptions.")
        for c in report.checks
        if c.name.startswith("exceptions.") and c.status is Status.FAIL
    )


def test_twins_replay_as_in_python(page: Any, vector_site: str) -> None:
    page.goto(vector_site)
    got = js(page, REPLAY, {"zip": _zip("bundle-public.zip")})
    assert got["ok"], got["checks"]
    assert _python_failures("bundle-public.zip") == []
    want = [
        {"number": s["number"], "changed": s["changed"], "added": s["added_leaf_index"]}
        for s in history()["steps"]
    ]
    assert got["steps"] == want
    assert "(1 of them with their twin, §E7)" in got["checks"]["rules"]["detail"]
    assert page.page_errors == []


def test_a_twin_placed_elsewhere_fails_rules_in_the_browser_too(
    page: Any, vector_site: str
) -> None:
    page.goto(vector_site)
    got = js(page, REPLAY, {"zip": _zip("bundle-tampered-twin.zip")})
    assert not got["ok"]
    failed = sorted(k for k, v in got["checks"].items() if not v["ok"])
    assert failed == _python_failures("bundle-tampered-twin.zip") == ["rules"]
    assert "the twin (exception 1) is in class" in got["checks"]["rules"]["detail"]


def test_the_twin_of_a_pupil_transferred_out_cannot_be_approved(
    page: Any, vector_site: str
) -> None:
    """Replay the bundle, then offer the refused twin request an approval in the page."""
    page.goto(vector_site)
    refused = history()["approval_refused"]
    step = history()["steps"][-1]
    got = js(
        page,
        """const x = await mod('exceptions');
        const bytes = Uint8Array.from(atob(arg.zip), (c) => c.charCodeAt(0));
        const r = await x.verifyExceptions(bytes, null);
        const setting = {cap: 45, tolerance: 1, finalSeed: new Uint8Array(32), drawnOn: '2024-08-14'};
        const dec = {decision: 'approved', decided_on: '2024-09-16', placed: 1, waivers: []};
        try { await x.applyException(r.state, setting, arg.req, dec); return 'approved'; } catch (e) { return e.message; }""",
        {"zip": _zip("bundle-public.zip"), "req": step["request"]},
    )
    assert refused["en"] in got
