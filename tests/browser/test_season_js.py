"""The browser's season verifier (web/static/verify/js/season.js and allocation.js, written
from spec Part S) in real Chromium: the 统筹 allocation draw replayed against the season
vectors, the chain from the 公示 commitment into the draw, and tampered records — each
with the same verdict per check as the Python verifier."""

# ruff: noqa: E501 - the JavaScript run in the page is kept on readable lines

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from browserkit import ROOT, Server, install_page, js
from seasonkit import SY, X1, Made, draw_bundle, run, season_with_draw

from placement.season import chain
from verifier.checks import Status
from verifier.season_report import verify_season

ALLOCATION = ROOT / "tests" / "vectors" / "season" / "v1" / "allocation.json"

VERIFY = """const s = await mod('season');
const b = (x) => x && Uint8Array.from(atob(x), (c) => c.charCodeAt(0));
const r = await s.verifySeason(b(arg.season), null, b(arg.draw));
return {verified: r.verified, checks: Object.fromEntries(r.checks.map((c) => [c.name, {ok: c.ok, en: c.en, tickets: c.tickets || null}]))};"""


def _b64(data: bytes | None) -> str | None:
    return None if data is None else base64.b64encode(data).decode()


def both(page: Any, season: bytes, draw: bytes | None = None) -> dict[str, Any]:
    """The browser's report; asserts each of its checks has the Python verifier's verdict
    (a check Python skips as not applicable passes in the browser)."""
    got: dict[str, Any] = js(page, VERIFY, {"season": _b64(season), "draw": _b64(draw)})
    want = {c.name: c.status for c in verify_season(season, draw=draw).checks}
    for name, c in got["checks"].items():
        assert c["ok"] == (want[name] is not Status.FAIL), (name, c["en"], want[name])
    assert got["verified"] == all(s is not Status.FAIL for s in want.values())
    return got


def test_allocation_tickets_and_winners_match_the_vectors(page: Any, vector_site: str) -> None:
    page.goto(vector_site)
    v = json.loads(ALLOCATION.read_text("utf-8"))
    got = js(
        page,
        """const a = await mod('allocation'); const s = await mod('seed'); const e = await mod('encoding');
        const seed = await s.finalSeed(arg.announcement_digest, arg.server_seed, arg.result.witnesses.map((w) => w.input), arg.result.beacon);
        const order = await a.ranked(seed, Object.keys(arg.tickets).map((x) => e.fromHex(x, 32)));
        return {seed: e.toHex(seed), tickets: Object.fromEntries(order.map((x) => [e.toHex(x.entry), e.toHex(x.ticket)])),
                winners: order.slice(0, arg.announcement.places).map((x) => e.toHex(x.entry))};""",
        v,
    )
    assert got["seed"] == v["final_seed"]
    assert got["tickets"] == v["tickets"]
    assert got["winners"] == v["result"]["winners"]
    assert page.page_errors == []


@pytest.fixture(scope="module")
def honest() -> tuple[Made, bytes]:
    made = run()
    draw = draw_bundle(made)
    return made, draw


def test_the_chain_into_the_draw_verifies_as_in_python(
    page: Any, vector_site: str, honest: tuple[Made, bytes]
) -> None:
    made, draw = honest
    page.goto(vector_site)
    got = both(page, made.public(), draw)
    assert got["verified"], got["checks"]
    link = got["checks"]["season.draw"]["en"]
    assert f"uses {SY}'s derived roster" in link
    assert "11 on 公示; 1 removed by report #1; 1 added by decision #40; 11 in the draw" in link
    assert page.page_errors == []


def test_a_child_slipped_into_the_draw_fails_the_draw_link(page: Any, vector_site: str) -> None:
    """One child of another school, never decided for 实验小学, added to the draw."""
    page.goto(vector_site)
    made = run()
    draw = draw_bundle(made, extra=[made.apps[X1][0]])
    got = both(page, made.public(), draw)
    assert not got["verified"]
    assert not got["checks"]["season.draw"]["ok"]
    assert "the draw has 12 pupils, the derivation 11" in got["checks"]["season.draw"]["en"]


