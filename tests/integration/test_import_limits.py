"""Import limits (issue 11, point 8): files far beyond the largest plausible intake are
refused early with a clear bilingual message, through the staff page: never a 500,
nothing stored. Pathological files (10⁶ columns, 10⁶ rows, a zip bomb, an endless cell)
and hypothesis-made bytes alike."""

from __future__ import annotations

import gc
import io
import warnings
import zipfile

import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pagekit import ROSTER, created, text, upload
from servicekit import Service
from sqlmodel import select

from placement.errors import InvalidInput, Issue
from web.db.engine import reading
from web.db.models import Pupil
from web.service.intake_files import read_roster_bytes, read_teams_bytes
from web.service.roles import Role
from web.service.tables import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS, MAX_XLSX_UNZIPPED

HEADER = ROSTER.split(b"\n", 1)[0] + b"\n"


def _xlsx_with_sheet(sheet_data: bytes) -> bytes:
    """A real workbook whose first worksheet's rows are ``sheet_data`` (raw XML)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["x"])
    buf = io.BytesIO()
    wb.save(buf)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                head, _, rest = data.partition(b"<sheetData>")
                _, _, tail = rest.partition(b"</sheetData>")
                data = head + b"<sheetData>" + sheet_data + b"</sheetData>" + tail
            dst.writestr(info.filename, data)
    return out.getvalue()


def million_columns() -> bytes:
    return HEADER + b"a," * 10**6 + b"\n"


def million_rows() -> bytes:
    return _xlsx_with_sheet(b"<row><c><v>1</v></c></row>" * 10**6)


def zip_bomb() -> bytes:
    return _xlsx_with_sheet(b" " * (MAX_XLSX_UNZIPPED + 1))


def endless_cell() -> bytes:
    return HEADER + b"x" * (MAX_CELL_CHARS + 1) + b",\n"


def too_many_csv_rows() -> bytes:
    return HEADER + b"\n".join(ROSTER.split(b"\n")[1:3] * (MAX_ROWS // 2 + 1))


def wide_xlsx_row() -> bytes:
    cells = b"".join(b"<c><v>1</v></c>" for _ in range(MAX_COLUMNS + 1))
    return _xlsx_with_sheet(b"<row>" + cells + b"</row>")


PATHOLOGICAL = {
    "million_columns": (million_columns, "file.too_many_columns"),
    "million_rows": (million_rows, "file.too_many_rows"),
    "zip_bomb": (zip_bomb, "file.too_large"),
    "endless_cell": (endless_cell, "cell.too_long"),
    "too_many_csv_rows": (too_many_csv_rows, "file.too_many_rows"),
    "wide_xlsx_row": (wide_xlsx_row, "file.too_many_columns"),
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_files_are_refused_by_the_reader(name: str) -> None:
    make, code = PATHOLOGICAL[name]
    with pytest.raises(InvalidInput) as e:
        read_roster_bytes(make(), f"{name}.{'xlsx' if 'x' in name[:1] else 'csv'}")
    assert [i.code for i in e.value.issues] == [code]
    issue = e.value.issues[0]
    assert issue.zh
    assert issue.en


def test_pathological_uploads_are_clear_refusals_and_store_nothing(
    sqlite_service: Service,
) -> None:
    svc = sqlite_service
    c = svc.client(Role.ADMIN)
    iid = created(c, svc)
    # Werkzeug's test client spools the large request bodies it builds to temporary files
    # and leaves them to the garbage collector, which may run in the middle of the loop.
    with warnings.catch_warnings(action="ignore", category=ResourceWarning):
        for name, (make, _) in PATHOLOGICAL.items():
            r = upload(c, iid, "roster", make(), f"{name}.xlsx")
            assert r.status_code == 400, (name, r.status_code)
            page = text(r)
            assert "文件未导入" in page or "未导入" in page, name
            assert "Traceback" not in page
            del r
        gc.collect()
    with reading(svc.env.engine) as s:
        assert s.exec(select(Pupil).where(Pupil.intake_id == iid)).first() is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        st.binary(max_size=2048),
        st.text(max_size=512).map(lambda t: HEADER + t.encode("utf-8", "surrogatepass")),
        st.lists(st.lists(st.text(max_size=20), max_size=12), max_size=20).map(
            lambda rows: HEADER + "\n".join(",".join(r) for r in rows).encode("utf-8", "replace")
        ),
    ),
    name=st.sampled_from(["r.csv", "r.xlsx", "r.txt"]),
)
def test_fuzzed_files_are_read_or_refused_never_crash(data: bytes, name: str) -> None:
    """Any bytes: a roster, or InvalidInput with every issue in both languages."""
    for read in (read_roster_bytes, read_teams_bytes):
        issues: tuple[Issue, ...] = ()
        try:
            read(data, name)
        except InvalidInput as e:
            issues = e.issues or (Issue(0, "", "none", "", ""),)
        assert all(i.zh and i.en for i in issues)
