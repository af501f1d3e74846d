"""GB 11643-1999 resident ID numbers: the brief's examples, input forms, and the checksum."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from placement.errors import PlacementError
from placement.idcard import (
    IdNumberError,
    ResidentId,
    check_character,
    parse_resident_id,
)


def _code(text: str) -> str:
    with pytest.raises(IdNumberError) as info:
        parse_resident_id(text)
    return info.value.code


class TestExamples:
    def test_cutoff_day_boy(self):
        """Taobei area code, born on the 2024 primary cut-off day, male."""
        assert parse_resident_id("220802201808310019") == ResidentId(
            number="220802201808310019",
            region="220802",
            birth_date=dt.date(2018, 8, 31),
            male=True,
        )

    def test_day_after_cutoff_girl(self):
        ident = parse_resident_id("220802201809010026")
        assert ident.birth_date == dt.date(2018, 9, 1)
        assert not ident.male

    def test_standard_example_with_x(self):
        ident = parse_resident_id("11010519491231002X")
        assert ident.region == "110105"
        assert ident.birth_date == dt.date(1949, 12, 31)

    def test_wrong_check_character(self):
        with pytest.raises(IdNumberError) as info:
            parse_resident_id("340524198001010013")
        err = info.value
        assert err.code == "id.check"
        assert err.zh == "身份证号校验位错误（应为X）"
        assert err.en == "check character is wrong (expected X)"
        assert isinstance(err, PlacementError)

    def test_error_as_issue(self):
        with pytest.raises(IdNumberError) as info:
            parse_resident_id("340524198001010013")
        issue = info.value.issue(row=7)
        assert (issue.row, issue.field, issue.code) == (7, "id_number", "id.check")


class TestInputForms:
    def test_lowercase_x(self):
        assert parse_resident_id("11010519491231002x").number == "11010519491231002X"

    def test_fullwidth_digits_and_x(self):
        assert (
            parse_resident_id("１１０１０５１９４９１２３１００２Ｘ").number == "11010519491231002X"
        )

    def test_surrounding_whitespace(self):
        assert parse_resident_id("  220802201808310019\t\n").number == "220802201808310019"


class TestRefusals:
    @pytest.mark.parametrize("text", ["", "22080220180831001", "2208022018083100190", "2208022018"])
    def test_length(self, text):
        assert _code(text) == "id.length"

    @pytest.mark.parametrize(
        "text",
        [
            "22080220180831001Y",  # last is neither digit nor X
            "2208022018083100X9",  # X only in the last place
            "22080220180831 019",  # inner space
            "٢20802201808310019",  # an Arabic-Indic digit passes str.isdigit(), not here
        ],
    )
    def test_characters(self, text):
        assert _code(text) == "id.chars"

    @pytest.mark.parametrize(
        "birth",
        ["20180230", "20190229", "20181301", "20180000", "18991231", "00000101"],
    )
    def test_date(self, birth):
        first17 = f"220802{birth}001"
        assert _code(first17 + check_character(first17)) == "id.date"

    def test_leap_day_is_real(self):
        first17 = "22080220160229001"
        assert parse_resident_id(first17 + check_character(first17)).birth_date == dt.date(
            2016, 2, 29
        )

    def test_check_character_input(self):
        with pytest.raises(IdNumberError):
            check_character("1234")


_first17 = st.builds(
    lambda region, born, order: f"{region}{born:%Y%m%d}{order}",
    st.text("0123456789", min_size=6, max_size=6),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)),
    st.text("0123456789", min_size=3, max_size=3),
)


@given(_first17)
def test_appended_check_character_parses(first17):
    number = first17 + check_character(first17)
    ident = parse_resident_id(number)
    assert ident.number == number
    assert ident.region == first17[:6]
    assert ident.birth_date.strftime("%Y%m%d") == first17[6:14]
    assert ident.male == (int(first17[16]) % 2 == 1)


@given(_first17, st.integers(0, 17), st.integers(1, 10))
def test_single_substitution_is_caught(first17, position, shift):
    number = first17 + check_character(first17)
    if position == 17:
        symbols = "0123456789X"
        new = symbols[(symbols.index(number[17]) + shift) % 11]
    else:
        new = str((int(number[position]) + 1 + (shift - 1) % 9) % 10)
    changed = number[:position] + new + number[position + 1 :]
    assert changed != number
    # MOD 11-2 catches every single-character substitution…
    assert check_character(changed[:17]) != changed[17]
    # …so the parser refuses it (as a bad date if the date digits broke first).
    with pytest.raises(IdNumberError) as info:
        parse_resident_id(changed)
    assert info.value.code in {"id.check", "id.date"}
