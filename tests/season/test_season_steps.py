"""The season's steps in the ledger: registration rules, review rules, plan limits, windows."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from seasonkit import (
    PRIMARY,
    SY,
    TL2,
    X1,
    Z2,
    catchment,
    decide,
    form,
    keys,
    label_bytes,
    new_ledger,
    run,
)

from placement.canonical import canonical_json
from placement.errors import InvalidInput
from placement.policy import Level
from placement.season.application import Channel, record_commitments
from placement.season.documents import SeasonError
from placement.season.log import SeasonEvent
from placement.season.outcome import Outcome


def ledger(places: int = 45):
    return new_ledger(keys(), places)


def when(month: int, day: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, month, day, 9, minute, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def register(led, serial: int, *, community="新华社区", school=SY, at=None, **kw):
    return led.register(
        form(serial, community),
        school=school,
        intake=PRIMARY,
        level=Level.PRIMARY,
        now=at or when(7, 15, serial % 60),
        salt=label_bytes(f"s{serial}", 16),
        **kw,
    )


class TestRegistration:
    def test_one_child_one_application_in_the_district(self):
        led = ledger()
        register(led, 1)
        with pytest.raises(SeasonError, match="one child, one application"):
            register(led, 1, school=X1, community="长庆社区", at=when(7, 16))

    def test_a_revision_keeps_the_number_and_replaces_the_record(self):
        led = ledger()
        first = register(led, 1)
        second = register(led, 1, number=first.number, at=when(7, 16))
        assert (second.number, second.revision) == (first.number, 2)
        assert led.current[first.number] is second
        assert second.entry() != first.entry()  # a new salt: a new entry, never the old one

    def test_birth_after_the_cutoff_is_refused_with_the_field_named(self):
        led = ledger()
        young = dataclasses.replace(
            form(3, "新华社区"), id_number="220802201809010026", birth_date="2018-09-01", sex="女"
        )
        with pytest.raises(InvalidInput) as e:
            led.register(
                young,
                school=SY,
                intake=PRIMARY,
                level=Level.PRIMARY,
                now=when(7, 15),
                salt=label_bytes("y", 16),
            )
        assert [i.field for i in e.value.issues] == ["birth_date"]
        assert "2018-08-31" in e.value.issues[0].zh

    def test_the_cutoff_day_itself_is_in(self):
        led = ledger()
        ok = dataclasses.replace(
            form(4, "新华社区"), id_number="220802201808310019", birth_date="2018-08-31", sex="男"
        )
        app = led.register(
            ok,
            school=SY,
            intake=PRIMARY,
            level=Level.PRIMARY,
            now=when(7, 15),
            salt=label_bytes("c", 16),
        )
        assert app.birth_date == dt.date(2018, 8, 31)

    def test_every_problem_of_a_form_is_listed_at_once(self):
        bad = dataclasses.replace(
            form(5, "新华社区"),
            id_number="340524198001010013",
            guardian_phone="12",
            proof="借住",
            name=" ",
        )
        with pytest.raises(InvalidInput) as e:
            ledger().register(
                bad,
                school=SY,
                intake=PRIMARY,
                level=Level.PRIMARY,
                now=when(7, 15),
                salt=label_bytes("b", 16),
            )
        fields = {i.field for i in e.value.issues}
        assert fields == {"name", "id_number", "proof", "guardian_phone"}

    def test_middle_school_needs_the_student_number(self):
        f = dataclasses.replace(form(6, "新华社区", level=Level.MIDDLE), student_no="")
        with pytest.raises(InvalidInput) as e:
            ledger().register(
                f,
                school=Z2,
                intake="2024级七年级",
                level=Level.MIDDLE,
                now=when(7, 15),
                salt=label_bytes("m", 16),
            )
        assert [i.field for i in e.value.issues] == ["student_no"]

    def test_registration_is_closed_outside_its_window_unless_overridden(self):
        led = ledger()
        with pytest.raises(SeasonError, match="window"):
            register(led, 7, at=when(7, 20))
        led.override(stage="registration", reason="暴雨停电，报名顺延一天", now=when(7, 20))
        register(led, 7, at=when(7, 20, 5))
        assert led.log[-2]["event"] == SeasonEvent.OVERRIDE.value

    def test_a_desk_entry_names_who_entered_it(self):
        led = ledger()
        app = register(led, 8, channel=Channel.DESK, entered_by="实验小学 张老师")
        assert app.to_json()["entered_by"] == "实验小学 张老师"
        assert led.log[-1]["actor"] == "school"


class TestReceipt:
    def test_the_receipt_shows_nothing_private_and_does_not_reveal_the_entry(self):
        app = register(ledger(), 9)
        text = canonical_json(app.receipt()).decode()
        for private in (
            app.name,
            app.id_number,
            app.guardian_phone,
            app.address,
            app.birth_date.isoformat(),
            app.salt.hex(),
            app.entry().hex(),
        ):
            assert private not in text
        submission, entry = record_commitments(app.to_json())
        assert (submission, entry) == (app.submission(), app.entry())
        assert submission != entry


class TestReview:
    def test_a_decision_must_name_a_rule_for_its_outcome(self):
        led = ledger()
        app = register(led, 10)
        with pytest.raises(SeasonError, match="rule"):
            decide(led, app.number, when(7, 22), rule="outside-catchment", reason="x")

    def test_return_goes_to_the_catchment_school_of_the_community(self):
        led = ledger()
        app = register(led, 11, community="长庆社区")
        d = decide(led, app.number, when(7, 22), Outcome.RETURN, reason="长庆社区属第一小学")
        assert d.to_school == X1
        assert led.where(app.number) == X1

    def test_deferral_needs_the_bureaus_approval(self):
        led = ledger()
        app = register(led, 12)
        with pytest.raises(SeasonError, match="approval"):
            decide(led, app.number, when(7, 22), Outcome.DEFER, reason="病休")

    def test_admission_beyond_the_plan_is_refused(self):
        led = ledger(places=2)
        apps = [register(led, n) for n in (20, 21, 22)]
        for n, app in enumerate(apps[:2]):
            decide(led, app.number, when(7, 22, n))
        with pytest.raises(SeasonError, match="places are full"):
            decide(led, apps[2].number, when(7, 22, 5))

    def test_decisions_before_the_review_window_are_refused(self):
        led = ledger()
        app = register(led, 13)
        with pytest.raises(SeasonError, match="review window"):
            decide(led, app.number, when(7, 19))


class TestCatchment:
    def test_the_2024_change_is_data(self):
        c = catchment()
        assert c.catchment_school("铁东社区", Level.MIDDLE) == Z2
        found = c.search("站前")
        assert [(m.listed_by, m.enrols_at) for m in found] == [(TL2, Z2)]

    def test_search_finds_every_level(self):
        found = catchment().search("新华社区")
        assert {(m.level, m.enrols_at) for m in found} == {(Level.PRIMARY, SY), (Level.MIDDLE, Z2)}


class TestNoticeWindowAndReports:
    def test_reports_are_only_taken_during_the_notice_window(self):
        made = run(reports=(), late_add=False, stop_at_notice=True)
        with pytest.raises(SeasonError, match="window"):
            made.ledger.file_case(
                school=SY,
                intake=PRIMARY,
                application=None,
                claim="x",
                channel="desk",
                now=made.clock(8, 1),
            )

    def test_an_upheld_report_must_name_a_listed_child(self):
        made = run(reports=(), late_add=False, stop_at_notice=True)
        led = made.ledger
        case = led.file_case(
            school=SY,
            intake=PRIMARY,
            application=made.apps[X1][0].number,
            claim="非本学区",
            channel="online",
            now=made.clock(7, 30),
        )
        with pytest.raises(SeasonError, match="listed child"):
            led.decide_case(
                case.number, upheld=True, reason="x", handled_by="y", now=made.clock(7, 31)
            )


class TestRestore:
    def test_a_restored_ledger_goes_on_exactly_as_the_original(self):
        """State → JSON → restore, then one more step: same log, same documents."""
        import json  # noqa: PLC0415

        from placement.policy import TAOBEI_2024  # noqa: PLC0415
        from placement.season.restore import ledger_state, restore  # noqa: PLC0415

        made = run(stop_at_notice=True)
        led = made.ledger
        copy = restore(
            json.loads(json.dumps(ledger_state(led))), profile=TAOBEI_2024, sign=led.sign
        )
        assert ledger_state(copy) == ledger_state(led)
        step = {
            "school": SY,
            "intake": PRIMARY,
            "application": made.apps[SY][0].number,
            "claim": "x",
            "channel": "desk",
            "now": when(7, 30),
        }
        led.file_case(**step)
        copy.file_case(**step)
        led.derive_roster(school=SY, intake=PRIMARY, now=when(8, 10))
        copy.derive_roster(school=SY, intake=PRIMARY, now=when(8, 10))
        assert ledger_state(copy) == ledger_state(led)
        assert copy.counts == led.counts
