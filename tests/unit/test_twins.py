"""Twins added after the draw (spec §E7): ``detail.twin_of`` places the second twin in
the class that holds the first, with the refusals of §E7, on small hand-made states."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_history import leaf, req, ruling, setting, state
from test_history_v2 import ADMISSION, classes, v2_leaf

from placement.commitment import PublicLeaf
from placement.exceptions import Decision, ExceptionError, Kind, Waiver
from placement.history import State, apply, late_class, placement

LATE = {"basis": "late-review", "reference": "R-1"}


def _late(x: PublicLeaf, number: int, twin_of: int | None = None):  # type: ignore[no-untyped-def]
    detail: dict[str, object] = {"admission": LATE, "leaf": x.to_json()}
    if twin_of is not None:
        detail["twin_of"] = twin_of
    return req(Kind.LATE, detail, "late-review", number)


def _transfer_in(x: PublicLeaf, number: int, twin_of: int):  # type: ignore[no-untyped-def]
    detail = {"from_school": "外市某小学", "leaf": x.to_json(), "twin_of": twin_of}
    return req(Kind.TRANSFER_IN, detail, "family-move", number)


def _first_twin(s: State, cap: int = 45) -> tuple[State, int]:
    """Exception 1 adds 郭梓萱 by late-placement/1; returns the state and her class."""
    r = _late(leaf("郭梓萱"), 1)
    placed = placement(s, setting(cap), r, waive_cap=False)
    assert placed is not None
    after, _ = apply(s, setting(cap), r, ruling(placed))
    return after, placed


def _three() -> State:
    """Sister goes to class 2 (girls' balance); then class 1 is the smallest."""
    return state([leaf("a")], [leaf("b", "M")], [leaf("c"), leaf("d", "M")])


def test_the_twin_goes_to_the_class_of_the_first_twin_not_where_the_rule_would() -> None:
    s, first = _first_twin(_three())
    assert first == 2
    brother = leaf("郭梓铭", "M")
    # late-placement/1 alone would put him in a smaller class, not beside his sister
    assert late_class(s, setting(), brother, 2, waive_cap=False) != first
    twin = _late(brother, 2, twin_of=1)
    assert twin.twin_of == 1
    assert placement(s, setting(), twin, waive_cap=False) == first
    after, step = apply(s, setting(), twin, ruling(first))
    assert step.added == 5
    assert step.changed == (first,)
    assert after.class_of()[5] == after.class_of()[4] == first
    assert after.added == ((1, 4), (2, 5))


def test_a_transfer_in_can_follow_its_twin_too() -> None:
    s, first = _first_twin(_three())
    after, _ = apply(
        s, setting(), _transfer_in(leaf("郭梓铭", "M"), 2, 1), ruling(first, day="2025-09-02")
    )
    assert after.class_of()[5] == first


def test_a_twin_placed_elsewhere_is_refused() -> None:
    """The tampered case: a decision putting the twin in another class breaks §E7."""
    s, first = _first_twin(_three())
    other = 1 if first != 1 else 3
    with pytest.raises(ExceptionError) as e:
        apply(s, setting(), _late(leaf("郭梓铭", "M"), 2, twin_of=1), ruling(other))
    assert f"the twin (exception 1) is in class {first}, the decision says {other}" in e.value.en
    assert f"双胞胎（第1号例外）在第{first}班" in e.value.zh


def test_the_twin_of_a_refused_or_unknown_exception_is_refused() -> None:
    s = _three()
    refused, _ = apply(
        s, setting(), _late(leaf("郭梓萱"), 1), ruling(None, decision=Decision.REFUSED)
    )
    for base in (s, refused):
        with pytest.raises(ExceptionError) as e:
            placement(base, setting(), _late(leaf("郭梓铭", "M"), 2, twin_of=1), waive_cap=False)
        assert "exception 1 is not an earlier approved late placement or transfer in" in e.value.en
        assert "第1号例外不是在先已批准的补录或转入" in e.value.zh


def test_the_twin_of_a_pupil_transferred_out_is_refused() -> None:
    s, first = _first_twin(_three())
    out = req(Kind.TRANSFER_OUT, {"pupil": 4, "to_school": "外省"}, "family-move", 2)
    gone, _ = apply(s, setting(), out, ruling(None, waivers=[Waiver.FIRST_YEAR]))
    assert 4 not in gone.class_of()
    with pytest.raises(ExceptionError) as e:
        apply(gone, setting(), _late(leaf("郭梓铭", "M"), 3, twin_of=1), ruling(first))
    assert "in no class any more" in e.value.en
    assert "已不在任何班" in e.value.zh


def test_a_same_name_in_the_twins_class_is_refused() -> None:
    s, first = _first_twin(_three())
    crowded = _with_name_in(s, first)
    with pytest.raises(ExceptionError) as e:
        apply(crowded, setting(), _late(leaf("郭梓铭", "M"), 2, 1), ruling(first))
    assert f"the twin's class {first} already holds a pupil of the same name" in e.value.en
    assert "同名" in e.value.zh


def _with_name_in(s: State, number: int) -> State:
    """``s`` with another pupil named 郭梓铭 already in class ``number``."""
    leaves = (*s.leaves, leaf("郭梓铭", "M"))
    classes = tuple(
        replace(c, pupils=(*c.pupils, len(s.leaves))) if c.number == number else c
        for c in s.classes
    )
    return replace(s, leaves=leaves, classes=classes)


def test_the_twins_class_at_the_cap_needs_the_waiver_even_with_vacancies() -> None:
    s, first = _first_twin(state([leaf("a")], [leaf("b"), leaf("c", "M")]), cap=2)
    assert first == 1
    assert len(s.get(first).pupils) == 2  # type: ignore[union-attr]
    twin = _late(leaf("郭梓铭", "M"), 2, twin_of=1)
    with pytest.raises(ExceptionError) as e:
        apply(s, setting(2), twin, ruling(first))
    assert "the twin's class is at the cap (2)" in e.value.en
    assert "双胞胎所在班已满额" in e.value.zh
    after, _ = apply(s, setting(2), twin, ruling(first, waivers=[Waiver.CAP]))
    assert len(after.get(first).pupils) == 3  # type: ignore[union-attr]


def test_the_cap_waiver_is_refused_when_the_twins_class_has_room() -> None:
    s, first = _first_twin(_three())
    with pytest.raises(ExceptionError, match="cap does not apply"):
        apply(s, setting(), _late(leaf("郭梓铭", "M"), 2, 1), ruling(first, waivers=[Waiver.CAP]))


@pytest.mark.parametrize("bad", [0, 2, 3, True, "1", None, 1.0])
def test_twin_of_must_name_an_earlier_exception(bad: object) -> None:
    detail = {"admission": LATE, "leaf": leaf("郭梓铭", "M").to_json(), "twin_of": bad}
    with pytest.raises(ExceptionError) as e:
        req(Kind.LATE, detail, "late-review", 2)
    assert "twin_of must be the number of an earlier exception (1 to 1)" in e.value.en


def test_twin_of_belongs_to_added_pupils_only() -> None:
    with pytest.raises(ExceptionError, match="must have fields"):
        req(Kind.TRANSFER_OUT, {"pupil": 1, "to_school": "外省", "twin_of": 1}, "family-move", 2)


def test_without_twin_of_nothing_changes() -> None:
    r = _late(leaf("郭梓萱"), 1)
    assert r.twin_of is None
    assert r.detail is not None
    assert "twin_of" not in r.detail


def test_a_v2_twin_follows_its_twin_by_name() -> None:
    s = classes()
    first = _v2(1, "郭梓萱", "F")
    placed = placement(s, setting(), first, waive_cap=False)  # type: ignore[arg-type]
    s2, _ = apply(s, setting(), first, ruling(placed))  # type: ignore[arg-type]
    twin = _v2(2, "郭梓铭", "M", twin_of=1)
    assert placement(s2, setting(), twin, waive_cap=False) == placed
    after, step = apply(s2, setting(), twin, ruling(placed))
    assert after.leaves[step.added or 0].name == "郭梓铭"
    assert after.class_of()[step.added or 0] == placed


def _v2(number: int, name: str, sex: str, twin_of: int | None = None):  # type: ignore[no-untyped-def]
    detail: dict[str, object] = {"admission": ADMISSION, "leaf": v2_leaf(sex), "name": name}
    if twin_of is not None:
        detail["twin_of"] = twin_of
    return req(Kind.LATE, detail, "late-review", number)
