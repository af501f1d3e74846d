"""The browser verifier (web/static/verify/js) against every protocol v2 vector
(tests/vectors/v2, spec Part III): leaves, draws, statements, references, fingerprints,
receipts checked against the signed documents, and the sample and forged bundles."""

# ruff: noqa: E501 - the JavaScript run in the page is kept on readable lines

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from browserkit import ROOT, js

V2 = ROOT / "tests" / "vectors" / "v2"
KEYRING = "const {Keyring} = await mod('keyring'); const ring = await Keyring.parse(arg.keyring);"


def load(name: str) -> Any:
    return json.loads((V2 / name).read_text("utf-8"))


def trusted() -> Any:
    return json.loads(load("references.json")["fingerprints"]["keyring_canonical"])


@pytest.fixture(scope="module")
def vpage(browser: Any, vector_site: str) -> Iterator[Any]:
    ctx = browser.new_context()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(vector_site)
    page.wait_for_function("document.readyState === 'complete'")
    yield page
    assert errors == []
    ctx.close()


def test_leaves_and_names_digest(vpage: Any) -> None:
    doc = load("leaves.json")
    got = js(
        vpage,
        """const c = await mod('commitment'); const e = await mod('encoding'); const h = await mod('hash');
        const jcs = await mod('jcs'); const d = await mod('documents');
        const out = [];
        for (const x of arg.leaves) {
          c.checkLeaf(x.leaf);
          out.push([e.toHex(await c.privateCommitment(x.private, 2)), e.toHex(await c.pupilLeafHash(x.leaf))]);
        }
        const pairs = arg.leaves.map((x) => [x.private.name, x.leaf.sex]).sort(d.comparePairs);
        return {out, names: e.toHex(await h.taggedHash(h.TAGS.names, jcs.canonical(pairs)))};""",
        doc,
    )
    assert got["out"] == [[x["leaf"]["private"], x["leaf_hash"]] for x in doc["leaves"]]
    assert got["names"] == doc["names_digest"]


@pytest.mark.parametrize("name", ["sample", "widened-stratum"])
def test_draw_replay(vpage: Any, name: str) -> None:
    case = next(d for d in load("draws.json")["draws"] if d["name"] == name)
    got = js(
        vpage,
        """const {replayDraw} = await mod('draw'); const {balance, structure} = await mod('structure');
        const d = await mod('documents');
        const i = arg.inputs;
        const r = await replayDraw({announcement: i.announcement, leaves: i.leaves, teams: i.teams, serverSeed: i.server_seed, witnesses: i.witness_inputs, beacon: i.beacon});
        const k = i.teams.length;
        const bal = balance(i.leaves, k, i.announcement.class_cap, r.tolerance.tolerance, structure(i.leaves, k));
        for (const s of arg.expected.statements) d.checkStatement(s);
        return {digest: r.digest, announcement: r.announcementDigest, seed: r.finalSeed, steps: r.steps.filter((s) => !s.ok).map((s) => s.id),
                tau: r.tolerance.tolerance, widened: [...bal.widened].sort()};""",
        case,
    )
    want = case["expected"]
    assert got["steps"] == []
    assert got["announcement"] == want["announcement_digest"]
    assert got["seed"] == want["final_seed"]
    assert got["digest"] == want["result_digest"]
    assert got["tau"] == want["size_tolerance"]
    assert got["widened"] == want["widened"]


def test_unsorted_v2_statement_is_refused(vpage: Any) -> None:
    s = load("draws.json")["draws"][0]["expected"]["statements"][0]
    s = {**s, "pupils": s["pupils"][::-1]}
    got = js(
        vpage,
        """const d = await mod('documents'); try { d.checkStatement(arg); return 'accepted'; } catch (e) { return e.code; }""",
        s,
    )
    assert got == "document"


