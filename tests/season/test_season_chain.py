"""The chain from 公示 to the draw's roster (spec S7–S9), checked by the verifier.

Each tampered record below is what an operator holding the signing keys could make:
documents are re-signed and the log stays a valid signed log; only the chain's rules
catch it.
"""

from __future__ import annotations

import io
import json
import zipfile

from seasonkit import PRIMARY, SY, X1, Made, decide, draw_bundle, run

from placement.season import chain
from placement.season.ledger import Ledger
from placement.season.outcome import Outcome
from verifier.checks import Status
from verifier.season_report import verify_season


def statuses(data: bytes, draw: bytes | None = None) -> dict[str, Status]:
    return {c.name: c.status for c in verify_season(data, draw=draw).checks}


def message(data: bytes, name: str, draw: bytes | None = None) -> str:
    return next(c.message_en for c in verify_season(data, draw=draw).checks if c.name == name)


class TestHonestSeason:
    def test_public_bundle_verifies_and_reports_the_chain(self):
        made = run()
        draw = draw_bundle(made)
        report = verify_season(made.public(), draw=draw)
        assert report.verified, report.table()
        line = message(made.public(), "season.rosters")
        assert (
            f"{SY}: 11 on 公示; 1 removed by report #1; 1 added by decision #40; 11 in the draw"
            in line
        )

    def test_archive_with_the_draw_archive_proves_identity(self):
        made = run()
        draw = draw_bundle(made)
        st = statuses(made.archive(), draw)
        assert st["season.identity"] is Status.PASS
        assert st["season.archive"] is Status.PASS


class TestTamperedChain:
    def test_a_child_added_to_the_draw_without_a_decision_fails(self):
        """The draw's roster has one more child than the derivation: public check fails."""
        made = run()
        extra = made.apps[X1][0]  # a child of another school, never decided for 实验小学
        draw = draw_bundle(made, extra=[extra])
        st = statuses(made.public(), draw)
        assert st["season.draw"] is Status.FAIL
        assert "the draw has 12 pupils, the derivation 11" in message(
            made.public(), "season.draw", draw
        )
        assert statuses(made.archive(), draw)["season.identity"] is Status.FAIL

    def test_a_swapped_child_keeps_the_count_but_fails_the_archive(self):
        made = run()
        draw = draw_bundle(made, extra=[made.apps[X1][0]], drop=1)
        assert statuses(made.public(), draw)["season.draw"] is Status.PASS  # counts agree
        st = statuses(made.archive(), draw)
        assert st["season.identity"] is Status.FAIL
        assert "1 children without a logged decision, 1 derived children missing" in message(
            made.archive(), "season.identity", draw
        )

    def test_a_notice_listing_an_unapproved_child_fails(self, monkeypatch):
        sneaked: list[bytes] = []

        def sneak(made: Made) -> None:
            app = made.apps[SY][-1]  # its materials are pending: not approved
            sneaked.append(app.entry())
            real = Ledger.admitted

            def padded(self, place):  # the operator's tool adds one child to the list
                found = real(self, place)
                return found | set(sneaked) if place == (SY, PRIMARY) else found

            monkeypatch.setattr(Ledger, "admitted", padded)

        made = run(before_notice=sneak, reports=())
        monkeypatch.undo()
        assert statuses(made.public())["season.notices"] is Status.FAIL
        assert "1 listed without an approval" in message(made.public(), "season.notices")

    def test_a_derivation_that_ignores_an_upheld_report_fails(self, monkeypatch):
        real = chain.derive

        def lenient(log, **kw):  # keeps the reported child on the roster
            changes, final = real(log, **kw)
            kept = [c for c in changes if c.by != "case"]
            removed = {c.entry for c in changes if c.by == "case"}
            return kept, final | removed

        monkeypatch.setattr(chain, "derive", lenient)
        made = run()
        monkeypatch.undo()
        assert statuses(made.public())["season.rosters"] is Status.FAIL

    def test_a_log_with_an_entry_left_out_fails(self):
        made = run()
        files = read(made.public())
        entries = json.loads(files["log/entries.json"])
        del entries[5]
        files["log/entries.json"] = json.dumps(entries).encode()
        st = statuses(rezip(files))
        assert st["season.log"] is Status.FAIL

    def test_changes_after_the_derivation_and_before_the_draw_fail(self):
        made = run()
        sy = made.apps[SY]
        # a decision for 实验小学 after its roster was derived, before the announcement
        decide(
            made.ledger,
            sy[0].number,
            made.clock(8, 11),
            Outcome.DEFER,
            reason="身体原因",
            reviewer="区教育局",
            approved_by="基础教育科 王科长",
        )
        draw = draw_bundle(made)
        assert statuses(made.public(), draw)["season.draw"] is Status.FAIL


def read(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist() if n != "manifest.json"}


def rezip(files: dict[str, bytes]) -> bytes:
    from web.record.season_bundle import build_zip  # noqa: PLC0415

    return build_zip(
        kind="public", season="taobei-2024", created="2024-08-10T12:00:00+08:00", files=files
    )
