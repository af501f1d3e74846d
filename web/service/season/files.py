"""Season tables from CSV or XLSX files: catchment, plan, applications and decisions.

The first row names the columns (Chinese or English headers); every later row is one
item. Reading goes through ``web.service.tables`` (format detection, size limits).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from placement.errors import InvalidInput, Issue
from web.service.tables import read_table

HEADERS: Final[Mapping[str, str]] = {
    "学校": "school", "学段": "level", "状态": "status", "接收学校": "successor",
    "类型": "kind", "名称": "name", "区域": "name", "年级": "intake", "班数": "classes",
    "班额": "cap", "姓名": "name", "儿童姓名": "name", "性别": "sex", "身份证号": "id_number",
    "出生日期": "birth_date", "户籍地址": "address", "社区": "community",
    "所在社区": "community", "证明材料": "proof", "监护人": "guardian_name",
    "监护人姓名": "guardian_name", "监护人电话": "guardian_phone", "电话": "guardian_phone",
    "学籍号": "student_no", "毕业小学": "primary_school", "报名号": "number",
    "结果": "outcome", "规则": "rule", "理由": "reason", "审核人": "reviewer",
    "去向学校": "to_school", "所缺材料": "missing", "补交期限": "by", "审批人": "approved_by",
    "特殊情况": "flags", "特殊标记": "flags", "标记": "flags", "同胞身份证号": "twin_id",
    "多胞胎意愿": "twin_wish", "双胞胎意愿": "twin_wish",
}  # fmt: skip


def rows(data: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column key: text}) for every row after the header."""
    table = read_table(data, filename)
    if not table.rows:
        raise InvalidInput((Issue(0, "", "file.empty", "文件为空", "the file is empty"),))
    _, header = table.rows[0]
    keys = [HEADERS.get(str(h or "").strip(), str(h or "").strip()) for h in header]
    out = []
    for n, cells in table.rows[1:]:
        row = {k: "" if c is None else str(c).strip() for k, c in zip(keys, cells, strict=False)}
        out.append((n, row))
    return out
