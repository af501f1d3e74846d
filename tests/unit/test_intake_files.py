"""Reading roster and teacher-team files: encodings, XLSX, headers, all-or-nothing issues."""

from __future__ import annotations

import datetime as dt
import functools
import io
import zipfile
from pathlib import Path

import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pytest

from placement.errors import InvalidInput, Issue
from placement.idcard import check_character
from placement.policy import PROFILES, Level
from placement.roster import PupilRecord
from placement.teams import Team
from web.service.intake_files import (
    FORMAT_GB18030,
    FORMAT_UTF8,
    FORMAT_UTF8_BOM,
    FORMAT_XLSX,
    column_letter,
    read_roster,
    read_roster_bytes,
    read_table,
    read_teams,
    read_teams_bytes,
)

DEMO = Path(__file__).resolve().parents[2] / "demo"
ROSTER_CSV = DEMO / "taobei-2024-primary-school.csv"
TEAMS_CSV = DEMO / "taobei-2024-primary-teams.csv"
TAOBEI = PROFILES["taobei-2024"]
ENGLISH = "name,gender,id_number,birth_date,student_no,twin_group,twin_preference,flags"


def make_id(birth: str = "20180101", order: int = 1) -> str:
    first17 = f"220802{birth}{order:03d}"
    return first17 + check_character(first17)


@pytest.fixture(scope="module")
def demo_pupils() -> list[PupilRecord]:
    return read_roster(ROSTER_CSV)


@pytest.fixture(scope="module")
def demo_teams() -> list[Team]:
    return read_teams(TEAMS_CSV)


def demo_lines(path: Path = ROSTER_CSV) -> list[str]:
    return path.read_text("utf-8").splitlines()