def test_fingerprints(vpage: Any) -> None:
    fp = load("references.json")["fingerprints"]
    got = js(
        vpage,
        """const k = await mod('keyring');
        const ring = await k.Keyring.parse(arg.ring);
        return {ring: ring.fingerprint, keys: await Promise.all(arg.keys.map((x) => k.keyFingerprint(x.vkey)))};""",
        {"ring": json.loads(fp["keyring_canonical"]), "keys": fp["keys"]},
    )
    assert got["ring"] == fp["keyring"]
    assert got["keys"] == [k["fingerprint"] for k in fp["keys"]]


def test_references(vpage: Any) -> None:
    doc = load("references.json")
    got = js(
        vpage,
        """const l = await mod('link');
        const ok = arg.references.map((r) => { const p = l.parseFragment('#' + r.fragment); return [p.draw, p.item, p.digest, l.referenceMember(p.item)]; });
        const bad = arg.invalid_fragments.map((f) => { try { l.parseFragment('#' + f); return 'accepted'; } catch (e) { return e.code; } });
        return {ok, bad};""",
        doc,
    )
    assert got["ok"] == [
        [r["draw"], r["item"], r["digest"], r["member"]] for r in doc["references"]
    ]
    assert "accepted" not in got["bad"]


RECEIPT = (
    KEYRING
    + """const r = await mod('receipt');
try { const v = await r.verifyReceiptAgainst(arg.receipt, arg.docs, ring); return {ok: true, checks: v.checks, cls: v.classVerified}; }
catch (e) { return {ok: false, code: e.code}; }"""
)


@pytest.mark.parametrize("name", ["good", "forged-one-leaf-root"])
def test_receipt_against_signed_documents(vpage: Any, name: str) -> None:
    doc = load("receipts.json")
    case = next(c for c in doc["cases"] if c["name"] == name)
    docs = {"announcement": doc["announcement"], "result": doc["result"]}
    got = js(vpage, RECEIPT, {"keyring": trusted(), "receipt": case["receipt"], "docs": docs})
    assert got["ok"] is case["verified"]
    if case["verified"]:
        assert got["cls"] is True
        assert got["checks"][-2:] == ["receipt_announcement", "receipt_class"]
    else:
        assert got["code"] == "receipt_announcement"
    # never on its own, and a v2 class never without the signed result
    alone = js(vpage, RECEIPT, {"keyring": trusted(), "receipt": case["receipt"], "docs": {}})
    assert alone["ok"] is False
    no_result = js(
        vpage,
        RECEIPT,
        {
            "keyring": trusted(),
            "receipt": case["receipt"],
            "docs": {"announcement": doc["announcement"]},
        },
    )
    assert no_result["ok"] is False


REPLAY = (
    KEYRING
    + """const {replayBundle} = await mod('replay');
const bytes = Uint8Array.from(atob(arg.zip), (c) => c.charCodeAt(0));
const r = await replayBundle(bytes, ring);
return {ok: r.ok, failed: r.checks.filter((c) => !c.ok).map((c) => c.id), ids: r.checks.map((c) => c.id), classes: r.classes};"""
)


@pytest.mark.parametrize("file", [b["file"] for b in load("bundles.json")["bundles"]])
def test_bundle_with_the_trusted_keyring(vpage: Any, file: str) -> None:
    """Each v2 bundle gets the verdict verify-placement --keyring gives it."""
    meta = next(b for b in load("bundles.json")["bundles"] if b["file"] == file)
    data = {"zip": base64.b64encode((V2 / file).read_bytes()).decode(), "keyring": trusted()}
    got = js(vpage, REPLAY, data)
    assert got["ok"] is (meta["exit_codes"]["keyring"] == 0), got["failed"]
    if got["ok"]:
        assert {"version", "rotation", "relied", "deal", "statements"} <= set(got["ids"])
        assert all(c["names"] for c in got["classes"])  # names from the signed statements
    else:
        assert "statements" in got["failed"] or "announcement" in got["failed"]


def test_evil_key_in_its_own_keyring_is_refused_by_rotation(vpage: Any) -> None:
    """Checked with the forged bundle's own keyring, the added key signs one statement:
    two bureau keys without a logged rotation (§23.3)."""
    path = V2 / "bundle-evil-key.zip"
    import zipfile  # noqa: PLC0415

    with zipfile.ZipFile(path) as z:
        own = json.loads(z.read("keyring.json"))
    got = js(vpage, REPLAY, {"zip": base64.b64encode(path.read_bytes()).decode(), "keyring": own})
    assert got["failed"] == ["rotation"]


