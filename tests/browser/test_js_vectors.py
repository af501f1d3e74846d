"""The browser verifier (web/static/verify/js) against every applicable conformance
vector of tests/vectors/v1 and the sample and frozen bundles: Python and JavaScript
must agree byte for byte. RFC 3797 (parent representatives) is not part of the
verify page and has no JavaScript implementation."""

# ruff: noqa: E501 - the JavaScript run in the page is kept on readable lines

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browserkit import ROOT, VECTORS, install_page, js

FROZEN = ROOT / "tests" / "vectors" / "frozen"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text("utf-8"))
    return data


def cases(name: str, *kinds: str) -> list[Any]:
    return [
        pytest.param(c, id=c["name"])
        for c in load(name)["cases"]
        if not kinds or c["kind"] in kinds
    ]


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


# --- canonical bytes and tagged hashes (§2) ---------------------------------------


@pytest.mark.parametrize("case", cases("canonical.json", "json"))
def test_canonical_json(vpage: Any, case: dict[str, Any]):
    got = js(
        vpage,
        """const jcs = await mod('jcs'); const h = await mod('hash'); const e = await mod('encoding');
        const bytes = jcs.canonical(arg.value);
        return {text: jcs.canonicalText(arg.value), hex: e.toHex(bytes),
                tagged: e.toHex(await h.taggedHash(arg.tag, bytes))};""",
        case,
    )
    exp = case["expected"]
    assert got == {
        "text": exp["canonical_text"],
        "hex": exp["canonical_hex"],
        "tagged": exp["tagged_hash"],
    }


@pytest.mark.parametrize("case", cases("canonical.json", "refused"))
def test_canonical_refusals(vpage: Any, case: dict[str, Any]):
    got = js(
        vpage,
        """const jcs = await mod('jcs');
        try { jcs.canonical(arg.value); return 'accepted'; } catch (e) { return e.code; }""",
        case,
    )
    assert got == "canonical"


def test_canonical_refuses_what_json_parse_changes(vpage: Any):
    """Text that JSON.parse would silently change is refused by the byte comparison."""
    got = js(
        vpage,
        """const jcs = await mod('jcs'); const e = await mod('encoding'); const out = [];
        for (const t of ['{"a":1.0}', '{"a":9007199254740993}', '{"b":1,"a":2}', '{"a":1,"a":2}',
                         '[-0]', '["\\\\u00e9"]', '{"a":1} ']) {
          try { jcs.parseCanonical(e.utf8(t)); out.push('accepted ' + t); } catch (x) { out.push(x.code); }
        }
        return out;""",
    )
    assert all(code in {"canonical", "json"} for code in got), got


@pytest.mark.parametrize("case", cases("canonical.json", "tagged_hash"))
def test_tagged_hash(vpage: Any, case: dict[str, Any]):
    got = js(
        vpage,
        """const h = await mod('hash'); const e = await mod('encoding');
        return [e.toHex(h.tagPrefix(arg.tag)),
                e.toHex(await h.taggedHash(arg.tag, ...arg.parts_hex.map((x) => e.fromHex(x))))];""",
        case,
    )
    assert got == [case["expected"]["prefix_hex"], case["expected"]["digest"]]


# --- ID numbers (§3) -------------------------------------------------------------


@pytest.mark.parametrize("case", cases("idcard.json"))
def test_idcard(vpage: Any, case: dict[str, Any]):
    got = js(
        vpage, "return (await mod('idcard')).isResidentId(arg);", case["expected"]["normalised"]
    )
    assert got is ("error" not in case["expected"])


# --- leaves, roster and teams (§4) ----------------------------------------------


@pytest.mark.parametrize("case", cases("leaves.json", "pupil_leaf"))
def test_pupil_leaf(vpage: Any, case: dict[str, Any]):
    got = js(
        vpage,
        """const c = await mod('commitment'); const jcs = await mod('jcs'); const e = await mod('encoding');
        c.checkLeaf(arg.leaf_json);
        return [jcs.canonicalText(arg.private_json), e.toHex(await c.privateCommitment(arg.private_json)),
                jcs.canonicalText(arg.leaf_json), e.toHex(await c.pupilLeafHash(arg.leaf_json))];""",
        case["expected"],
    )
    exp = case["expected"]
    assert got == [
        exp["private_canonical"],
        exp["private_commitment"],
        exp["leaf_canonical"],
        exp["leaf_hash"],
    ]


