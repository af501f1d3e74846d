"""The pupil fields of an application (spec S5 ``pupil``): balancing flags and the twins'
link and wish — checked with the field named, in the salted record only (the receipt and
a record without them are unchanged), refused when malformed on reading."""

from __future__ import annotations

import dataclasses
import json

import pytest
from seasonkit import PRIMARY, SY, at, keys, label_bytes, new_ledger

from placement.errors import InvalidInput
from placement.policy import Level
from placement.roster import TwinWish
from placement.season.application import Form, from_json
from placement.season.documents import SeasonError
from placement.season.pupil import BALANCE_FLAGS, NO_PUPIL
from web.demo.season import form, id_number

TWIN_OF_1 = id_number(901, male=False, born=at(7, 1).date().replace(year=2017))


def register(f: Form, n: int = 1):
    led = new_ledger(keys())
    led.publish_policy(at(7, 1))
    return led.register(
        f,
        school=SY,
        intake=PRIMARY,
        level=Level.PRIMARY,
        now=at(7, 15),
        salt=label_bytes(f"pupil {n}", 16),
    )


def twin_form() -> Form:
    return dataclasses.replace(
        form(1, "新华社区"),
        flags=("留守儿童", "随班就读", "留守儿童"),
        twin_id=TWIN_OF_1.lower(),
        twin_wish="分班",
    )


def test_a_record_without_pupil_fields_has_no_pupil_key():
    app = register(form(1, "新华社区"))
    assert app.pupil == NO_PUPIL
    assert "pupil" not in app.to_json()  # records (and vectors) from before stay the same


def test_flags_and_twin_are_in_the_salted_record_only():
    plain, flagged = register(form(1, "新华社区")), register(twin_form())
    doc = flagged.to_json()
    assert doc["pupil"] == {
        "flags": ["留守儿童", "随班就读"],  # sorted, once each
        "twin": {"id_number": TWIN_OF_1, "wish": "apart"},
    }
    assert from_json(json.loads(json.dumps(doc))) == flagged
    assert flagged.submission() != plain.submission()  # the commitments cover the flags
    receipt = json.dumps(flagged.receipt(), ensure_ascii=False)
    for word in (*BALANCE_FLAGS, TWIN_OF_1, "apart"):
        assert word not in receipt


def test_a_twin_with_no_wish_is_kept_together():
    app = register(dataclasses.replace(form(1, "新华社区"), twin_id=TWIN_OF_1))
    assert app.pupil.twin_wish is TwinWish.SAME


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"flags": ("重点关注",)}, "flags", "application.flags"),
        ({"twin_wish": "同班"}, "twin_id", "twin.group.missing"),
        ({"twin_id": TWIN_OF_1, "twin_wish": "隔壁班"}, "twin_wish", "twin.wish"),
        ({"twin_id": "340524198001010013"}, "twin_id", "id.check"),
        ({"twin_id": form(1, "新华社区").id_number}, "twin_id", "twin.self"),
    ],
)
def test_bad_pupil_fields_are_refused_by_field(change: dict[str, object], field: str, code: str):
    with pytest.raises(InvalidInput) as e:
        register(dataclasses.replace(form(1, "新华社区"), **change))  # type: ignore[arg-type]
    found = [(i.field, i.code) for i in e.value.issues]
    assert (field, code) in found, found
    assert all(i.zh and i.en for i in e.value.issues)


@pytest.mark.parametrize(
    "pupil",
    [
        {"flags": ["随班就读", "留守儿童"], "twin": None},  # not sorted
        {"flags": ["重点关注"], "twin": None},  # not a balancing flag
        {"flags": [], "twin": {"id_number": TWIN_OF_1, "wish": "maybe"}},
        {"flags": [], "twin": None, "note": "x"},  # unknown key
    ],
)
def test_a_malformed_pupil_object_is_refused_on_reading(pupil: dict[str, object]):
    doc = register(twin_form()).to_json()
    doc["pupil"] = pupil  # type: ignore[assignment]
    with pytest.raises(SeasonError):
        from_json(doc)
