"""The balance guarantees of §6.6 and the report of §8, recounted from the signed result.

Written from the spec, not from the deal code: whatever the deal did, the signed
classes must place every pupil once, keep sizes within τ and the cap, keep girls,
boys and every stratum within one of each other, keep 同班 twins together and
分班 twins and identical names (重名) apart; and the published report must say
exactly what the classes hold.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from placement.canonical import Json
from placement.commitment import PublicLeaf
from placement.roster import Sex
from verifier.checks import Catalogue, Passed, first, require
from verifier.documents import Result
from verifier.record import BundleRecord

checks: Catalogue[BundleRecord] = Catalogue()


def twin_groups(leaves: Sequence[PublicLeaf], wish: str) -> list[list[int]]:
    """Members (ascending leaf index) of each twin code whose wish is ``wish``."""
    return Groups.of(leaves).twins(wish)


def same_names(leaves: Sequence[PublicLeaf]) -> list[list[int]]:
    return Groups.of(leaves).same_names


@dataclass(frozen=True, slots=True)
class Groups:
    """Twin groups by wish and same-name groups, found in one pass over the leaves."""

    by_wish: dict[str, list[list[int]]]  # wish → members of each twin code, by code
    same_names: list[list[int]]  # members of each name held by two or more, by name

    @classmethod
    def of(cls, leaves: Sequence[PublicLeaf]) -> Groups:
        by_code: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, x in enumerate(leaves):
            if x.twin:
                by_code[(x.twin_wish.value, x.twin)].append(i)
        by_wish: dict[str, list[list[int]]] = defaultdict(list)
        for (wish, _), members in sorted(by_code.items(), key=lambda kv: kv[0][1]):
            by_wish[wish].append(members)
        # v1: the names; v2: the same-name codes, None for a name nobody else has (§20.2)
        names = [x.name_key() for x in leaves]
        repeated = {name for name, n in Counter(names).items() if n > 1 and name is not None}
        by_name: dict[str | None, list[int]] = {name: [] for name in sorted(repeated)}
        if repeated:
            for i, name in enumerate(names):
                if name in repeated:
                    by_name[name].append(i)
        return cls(dict(by_wish), list(by_name.values()))

    def twins(self, wish: str) -> list[list[int]]:
        return self.by_wish.get(wish, [])


@dataclass(frozen=True, slots=True)
class Tally:
    """Pupils of each class (in result order) per sex and per stratum code, counted once:
    each leaf gets one (sex, stratum) kind, and each class's kinds are counted together."""

    female: list[int]
    male: list[int]
    strata: dict[str, list[int]]  # every stratum code of the leaves, sorted

    @classmethod
    def of(cls, leaves: Sequence[PublicLeaf], res: Result) -> Tally:
        """Call only when every index of ``res`` names a leaf."""
        kinds: dict[tuple[Sex, str], int] = {}
        kind_of = [kinds.setdefault((x.sex, x.stratum), len(kinds)) for x in leaves]
        named = list(kinds)
        n = len(res.classes)
        female, male = [0] * n, [0] * n
        strata = {code: [0] * n for code in sorted({code for _, code in kinds if code})}
        for j, c in enumerate(res.classes):
            for kind, count in Counter(map(kind_of.__getitem__, c.pupils)).items():
                sex, code = named[kind]
                if sex is Sex.FEMALE:
                    female[j] += count
                elif sex is Sex.MALE:
                    male[j] += count
                if code:
                    strata[code][j] += count
        return cls(female, male, strata)


def _spread(values: list[int]) -> int:
    return max(values) - min(values) if values else 0