@pytest.mark.parametrize("case", cases("leaves.json", "roster"))
def test_roster_root(vpage: Any, case: dict[str, Any]):
    got = js(
        vpage,
        """const c = await mod('commitment'); const e = await mod('encoding');
        const r = await c.rosterRoot(arg.leaves);
        return [r.hashes.map(e.toHex), e.toHex(r.root)];""",
        case["expected"],
    )
    assert got == [case["expected"]["leaf_hashes"], case["expected"]["root"]]
    assert got[0] == sorted(got[0])


@pytest.mark.parametrize("case", cases("leaves.json", "team_leaf"))
def test_team_leaf(vpage: Any, case: dict[str, Any]):
    got = js(
        vpage,
        """const c = await mod('commitment'); const jcs = await mod('jcs'); const e = await mod('encoding');
        c.checkTeam(arg);
        return [jcs.canonicalText(arg), e.toHex(await c.teamLeafHash(arg))];""",
        case["team"],
    )
    assert got == [case["expected"]["canonical"], case["expected"]["leaf_hash"]]


@pytest.mark.parametrize("case", cases("leaves.json", "teams"))
def test_teams_root(vpage: Any, case: dict[str, Any]):
    got = js(
        vpage,
        """const c = await mod('commitment'); const e = await mod('encoding');
        const r = await c.teamsRoot(arg);
        return [r.hashes.map(e.toHex), r.teams.map((t) => t.number), e.toHex(r.root)];""",
        case["teams"],
    )
    exp = case["expected"]
    assert got == [exp["leaf_hashes"], exp["numbers"], exp["root"]]


# --- Merkle trees (§4.3, RFC 9162) -----------------------------------------------

MERKLE = """const m = await mod('merkle'); const e = await mod('encoding');
const leaves = await Promise.all((arg.entries_hex || []).map((x) => m.leafHash(e.fromHex(x))));
const hx = (a) => a.map(e.toHex);"""


@pytest.mark.parametrize("case", cases("merkle.json"))
def test_merkle(vpage: Any, case: dict[str, Any]):
    exp = case["expected"]
    kind = case["kind"]
    if kind == "leaf_hash":
        assert js(vpage, MERKLE + "return hx(leaves);", case) == exp["leaf_hashes"]
    elif kind == "node_hash":
        got = js(
            vpage,
            MERKLE + "return e.toHex(await m.nodeHash(e.fromHex(arg.left), e.fromHex(arg.right)));",
            case,
        )
        assert got == exp["hash"]
    elif kind == "root":
        assert js(vpage, MERKLE + "return e.toHex(await m.rootOf(leaves));", case) == exp["root"]
    elif kind == "inclusion":
        got = js(
            vpage,
            MERKLE
            + """const path = await m.inclusionPath(arg.index, leaves);
            const root = await m.rootOf(leaves);
            return [hx(path), e.toHex(root), e.toHex(leaves[arg.index]),
                    await m.verifyInclusion(arg.index, arg.size, leaves[arg.index], path, root)];""",
            case,
        )
        assert got == [exp["proof"], exp["root"], exp["leaf_hash"], exp["valid"]]
    elif kind == "consistency":
        got = js(
            vpage,
            MERKLE
            + """const proof = await m.consistencyProof(arg.old_size, leaves);
            const oldRoot = await m.rootOf(leaves.slice(0, arg.old_size));
            const newRoot = await m.rootOf(leaves);
            return [hx(proof), e.toHex(oldRoot), e.toHex(newRoot),
                    await m.verifyConsistency(arg.old_size, arg.new_size, oldRoot, newRoot, proof)];""",
            case,
        )
        assert got == [exp["proof"], exp["old_root"], exp["new_root"], exp["valid"]]
    elif kind == "inclusion_verify":
        got = js(
            vpage,
            MERKLE
            + """return await m.verifyInclusion(arg.index, arg.size, e.fromHex(arg.leaf_hash),
                                             arg.proof.map((x) => e.fromHex(x)), e.fromHex(arg.root));""",
            case,
        )
        assert got is exp["valid"]
    else:
        pytest.fail(f"unknown merkle vector kind {kind}")


