"""The browser verifier's exception replay (web/static/verify/js/exceptions.js, written from
spec Part E) against the exception vectors: late-placement tickets and keys, the class
of every added pupil, and the whole history of the sample bundles, in real Chromium."""

# ruff: noqa: E501 - the JavaScript run in the page is kept on readable lines

from __future__ import annotations

import base64
import io
import json
import zipfile
from typing import Any

import pytest
from browserkit import VECTORS, install_page, js, open_verified, to_digits, vector_keyring

from placement import jws
from placement.documents import digest
from placement.reference import reference, statement_item
from web.portal.changes import changes_json

HERE = VECTORS / "exceptions"


def history() -> dict[str, Any]:
    return json.loads((HERE / "history.json").read_text("utf-8"))  # type: ignore[no-any-return]


def test_late_ticket_example(page: Any, vector_site: str) -> None:
    page.goto(vector_site)
    ex = history()["late_ticket_example"]
    got = js(
        page,
        """const x = await mod('exceptions'); const e = await mod('encoding');
        return e.toHex(await x.lateTicket(e.fromHex(arg.final_seed), arg.number, arg.class));""",
        ex,
    )
    assert got == ex["ticket"]


def _zip(name: str) -> str:
    return base64.b64encode((HERE / name).read_bytes()).decode()


REPLAY = """const x = await mod('exceptions');
const bytes = Uint8Array.from(atob(arg.zip), (c) => c.charCodeAt(0));
const r = await x.verifyExceptions(bytes, null);
return {ok: r.ok, checks: r.checks, steps: (r.steps || []).map((s) => ({number: s.number, changed: s.changed, added: s.added}))};"""


def test_public_bundle_history_replays_as_in_python(page: Any, vector_site: str) -> None:
    page.goto(vector_site)
    got = js(page, REPLAY, {"zip": _zip("bundle-public.zip")})
    assert got["ok"], got["checks"]
    assert set(got["checks"]) == {"order", "rules", "caps", "statements"}
    want = [
        {"number": s["number"], "changed": s["changed"], "added": s["added_leaf_index"]}
        for s in history()["steps"]
    ]
    assert got["steps"] == want
    assert "3 added pupils placed by late-placement/1" in got["checks"]["rules"]["detail"]
    assert page.page_errors == []


def test_keys_of_every_candidate_match_the_vectors(page: Any, vector_site: str) -> None:
    """Replay up to each placement in the page and compare all candidate keys."""
    page.goto(vector_site)
    steps = history()["steps"]
    got = js(
        page,
        """const x = await mod('exceptions'); const e = await mod('encoding');
        const bytes = Uint8Array.from(atob(arg.zip), (c) => c.charCodeAt(0));
        const r = await x.verifyExceptions(bytes, null);
        return r.ok;""",
        {"zip": _zip("bundle-public.zip")},
    )
    assert got
    for step in steps:
        if not step["candidates"]:
            continue
        j = steps.index(step)
        before = steps[j - 1]["classes_after"] if j else _result_classes()
        keys = js(
            page,
            """const x = await mod('exceptions'); const e = await mod('encoding');
            const leaves = arg.leaves;
            const classes = Object.entries(arg.before).map(([n, p]) => ({number: Number(n), pupils: p}));
            const st = {leaves, classes};
            const k = await x.lateKeys(st, {cap: 45, tolerance: 1, finalSeed: e.fromHex(arg.seed)}, arg.leaf, arg.n, false);
            return Object.fromEntries([...k].map(([c, v]) => [String(c), {excess: v[0], size: v[1], same_sex: v[2], same_stratum: v[3], ticket: e.toHex(v[4])}]));""",
            {
                "leaves": _leaves_until(step),
                "before": before,
                "seed": _final_seed(),
                "leaf": step["request"]["detail"]["leaf"],
                "n": step["number"],
            },
        )
        assert keys == step["candidates"], step["number"]


def _result_classes() -> dict[str, list[int]]:
    with zipfile.ZipFile(io.BytesIO((HERE / "bundle-public.zip").read_bytes())) as z:
        result = jws.parse(z.read("result.jws").decode()).document()
    return {str(c["number"]): c["pupils"] for c in result["classes"]}  # type: ignore[index,union-attr]


def _final_seed() -> str:
    with zipfile.ZipFile(io.BytesIO((HERE / "bundle-public.zip").read_bytes())) as z:
        return str(jws.parse(z.read("result.jws").decode()).document()["final_seed"])


