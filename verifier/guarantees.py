"""The balance guarantees of §6.6 and the report of §8, recounted from the signed result.

Written from the spec, not from the deal code: whatever the deal did, the signed
classes must place every pupil once, keep sizes within τ and the cap, keep girls,
boys and every stratum within one of each other, keep 同班 twins together and
分班 twins and identical names (重名) apart; and the published report must say
exactly what the classes hold.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from placement.canonical import Json
from placement.commitment import PublicLeaf
from verifier.checks import Catalogue, Passed, first, require
from verifier.documents import Result
from verifier.record import BundleRecord

checks: Catalogue[BundleRecord] = Catalogue()


def twin_groups(leaves: Sequence[PublicLeaf], wish: str) -> list[list[int]]:
    """Members (ascending leaf index) of each twin code whose wish is ``wish``."""
    by_code: dict[str, list[int]] = defaultdict(list)
    for i, x in enumerate(leaves):
        if x.twin and x.twin_wish.value == wish:
            by_code[x.twin].append(i)
    return [by_code[c] for c in sorted(by_code)]


def same_names(leaves: Sequence[PublicLeaf]) -> list[list[int]]:
    by_name: dict[str, list[int]] = defaultdict(list)
    for i, x in enumerate(leaves):
        by_name[x.name].append(i)
    return [m for _, m in sorted(by_name.items()) if len(m) > 1]


def _spread(values: list[int]) -> int:
    return max(values) - min(values) if values else 0


def guarantee_problems(
    leaves: Sequence[PublicLeaf], res: Result, cap: int, tolerance: int
) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    where: dict[int, int] = {}
    for c in res.classes:
        for i in c.pupils:
            if not 0 <= i < len(leaves) or i in where:
                problems.append(
                    (f"学生 {i} 不存在或被分配两次", f"pupil {i} is unknown or placed twice")
                )
            where[i] = c.number
    if problems:
        return problems  # the counts below need every index to name a pupil
    if len(where) != len(leaves):
        problems.append(("有学生未被分配", "some pupils are in no class"))
    sizes = [len(c.pupils) for c in res.classes]
    if _spread(sizes) > tolerance or max(sizes) > cap:
        problems.append(
            (
                f"各班人数相差超过 {tolerance} 或超过班额 {cap}",
                f"class sizes differ by more than {tolerance} or exceed the cap {cap}",
            )
        )
    sets = {"F": "女生", "M": "男生"} | {
        f"s:{x.stratum}": f"分层 {x.stratum}" for x in leaves if x.stratum
    }
    for key, zh in sorted(sets.items()):
        counts = [
            sum(1 for i in c.pupils if key in (leaves[i].sex.value, "s:" + leaves[i].stratum))
            for c in res.classes
        ]
        if _spread(counts) > 1:
            problems.append((f"各班{zh}人数相差超过 1", f"{key} counts differ by more than one"))
    problems += [
        (
            f"同班双胞胎 {leaves[u[0]].twin} 被分开",
            f"same-class twins {leaves[u[0]].twin} are split",
        )
        for u in twin_groups(leaves, "same")
        if len({where.get(i) for i in u}) != 1
    ]
    apart = twin_groups(leaves, "apart")
    for group in apart + same_names(leaves):
        if len({where.get(i) for i in group}) != len(group):
            what = leaves[group[0]].twin or leaves[group[0]].name
            problems.append((f"应分班的 {what} 在同一班", f"{what} must be in different classes"))
    return problems


@checks.check("draw.guarantees", "均衡保证（§6.6）", "balance guarantees (§6.6)")
def _guarantees(rec: BundleRecord) -> Passed:
    leaves, res, ann = rec.leaves(), rec.result(), rec.announcement()
    problems = guarantee_problems(leaves, res, ann.class_cap, ann.size_tolerance)
    if problems:
        raise first(problems)
    sizes = sorted(len(c.pupils) for c in res.classes)
    return Passed(
        f"每名学生恰在一个班；班额 {sizes[0]}–{sizes[-1]}（允许差 {ann.size_tolerance}）；"
        "性别与分层各班相差不超过 1；双胞胎与重名规则均满足",
        f"every pupil in one class; sizes {sizes[0]}–{sizes[-1]} (tolerance "
        f"{ann.size_tolerance}); sexes and strata within one; twin and same-name rules hold",
    )


def expected_report(leaves: Sequence[PublicLeaf], res: Result, tolerance: int) -> dict[str, Json]:
    codes = sorted({x.stratum for x in leaves if x.stratum})
    heads = {unit[0] for unit in twin_groups(leaves, "same") if len(unit) > 1}
    classes: list[Json] = []
    for c in res.classes:
        ps = [leaves[i] for i in c.pupils]
        strata: dict[str, Json] = {s: sum(1 for p in ps if p.stratum == s) for s in codes}
        classes.append(
            {
                "female": sum(1 for p in ps if p.sex.value == "F"),
                "label": c.label,
                "male": sum(1 for p in ps if p.sex.value == "M"),
                "number": c.number,
                "size": len(ps),
                "strata": strata,
                "units": sum(1 for i in c.pupils if i in heads),
            }
        )
    spread: dict[str, Json] = {
        "size": _spread([len(c.pupils) for c in res.classes]),
        "female": _spread(
            [sum(1 for i in c.pupils if leaves[i].sex.value == "F") for c in res.classes]
        ),
        "male": _spread(
            [sum(1 for i in c.pupils if leaves[i].sex.value == "M") for c in res.classes]
        ),
    }
    for s in codes:
        spread["stratum:" + s] = _spread(
            [sum(1 for i in c.pupils if leaves[i].stratum == s) for c in res.classes]
        )
    return {
        "apart_groups": len(twin_groups(leaves, "apart")),
        "classes": classes,
        "same_name_groups": len(same_names(leaves)),
        "size_tolerance": tolerance,
        "spread": spread,
        "units_together": len(heads),
    }


@checks.check("result.report", "均衡报告", "balance report")
def _report(rec: BundleRecord) -> Passed:
    leaves, res = rec.leaves(), rec.result()
    require(
        all(0 <= i < len(leaves) for c in res.classes for i in c.pupils),
        "结果中有不存在的学生",
        "the result names pupils that are not in the roster",
    )
    want = expected_report(leaves, res, res.size_tolerance)
    got = res.report
    problems = [
        (f"报告中“{k}”与各班名单不符", f"report {k!r} does not match the classes")
        for k in sorted(set(want) | set(got))
        if k != "classes" and want.get(k) != got.get(k)
    ]
    mine, theirs = want["classes"], got.get("classes")
    assert isinstance(mine, list)
    if not isinstance(theirs, list) or len(theirs) != len(mine):
        problems.append(("报告的班级数不符", "the report lists another number of classes"))
    else:
        problems += [
            (
                f"报告中第{a['number']}班的统计与名单不符",
                f"report figures of class {a['number']} do not match its list",
            )
            for a, b in zip(mine, theirs, strict=True)
            if isinstance(a, dict) and a != b
        ]
    if problems:
        raise first(problems)
    return Passed(
        "均衡报告的人数、性别、分层与同班单元统计均与各班名单相符",
        "the report's sizes, sexes, strata and unit counts match the class lists",
    )