# --- seed (§5) -------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("seed.json"))
def test_seed(vpage: Any, case: dict[str, Any]):
    exp = case["expected"]
    if case["kind"] == "commitment":
        got = js(
            vpage,
            """const s = await mod('seed'); const e = await mod('encoding');
            return e.toHex(await s.seedCommitment(e.fromHex(arg.server_seed)));""",
            case,
        )
        assert got == exp["commitment"]
        return
    got = js(
        vpage,
        """const s = await mod('seed'); const e = await mod('encoding'); const jcs = await mod('jcs');
        try {
          const body = s.finalSeedBody(arg.announcement_digest, arg.server_seed, arg.witness_inputs, arg.beacon);
          const seed = await s.finalSeed(arg.announcement_digest, arg.server_seed, arg.witness_inputs, arg.beacon);
          return {body, canonical: jcs.canonicalText(body), final_seed: e.toHex(seed)};
        } catch (x) { return {error: x.code}; }""",
        case,
    )
    if case["kind"] == "refused":
        assert got == {"error": "witness"}
    else:
        assert got == {
            "body": exp["body"],
            "canonical": exp["canonical"],
            "final_seed": exp["final_seed"],
        }


# --- the deal (§6–§8): full replays --------------------------------------------

REPLAY = """const {replayDraw} = await mod('draw'); const e = await mod('encoding'); const jcs = await mod('jcs');
const i = arg.inputs;
const r = await replayDraw({announcement: i.announcement, leaves: i.leaves, teams: i.teams,
  serverSeed: i.server_seed, witnesses: i.witness_inputs, beacon: i.beacon});
const d = r.dealt;
const nz = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== 0));
const strata = [...d.balance.strata, ''];
return {
  steps: r.steps.filter((s) => !s.ok),
  announcement_digest: r.announcementDigest,
  final_seed: r.finalSeed,
  result_digest: r.digest,
  result_canonical: jcs.canonicalText(r.result),
  result: r.result,
  size_tolerance: r.tolerance.tolerance,
  size_tolerance_trials: r.tolerance.trials,
  tickets: d.tickets.map(e.toHex),
  team_tickets: d.teamTickets.map(e.toHex),
  groups: d.groups,
  team_numbers: d.teamOrder.map((t) => t + 1),
  leaf_hashes: r.rosterHashes.map(e.toHex),
  team_leaf_hashes: r.teamHashes.map(e.toHex),
  balance: {ceilings: d.balance.ceilings, strata: d.balance.strata, totals: d.balance.totals,
            widened: [...d.balance.widened].sort()},
  blocks: d.structure.blocks.map((b) => ({rank: b.rank, specials: b.specials.map((s) =>
            ({groups: s.groups, members: s.members, need: s.need, signature: s.signature}))})),
  units: d.structure.units.slice(0, d.structure.multi),
  apart: d.structure.groups, same_name: d.structure.sameName,
  dealing: d.order.map((s, k) => ({block: s.block, group: d.phase1.placed[k], members: s.members})),
  layouts: d.layouts.map((l) => ({accepted: l.accepted, counts: l.counts.map(nz)})),
  rows: d.phase1.rows.map((row) => row.map(([a, b], si) => ({boys: b, girls: a, stratum: strata[si]}))),
};"""


def draw_cases() -> list[Any]:
    out = cases("draws.json", "draw")
    out += [pytest.param(c, id=c["name"]) for c in load("demo-draw.json")["cases"]]
    return out


