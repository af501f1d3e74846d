"""How an uploaded roster or team file becomes rows of text.

* **Format** by content first, then name: a zip is an XLSX workbook (read with openpyxl in
  read-only mode, first worksheet); an OLE2 file is an old ``.xls`` or a password-protected
  workbook and is refused; anything else is CSV text.
* **Encoding** of CSV: a UTF-8 byte-order mark means UTF-8 (what Excel's "CSV UTF-8" writes);
  else strict UTF-8; else GB18030, a superset of GBK (what Excel's plain "CSV" writes on a
  Chinese Windows). UTF-16/UTF-32 and bytes that fit neither are refused.
* **Cells** of XLSX: text as is; whole numbers without ``.0``; Excel dates as ``YYYY-MM-DD``.
  An ID number stored as a number is refused: Excel keeps 15 significant digits, so the last
  digits are already lost and the operator must format the column as Text and re-enter them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from placement.errors import InvalidInput, Issue

# Limits from the policy's largest plausible intake: one school's intake of one year. The
# policy caps a class at 45 (primary) or 50 (middle) pupils; the largest schools in the country
# run about 40 classes a year (2 000 pupils). 10 000 rows is five times that, so no real roster
# meets a limit, and every file beyond one is refused before its cost grows with it.
MAX_ROWS: Final = 10_000  # rows of the file (blank rows and titles included)
MAX_COLUMNS: Final = 64  # a roster has about 10 columns; a school's own sheet adds a few
MAX_CELL_CHARS: Final = 1_000  # the longest field kept is 200 characters (flags)
MAX_LINE_CHARS: Final = MAX_COLUMNS * 200  # a CSV line longer than this is not a roster row
MAX_FILE_BYTES: Final = 8 * 1024 * 1024  # 10 000 rows of CSV are about 1.2 MB
MAX_XLSX_UNZIPPED: Final = 64 * 1024 * 1024  # 10 000 rows × 64 cells of XML, and zip bombs
_ROW_TAG: Final = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")  # <row …> or <x:row …>


FORMAT_XLSX: Final = "xlsx"


FORMAT_UTF8: Final = "csv/utf-8"


FORMAT_UTF8_BOM: Final = "csv/utf-8-sig"


FORMAT_GB18030: Final = "csv/gb18030"


_ZIP_MAGIC: Final = b"PK\x03\x04"


_OLE2_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


_UTF8_BOM: Final = b"\xef\xbb\xbf"


_WIDE_BOMS: Final = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


_XLSX_SUFFIXES: Final = frozenset({".xlsx", ".xlsm", ".xls", ".et"})


Cell = str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None


@dataclass(frozen=True, slots=True)
class Table:
    """A file's rows as the spreadsheet shows them, before any field is interpreted.

    ``rows`` holds (1-based row number, cells); blank rows are left out. ``format`` is one of
    the ``FORMAT_*`` names (for the service to show what was detected).
    """

    format: str
    rows: tuple[tuple[int, tuple[Cell, ...]], ...]
    sheet: str = ""  # XLSX: the worksheet read (the first) …
    sheet_count: int = 0  # … of this many


def _refuse(code: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput((Issue(0, "", code, zh, en),))


def _too_many_rows() -> InvalidInput:
    return _refuse(
        "file.too_many_rows",
        f"文件超过{MAX_ROWS:,}行，不像一所学校一个年级的名单；请分校、分年级导入",
        f"the file has more than {MAX_ROWS:,} rows, more than one school's intake; "
        "import one school and year at a time",
    )


def _too_many_columns(row: int) -> InvalidInput:
    return InvalidInput(
        (
            Issue(
                row,
                "",
                "file.too_many_columns",
                f"第{row}行超过{MAX_COLUMNS}列；请删去名单以外的列后再导入",
                f"row {row} has more than {MAX_COLUMNS} columns; "
                "delete the columns that are not part of the roster",
            ),
        )
    )


def _cell_too_long(row: int, col: int) -> InvalidInput:
    where = f"{column_letter(col)}{row}"
    return InvalidInput(
        (
            Issue(
                row,
                "",
                "cell.too_long",
                f"单元格{where}超过{MAX_CELL_CHARS}个字符，不是名单内容",
                f"cell {where} is longer than {MAX_CELL_CHARS} characters; it is not roster data",
            ),
        )
    )


def _check_row(row: int, cells: tuple[Cell, ...]) -> tuple[Cell, ...]:
    """A row within the limits, trailing empty cells dropped; else refused."""
    end = len(cells)
    while end and (cells[end - 1] is None or cells[end - 1] == ""):
        end -= 1
    if end > MAX_COLUMNS:
        raise _too_many_columns(row)
    for i in range(end):
        value = cells[i]
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            raise _cell_too_long(row, i)
    return cells[:end]


def column_letter(index: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA": the column names Excel shows."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def read_table(data: bytes, filename: str) -> Table:
    """Detect the format and read every non-blank row; raise ``InvalidInput`` if unreadable."""
    if len(data) > MAX_FILE_BYTES:
        raise _refuse(
            "file.too_large",
            f"文件超过{MAX_FILE_BYTES // 2**20} MB，请分校导入",
            f"the file is larger than {MAX_FILE_BYTES // 2**20} MB; import one school at a time",
        )
    if not data.strip():
        raise _refuse("file.empty", "文件为空", "the file is empty")
    suffix = Path(filename).suffix.lower()
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data)
    if data.startswith(_OLE2_MAGIC):
        raise _refuse(
            "file.xls",
            "这是旧版Excel（.xls）或加了密码的工作簿，无法读取；"
            "请在Excel中“另存为”Excel工作簿（.xlsx）或CSV UTF-8，并取消密码",
            "this is an old Excel .xls file or a password-protected workbook; "
            "save it as an Excel workbook (.xlsx) or as CSV UTF-8, without a password",
        )
    if suffix in _XLSX_SUFFIXES:
        raise _refuse(
            "file.not_xlsx",
            f"文件扩展名为{suffix}，但内容不是Excel工作簿",
            f"the file is named {suffix} but is not an Excel workbook",
        )
    return _read_csv(data)


def _truncated(data: bytes, error: UnicodeDecodeError) -> InvalidInput | None:
    """A UTF-8 file cut inside its last character (an upload or a copy that stopped early):
    everything before the cut is UTF-8 with Chinese in it, and only the end is incomplete."""
    if error.reason != "unexpected end of data" or error.end != len(data):
        return None
    try:
        head = data[: error.start].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if head.isascii():
        return None  # no sign that the file is UTF-8 rather than GBK
    return _refuse(
        "file.truncated",
        "文件不完整：最后一个字在中途被截断（上传或复制未完成）；请重新导出或重新上传完整的文件",
        "the file is truncated: it ends in the middle of a character (an upload or copy "
        "that stopped early); export or upload the whole file again",
    )


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(_UTF8_BOM):
        try:
            return data[len(_UTF8_BOM) :].decode("utf-8"), FORMAT_UTF8_BOM
        except UnicodeDecodeError as e:
            if (cut := _truncated(data[len(_UTF8_BOM) :], e)) is not None:
                raise cut from e
            # a BOM followed by something else: refused below
    elif data.startswith(_WIDE_BOMS) or b"\x00" in data:
        raise _refuse(
            "file.encoding",
            "文件是UTF-16/UTF-32编码（Excel的“Unicode文本”）或二进制文件，无法读取；"
            "请在Excel中“另存为”CSV UTF-8（逗号分隔）或Excel工作簿（.xlsx）",
            "the file is UTF-16/UTF-32 (Excel's 'Unicode Text') or binary; "
            "save it as CSV UTF-8 (comma delimited) or as an Excel workbook (.xlsx)",
        )
    else:
        try:
            return data.decode("utf-8"), FORMAT_UTF8
        except UnicodeDecodeError as e:
            if (cut := _truncated(data, e)) is not None:
                raise cut from e
        try:
            return data.decode("gb18030"), FORMAT_GB18030
        except UnicodeDecodeError:
            pass
    raise _refuse(
        "file.encoding",
        "文件编码无法识别（既不是UTF-8也不是GBK/GB18030）；"
        "请在Excel中“另存为”CSV UTF-8（逗号分隔）或Excel工作簿（.xlsx）",
        "the file's encoding is neither UTF-8 nor GBK/GB18030; "
        "save it as CSV UTF-8 (comma delimited) or as an Excel workbook (.xlsx)",
    )


def _read_csv(data: bytes) -> Table:
    text, fmt = _decode(data)
    lines = text.splitlines()
    if len(lines) > MAX_ROWS:
        raise _too_many_rows()
    for row, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:  # checked before the CSV parser splits it
            raise _too_many_columns(row)
    sample = text[:8192]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","  # Excel's "Text (Tab)"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, tuple[Cell, ...]]] = []
    n = 0
    try:
        for n, raw in enumerate(reader, start=1):
            cells = _check_row(n, tuple(raw))
            if any(str(cell).strip() for cell in cells):
                rows.append((n, cells))
    except csv.Error as e:
        raise InvalidInput(
            (
                Issue(
                    n + 1,
                    "",
                    "file.csv",
                    f"第{n + 1}行CSV格式有误（{_csv_problem(e)}）",
                    f"row {n + 1} is not valid CSV ({e})",
                ),
            )
        ) from e
    return Table(fmt, tuple(rows))


def _csv_problem(e: csv.Error) -> str:
    """The csv module's reason in Chinese words (its own text stays in the English)."""
    text = str(e)
    if "field limit" in text:
        return "有一格内容过长"
    if "NUL" in text:
        return "含有空字符"
    return "引号不成对，或引号外有换行"


