"""The balance report and the result document (spec §8).

Both are values derived from the placement and the public leaves, so a verifier
recomputes them and compares; the report never names a flag's meaning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from placement.canonical import TAG_RESULT, Json, canonical_json, tagged_hash
from placement.commitment import PublicLeaf
from placement.deal import ALGORITHM, Placement
from placement.roster import Sex
from placement.structure import structure

RESULT_TYPE = "sunshine-placement/v1/result"


@dataclass(frozen=True, slots=True)
class ClassBalance:
    number: int
    label: str
    size: int
    female: int
    male: int
    strata: tuple[tuple[str, int], ...]  # opaque code → pupils, every code listed
    units: int  # 同班 units placed here


@dataclass(frozen=True, slots=True)
class BalanceReport:
    classes: tuple[ClassBalance, ...]
    size_tolerance: int
    units_together: int
    apart_groups: int  # 分班 twin groups
    same_name_groups: int  # 重名 groups

    def spread(self) -> dict[str, int]:
        """max − min over classes for size, each sex and each stratum."""

        def sp(values: Sequence[int]) -> int:
            return max(values) - min(values) if values else 0

        out = {
            "size": sp([c.size for c in self.classes]),
            "female": sp([c.female for c in self.classes]),
            "male": sp([c.male for c in self.classes]),
        }
        codes = [code for code, _ in self.classes[0].strata] if self.classes else []
        for j, code in enumerate(codes):
            out["stratum:" + code] = sp([c.strata[j][1] for c in self.classes])
        return out

    def to_json(self) -> dict[str, Json]:
        return {
            "apart_groups": self.apart_groups,
            "classes": [
                {
                    "female": c.female,
                    "label": c.label,
                    "male": c.male,
                    "number": c.number,
                    "size": c.size,
                    "strata": dict(c.strata),
                    "units": c.units,
                }
                for c in self.classes
            ],
            "same_name_groups": self.same_name_groups,
            "size_tolerance": self.size_tolerance,
            "spread": dict(self.spread()),
            "units_together": self.units_together,
        }

    def table(self) -> str:
        """A plain text table for terminals and logs (Chinese / English headers)."""
        codes = [code for code, _ in self.classes[0].strata] if self.classes else []
        head = ["班级 class", "人数 size", "男 M", "女 F", *codes, "同班单元 units"]
        rows = [
            [c.label, str(c.size), str(c.male), str(c.female)]
            + [str(n) for _, n in c.strata]
            + [str(c.units)]
            for c in self.classes
        ]
        widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(len(head))]
        lines = [
            "  ".join(_pad(cell, w) for cell, w in zip(r, widths, strict=True))
            for r in [head, *rows]
        ]
        spread = ", ".join(f"{k} {v}" for k, v in self.spread().items())
        lines.append(f"极差 spread (max-min): {spread}")
        note = "（同班双胞胎所致）" if self.size_tolerance == 2 else ""
        lines.append(f"人数允许差 size tolerance: {self.size_tolerance}{note}")
        lines.append(
            f"同班单元 units kept together: {self.units_together}; 分班双胞胎组 twins apart: "
            f"{self.apart_groups}; 重名组 same-name groups apart: {self.same_name_groups}"
        )
        return "\n".join(lines)


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def balance_report(leaves: Sequence[PublicLeaf], placement: Placement) -> BalanceReport:
    k = len(placement.classes)
    st = placement.structure or structure(leaves, k)
    codes = sorted({leaf.stratum for leaf in leaves if leaf.stratum})
    unit_head = {u[0] for u in st.units}
    classes = []
    for c in placement.classes:
        ps = [leaves[i] for i in c.pupils]
        classes.append(
            ClassBalance(
                number=c.number,
                label=c.label,
                size=len(ps),
                female=sum(1 for p in ps if p.sex is Sex.FEMALE),
                male=sum(1 for p in ps if p.sex is Sex.MALE),
                strata=tuple((code, sum(1 for p in ps if p.stratum == code)) for code in codes),
                units=sum(1 for i in c.pupils if i in unit_head),
            )
        )
    apart_twins = len(st.apart) - len(st.same_name)
    return BalanceReport(
        classes=tuple(classes),
        size_tolerance=placement.size_tolerance,
        units_together=len(st.units),
        apart_groups=apart_twins,
        same_name_groups=len(st.same_name),
    )


def result_json(
    placement: Placement, announcement_digest: bytes, report: BalanceReport
) -> dict[str, Json]:
    return {
        "algorithm": ALGORITHM,
        "announcement": announcement_digest.hex(),
        "classes": [
            {
                "label": c.label,
                "number": c.number,
                "pupils": list(c.pupils),
                "team": c.team_leaf.hex(),
            }
            for c in placement.classes
        ],
        "final_seed": placement.final_seed.hex(),
        "report": report.to_json(),
        "size_tolerance": placement.size_tolerance,
        "t": RESULT_TYPE,
    }


def result_digest(doc: dict[str, Json]) -> bytes:
    return tagged_hash(TAG_RESULT, canonical_json(doc))