@pytest.mark.parametrize("case", draw_cases())
def test_draw_replay(vpage: Any, case: dict[str, Any]):
    got = js(vpage, REPLAY, case)
    exp = case["expected"]
    inputs = case["inputs"]
    assert got["steps"] == [], got["steps"]
    assert got["leaf_hashes"] == inputs["leaf_hashes"]
    assert got["team_leaf_hashes"] == inputs["team_leaf_hashes"]
    assert got["announcement_digest"] == exp["announcement_digest"]
    assert got["final_seed"] == exp["final_seed"]
    assert got["size_tolerance"] == exp["size_tolerance"]
    assert got["size_tolerance_trials"] == [
        {k: t[k] for k in ("feasible", "tolerance")} for t in exp["size_tolerance_trials"]
    ]
    assert got["tickets"] == exp["tickets"]
    assert got["team_tickets"] == exp["team_tickets"]
    bal = exp["balance_sets"]
    assert got["balance"] == {
        "ceilings": bal["ceilings"],
        "strata": bal["strata"],
        "totals": bal["totals"],
        "widened": sorted(bal["widened"]),
    }
    st = exp["structure"]
    assert got["units"] == st["units"]
    assert got["apart"] == st["apart"]  # every separation group: 分班 twins, then 重名
    assert got["same_name"] == st["same_name"]
    assert got["blocks"] == st["blocks"]
    assert got["dealing"] == [
        {k: s[k] for k in ("block", "group", "members")} for s in exp["phase1"]["dealing_order"]
    ]
    assert got["layouts"] == exp["phase1"]["layouts"]
    assert got["rows"] == exp["phase2"]["rows"]
    assert got["groups"] == exp["groups"]
    numbers = [t["number"] for t in inputs["teams"]]
    assert [numbers[t - 1] for t in got["team_numbers"]] == exp["group_team"]
    assert got["result"] == exp["result"]
    if "result_canonical" in exp:
        assert got["result_canonical"] == exp["result_canonical"]
    assert got["result_digest"] == exp["result_digest"]


@pytest.mark.parametrize("case", cases("draws.json", "refusal"))
def test_draw_refusals(vpage: Any, case: dict[str, Any]):
    got = js(
        vpage,
        """const st = await mod('structure'); const deal = await mod('deal');
        try { deal.sizeTolerance(arg.leaves, arg.class_count, arg.class_cap); return 'accepted'; }
        catch (x) { return x.code; }""",
        case["inputs"],
    )
    assert got == "infeasible"


# --- keys, JWS, log, receipts (§13–§17) ------------------------------------------

KEYRING = "const {Keyring} = await mod('keyring'); const ring = await Keyring.parse(arg.keyring);"


def record(name: str) -> dict[str, Any]:
    return load(f"record/{name}")


def test_keys(vpage: Any):
    data = record("keys.json")
    got = js(
        vpage,
        """const k = await mod('keyring'); const e = await mod('encoding');
        const out = [];
        for (const key of arg.keys) {
          const v = await k.parseVkey(key.vkey);
          out.push({key_id: v.id, kid: v.kid, name: v.name, public_key: e.toHex(v.publicKey), vkey: v.vkey});
        }
        const ring = await k.Keyring.parse(arg.keyring);
        return {out, roles: ring.keys.map((x) => x.role)};""",
        data,
    )
    assert got["out"] == [
        {f: key[f] for f in ("key_id", "kid", "name", "public_key", "vkey")} for key in data["keys"]
    ]
    assert got["roles"] == [k["role"] for k in data["keyring"]["keys"]]


def jws_cases() -> list[Any]:
    return [pytest.param(c, id=c["name"]) for c in record("jws.json")["cases"]]


@pytest.mark.parametrize("case", jws_cases())
def test_jws(vpage: Any, case: dict[str, Any]):
    exp = case["expected"]
    text = exp["compact"] if case["kind"] == "compact" else exp["general"]
    got = js(
        vpage,
        KEYRING
        + """const jws = await mod('jws'); const e = await mod('encoding'); const jcs = await mod('jcs');
        const v = arg.kind === 'compact' ? await jws.verifyCompact(arg.text, ring) : await jws.verifyGeneral(arg.text, ring);
        return {document: v.document, canonical: e.fromUtf8(v.canonical), digest: e.toHex(v.digest),
                kids: v.signatures.map((s) => s.kid), headers: v.headers.map(jcs.canonicalText)};""",
        {"keyring": record("keys.json")["keyring"], "kind": case["kind"], "text": text},
    )
    assert got["document"] == case["document"]
    assert got["canonical"] == exp["canonical_text"]
    assert got["digest"] == exp["digest"]
    if case["kind"] == "compact":
        assert got["kids"] == [case["kid"]]
        assert got["headers"] == [exp["header_canonical"]]
    else:
        assert got["kids"] == case["kids"]