def _leaves_until(step: dict[str, Any]) -> list[Any]:
    with zipfile.ZipFile(io.BytesIO((HERE / "bundle-public.zip").read_bytes())) as z:
        leaves: list[Any] = json.loads(z.read("roster/leaves.json"))
    for s in history()["steps"]:
        if s["number"] == step["number"]:
            break
        if s["added_leaf_index"] is not None:
            leaves.append(s["request"]["detail"]["leaf"])
    return leaves


@pytest.mark.parametrize(("name", "failing"), [("bundle-tampered-moved.zip", "statements")])
def test_tampered_history_fails_in_the_browser_too(
    page: Any, vector_site: str, name: str, failing: str
) -> None:
    page.goto(vector_site)
    got = js(page, REPLAY, {"zip": _zip(name)})
    assert not got["ok"]
    assert [k for k, v in got["checks"].items() if not v["ok"]] == [failing]
    assert "no approved exception" in got["checks"][failing]["detail"]


FULL = """const {replayBundle} = await mod('replay'); const {Keyring} = await mod('keyring');
const ring = await Keyring.parse(arg.keyring);
const bytes = Uint8Array.from(atob(arg.zip), (c) => c.charCodeAt(0));
const r = await replayBundle(bytes, ring);
return {ok: r.ok, failed: r.checks.filter((c) => !c.ok).map((c) => c.id), ids: r.checks.map((c) => c.id)};"""


@pytest.mark.parametrize(
    ("name", "failed"),
    [
        ("bundle-public.zip", []),
        ("bundle-archive.zip", []),
        ("bundle-tampered-moved.zip", ["exceptions_statements"]),
    ],
)
def test_the_page_replays_bundles_with_exceptions(
    page: Any, vector_site: str, name: str, failed: list[str]
) -> None:
    page.goto(vector_site)
    ring = json.loads((VECTORS / "record" / "keys.json").read_text("utf-8"))["keyring"]
    got = js(page, FULL, {"zip": _zip(name), "keyring": ring})
    assert got["failed"] == failed
    assert {
        "exceptions_order",
        "exceptions_rules",
        "exceptions_caps",
        "exceptions_statements",
    } <= set(got["ids"])


# --- the verify page and an old QR code ------------------------------------------------


def _changes_site(webroot: Any, server: Any) -> str:
    site = webroot / "changes" / "verify"
    install_page(site, vector_keyring())
    index = changes_json([(HERE / "bundle-public.zip").read_bytes()])
    (site / "changes.json").write_text(json.dumps(index, ensure_ascii=False), "utf-8")
    return f"{server.url}/changes/verify/"


def _statement(name: str) -> str:
    with zipfile.ZipFile(io.BytesIO((HERE / "bundle-public.zip").read_bytes())) as z:
        return z.read(name).decode()


def test_old_qr_says_when_and_why_the_list_changed(page: Any, webroot: Any, server: Any) -> None:
    site = _changes_site(webroot, server)
    steps = history()["steps"]
    placed = steps[0]["decision"]["placed"]  # the first late placement changed this class
    old = _statement(f"statements/{placed:02d}.jws")
    open_verified(page, f"{site}#n={to_digits(old)}")
    assert page.get_attribute("#verdict", "data-result") == "ok"
    assert page.get_attribute("#verdict", "data-superseded") == "true"
    changes = page.locator("#superseded p.change").all_text_contents()
    made = [s for s in steps if placed in s["changed"]]
    assert len(changes) == len(made)
    first = made[0]
    assert f"第 {first['number']} 号例外" in changes[0]
    assert first["decision"]["decided_on"] in changes[0]
    assert first["request"]["reason"] in changes[0]
    current = page.locator("#current-names td.pupil").all_text_contents()
    assert "宋雨桐" in current  # the late pupil is on the current list, not on the old one
    assert "宋雨桐" not in page.locator("#names td.pupil").all_text_contents()
    assert page.page_errors == []


def test_current_list_is_not_marked(page: Any, webroot: Any, server: Any) -> None:
    site = _changes_site(webroot, server)
    with zipfile.ZipFile(io.BytesIO((HERE / "bundle-public.zip").read_bytes())) as z:
        newest = max(n for n in z.namelist() if n.startswith("statements/") and ".v" in n)
    open_verified(page, f"{site}#n={to_digits(_statement(newest))}")
    assert page.get_attribute("#verdict", "data-result") == "ok"
    assert page.get_attribute("#verdict", "data-superseded") == "false"
    assert page.locator("#superseded").count() == 0