# --- the verify page with a v2 code (§22, §23.2) ---------------------------------------------


def _site_with_records(webroot: Any, server: Any, name: str, bundle: str) -> str:
    from browserkit import install_page  # noqa: PLC0415

    base = webroot / name
    install_page(base / "verify", trusted())
    draw = load("references.json")["references"][0]["draw"]
    (base / "results" / draw).mkdir(parents=True, exist_ok=True)
    (base / "results" / draw / "public.zip").write_bytes((V2 / bundle).read_bytes())
    return f"{server.url}/{name}/verify/"


def test_page_resolves_a_v2_class_list_code(page: Any, webroot: Any, server: Any) -> None:
    """A v2 code names the statement; the page fetches the record, replays it, shows the
    list, and says which keyring it trusted: the same site's, with its fingerprint."""
    from browserkit import open_verified  # noqa: PLC0415

    base = _site_with_records(webroot, server, "v2site", "bundle-public.zip")
    ref = next(r for r in load("references.json")["references"] if r["item"] == "s1")
    open_verified(page, base + "#" + ref["fragment"])
    assert page.get_attribute("#verdict", "data-result") == "ok", page.inner_text("#reason")
    names = page.locator("#names tbody tr td.pupil").all_text_contents()
    assert names == sorted(names)  # v2 statements list by name (§21.3)
    assert len(names) == 8
    assert page.get_attribute("#replay-verdict", "data-result") == "ok"
    fp = load("references.json")["fingerprints"]["keyring"]
    assert page.inner_text("#trust-fingerprint") == fp
    assert page.get_attribute("#trust", "data-source") == "same-site"
    assert "同一网站" in page.inner_text("#trust-source")
    # a code whose digest is not the record's document
    wrong = ref["fragment"][:-1] + ("A" if ref["fragment"][-1] != "A" else "E")
    open_verified(page, base + "#" + wrong)
    assert page.get_attribute("#verdict", "data-result") == "bad"
    assert page.page_errors == []


def test_page_refuses_a_record_signed_by_an_added_key(page: Any, webroot: Any, server: Any) -> None:
    from browserkit import open_verified  # noqa: PLC0415

    base = _site_with_records(webroot, server, "v2evil", "bundle-own-keys.zip")
    ref = next(r for r in load("references.json")["references"] if r["item"] == "s1")
    open_verified(page, base + "#" + ref["fragment"])
    assert page.get_attribute("#verdict", "data-result") == "bad"
    assert page.get_attribute("#reason", "data-code") == "record"


@pytest.mark.parametrize("name", ["good", "forged-one-leaf-root"])
def test_page_verifies_a_handed_receipt(page: Any, vector_site: str, name: str) -> None:
    """What the lookup hands the browser (#p=, §21.5): ✓ only when the bureau's signed
    announcement and result carry the receipt; a forged one-leaf receipt is ✗."""
    import zlib  # noqa: PLC0415

    from browserkit import open_verified  # noqa: PLC0415

    from placement.canonical import canonical_json  # noqa: PLC0415

    doc = load("receipts.json")
    case = next(c for c in doc["cases"] if c["name"] == name)
    payload = {
        "announcement": doc["announcement"],
        "receipt": case["receipt"],
        "result": doc["result"],
    }
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = z.compress(canonical_json(payload)) + z.flush()
    fragment = "p=" + base64.urlsafe_b64encode(raw).decode().rstrip("=")
    open_verified(page, vector_site + "#" + fragment)
    want = "ok" if case["verified"] else "bad"
    assert page.get_attribute("#verdict", "data-result") == want, page.inner_text("#reason")
    if case["verified"]:
        details = page.inner_text("#details")
        assert case["receipt"]["private"]["name"] in details
        assert case["receipt"]["class"]["label"] in details
    else:
        assert page.get_attribute("#reason", "data-code") == "receipt_announcement"
    assert page.page_errors == []