@pytest.mark.parametrize("case", [c for c in jws_cases() if c.values[0]["kind"] == "compact"])
def test_jws_tampered(vpage: Any, case: dict[str, Any]):
    """One changed character anywhere in the signed parts is refused (the general form
    is covered by the tampered-bundle tests)."""
    exp = case["expected"]
    text = exp["compact"]
    payload_at = text.index(".") + 1 + len(exp["payload_b64u"]) // 2
    for at in (3, payload_at, len(text) - 3):
        bad = text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]
        got = js(
            vpage,
            KEYRING
            + """const jws = await mod('jws');
            try { await jws.verifyCompact(arg.text, ring); return 'accepted'; } catch (x) { return x.code || String(x); }""",
            {"keyring": record("keys.json")["keyring"], "text": bad},
        )
        assert got != "accepted", at


def test_log(vpage: Any):
    data = record("log.json")
    got = js(
        vpage,
        KEYRING
        + """const log = await mod('log'); const e = await mod('encoding'); const m = await mod('merkle');
        const jcs = await mod('jcs');
        const cps = [];
        for (const c of arg.log.checkpoints) {
          const v = await log.verifyCheckpoint(c.note, ring);
          cps.push({size: v.size, root: e.toHex(v.root), origin: v.origin});
        }
        const entries = [];
        for (const x of arg.log.entries) entries.push({text: jcs.canonicalText(x.entry), hash: e.toHex(await log.entryHash(x.entry))});
        const leaves = await Promise.all(arg.log.entries.map((x) => log.entryHash(x.entry)));
        const receipts = [];
        for (const r of arg.log.receipts) {
          const p = log.parseProof(r.text);
          const cp = await log.verifyReceiptFor(arg.log.entries[r.index].entry, r.index, r.text, ring);
          receipts.push({index: p.index, audit_path: p.path.map(e.toHex), size: cp.size,
                         generated: (await m.inclusionPath(r.index, leaves.slice(0, r.size))).map(e.toHex)});
        }
        const consistency = [];
        for (const c of arg.log.consistency) {
          const proof = log.parseConsistency(c.text);
          const ok = await m.verifyConsistency(c.old_size, c.new_size, e.fromHex(c.old_root), e.fromHex(c.new_root), proof);
          const generated = (await m.consistencyProof(c.old_size, leaves.slice(0, c.new_size))).map(e.toHex);
          consistency.push({ok, proof: proof.map(e.toHex), generated});
        }
        const tiles = {};
        const sizes = [...arg.log.tiles.earlier_sizes, arg.log.tiles.size];
        for (const w of sizes) {
          tiles[`tile/0/000.p/${w}`] = leaves.slice(0, w).map(e.toHex).join('');
          tiles[`tile/entries/000.p/${w}`] = arg.log.entries.slice(0, w).map((x) => {
            const b = jcs.canonical(x.entry); return e.toHex(Uint8Array.of(b.length >> 8, b.length & 255)) + e.toHex(b); }).join('');
        }
        return {cps, entries, receipts, consistency, tiles, root: e.toHex(await m.rootOf(leaves))};""",
        {"keyring": record("keys.json")["keyring"], "log": data},
    )
    assert got["cps"] == [
        {"size": c["size"], "root": c["root"], "origin": c["origin"]} for c in data["checkpoints"]
    ]
    assert got["entries"] == [
        {"text": x["canonical_text"], "hash": x["leaf_hash"]} for x in data["entries"]
    ]
    for mine, r in zip(got["receipts"], data["receipts"], strict=True):
        assert mine["index"] == r["index"]
        assert mine["audit_path"] == mine["generated"] == r["audit_path"]
        assert mine["size"] == r["size"]
    for mine, c in zip(got["consistency"], data["consistency"], strict=True):
        assert mine["ok"] is True
        assert mine["proof"] == mine["generated"] == c["proof"]
    assert got["root"] == data["root"]
    files = data["tiles"]["files"]
    for path, hexdata in got["tiles"].items():
        if path in files:
            assert hexdata == files[path], path
    assert set(files) - {"checkpoint"} <= set(got["tiles"])


