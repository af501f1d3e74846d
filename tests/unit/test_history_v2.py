"""Exceptions on a v2 record (spec §E5): members from the class statements, named
requests, sex-only added leaves, 重名 against statement names, sorted versions."""

from __future__ import annotations

import pytest
from test_history import req, ruling, setting, team

from placement.commitment import PublicLeaf
from placement.exceptions import ExceptionError, Kind, parse_request
from placement.history import apply, late_class, start_v2, statement_version
from placement.roster import Sex, TwinWish

PRIVATE = "ab" * 32


def v2_leaf(sex: str = "F", **codes: str) -> dict[str, object]:
    leaf = {"private": PRIVATE, "same_name": "", "sex": sex, "stratum": "", "t": ""}
    leaf.update({"t": "sunshine-placement/v2/pupil-leaf", "twin": "", "twin_wish": ""})
    leaf.update(codes)
    return leaf


def classes() -> object:
    return start_v2(
        [
            (1, "一年级（1）班", [("张伟", "M"), ("李娜", "F")]),
            (2, "一年级（2）班", [("王芳", "F"), ("赵强", "M")]),
        ],
        [team(1), team(2)],
    )


ADMISSION = {"basis": "late-review", "reference": "复审 1"}


def test_same_name_is_checked_against_the_statements_names() -> None:
    st = classes()
    r = req(
        Kind.LATE, {"admission": ADMISSION, "leaf": v2_leaf("M"), "name": "张伟"}, "late-review"
    )
    assert r.version == 2
    assert r.leaf is not None
    assert r.leaf.name == ""  # the leaf has no name; the request has
    assert late_class(st, setting(), r.member(), 1, waive_cap=False) == 2  # type: ignore[arg-type]


def test_added_pupil_appears_in_a_sorted_v2_version() -> None:
    st = classes()
    r = req(
        Kind.LATE, {"admission": ADMISSION, "leaf": v2_leaf("F"), "name": "艾米"}, "late-review"
    )
    placed = late_class(st, setting(), r.member(), 1, waive_cap=False)  # type: ignore[arg-type]
    after, step = apply(st, setting(), r, ruling(placed))  # type: ignore[arg-type]
    assert step.added == 4
    assert placed is not None
    doc = statement_version(
        after, placed, draw_id="d1", school="某小学", intake="2024", result_digest="00" * 32
    )
    assert doc["t"] == "sunshine-placement/v2/class-statement"
    pupils = doc["pupils"]
    assert isinstance(pupils, list)
    assert pupils == sorted(pupils)  # type: ignore[type-var]
    assert ["艾米", "F"] in pupils


@pytest.mark.parametrize("codes", [{"stratum": "s1"}, {"same_name": "n1"}, {"twin": "t1"}])
def test_an_added_v2_leaf_shows_nothing_but_sex(codes: dict[str, str]) -> None:
    with pytest.raises(ExceptionError):
        req(
            Kind.LATE,
            {"admission": ADMISSION, "leaf": v2_leaf("F", **codes), "name": "艾米"},
            "late-review",
        )


def test_transfer_out_names_the_pupil_in_its_class() -> None:
    st = classes()
    r = req(
        Kind.TRANSFER_OUT,
        {"class": 2, "pupil": ["赵强", "M"], "to_school": "外省某小学"},
        "family-move",
    )
    after, step = apply(st, setting(), r, ruling(None, "2025-09-02"))  # type: ignore[arg-type]
    assert step.changed == (2,)
    assert [after.leaves[i].name for i in after.classes[1].pupils] == ["王芳"]
    wrong = req(
        Kind.TRANSFER_OUT,
        {"class": 1, "pupil": ["赵强", "M"], "to_school": "外省某小学"},
        "family-move",
    )
    with pytest.raises(ExceptionError, match="lists no"):
        apply(st, setting(), wrong, ruling(None, "2025-09-02"))  # type: ignore[arg-type]


def test_a_leaf_index_is_refused_on_a_v2_record() -> None:
    """A v1-form request would pair the departing name with a leaf's codes."""
    st = classes()
    r = req(Kind.TRANSFER_OUT, {"pupil": 3, "to_school": "外省某小学"}, "family-move")
    with pytest.raises(ExceptionError, match="does not fit the record"):
        apply(st, setting(), r, ruling(None, "2025-09-02"))  # type: ignore[arg-type]


def test_a_v2_correction_refuses_a_same_name_target() -> None:
    st = start_v2(
        [
            (1, "一年级（1）班", [("张伟", "M"), ("李娜", "F")]),
            (2, "一年级（2）班", [("张伟", "F"), ("赵强", "M")]),
        ],
        [team(1), team(2)],
    )
    r = req(
        Kind.CORRECTION,
        {
            "changes": [{"from": 1, "pupil": ["张伟", "M"], "to": 2}],
            "evidence": "原始登记表",
            "version": 2,
        },
        "data-error",
    )
    with pytest.raises(ExceptionError, match="same name"):
        apply(st, setting(), r, ruling(None))  # type: ignore[arg-type]


def test_a_v1_leaf_in_a_v2_record_is_refused() -> None:
    st = classes()
    v1 = PublicLeaf("艾米", Sex("F"), "", "", TwinWish.NONE, bytes(32)).to_json()
    r = parse_request(
        {
            "category": "late-review",
            "detail": {"admission": ADMISSION, "leaf": v1},
            "draw": "d1",
            "kind": "late-placement",
            "number": 1,
            "reason": "测试理由",
            "requested_by": {"name": "某小学", "role": "school"},
            "requested_on": "2024-09-01",
            "result": "00" * 32,
            "t": "sunshine-placement/v1/exception-request",
        }
    )
    with pytest.raises(ExceptionError, match="must be v2"):
        apply(st, setting(), r, ruling(1))  # type: ignore[arg-type]
