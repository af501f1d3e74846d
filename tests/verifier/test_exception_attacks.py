"""Exceptions after the draw, attacked (spec Part E): a late pupil placed by hand, a
first-year transfer approved without the waiver, a decision dropped from the bundle, a
refused request applied anyway. The forger holds the real keys; only the replay of §E4
stands in the way. Also: the record refuses rule-breaking approvals before storing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from forge import members, pack
from verifierkit import Keys, Made, id_number, make_draw, small_roster, small_teams

import placement.history
import web.record.exceptions as rx
from placement.canonical import Json
from placement.exceptions import Decision, ExceptionError, Waiver
from placement.history import statement_version
from placement.keyring import CST
from placement.roster import PupilRecord, Sex
from verifier.checks import Status
from verifier.report import Report
from verifier.verify import verify_bundle
from web.record.reading import RecordError

AUG_20 = datetime(2024, 8, 20, 10, 0, tzinfo=CST)
LATER = datetime(2025, 9, 1, 10, 0, tzinfo=CST)


def failed(report: Report) -> dict[str, str]:
    return {c.name: c.message_en for c in report.checks if c.status is Status.FAIL}


@pytest.fixture
def made(tmp_path: Path, keys: Keys) -> Made:
    return make_draw(tmp_path, keys, small_roster(), small_teams(), "test-2024-exc")


def late_pupil(n: int, sex: Sex = Sex.FEMALE) -> PupilRecord:
    born = date(2018, 3, 1)
    number = id_number(born, 900 + n, sex)
    return PupilRecord(row=100 + n, name=f"新生{n}号", sex=sex, id_number=number, birth_date=born)


def ask_late(made: Made, keys: Keys, n: int, now: datetime = AUG_20) -> int:
    leaf, private = rx.admitted_leaf(made.record, late_pupil(n), bytes([n]) * 16)
    doc = rx.request(
        made.record,
        kind="late-placement",
        category="late-review",
        reason="复审通过",
        requested_by="测试小学",
        detail={
            "admission": {"basis": "late-review", "reference": f"R-{n}"},
            "leaf": leaf.to_json(),
        },
        private=private,
        now=now,
        signers=keys.signers,
    )
    return int(str(doc["number"]))


def ask_out(made: Made, keys: Keys, pupil: int, now: datetime = AUG_20) -> int:
    doc = rx.request(
        made.record,
        kind="transfer-out",
        category="family-move",
        reason="迁往外省",
        requested_by="测试小学",
        detail={"pupil": pupil, "to_school": "外省某校"},
        now=now,
        signers=keys.signers,
    )
    return int(str(doc["number"]))


def approve(made: Made, keys: Keys, n: int, now: datetime, waivers=()) -> dict[str, Json]:  # type: ignore[no-untyped-def]
    doc, _ = rx.decide(
        made.record,
        number=n,
        decision=Decision.APPROVED,
        approver="区教育局 李明",
        reason="同意",
        waivers=waivers,
        now=now,
        signers=keys.signers,
    )
    return doc


def export(made: Made, keys: Keys, now: datetime) -> bytes:
    return made.record.export(
        kind="public", keyring=keys.keyring, now=now + timedelta(hours=1), signers=keys.signers
    )


def test_honest_history_verifies(made: Made, keys: Keys) -> None:
    n = ask_late(made, keys, 1)
    doc = approve(made, keys, n, AUG_20 + timedelta(hours=2))
    out = ask_out(made, keys, 0, AUG_20 + timedelta(days=1))
    approve(made, keys, out, AUG_20 + timedelta(days=2), (Waiver.FIRST_YEAR,))
    report = verify_bundle(export(made, keys, AUG_20 + timedelta(days=2)))
    assert failed(report) == {}
    assert rx.current(made.record).class_of()[40] == doc["placed"]
    assert 0 not in rx.current(made.record).class_of()


def test_late_pupil_placed_by_hand_fails_the_rules(
    made: Made, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bureau's system puts a 关系生 into another class than late-placement/1 gives."""
    real = placement.history.late_class
    n = ask_late(made, keys, 1)
    honest = rx.placed_by_rule(made.record, n, ())
    wanted = next(c for c in (1, 2, 3) if c != honest)

    def by_hand(*_args: object, **_kw: object) -> int:
        return wanted

    # the service places through placement.history.placement, which calls this
    monkeypatch.setattr(placement.history, "late_class", by_hand)
    approve(made, keys, n, AUG_20 + timedelta(hours=2))
    monkeypatch.setattr(placement.history, "late_class", real)
    report = verify_bundle(export(made, keys, AUG_20))
    bad = failed(report)
    assert set(bad) >= {"exceptions.rules"}
    assert (
        f"places the pupil in class {honest}, the decision says {wanted}" in bad["exceptions.rules"]
    )


