"""Exceptions after the draw (spec §E1–§E4): the documents, ``late-placement/1`` and the
rules an approval must keep, on small hand-made states."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from placement.commitment import PublicLeaf
from placement.exception_documents import decision_document, request_document
from placement.exceptions import (
    Decision,
    ExceptionError,
    Kind,
    Waiver,
    parse_decision,
    parse_request,
)
from placement.history import (
    Setting,
    State,
    apply,
    cap_problems,
    first_year,
    late_class,
    late_keys,
    start,
)
from placement.roster import Sex, TwinWish
from placement.teams import Teacher, Team

SEED = bytes(range(32))
RESULT = bytes(32)


def leaf(name: str, sex: str = "F", stratum: str = "") -> PublicLeaf:
    private = hashlib.sha256(name.encode()).digest()
    return PublicLeaf(name, Sex(sex), stratum, "", TwinWish.NONE, private)


def team(n: int, head: str = "") -> Team:
    head = head or f"班主任{n}"
    return Team(n, f"一年级（{n}）班", head, (Teacher("语文", head),))


def state(*classes: list[PublicLeaf]) -> State:
    leaves: list[PublicLeaf] = []
    rows = []
    for n, members in enumerate(classes, start=1):
        rows.append((n, f"一年级（{n}）班", list(range(len(leaves), len(leaves) + len(members)))))
        leaves += members
    return start(leaves, rows, [team(n) for n in range(1, len(classes) + 1)])


def setting(cap: int = 45, drawn: date = date(2024, 8, 14)) -> Setting:
    return Setting(cap=cap, tolerance=1, final_seed=SEED, drawn_on=drawn)


def req(kind: Kind, detail: dict[str, object], category: str, number: int = 1):  # type: ignore[no-untyped-def]
    doc = request_document(
        number=number,
        kind=kind,
        category=category,
        reason="测试理由",
        draw_id="d1",
        result_digest=RESULT,
        requested_by="某小学",
        requested_on="2024-09-01",
        detail=detail,  # type: ignore[arg-type]
    )
    return parse_request(doc)


def ruling(placed: int | None, day: str = "2024-09-02", waivers=(), decision=Decision.APPROVED):  # type: ignore[no-untyped-def]
    return parse_decision(
        decision_document(
            number=1,
            request_digest=bytes(32),
            decision=decision,
            approver="局长",
            decided_on=day,
            reason="同意",
            placed=placed,
            waivers=waivers,
        )
    )


def late(x: PublicLeaf):  # type: ignore[no-untyped-def]
    return req(
        Kind.LATE,
        {"admission": {"basis": "late-review", "reference": "R-1"}, "leaf": x.to_json()},
        "late-review",
    )


def test_smallest_class_then_fewest_of_the_sex_then_stratum() -> None:
    s = state(
        [leaf("a"), leaf("b", "M")],
        [leaf("c", "M")],
        [leaf("d"), leaf("e", "M")],
    )
    assert late_class(s, setting(), leaf("新", "F"), 1, waive_cap=False) == 2
    s2 = state([leaf("a"), leaf("b", "F", "s1")], [leaf("c", "M"), leaf("d", "F")])
    # equal sizes and girls: class 2 has fewer pupils of stratum s1
    assert late_class(s2, setting(), leaf("新", "F", "s1"), 1, waive_cap=False) == 2


def test_ties_are_broken_by_the_late_ticket() -> None:
    s = state([leaf("a")], [leaf("b")], [leaf("c")])
    keys = late_keys(s, setting(), leaf("新"), 7, waive_cap=False)
    tickets = {c: k[4] for c, k in keys.items()}
    assert len({k[:4] for k in keys.values()}) == 1  # tied on everything but the ticket
    want = min(tickets, key=tickets.__getitem__)
    tag = b"sunshine-placement/v1/late-ticket"
    for c, t in tickets.items():
        data = SEED + (7).to_bytes(4, "big") + c.to_bytes(4, "big")
        assert t == hashlib.sha256(bytes([len(tag)]) + tag + data).digest()
    assert late_class(s, setting(), leaf("新"), 7, waive_cap=False) == want


def test_balance_comes_before_size() -> None:
    # class 1 is smaller, but another girl there makes the girls' spread 2; with τ = 2
    # class 2 may grow to 4 against 2
    s = state([leaf("a"), leaf("b")], [leaf("c", "M"), leaf("d", "M"), leaf("e")])
    wide = Setting(cap=45, tolerance=2, final_seed=SEED, drawn_on=date(2024, 8, 14))
    keys = late_keys(s, wide, leaf("新"), 1, waive_cap=False)
    assert keys[1][0] > 0
    assert keys[2][0] == 0
    assert late_class(s, wide, leaf("新"), 1, waive_cap=False) == 2


def test_identical_name_excludes_the_class() -> None:
    s = state([leaf("王浩宇", "M")], [leaf("x"), leaf("y")])
    assert late_class(s, setting(), leaf("王浩宇", "M"), 1, waive_cap=False) == 2


def test_full_classes_need_the_cap_waiver() -> None:
    s = state([leaf("a"), leaf("b", "M")], [leaf("c"), leaf("d", "M")])
    x = leaf("新")
    assert late_class(s, setting(cap=2), x, 1, waive_cap=False) is None
    with pytest.raises(ExceptionError) as e:
        apply(s, setting(cap=2), late(x), ruling(None))
    assert "没有学位空缺" in e.value.zh
    assert "no vacancy" in e.value.en
    placed = late_class(s, setting(cap=2), x, 1, waive_cap=True)
    after, step = apply(s, setting(cap=2), late(x), ruling(placed, waivers=[Waiver.CAP]))
    assert step.added == 4
    assert after.class_of()[4] == placed
    assert cap_problems(s, after, 2, waived=True) == []
    assert cap_problems(s, after, 2, waived=False)  # without the waiver it would be refused


def test_cap_waiver_is_refused_when_there_is_a_vacancy() -> None:
    s = state([leaf("a")], [leaf("b")])
    with pytest.raises(ExceptionError, match="cap does not apply"):
        apply(s, setting(), late(leaf("新")), ruling(1, waivers=[Waiver.CAP]))


def test_placed_must_be_the_rules_class() -> None:
    s = state([leaf("a"), leaf("b", "M")], [leaf("c", "M")])
    assert late_class(s, setting(), leaf("新"), 1, waive_cap=False) == 2
    with pytest.raises(ExceptionError) as e:
        apply(s, setting(), late(leaf("新")), ruling(1))
    assert "late-placement/1 places the pupil in class 2" in e.value.en


def _out(pupil: int):  # type: ignore[no-untyped-def]
    return req(Kind.TRANSFER_OUT, {"pupil": pupil, "to_school": "外省"}, "family-move")


def test_first_year_transfer_needs_the_waiver() -> None:
    s = state([leaf("a"), leaf("b")], [leaf("c")])
    with pytest.raises(ExceptionError) as e:
        apply(s, setting(), _out(0), ruling(None, day="2024-09-02"))
    assert "不允许转学" in e.value.zh
    assert "first year" in e.value.en
    after, step = apply(
        s, setting(), _out(0), ruling(None, day="2024-09-02", waivers=[Waiver.FIRST_YEAR])
    )
    assert 0 not in after.class_of()
    assert step.changed == (1,)
    after, _ = apply(s, setting(), _out(0), ruling(None, day="2025-08-14"))
    with pytest.raises(ExceptionError, match="first-year does not apply"):
        apply(s, setting(), _out(0), ruling(None, day="2025-08-14", waivers=[Waiver.FIRST_YEAR]))


def test_first_year_ends_on_the_anniversary() -> None:
    assert first_year(date(2024, 8, 14), date(2025, 8, 13))
    assert not first_year(date(2024, 8, 14), date(2025, 8, 14))
    assert first_year(date(2024, 2, 29), date(2025, 2, 28))
    assert not first_year(date(2024, 2, 29), date(2025, 3, 1))


def test_correction_moves_and_keeps_the_cap() -> None:
    s = state([leaf("a"), leaf("b")], [leaf("c")])
    fix = req(
        Kind.CORRECTION,
        {"changes": [{"from": 1, "pupil": 0, "to": 2}], "evidence": "签字表"},
        "twin-wish",
    )
    after, step = apply(s, setting(), fix, ruling(None))
    assert after.class_of()[0] == 2
    assert step.changed == (1, 2)
    assert [c.version for c in after.classes] == [2, 2]
    with pytest.raises(ExceptionError, match="exceeds the cap"):
        apply(s, setting(cap=1), fix, ruling(None))
    wrong = req(
        Kind.CORRECTION,
        {"changes": [{"from": 2, "pupil": 0, "to": 1}], "evidence": "签字表"},
        "data-error",
    )
    with pytest.raises(ExceptionError, match="is not in class 2"):
        apply(s, setting(), wrong, ruling(None))


def test_teacher_change_keeps_the_pupils() -> None:
    s = state([leaf("a")], [leaf("b")])
    new = team(2, "郑晓燕").to_json()
    after, step = apply(
        s, setting(), req(Kind.TEACHER_CHANGE, {"team": new}, "leave"), ruling(None)
    )
    c2 = after.get(2)
    assert c2 is not None
    assert c2.team.head_teacher == "郑晓燕"
    assert c2.pupils == (1,)
    assert step.changed == (2,)
    bad = {**new, "label": "别的班"}
    with pytest.raises(ExceptionError, match="existing class"):
        apply(s, setting(), req(Kind.TEACHER_CHANGE, {"team": bad}, "leave"), ruling(None))


def test_refusal_changes_nothing_and_carries_no_waiver() -> None:
    s = state([leaf("a")], [leaf("b")])
    after, step = apply(s, setting(), _out(0), ruling(None, decision=Decision.REFUSED))
    assert after is s
    assert step.changed == ()
    with pytest.raises(ExceptionError):
        decision_document(
            number=1,
            request_digest=bytes(32),
            decision=Decision.REFUSED,
            approver="局长",
            decided_on="2024-09-02",
            reason="不同意",
            placed=None,
            waivers=[Waiver.CAP],
        )


def test_a_class_change_is_not_a_kind() -> None:
    doc = request_document(
        number=1,
        kind=Kind.CORRECTION,
        category="data-error",
        reason="家长希望换班主任",
        draw_id="d1",
        result_digest=RESULT,
        requested_by="某小学",
        requested_on="2024-09-01",
        detail={"changes": [{"from": 1, "pupil": 0, "to": 2}], "evidence": "无"},
    )
    doc["kind"] = "class-change"
    with pytest.raises(ExceptionError) as e:
        parse_request(doc)
    assert "调班不允许" in e.value.zh
    assert "class changes are not allowed" in e.value.en


def test_added_pupils_carry_no_twin_code() -> None:
    raw = leaf("新").to_json()
    raw["twin"] = "t1"
    with pytest.raises(ExceptionError, match="no twin code"):
        req(
            Kind.LATE,
            {"admission": {"basis": "late-review", "reference": "R"}, "leaf": raw},
            "late-review",
        )