# --- protocol v2 records (spec §E5) -----------------------------------------------------

HERE_V2 = VECTORS.parent / "v2" / "exceptions"


def _zip_v2(name: str) -> str:
    return base64.b64encode((HERE_V2 / name).read_bytes()).decode()


def test_v2_history_replays_as_in_python(page: Any, vector_site: str) -> None:
    """Members from the signed v2 statements, named requests, 重名 against the statements'
    names, sorted v2 versions: the page gets the Python replay's steps."""
    page.goto(vector_site)
    got = js(page, REPLAY, {"zip": _zip_v2("bundle-public.zip")})
    assert got["ok"], got["checks"]
    steps = json.loads((HERE_V2 / "history.json").read_text("utf-8"))["steps"]
    want = [
        {"number": s["number"], "changed": s["changed"], "added": s["added_leaf_index"]}
        for s in steps
    ]
    assert got["steps"] == want
    assert "3 added pupils placed by late-placement/1" in got["checks"]["rules"]["detail"]
    assert page.page_errors == []


@pytest.mark.parametrize(
    ("name", "failed"),
    [
        ("bundle-public.zip", []),
        ("bundle-archive.zip", []),
        ("bundle-tampered-moved.zip", ["exceptions_statements"]),
    ],
)
def test_the_page_replays_v2_bundles_with_exceptions(
    page: Any, vector_site: str, name: str, failed: list[str]
) -> None:
    page.goto(vector_site)
    ring = json.loads((VECTORS / "record" / "keys.json").read_text("utf-8"))["keyring"]
    got = js(page, FULL, {"zip": _zip_v2(name), "keyring": ring})
    assert got["failed"] == failed
    assert {"exceptions_rules", "exceptions_statements"} <= set(got["ids"])


def _v2_site(webroot: Any, server: Any) -> str:
    """A verify page next to ``results/<draw>/public.zip`` (where v2 codes are resolved)
    and the district's changes.json."""
    bundle = (HERE_V2 / "bundle-public.zip").read_bytes()
    draw = json.loads(zipfile.ZipFile(io.BytesIO(bundle)).read("manifest.json"))["draw"]
    site = webroot / "v2changes" / "verify"
    install_page(site, vector_keyring())
    (webroot / "v2changes" / "results" / draw).mkdir(parents=True, exist_ok=True)
    (webroot / "v2changes" / "results" / draw / "public.zip").write_bytes(bundle)
    index = changes_json([bundle])
    (site / "changes.json").write_text(json.dumps(index, ensure_ascii=False), "utf-8")
    return f"{server.url}/v2changes/verify/"


def _v2_reference(name: str) -> str:
    with zipfile.ZipFile(io.BytesIO((HERE_V2 / "bundle-public.zip").read_bytes())) as z:
        doc = jws.parse(z.read(name).decode()).document()
    ref = reference(str(doc["draw"]), statement_item(int(str(doc["class"]))), digest(doc))
    return ref.fragment()


def test_v2_reprinted_code_resolves_to_its_version(page: Any, webroot: Any, server: Any) -> None:
    """A v2 sheet reprinted after an exception names the later version by digest: ✓, and
    not marked superseded."""
    site = _v2_site(webroot, server)
    with zipfile.ZipFile(io.BytesIO((HERE_V2 / "bundle-public.zip").read_bytes())) as z:
        newest = max(n for n in z.namelist() if n.startswith("statements/") and ".v" in n)
    open_verified(page, f"{site}#{_v2_reference(newest)}")
    assert page.get_attribute("#verdict", "data-result") == "ok"
    assert page.get_attribute("#verdict", "data-superseded") == "false"
    assert page.page_errors == []


def test_v2_old_code_says_the_list_changed(page: Any, webroot: Any, server: Any) -> None:
    site = _v2_site(webroot, server)
    steps = json.loads((HERE_V2 / "history.json").read_text("utf-8"))["steps"]
    placed = steps[0]["decision"]["placed"]
    open_verified(page, f"{site}#{_v2_reference(f'statements/{placed:02d}.jws')}")
    assert page.get_attribute("#verdict", "data-result") == "ok"
    assert page.get_attribute("#verdict", "data-superseded") == "true"
    assert "宋雨桐" in page.locator("#current-names td.pupil").all_text_contents()
    assert page.page_errors == []