def _read_xlsx(data: bytes) -> Table:
    unreadable = _refuse(
        "file.xlsx",
        "无法读取这个Excel工作簿；请在Excel中“另存为”Excel工作簿（.xlsx）或CSV UTF-8",
        "this Excel workbook cannot be read; save it again as an Excel workbook (.xlsx) "
        "or as CSV UTF-8",
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            # What each member declares is all zipfile will ever inflate, so the sum bounds
            # the work (a zip bomb declares its size or is cut off at what it declares).
            if sum(info.file_size for info in infos) > MAX_XLSX_UNZIPPED:
                raise _refuse(
                    "file.too_large",
                    f"Excel工作簿解压后超过{MAX_XLSX_UNZIPPED // 2**20} MB，"
                    "不像一所学校的名单；请分校导入或另存为CSV",
                    f"the workbook unpacks to more than {MAX_XLSX_UNZIPPED // 2**20} MB, more "
                    "than one school's roster; import one school at a time or use CSV",
                )
            for info in infos:
                if info.filename.startswith("xl/worksheets/") and _rows_over(z, info):
                    raise _too_many_rows()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as e:
        raise unreadable from e
    import openpyxl  # type: ignore[import-untyped, unused-ignore]  # noqa: PLC0415 - optional

    rows: list[tuple[int, tuple[Cell, ...]]] = []
    title, count = "", 0
    try:
        # Workbooks from Excel and WPS carry styles and extensions openpyxl warns about.
        with warnings.catch_warnings(action="ignore", category=UserWarning):
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                title, count = str(sheet.title), len(book.worksheets)
                sheet.reset_dimensions()  # the stored dimension may be missing or too small
                for n, raw in enumerate(sheet.iter_rows(values_only=True), start=1):
                    if n > MAX_ROWS:
                        raise _too_many_rows()
                    cells = _check_row(n, tuple(raw))
                    if any(v is not None and (not isinstance(v, str) or v.strip()) for v in cells):
                        rows.append((n, cells))
            finally:
                book.close()
    except InvalidInput:
        raise
    except Exception as e:  # any failure inside a foreign file means "unreadable"
        raise unreadable from e
    return Table(FORMAT_XLSX, tuple(rows), title, count)


def _rows_over(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether a worksheet holds more than ``MAX_ROWS`` rows, counted in its XML as it
    inflates (a megabyte at a time), before openpyxl parses a row of it."""
    count, tail = 0, b""
    with z.open(info) as f:
        while chunk := f.read(1 << 20):
            data = tail + chunk
            count += len(_ROW_TAG.findall(data))
            if count > MAX_ROWS:
                return True
            cut = max(0, len(data) - 32)  # a tag cut at the chunk's end is counted next time
            count -= len(_ROW_TAG.findall(data, cut))
            tail = data[cut:]
    return count + len(_ROW_TAG.findall(tail)) > MAX_ROWS


def _number_issue(row: int, field: str, label: str, col: str) -> Issue:
    return Issue(
        row,
        field,
        "cell.number",
        f"“{label}”（{col}{row}）被Excel存成了数字，只保留15位有效数字，末尾几位已丢失；"
        "请把这一列设置为“文本”格式，再重新录入",
        f"'{label}' ({col}{row}) is stored as an Excel number, which keeps only 15 digits, "
        "so the last digits are lost; format the column as Text and re-enter the values",
    )


def _text(value: Cell) -> str:
    """A cell as the operator sees it: whole numbers without ".0", dates as YYYY-MM-DD."""
    if isinstance(value, str):
        return value
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, dt.datetime):
        midnight = value.time() == dt.time()
        text = value.date().isoformat() if midnight else value.isoformat(sep=" ")
    elif isinstance(value, dt.date | dt.time):
        text = value.isoformat()
    else:  # int, other floats, durations
        text = str(value)
    return text