def test_first_year_transfer_without_waiver_fails_the_rules(
    made: Made, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = ask_out(made, keys, 3)
    monkeypatch.setattr(placement.history, "allowed_waivers", lambda *_a, **_k: frozenset())
    approve(made, keys, n, AUG_20 + timedelta(days=1))
    monkeypatch.undo()
    bad = failed(verify_bundle(export(made, keys, AUG_20 + timedelta(days=1))))
    assert list(bad) == ["exceptions.rules"]
    assert "no transfer in the first year" in bad["exceptions.rules"]


def test_dropped_decision_fails_the_order(made: Made, keys: Keys) -> None:
    n = ask_late(made, keys, 1)
    approve(made, keys, n, AUG_20 + timedelta(hours=2))
    files = members(export(made, keys, AUG_20))
    del files["exceptions/1.decision.jws"]
    bad = failed(verify_bundle(pack(files)))
    assert "exceptions.order" in bad
    assert "missing ['exceptions/1.decision.jws']" in bad["exceptions.order"]


def test_refused_request_applied_anyway_fails_the_statements(made: Made, keys: Keys) -> None:
    """Refused on paper, moved on the wall: a new statement version signed after a refusal."""
    n = ask_out(made, keys, 5)
    rx.decide(
        made.record,
        number=n,
        decision=Decision.REFUSED,
        approver="区教育局 李明",
        reason="一年内不允许转学",
        now=AUG_20 + timedelta(days=1),
        signers=keys.signers,
    )
    state = rx.current(made.record)
    where = state.class_of()[5]
    forged = placement.history.State(
        state.leaves,
        tuple(
            c
            if c.number != where
            else type(c)(c.number, c.label, tuple(i for i in c.pupils if i != 5), c.team, 2, n)
            for c in state.classes
        ),
    )
    ann = made.record.document("announcement.jws") or {}
    doc = statement_version(
        forged,
        where,
        draw_id=made.record.draw_id,
        school=str(ann["school"]),
        intake=str(ann["intake"]),
        result_digest=rx.digest(made.record.document("result.jws") or {}).hex(),
    )
    text = keys.bureau.sign_jws(doc, iat=int(AUG_20.timestamp()), compress=True)
    made.record.store.put(f"public/statements/{where:02d}.v2.jws", text.encode())
    bad = failed(verify_bundle(export(made, keys, AUG_20 + timedelta(days=1))))
    assert list(bad) == ["exceptions.statements"]
    assert "has no approved exception behind it" in bad["exceptions.statements"]


# --- refusals at the record, before anything is stored -------------------------------------


def _stored(made: Made) -> tuple[list[str], int]:
    names = made.record.store.names("public/exceptions/") + made.record.store.names(
        "public/statements/"
    )
    return names, len(made.record.log.entries())


def test_class_change_request_is_refused_in_both_languages(made: Made, keys: Keys) -> None:
    before = _stored(made)
    with pytest.raises(ExceptionError) as e:
        rx.request(
            made.record,
            kind="class-change",
            category="other",
            reason="家长希望换到另一位班主任的班",
            requested_by="测试小学",
            detail={"pupil": 1, "to": 2},
            now=AUG_20,
            signers=keys.signers,
        )
    assert "不允许调班" in e.value.zh
    assert "class changes are not allowed" in e.value.en
    assert _stored(made) == before


def test_first_year_transfer_without_waiver_is_refused(made: Made, keys: Keys) -> None:
    n = ask_out(made, keys, 2)
    before = _stored(made)
    with pytest.raises(ExceptionError) as e:
        approve(made, keys, n, AUG_20 + timedelta(days=1))
    assert "不允许转学" in e.value.zh
    assert "no transfer in the first year" in e.value.en
    assert _stored(made) == before
    approve(made, keys, n, LATER)  # a year later no waiver is needed, and none is allowed
    assert 2 not in rx.current(made.record).class_of()


def test_teacher_change_waits_for_approval(made: Made, keys: Keys) -> None:
    filed = small_teams()[0]
    team = {**filed.to_json(), "head_teacher": "郑晓燕"}
    rx.request(
        made.record,
        kind="teacher-change",
        category="leave",
        reason="班主任病假",
        requested_by="测试小学",
        detail={"team": team},
        now=AUG_20,
        signers=keys.signers,
    )
    assert rx.current(made.record).classes[0].team.head_teacher == filed.head_teacher
    with pytest.raises(RecordError):
        rx.request(
            made.record,
            kind="transfer-out",
            category="family-move",
            reason="x",
            requested_by="测试小学",
            detail={"pupil": 0, "to_school": "y"},
            private={"id_number": "x"},
            now=AUG_20,
            signers=keys.signers,
        )
    approve(made, keys, 1, AUG_20 + timedelta(hours=1))
    now = rx.current(made.record)
    assert now.classes[0].team.head_teacher == "郑晓燕"
    assert now.classes[0].version == 2
    assert failed(verify_bundle(export(made, keys, AUG_20 + timedelta(hours=1)))) == {}


def test_no_v1_amendment_after_an_exception(made: Made, keys: Keys) -> None:
    """v1 amendments replay before exceptions, so none may be made once one exists."""
    from placement.documents import Change  # noqa: PLC0415

    ask_out(made, keys, 4)
    where = rx.current(made.record).class_of()[4]
    with pytest.raises(RecordError) as e:
        made.record.amend(
            changes=[Change(4, where, 1 if where != 1 else 2)],
            reason="旧式调整",
            approved_by="区教育局",
            approved_on="2024-08-20",
            now=AUG_20,
            signers=keys.signers,
        )
    assert "request a correction instead" in str(e.value)