def csv_bytes(lines: list[str], encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def xlsx_roster(lines: list[str]) -> list[list[object]]:
    """The demo roster as an operator's workbook: text cells, birth dates as Excel dates."""
    rows: list[list[object]] = [list[object](lines[0].split(","))]
    for line in lines[1:]:
        cells: list[object] = list(line.split(","))
        cells[3] = dt.date.fromisoformat(str(cells[3]))
        rows.append(cells)
    return rows


def refused(call: object, *args: object, **kwargs: object) -> tuple[Issue, ...]:
    assert callable(call)
    with pytest.raises(InvalidInput) as e:
        call(*args, **kwargs)
    return e.value.issues


def codes(issues: tuple[Issue, ...]) -> list[tuple[int, str, str]]:
    return [(i.row, i.field, i.code) for i in issues]


# --- formats and encodings ---------------------------------------------------------------------


def test_demo_roster_is_read(demo_pupils: list[PupilRecord]) -> None:
    assert len(demo_pupils) == 400
    assert demo_pupils[0].row == 2
    assert demo_pupils[0].name == "魏清妍"


@pytest.mark.parametrize(
    ("encoding", "fmt"),
    [
        ("utf-8", FORMAT_UTF8),
        ("utf-8-sig", FORMAT_UTF8_BOM),
        ("gbk", FORMAT_GB18030),
        ("gb18030", FORMAT_GB18030),
    ],
)
def test_demo_roster_round_trips_through_each_encoding(
    encoding: str, fmt: str, demo_pupils: list[PupilRecord], tmp_path: Path
) -> None:
    data = csv_bytes(demo_lines(), encoding)
    assert read_table(data, "roster.csv").format == fmt
    assert read_roster_bytes(data, "roster.csv") == demo_pupils
    path = tmp_path / "名单.csv"
    path.write_bytes(data)
    assert read_roster(path) == demo_pupils
    assert read_roster(str(path)) == demo_pupils


def test_demo_roster_round_trips_through_xlsx(
    demo_pupils: list[PupilRecord], tmp_path: Path
) -> None:
    data = xlsx_bytes(xlsx_roster(demo_lines()))
    assert read_table(data, "roster.xlsx").format == FORMAT_XLSX
    assert read_roster_bytes(data, "roster.xlsx") == demo_pupils
    path = tmp_path / "名单.xlsx"
    path.write_bytes(data)
    assert read_roster(path) == demo_pupils


def test_xlsx_is_recognised_by_content_whatever_its_name(demo_pupils: list[PupilRecord]) -> None:
    data = xlsx_bytes(xlsx_roster(demo_lines()))
    assert read_roster_bytes(data, "upload") == demo_pupils
    assert read_roster_bytes(data, "roster.csv") == demo_pupils


def test_english_headers(demo_pupils: list[PupilRecord]) -> None:
    lines = [ENGLISH, *demo_lines()[1:]]
    assert read_roster_bytes(csv_bytes(lines), "roster.csv") == demo_pupils
    assert read_roster_bytes(xlsx_bytes(xlsx_roster(lines)), "roster.xlsx") == demo_pupils


def test_tab_separated_text(demo_pupils: list[PupilRecord]) -> None:
    lines = [line.replace(",", "\t") for line in demo_lines()]
    assert read_roster_bytes(csv_bytes(lines), "roster.txt") == demo_pupils


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_wide_encodings_are_refused(encoding: str) -> None:
    data = csv_bytes(demo_lines()[:5], encoding)
    [issue] = refused(read_roster_bytes, data, "roster.csv")
    assert issue.code == "file.encoding"
    assert "UTF-16" in issue.zh
    assert "CSV UTF-8" in issue.en


def test_bytes_neither_utf8_nor_gb18030_are_refused() -> None:
    data = "姓名,性别,身份证号\n".encode() + b"Jos\xe9,\x80\xff,1\n"
    [issue] = refused(read_roster_bytes, data, "roster.csv")
    assert issue.code == "file.encoding"
    assert "GBK" in issue.zh
    assert "neither UTF-8 nor GBK" in issue.en


def test_old_xls_and_misnamed_files_are_refused() -> None:
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    [issue] = refused(read_roster_bytes, ole2, "名单.xls")
    assert issue.code == "file.xls"
    assert ".xlsx" in issue.zh
    [issue] = refused(read_roster_bytes, csv_bytes(demo_lines()), "名单.xlsx")
    assert issue.code == "file.not_xlsx"
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    [issue] = refused(read_roster_bytes, other_zip.getvalue(), "名单.xlsx")
    assert issue.code == "file.xlsx"


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", "\ufeff".encode()])
def test_empty_files_are_refused(data: bytes) -> None:
    [issue] = refused(read_roster_bytes, data, "roster.csv")
    assert issue.code == "file.empty"


def test_a_header_without_rows_is_refused() -> None:
    [issue] = refused(read_roster_bytes, csv_bytes(demo_lines()[:1]), "roster.csv")
    assert issue.code == "file.no_rows"


# --- rows, headers and issues -------------------------------------------------------------------


def test_bad_rows_give_row_field_and_both_languages_and_no_result() -> None:
    lines = demo_lines()
    name, _, number, *rest = lines[4].split(",")
    wrong_sex = "男" if int(number[16]) % 2 == 0 else "女"
    lines[4] = ",".join([name, wrong_sex, number, *rest])  # spreadsheet row 5
    cells = lines[9].split(",")
    cells[2] = cells[2][:17] + ("0" if cells[2][17] != "0" else "1")  # row 10: check character
    lines[9] = ",".join(cells)
    for data, filename in (
        (csv_bytes(lines), "roster.csv"),
        (csv_bytes(lines, "gbk"), "roster.csv"),
        (xlsx_bytes(xlsx_roster(lines)), "roster.xlsx"),
    ):
        issues = refused(read_roster_bytes, data, filename)
        assert [(i.row, i.field) for i in issues] == [(5, "id_number"), (10, "id_number")]
        sex, check = issues
        assert sex.code == "id.sex"
        assert "性别" in sex.zh
        assert "gender" in sex.en
        assert check.zh
        assert check.en
        assert check.zh != check.en
        assert "第10行" in str(check)


def test_every_bad_row_is_reported_not_just_the_first() -> None:
    lines = [demo_lines()[0]] + [f"学生{i},男,{make_id(order=2)},,,,," for i in range(30)]
    issues = refused(read_roster_bytes, csv_bytes(lines), "roster.csv")
    assert [i.row for i in issues] == list(range(2, 32))
    assert {i.code for i in issues} == {"id.sex"}


def test_blank_rows_are_skipped_and_row_numbers_kept(demo_pupils: list[PupilRecord]) -> None:
    lines = demo_lines()
    lines = [lines[0], "", ",,,,,,,", *lines[1:3], "  ,  ", *lines[3:]]
    pupils = read_roster_bytes(csv_bytes(lines), "roster.csv")
    assert [p.row for p in pupils[:4]] == [4, 5, 7, 8]
    assert [p.id_number for p in pupils] == [p.id_number for p in demo_pupils]


def test_title_row_above_the_header_is_skipped(demo_pupils: list[PupilRecord]) -> None:
    lines = ["洮北区实验小学2024级新生名册", "", *demo_lines()]
    pupils = read_roster_bytes(csv_bytes(lines), "roster.csv")
    assert pupils[0].row == 4
    assert [p.id_number for p in pupils] == [p.id_number for p in demo_pupils]
    rows: list[list[object]] = [["洮北区实验小学2024级新生名册"], *xlsx_roster(demo_lines())]
    assert read_roster_bytes(xlsx_bytes(rows), "roster.xlsx")[0].row == 3


def test_missing_columns_are_reported_without_row_noise() -> None:
    lines = [line.rsplit(",", 6)[0] for line in demo_lines()]  # keeps 姓名, 性别
    issues = refused(read_roster_bytes, csv_bytes(lines), "roster.csv")
    assert codes(issues) == [(0, "id_number", "header.missing")]


def test_gbk_file_with_unreadable_headers_hints_at_the_encoding() -> None:
    data = "名字,性别,号码\n张三,男,1\n".encode("gbk")
    issues = refused(read_roster_bytes, data, "roster.csv")
    assert issues[-1].code == "file.encoding.hint"
    assert "CSV UTF-8" in issues[-1].zh


def test_only_the_first_worksheet_is_read(demo_pupils: list[PupilRecord]) -> None:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "填表说明"
    notes.append(["身份证号请设置为文本格式"])
    data_sheet = book.create_sheet("名单")
    for row in xlsx_roster(demo_lines()):
        data_sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    issues = refused(read_roster_bytes, buf.getvalue(), "roster.xlsx")
    assert issues[-1].code == "file.sheet.hint"
    assert "填表说明" in issues[-1].zh
    book.move_sheet("名单", offset=-1)
    buf = io.BytesIO()
    book.save(buf)
    assert read_table(buf.getvalue(), "roster.xlsx").sheet == "名单"
    assert read_roster_bytes(buf.getvalue(), "roster.xlsx") == demo_pupils


def test_columns_named_twice_are_refused() -> None:
    lines = demo_lines()
    lines = [lines[0] + ",姓名", *(line + ",同名" for line in lines[1:])]
    [issue] = refused(read_roster_bytes, csv_bytes(lines), "roster.csv")
    assert (issue.row, issue.field, issue.code) == (1, "name", "header.duplicate")
    assert "第I列" in issue.zh
    assert "第A列" in issue.zh
    assert "column I" in issue.en
    aliases = ["身份证号,证件号码", *(f"{make_id()},{make_id()}" for _ in range(2))]
    issues = refused(read_roster_bytes, csv_bytes(aliases), "roster.csv")
    assert ("id_number", "header.duplicate") in [(i.field, i.code) for i in issues]


def test_values_beyond_the_header_are_refused() -> None:
    lines = demo_lines()
    lines[3] += ",,备注"
    lines[6] += ",,,"  # trailing empty cells, as Excel writes them, are fine
    [issue] = refused(read_roster_bytes, csv_bytes(lines), "roster.csv")
    assert (issue.row, issue.code) == (4, "row.extra_cells")
    assert "J" in issue.zh
    assert "column H" in issue.en


def test_unknown_columns_are_ignored(demo_pupils: list[PupilRecord]) -> None:
    lines = demo_lines()
    lines = [lines[0] + ",家长电话", *(line + ",13800000000" for line in lines[1:])]
    assert read_roster_bytes(csv_bytes(lines), "roster.csv") == demo_pupils


def test_quoted_cells_with_commas_and_newlines() -> None:
    lines = [
        "姓名,性别,身份证号,特殊标记",
        f'"张三",男,{make_id(order=1)},"随迁子女,留守儿童"',
        f'李四,女,{make_id(order=2)},"随班就读\n留守儿童"',
        f"王五,男,{make_id(order=3)},",
    ]
    pupils = read_roster_bytes(csv_bytes(lines), "roster.csv")
    assert pupils[0].flags == ("留守儿童", "随迁子女")
    assert pupils[1].flags == ("留守儿童", "随班就读")
    assert [p.row for p in pupils] == [2, 3, 4]  # as Excel numbers the rows


# --- what Excel does to numbers -----------------------------------------------------------------


def test_id_number_stored_as_excel_number_is_refused_with_the_text_hint() -> None:
    rows = xlsx_roster(demo_lines()[:6])
    for row in rows[2:4]:
        row[2] = int(str(row[2]))  # Excel keeps this as a double: the last digits are lost
    issues = refused(read_roster_bytes, xlsx_bytes(rows), "roster.xlsx")
    # One message for the column, naming its rows, not one per cell.
    assert [(i.row, i.field, i.code) for i in issues] == [(3, "id_number", "column.number")]
    assert "文本" in issues[0].zh
    assert "C列" in issues[0].zh
    assert "第3、4行" in issues[0].zh
    assert "Text" in issues[0].en
    assert "15 digits" in issues[0].en
    assert "rows 3, 4" in issues[0].en


def test_a_whole_id_column_of_numbers_is_one_message() -> None:
    rows = xlsx_roster(demo_lines()[:92])
    for row in rows[1:]:
        row[2] = int(str(row[2])[:15])
    issues = refused(read_roster_bytes, xlsx_bytes(rows), "roster.xlsx")
    assert [i.code for i in issues] == ["column.number"]
    assert "91个单元格" in issues[0].zh
    assert "91 cells" in issues[0].en


def test_a_utf8_file_cut_inside_a_character_is_truncated() -> None:
    whole = csv_bytes(demo_lines()[:4]) + "张三".encode()  # the next row starts …
    for cut in (1, 2):
        data = whole[:-cut]  # … and the upload stops inside its last character
        assert data.decode("utf-8", "replace").endswith("\ufffd")
        for prefix in (b"", b"\xef\xbb\xbf"):
            [issue] = refused(read_roster_bytes, prefix + data, "roster.csv")
            assert issue.code == "file.truncated"
            assert "截断" in issue.zh
            assert "truncated" in issue.en


def test_any_number_in_the_id_column_is_refused() -> None:
    rows: list[list[object]] = [["姓名", "性别", "身份证号"], ["张三", "男", 12345]]
    [issue] = refused(read_roster_bytes, xlsx_bytes(rows), "roster.xlsx")
    assert issue.code == "cell.number"


def test_long_numbers_elsewhere_are_refused_short_ones_read_as_text() -> None:
    rows: list[list[object]] = [
        ["姓名", "性别", "身份证号", "学籍号", "双胞胎组", "双胞胎意愿"],
        ["张三", "男", make_id(order=1), 220802201801010011, 7, "同班"],
        ["李四", "女", make_id(order=2), "G1", 7.0, "同班"],
    ]
    [issue] = refused(read_roster_bytes, xlsx_bytes(rows), "roster.xlsx")
    assert (issue.row, issue.field, issue.code) == (2, "student_no", "cell.number")
    rows[1][3] = 2024001
    pupils = read_roster_bytes(xlsx_bytes(rows), "roster.xlsx")
    assert [(p.student_no, p.twin_group) for p in pupils] == [("2024001", "7"), ("G1", "7")]


def test_scientific_notation_in_csv_is_explained() -> None:
    lines = [demo_lines()[0], "张三,男,2.20802E+17,2018-01-01,,,,"]
    [issue] = refused(read_roster_bytes, csv_bytes(lines, "gbk"), "roster.csv")
    assert (issue.row, issue.field, issue.code) == (2, "id_number", "cell.scientific")
    assert "文本" in issue.zh
    assert "Text" in issue.en


def test_excel_dates_become_iso_dates() -> None:
    rows: list[list[object]] = [
        ["姓名", "性别", "身份证号", "出生日期"],
        ["张三", "男", make_id("20180101", 1), dt.datetime(2018, 1, 1)],  # noqa: DTZ001 - Excel has no zones,
        ["李四", "女", make_id("20180102", 2), dt.date(2018, 1, 2)],
        ["王五", "男", make_id("20180103", 3), dt.datetime(2018, 1, 3, 12, 30)],  # noqa: DTZ001,
    ]
    issues = refused(read_roster_bytes, xlsx_bytes(rows), "roster.xlsx")
    assert codes(issues) == [(4, "birth_date", "birth.invalid")]  # a time of day is not a date
    del rows[3]
    pupils = read_roster_bytes(xlsx_bytes(rows), "roster.xlsx")
    assert [p.birth_date for p in pupils] == [dt.date(2018, 1, 1), dt.date(2018, 1, 2)]


# --- the roster as a whole ----------------------------------------------------------------------


def test_whole_roster_validation_by_the_core(demo_pupils: list[PupilRecord]) -> None:
    read = functools.partial(read_roster_bytes, profile=TAOBEI, level=Level.PRIMARY)
    data = csv_bytes(demo_lines())
    assert read(data, "r.csv", class_count=9) == demo_pupils
    assert read(data, "r.csv") == demo_pupils  # without a class count, its checks are skipped
    issues = refused(read, data, "r.csv", class_count=8)
    assert codes(issues) == [(0, "", "classes.too_few")]

    lines = demo_lines()
    lines[5] = lines[2].replace(lines[2].split(",")[0], "替身")  # row 6 repeats row 3's ID
    lines[7] = "小妹,女,220802201809010026,,,,,"  # row 8: one day too young
    issues = refused(read, csv_bytes(lines), "r.csv")
    assert codes(issues) == [(6, "id_number", "id.duplicate"), (8, "birth_date", "birth.cutoff")]
    assert "第3行" in issues[0].zh


def test_row_issues_and_roster_issues_come_together() -> None:
    lines = demo_lines()
    lines[5] = lines[2]  # row 6 repeats row 3
    lines[9] = "," + lines[9].split(",", 1)[1]  # row 10 has no name
    issues = refused(
        read_roster_bytes, csv_bytes(lines), "r.csv", profile=TAOBEI, level=Level.PRIMARY
    )
    assert (10, "name", "name.empty") in codes(issues)
    assert (6, "id_number", "id.duplicate") in codes(issues)
    assert [i.row for i in issues] == sorted(i.row for i in issues)


def test_roster_issues_survive_alongside_each_other() -> None:
    lines = demo_lines()
    lines[5] = lines[2]  # row 6 repeats row 3
    lines[7] = ",".join([*lines[7].split(",")[:5], "孤", "同班", ""])  # row 8: a twin alone
    issues = refused(
        read_roster_bytes, csv_bytes(lines), "r.csv", profile=TAOBEI, level=Level.PRIMARY
    )
    assert codes(issues) == [(6, "id_number", "id.duplicate"), (8, "twin_group", "twin.alone")]


def test_profile_and_level_go_together() -> None:
    with pytest.raises(TypeError):
        read_roster_bytes(csv_bytes(demo_lines()), "r.csv", profile=TAOBEI)


# --- teacher teams ------------------------------------------------------------------------------


def test_demo_teams_are_read(demo_teams: list[Team]) -> None:
    assert [t.number for t in demo_teams] == list(range(1, 10))
    assert demo_teams[0].head_teacher == "林秀云"
    assert demo_teams[0].teachers[0].subject == "语文"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_demo_teams_round_trip_through_each_encoding(encoding: str, demo_teams: list[Team]) -> None:
    data = csv_bytes(demo_lines(TEAMS_CSV), encoding)
    assert read_teams_bytes(data, "teams.csv") == demo_teams


def test_demo_teams_round_trip_through_xlsx(demo_teams: list[Team], tmp_path: Path) -> None:
    lines = demo_lines(TEAMS_CSV)
    rows: list[list[object]] = [list[object](lines[0].split(","))]
    rows += [[int(n), *rest] for n, *rest in (line.split(",", 3) for line in lines[1:])]
    data = xlsx_bytes(rows)
    assert read_teams_bytes(data, "teams.xlsx") == demo_teams
    path = tmp_path / "teams.xlsx"
    path.write_bytes(data)
    assert read_teams(path) == demo_teams


def test_team_english_headers(demo_teams: list[Team]) -> None:
    lines = ["number,label,head_teacher,teachers", *demo_lines(TEAMS_CSV)[1:]]
    assert read_teams_bytes(csv_bytes(lines), "teams.csv") == demo_teams


def test_bad_team_rows_are_all_reported() -> None:
    lines = demo_lines(TEAMS_CSV)
    lines[2] = "x,2024级一年级（2）班,杜春梅,语文:杨春燕"
    lines[4] = "4,2024级一年级（4）班,,语文杨丽"
    issues = refused(read_teams_bytes, csv_bytes(lines), "teams.csv")
    assert codes(issues) == [
        (3, "number", "team.number"),
        (5, "head_teacher", "team.head"),
        (5, "teachers", "team.teachers"),
    ]
    assert all(i.zh and i.en for i in issues)


def test_team_numbers_and_labels_must_be_a_proper_filing() -> None:
    lines = demo_lines(TEAMS_CSV)
    lines[3] = lines[3].replace("3,", "2,", 1)  # row 4 repeats number 2, so 3 is missing
    lines[5] = lines[5].replace("（5）", "（1）")  # row 6 repeats row 2's label
    issues = refused(read_teams_bytes, csv_bytes(lines), "teams.csv")
    assert codes(issues) == [
        (0, "number", "team.number.gap"),
        (4, "number", "team.number.duplicate"),
        (6, "label", "team.label.duplicate"),
    ]
    assert "缺少班号3" in issues[0].zh
    assert "第3行" in issues[1].zh


def test_team_file_missing_columns() -> None:
    issues = refused(read_teams_bytes, csv_bytes(["班号,班级", "1,一班"]), "teams.csv")
    assert codes(issues) == [(0, "head_teacher", "header.missing")]
    issues = refused(read_teams_bytes, csv_bytes(["班号,班级,班主任"]), "teams.csv")
    assert codes(issues) == [(0, "", "file.no_rows")]


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 7, 25, 26, 27, 51, 52, 701, 702)] == [
        "A",
        "H",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]
