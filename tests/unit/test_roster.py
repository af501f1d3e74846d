"""Roster import: header mapping, row parsing with bilingual issues, roster-wide validation."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from placement.errors import Issue
from placement.idcard import check_character
from placement.policy import PROFILES, Level
from placement.roster import (
    PupilRecord,
    Sex,
    TwinWish,
    duplicate_names,
    header_map,
    parse_row,
    validate_roster,
)

TAOBEI = PROFILES["taobei-2024"]
BOY_ON_CUTOFF = "220802201808310019"  # valid, male, born 2018-08-31
GIRL_DAY_AFTER = "220802201809010026"  # valid, female, born 2018-09-01


def make_id(birth: str = "20180101", order: int = 1) -> str:
    """A valid Taobei ID number; ``order`` odd = male, even = female."""
    first17 = f"220802{birth}{order:03d}"
    return first17 + check_character(first17)


def pupil(row: int, name: str = "张三", *, order: int = 1, **kw: object) -> PupilRecord:
    number = kw.pop("id_number", None) or make_id(order=order)
    sex = Sex.MALE if int(str(number)[16]) % 2 else Sex.FEMALE
    born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    return PupilRecord(row=row, name=name, sex=sex, id_number=number, birth_date=born, **kw)


def codes(issues: object) -> list[str]:
    assert isinstance(issues, (list, tuple))
    return [i.code for i in issues]


def validate(pupils: list[PupilRecord], *, level: Level = Level.PRIMARY, k: int = 9) -> tuple:
    return validate_roster(pupils, profile=TAOBEI, level=level, class_count=k)


class TestHeaderMap:
    def test_chinese_headers_with_bom(self):
        """An Excel "CSV UTF-8" export (BOM before 姓名) maps every column."""
        heads = [
            "\ufeff姓名",
            "性别",
            "身份证号",
            "出生日期",
            "学籍号",
            "双胞胎组",
            "双胞胎意愿",
            "特殊标记",
        ]
        found, issues = header_map(heads)
        assert issues == ()
        assert found == {
            "name": 0,
            "gender": 1,
            "id_number": 2,
            "birth_date": 3,
            "student_no": 4,
            "twin_group": 5,
            "twin_preference": 6,
            "flags": 7,
        }

    def test_english_headers_any_case_and_spacing(self):
        """English keys work regardless of case and surrounding spaces."""
        found, issues = header_map([" Name ", "SEX", "ID_Number", "notes"])
        assert issues == ()
        assert found == {"name": 0, "gender": 1, "id_number": 2}

    def test_alternative_chinese_names(self):
        """证件号码 and 多胞胎组 are accepted spellings too."""
        found, _ = header_map(["姓名", "性别", "证件号码", "多胞胎组"])
        assert found["id_number"] == 2
        assert found["twin_group"] == 3

    def test_first_matching_column_wins(self):
        """A repeated header maps to its first column."""
        found, _ = header_map(["姓名", "name", "性别", "身份证号"])
        assert found["name"] == 0

    def test_missing_required_columns(self):
        """Every missing required column is named, bilingually, on row 0."""
        _, issues = header_map(["\ufeff姓名", "出生日期"])
        assert [(i.row, i.field, i.code) for i in issues] == [
            (0, "gender", "header.missing"),
            (0, "id_number", "header.missing"),
        ]
        assert "性别" in issues[0].zh
        assert "sex" in issues[0].en
        assert "id_number" in issues[1].en


GOOD = {
    "name": "王小明",
    "gender": "男",
    "id_number": BOY_ON_CUTOFF,
    "birth_date": "2018-08-31",
    "student_no": "G" + BOY_ON_CUTOFF,
    "twin_group": "",
    "twin_preference": "",
    "flags": "",
}


def parse(**changes: str) -> PupilRecord | list[Issue]:
    return parse_row(7, {**GOOD, **changes})


class TestParseRow:
    def test_happy_path(self):
        """A clean row becomes a record carrying the row number for later messages."""
        assert parse() == PupilRecord(
            row=7,
            name="王小明",
            sex=Sex.MALE,
            id_number=BOY_ON_CUTOFF,
            birth_date=dt.date(2018, 8, 31),
            student_no="G" + BOY_ON_CUTOFF,
        )

    def test_minimal_row(self):
        """Only name, gender and ID number are required; the birth date comes from the ID."""
        rec = parse_row(2, {"name": "李娜", "gender": "女", "id_number": GIRL_DAY_AFTER})
        assert isinstance(rec, PupilRecord)
        assert rec.sex is Sex.FEMALE
        assert rec.birth_date == dt.date(2018, 9, 1)

    def test_fields_are_stripped_and_id_normalised(self):
        """Stray spaces and a fullwidth, lowercase-x ID number are cleaned up."""
        first17 = "11010519491231002"
        rec = parse_row(
            3,
            {
                "name": " 赵六 ",
                "gender": " 女",
                "id_number": " " + "".join(chr(ord(c) + 0xFEE0) for c in first17) + "ｘ",
            },
        )
        assert isinstance(rec, PupilRecord)
        assert rec.name == "赵六"
        assert rec.id_number == "11010519491231002X"

    @pytest.mark.parametrize(
        ("gender", "sex"),
        [("男", Sex.MALE), ("女", Sex.FEMALE), ("F", Sex.FEMALE), ("male", Sex.MALE)],
    )
    def test_gender_spellings(self, gender, sex):
        """男/女 and English M/F/male/female are all understood."""
        number = BOY_ON_CUTOFF if sex is Sex.MALE else GIRL_DAY_AFTER
        rec = parse(gender=gender, id_number=number, birth_date="")
        assert isinstance(rec, PupilRecord)
        assert rec.sex is sex

    @pytest.mark.parametrize("text", ["2018-08-31", "2018/8/31", "2018.08.31", "2018年8月31日"])
    def test_birth_date_spellings(self, text):
        """Common spreadsheet date spellings are read."""
        assert isinstance(parse(birth_date=text), PupilRecord)

    def test_nfd_name_becomes_nfc(self):
        """A decomposed name (Mac keyboards) is stored composed, so it hashes one way."""
        rec = parse(name="Lu\u0308 Zoe\u0308")
        assert isinstance(rec, PupilRecord)
        assert rec.name == "L\u00fc Zo\u00eb"

    def test_flags_split_and_sorted(self):
        """Flags separated by 、 , ; (also fullwidth) become a sorted, de-duplicated tuple."""
        rec = parse(flags="随迁子女、随班就读,留守儿童;随班就读；单亲，其他")
        assert isinstance(rec, PupilRecord)
        assert rec.flags == tuple(sorted({"随迁子女", "随班就读", "留守儿童", "单亲", "其他"}))
        assert rec.stratum_key == "、".join(rec.flags)

    def test_twin_fields(self):
        """A twin group with 同班 is kept on the record."""
        rec = parse(twin_group="A", twin_preference="同班")
        assert isinstance(rec, PupilRecord)
        assert (rec.twin_group, rec.twin_wish) == ("A", TwinWish.SAME)

    @pytest.mark.parametrize(
        ("changes", "field", "code"),
        [
            ({"name": ""}, "name", "name.empty"),
            ({"name": "   "}, "name", "name.empty"),
            ({"name": "张\x00三"}, "name", "name.invalid"),
            ({"name": "张" * 41}, "name", "name.invalid"),
            ({"gender": "未知"}, "gender", "gender.invalid"),
            ({"gender": ""}, "gender", "gender.invalid"),
            ({"id_number": "220802201808310010"}, "id_number", "id.check"),
            ({"id_number": "2208022018083100"}, "id_number", "id.length"),
            ({"gender": "女"}, "id_number", "id.sex"),
            ({"birth_date": "2018-08-30"}, "birth_date", "birth.mismatch"),
            ({"birth_date": "2018-02-30"}, "birth_date", "birth.invalid"),
            ({"birth_date": "31/08/2018"}, "birth_date", "birth.invalid"),
            ({"twin_group": "A", "twin_preference": "随便"}, "twin_preference", "twin.wish"),
            ({"twin_group": "A"}, "twin_preference", "twin.wish.missing"),
            ({"twin_preference": "分班"}, "twin_group", "twin.group.missing"),
        ],
    )
    def test_each_error(self, changes, field, code):
        """Each bad field is reported with its row, its column and words in both languages."""
        result = parse(**changes)
        assert isinstance(result, list)
        assert [(i.row, i.field, i.code) for i in result] == [(7, field, code)]
        issue = result[0]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in issue.zh)
        assert re.search(r"[a-z]{4,}", issue.en)
        assert issue.en != issue.zh
        assert "第7行" in str(issue)
        assert "row 7" in str(issue)

    def test_all_issues_reported_at_once(self):
        """A row with several problems lists all of them, not just the first."""
        result = parse(name="", gender="?", birth_date="soon", twin_preference="同班")
        assert codes(result) == [
            "name.empty",
            "gender.invalid",
            "birth.invalid",
            "twin.group.missing",
        ]

    def test_bad_check_character_message_gives_expected(self):
        """The parent sees which check character the number should have."""
        result = parse(id_number="220802201808310010")
        assert isinstance(result, list)
        assert "9" in result[0].zh
        assert "expected 9" in result[0].en

    def test_birth_date_digits_not_in_id_error(self):
        """An ID error message does not echo the pupil's birth date into logs."""
        result = parse(id_number="220802201802300012")
        assert codes(result) == ["id.date"]
        assert isinstance(result, list)
        assert "20180230" not in result[0].zh + result[0].en