def test_a_child_added_to_the_roster_without_a_decision_fails_the_rosters(
    page: Any, vector_site: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operator's tool adds a child of another school to the derived roster (re-signed
    and logged): no logged case or decision explains it."""
    real = chain.derive
    slipped: list[bytes] = []

    def padded(log: Any, **kw: Any) -> Any:
        changes, final = real(log, **kw)
        return changes, (final | set(slipped) if kw["place"][0] == SY else final)

    def before(made: Made) -> None:
        slipped.append(made.apps[X1][0].entry())

    monkeypatch.setattr(chain, "derive", padded)
    made = run(before_notice=before)
    monkeypatch.undo()
    page.goto(vector_site)
    got = both(page, made.public())
    assert not got["checks"]["season.rosters"]["ok"]
    assert "roster root is not the derived set's" in got["checks"]["season.rosters"]["en"]


def test_allocation_draw_replays_and_shows_each_ticket(page: Any, vector_site: str) -> None:
    *_, result, data = season_with_draw()
    page.goto(vector_site)
    got = both(page, data)
    assert got["verified"], got["checks"]
    c = got["checks"]["season.allocations"]
    assert "allocation draws replayed" in c["en"]
    assert [t["entry"] for t in c["tickets"] if t["won"]] == result["winners"]
    assert len(c["tickets"]) == 5


def test_a_child_assigned_without_winning_fails_the_allocation(page: Any, vector_site: str) -> None:
    *_, data = season_with_draw(cheat=True)
    page.goto(vector_site)
    got = both(page, data)
    assert not got["checks"]["season.allocations"]["ok"]
    assert "who did not win" in got["checks"]["season.allocations"]["en"]


def test_the_season_page_takes_a_draw_bundle(
    page: Any, webroot: Path, server: Server, honest: tuple[Made, bytes], tmp_path: Path
) -> None:
    """season.html with the site's season bundle and keyring; choosing the draw bundle adds
    the link into the draw, with the chain's sentence."""
    made, draw = honest
    site = webroot / "seasonsite"
    install_page(site / "verify", made.keys.keyring.to_json())
    (site / "season").mkdir(parents=True, exist_ok=True)
    (site / "season" / "bundle.zip").write_bytes(made.public())
    (tmp_path / "draw.zip").write_bytes(draw)
    page.goto(f"{server.url}/seasonsite/verify/season.html")
    page.wait_for_selector("#verdict.ok, #verdict.fail")
    assert page.locator("li[data-check='season.draw']").count() == 0
    page.set_input_files("#draw", str(tmp_path / "draw.zip"))
    page.wait_for_selector("li[data-check='season.draw']")
    assert "verified" in page.inner_text("#verdict"), page.inner_text("#checks")
    line = page.inner_text("li[data-check='season.draw']")
    assert line.startswith("✓")
    assert "1 added by decision #40; 11 in the draw" in line
    assert page.page_errors == []


def test_a_draw_from_the_season_replays_on_the_verify_page(
    page: Any, vector_site: str, tmp_path: Path
) -> None:
    """The service draws 实验小学 from its derived roster: the announcement names the
    derivation (enrolment, spec S9) and the browser's draw verifier still replays the
    bundle; the season page ties that draw to the derivation, as the Python verifier."""
    from servicekit import make_service  # noqa: PLC0415 - a database only here
    from test_season_service import frozen_from_season  # noqa: PLC0415

    from web.service import workflow  # noqa: PLC0415
    from web.service.season import steps  # noqa: PLC0415

    svc = make_service(tmp_path, "sqlite")
    env = svc.env
    _, iid = frozen_from_season(svc)
    workflow.announce(env, iid, user="op")
    workflow.add_witness(env, iid, role="家长代表", name="贾雪", text="3 1 4 1 5", user="sv")
    workflow.draw(env, iid, beacon_value=None, user="op")
    workflow.publish(env, iid, user="op")
    draw = workflow.export_bundle(env, iid, kind="public", user="admin")
    season = steps.export(env, "taobei-2024", kind="public")
    ring = env.keyring().to_json()
    page.goto(vector_site)
    got = js(
        page,
        """const {replayBundle} = await mod('replay'); const {Keyring} = await mod('keyring');
        const r = await replayBundle(Uint8Array.from(atob(arg.zip), (c) => c.charCodeAt(0)), await Keyring.parse(arg.keyring));
        return {ok: r.ok, failed: r.checks.filter((c) => !c.ok).map((c) => [c.id, c.detail])};""",
        {"zip": _b64(draw), "keyring": ring},
    )
    assert got["ok"], got["failed"]
    link = both(page, season, draw)["checks"]["season.draw"]
    assert link["ok"], link
    assert "3 on 公示; 3 in the draw" in link["en"]


def test_the_season_page_lists_each_entrys_ticket(page: Any, webroot: Path, server: Server) -> None:
    """Each family finds its own ticket (its entry is on its application page)."""
    made, _, _, result, data = season_with_draw()
    site = webroot / "allocsite"
    install_page(site / "verify", made.keys.keyring.to_json())
    (site / "season").mkdir(parents=True, exist_ok=True)
    (site / "season" / "bundle.zip").write_bytes(data)
    page.goto(f"{server.url}/allocsite/verify/season.html")
    page.wait_for_selector("#verdict.ok, #verdict.fail")
    assert "verified" in page.inner_text("#verdict"), page.inner_text("#checks")
    tickets = page.locator("li[data-check='season.allocations'] li.ticket")
    assert tickets.count() == 5
    won = [
        t.get_attribute("data-entry") for t in tickets.all() if "won" in (t.text_content() or "")
    ]
    assert won == result["winners"]
    assert page.page_errors == []
