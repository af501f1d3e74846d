"""What a draw needs of a child beyond name, sex and ID (spec S5 ``pupil``): the flags it
spreads evenly over the classes and the twins' (multiples') link and wish.

Private like the ID number: in the salted record only, never on a receipt, a poster, a
notice or a public page. The derived draw roster (``web.service.season.roster``) carries
them into the draw's private archive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from placement.canonical import Json, nfc
from placement.errors import Issue
from placement.idcard import IdNumberError, parse_resident_id
from placement.roster import TwinWish

# The flags a draw spreads evenly over the classes (domain.md's pupil flags; 多胞胎 is
# the twin link below, 重名 the draw finds itself).
BALANCE_FLAGS: Final = ("随班就读", "留守儿童", "随迁子女")
_WISH = {"": TwinWish.NONE, "same": TwinWish.SAME, "同班": TwinWish.SAME}
_WISH |= {"apart": TwinWish.APART, "分班": TwinWish.APART}


@dataclass(frozen=True, slots=True)
class Pupil:
    """What the draw needs beyond name, sex and ID (spec S5 ``pupil``): private."""

    flags: tuple[str, ...] = ()  # sorted, of BALANCE_FLAGS
    twin_id: str = ""
    twin_wish: TwinWish = TwinWish.NONE

    def to_json(self) -> dict[str, Json]:
        twin: Json = None
        if self.twin_id:
            twin = {"id_number": self.twin_id, "wish": self.twin_wish.value}
        return {"flags": list(self.flags), "twin": twin}


NO_PUPIL: Final = Pupil()


def check_pupil(
    issues: list[Issue],
    row: int,
    flags_typed: Sequence[str],
    twin_id: str,
    twin_wish: str,
    *,
    own_id: str,
) -> Pupil:
    """The balancing flags and the twin link of a form, each problem named."""
    unknown = [f for f in flags_typed if nfc(f.strip()) not in BALANCE_FLAGS]
    if unknown:
        issues.append(
            Issue(
                row,
                "flags",
                "application.flags",
                f"特殊情况只能是 {'、'.join(BALANCE_FLAGS)}",
                "flags must be among 随班就读 (inclusion), 留守儿童 (left-behind), "
                "随迁子女 (migrant)",
            )
        )
    flags = tuple(sorted({nfc(f.strip()) for f in flags_typed} & set(BALANCE_FLAGS)))
    twin, wish = twin_id.strip().upper(), _WISH.get(twin_wish.strip())
    if wish is None:
        issues.append(
            Issue(
                row,
                "twin_wish",
                "twin.wish",
                "多胞胎意愿应为 同班 或 分班",
                "the twins' wish must be 同班 (same) or 分班 (apart)",
            )
        )
        wish = TwinWish.NONE
    if not twin:
        if wish is not TwinWish.NONE:
            issues.append(
                Issue(
                    row,
                    "twin_id",
                    "twin.group.missing",
                    "填写了多胞胎意愿，但没有同胞的身份证号",
                    "a twins' wish without the twin's ID number",
                )
            )
        return Pupil(flags)
    try:
        twin = parse_resident_id(twin).number
    except IdNumberError as e:
        issues.append(
            Issue(
                row, "twin_id", e.code, f"同胞的身份证号：{e.zh}", f"the twin's ID number: {e.en}"
            )
        )
        return Pupil(flags)
    if twin == own_id:
        issues.append(
            Issue(
                row,
                "twin_id",
                "twin.self",
                "同胞的身份证号不能是本人的",
                "the twin's ID number is the child's own",
            )
        )
    # kept together unless the parents ask otherwise (the domain's default)
    return Pupil(flags, twin, wish if wish is not TwinWish.NONE else TwinWish.SAME)


def pupil_from_json(raw: Json) -> Pupil:
    """A stored ``pupil`` (absent: none); the caller checks it re-serialises equal."""
    if raw is None:
        return NO_PUPIL
    assert isinstance(raw, dict)
    listed, twin = raw["flags"], raw["twin"]
    assert isinstance(listed, list)
    assert all(f in BALANCE_FLAGS for f in listed)
    # sorted and once each: a record listing them otherwise no longer re-serialises equal
    flags = tuple(sorted({str(f) for f in listed}))
    if twin is None:
        return Pupil(flags)
    assert isinstance(twin, dict)
    return Pupil(flags, str(twin["id_number"]), TwinWish(str(twin["wish"])))