class TestValidateRoster:
    def test_primary_cutoff_inclusive(self):
        """Born on 2018-08-31 may enter primary; born 2018-09-01 is refused on its row."""
        pupils = [pupil(2, "甲", id_number=BOY_ON_CUTOFF), pupil(3, "乙", id_number=GIRL_DAY_AFTER)]
        issues = validate(pupils)
        assert [(i.row, i.field, i.code) for i in issues] == [(3, "birth_date", "birth.cutoff")]
        assert "2018-08-31" in issues[0].zh
        assert "2018-08-31" in issues[0].en

    def test_no_cutoff_for_middle_school(self):
        """Middle-school entry has no birth cut-off."""
        pupils = [pupil(2, "甲", id_number=BOY_ON_CUTOFF), pupil(3, "乙", id_number=GIRL_DAY_AFTER)]
        assert validate(pupils, level=Level.MIDDLE) == ()

    def test_clean_roster(self):
        """A plain roster has no issues."""
        assert validate([pupil(r, f"学生{r}", order=r) for r in range(2, 20)]) == ()

    def test_duplicate_id_names_earlier_row(self):
        """A pupil registered twice is flagged on the later row, pointing at the earlier."""
        pupils = [pupil(2, "甲", order=1), pupil(3, "乙", order=3), pupil(5, "甲", order=1)]
        issues = validate(pupils)
        assert [(i.row, i.field, i.code) for i in issues] == [(5, "id_number", "id.duplicate")]
        assert "第2行" in issues[0].zh
        assert "row 2" in issues[0].en

    def test_twin_group_of_one(self):
        """A twin group with only one member is a data error."""
        pupils = [pupil(2, order=1, twin_group="A", twin_wish=TwinWish.SAME)]
        assert [(i.row, i.code) for i in validate(pupils)] == [(2, "twin.alone")]

    def test_twin_preferences_disagree(self):
        """Twins must share one signed preference; the disagreeing row names the first."""
        pupils = [
            pupil(2, "甲", order=1, twin_group="A", twin_wish=TwinWish.SAME),
            pupil(3, "乙", order=3, twin_group="A", twin_wish=TwinWish.APART),
        ]
        issues = validate(pupils)
        assert [(i.row, i.field, i.code) for i in issues] == [
            (3, "twin_preference", "twin.inconsistent")
        ]
        assert "第2行" in issues[0].zh
        assert "row 2" in issues[0].en

    def test_apart_group_larger_than_class_count(self):
        """Triplets asking for 分班 cannot be split over two classes."""
        pupils = [
            pupil(r, f"学生{r}", order=r, twin_group="B", twin_wish=TwinWish.APART)
            for r in (2, 3, 4)
        ]
        assert codes(validate(pupils, k=2)) == ["twin.too_many"]
        assert validate(pupils, k=3) == ()

    def test_too_few_classes_for_cap(self):
        """46 primary pupils cannot fit one class of at most 45."""
        pupils = [pupil(r, f"学生{r}", order=r) for r in range(2, 48)]
        issues = validate(pupils, k=1)
        assert [(i.row, i.field, i.code) for i in issues] == [(0, "", "classes.too_few")]
        assert "46" in issues[0].zh
        assert "45" in issues[0].en
        assert validate(pupils[:45], k=1) == ()
        assert validate(pupils, k=2) == ()

    def test_middle_school_cap_is_50(self):
        """Middle school allows 50 per class, so 50 pupils fit one class."""
        pupils = [pupil(r, f"学生{r}", order=r) for r in range(2, 52)]
        assert validate(pupils, level=Level.MIDDLE, k=1) == ()
        extra = [*pupils, pupil(52, "学生52", order=52)]
        assert codes(validate(extra, level=Level.MIDDLE, k=1)) == ["classes.too_few"]

    def test_more_same_names_than_classes(self):
        """Three pupils called 王芳 cannot be kept apart in two classes."""
        pupils = [pupil(r, "王芳", order=r) for r in (2, 3, 4)]
        issues = validate(pupils, k=2)
        assert [(i.row, i.field, i.code) for i in issues] == [(2, "name", "name.too_many_same")]
        assert validate(pupils, k=3) == ()


def test_duplicate_names():
    """重名 pupils are listed with their rows; unique names are not."""
    pupils = [pupil(2, "王芳"), pupil(3, "李雷"), pupil(4, "王芳"), pupil(9, "王芳")]
    assert duplicate_names(pupils) == {"王芳": (2, 4, 9)}
    assert duplicate_names(pupils[:2]) == {}