def guarantee_problems(
    leaves: Sequence[PublicLeaf],
    res: Result,
    cap: int,
    tolerance: int,
    *,
    groups: Groups | None = None,
    tally: Callable[[], Tally] | None = None,
) -> list[tuple[str, str]]:
    """``groups`` and ``tally`` (called once every index is known to be valid) share
    what other checks count too; by default they are computed here."""
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
    counted = Tally.of(leaves, res) if tally is None else tally()
    sets: dict[str, tuple[str, list[int]]] = {
        "F": ("女生", counted.female),
        "M": ("男生", counted.male),
    } | {f"s:{code}": (f"分层 {code}", counts) for code, counts in counted.strata.items()}
    for key, (zh, counts) in sorted(sets.items()):
        if _spread(counts) > 1:
            problems.append((f"各班{zh}人数相差超过 1", f"{key} counts differ by more than one"))
    found = Groups.of(leaves) if groups is None else groups
    problems += [
        (
            f"同班双胞胎 {leaves[u[0]].twin} 被分开",
            f"same-class twins {leaves[u[0]].twin} are split",
        )
        for u in found.twins("same")
        if len({where.get(i) for i in u}) != 1
    ]
    apart = found.twins("apart")
    for group in apart + found.same_names:
        if len({where.get(i) for i in group}) != len(group):
            what = leaves[group[0]].twin or leaves[group[0]].name_key()
            problems.append((f"应分班的 {what} 在同一班", f"{what} must be in different classes"))
    return problems


def _groups(rec: BundleRecord) -> Groups:
    leaves = rec.leaves()
    return rec.once("guarantees.groups", lambda: Groups.of(leaves))


def _tally(rec: BundleRecord) -> Callable[[], Tally]:
    """The shared tally, for a check that has made sure every index names a leaf."""
    leaves, res = rec.leaves(), rec.result()
    return lambda: rec.once("guarantees.tally", lambda: Tally.of(leaves, res))


@checks.check("draw.guarantees", "均衡保证（§6.6）", "balance guarantees (§6.6)")
def _guarantees(rec: BundleRecord) -> Passed:
    leaves, res, ann = rec.leaves(), rec.result(), rec.announcement()
    problems = guarantee_problems(
        leaves, res, ann.class_cap, ann.size_tolerance, groups=_groups(rec), tally=_tally(rec)
    )
    if problems:
        raise first(problems)
    sizes = sorted(len(c.pupils) for c in res.classes)
    return Passed(
        f"每名学生恰在一个班；班额 {sizes[0]}–{sizes[-1]}（允许差 {ann.size_tolerance}）；"
        "性别与分层各班相差不超过 1；双胞胎与重名规则均满足",
        f"every pupil in one class; sizes {sizes[0]}–{sizes[-1]} (tolerance "
        f"{ann.size_tolerance}); sexes and strata within one; twin and same-name rules hold",
    )


def expected_report(
    leaves: Sequence[PublicLeaf],
    res: Result,
    tolerance: int,
    *,
    groups: Groups | None = None,
    tally: Tally | None = None,
) -> dict[str, Json]:
    """Every index of ``res`` must name a leaf; ``groups`` and ``tally`` default to
    being computed here."""
    found = Groups.of(leaves) if groups is None else groups
    counted = Tally.of(leaves, res) if tally is None else tally
    heads = {unit[0] for unit in found.twins("same") if len(unit) > 1}
    classes: list[Json] = []
    for j, c in enumerate(res.classes):
        strata: dict[str, Json] = {s: counts[j] for s, counts in counted.strata.items()}
        classes.append(
            {
                "female": counted.female[j],
                "label": c.label,
                "male": counted.male[j],
                "number": c.number,
                "size": len(c.pupils),
                "strata": strata,
                "units": sum(map(heads.__contains__, c.pupils)) if heads else 0,
            }
        )
    spread: dict[str, Json] = {
        "size": _spread([len(c.pupils) for c in res.classes]),
        "female": _spread(counted.female),
        "male": _spread(counted.male),
    }
    for s, counts in counted.strata.items():
        spread["stratum:" + s] = _spread(counts)
    return {
        "apart_groups": len(found.twins("apart")),
        "classes": classes,
        "same_name_groups": len(found.same_names),
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
    want = expected_report(
        leaves, res, res.size_tolerance, groups=_groups(rec), tally=_tally(rec)()
    )
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
