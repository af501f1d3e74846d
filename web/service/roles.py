"""Who may do what. Each staff route names the roles it admits; everything else is
refused (403), and a school operator only sees their own school."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # 教育局管理员: everything, users, overrides, amendments
    OPERATOR = "operator"  # 学校操作员: own school's intakes, imports and the ceremony
    SUPERVISOR = "supervisor"  # 监督员/见证人: witness inputs, projector, cosignature
    AUDITOR = "auditor"  # 审计员: read-only

    @property
    def zh(self) -> str:
        return {
            Role.ADMIN: "教育局管理员",
            Role.OPERATOR: "学校操作员",
            Role.SUPERVISOR: "监督员",
            Role.AUDITOR: "审计员（只读）",
        }[self]


STAFF = frozenset(Role)