def test_receipt(vpage: Any):
    data = record("receipt.json")
    got = js(
        vpage,
        KEYRING
        + """const r = await mod('receipt'); const jws = await mod('jws'); const jcs = await mod('jcs');
        const out = await r.verifyReceipt(arg.receipt);
        const ann = await jws.verifyGeneral(arg.announcement, ring);
        return {checks: out.checks, leaf: out.leafHash, text: jcs.canonicalText(arg.receipt),
                root: ann.document.roster.root, size: ann.document.roster.size};""",
        {"keyring": record("keys.json")["keyring"], **data},
    )
    exp = data["expected"]
    assert got["checks"] == ["receipt_private", "receipt_idcard", "receipt_inclusion"]
    assert got["leaf"] == exp["leaf_hash"]
    assert json.loads(got["text"]) == json.loads(data["receipt_text"]) == data["receipt"]
    assert (got["root"], got["size"]) == (exp["root"], exp["size"])


@pytest.mark.parametrize(
    "change",
    ["salt", "name", "index", "proof", "root"],
)
def test_receipt_tampered(vpage: Any, change: str):
    data = record("receipt.json")
    r = json.loads(json.dumps(data["receipt"]))
    if change == "salt":
        r["private"]["salt"] = "0" * 32
    elif change == "name":
        r["leaf"]["name"] += "一"
    elif change == "index":
        r["index"] += 1
    elif change == "proof":
        r["proof"] = r["proof"][::-1]
    else:
        r["root"] = "0" * 64
    got = js(
        vpage,
        """const m = await mod('receipt');
        try { await m.verifyReceipt(arg); return 'accepted'; } catch (x) { return x.code; }""",
        r,
    )
    assert got in {"private", "inclusion"}


# --- record bundles (§17) --------------------------------------------------------

REPLAY_BUNDLE = """const {replayBundle} = await mod('replay'); const {Keyring} = await mod('keyring');
const ring = await Keyring.parse(arg.keyring);
const bytes = Uint8Array.from(atob(arg.zip), (c) => c.charCodeAt(0));
const r = await replayBundle(bytes, ring);
return {ok: r.ok, failed: r.checks.filter((c) => !c.ok).map((c) => [c.id, c.detail]),
        ids: r.checks.map((c) => c.id), cancelled: r.cancelled, digest: r.resultDigest,
        replayed: r.replayedDigest, classes: r.classes};"""


def bundle_cases() -> list[Any]:
    meta = record("bundles.json")
    ring = record("keys.json")["keyring"]
    out = [
        pytest.param(VECTORS / "record" / b["file"], ring, b, id=f"v1-{b['file']}")
        for b in meta["bundles"]
    ]
    for folder in sorted(f for f in FROZEN.iterdir() if f.is_dir()):
        fring = json.loads((folder / "keyring.json").read_text("utf-8"))
        out.extend(
            pytest.param(z, fring, None, id=f"{folder.name}-{z.name}")
            for z in sorted(folder.glob("*.zip"))
        )
    return out


@pytest.mark.parametrize(("path", "ring", "meta"), bundle_cases())
def test_bundle_replay(vpage: Any, path: Path, ring: dict[str, Any], meta: dict[str, Any] | None):
    """Every sample and frozen bundle verifies in full in the browser, as it does with
    verify-placement (exit 0)."""
    data = {"zip": base64.b64encode(path.read_bytes()).decode(), "keyring": ring}
    got = js(vpage, REPLAY_BUNDLE, data)
    assert got["failed"] == []
    assert got["ok"] is True
    if "cancelled" in path.name:
        assert got["cancelled"] is True
        assert "cancelled" in got["ids"]
    else:
        assert got["digest"] == got["replayed"]
        assert "deal" in got["ids"]
    if meta is not None:
        assert meta["verifier_exit_code"] == 0


def test_page_serves_the_vector_keyring(tmp_path: Path):
    """install_page writes what it is given (guards the fixture the tests rely on)."""
    ring = record("keys.json")["keyring"]
    install_page(tmp_path / "v", ring)
    assert json.loads((tmp_path / "v" / "keyring.json").read_text("utf-8")) == ring
