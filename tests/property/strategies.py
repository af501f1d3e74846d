"""Hypothesis strategies for rosters, teams and seeds (shared by the property tests).

Imported as a plain module (``from strategies import ...``): ``tests/property`` is on
pytest's ``pythonpath`` (pyproject.toml), as every test folder with helpers is.

Two flavours of roster:

* ``rosters()`` — realistic: mostly feasible, natural 重名 from a small name pool,
  a few twin/triplet groups wishing 同班 or 分班, zero to four strata, a cap at or
  a little above the average class size.
* ``rosters(adversarial=True)`` — the same plus the corners: caps below the
  average, one sex only, many strata, twins that share a name inside a 同班 unit,
  more namesakes than classes, large 分班 groups, tiny k.

Everything is built from drawn integers, so hypothesis shrinks rosters sensibly
(fewer pupils, fewer twins, fewer strata, smaller k).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

from placement.commitment import PublicLeaf
from placement.merkle import leaf_hash
from placement.roster import Sex, TwinWish
from placement.teams import Teacher, Team, TeamCommitment, commit_teams

MAX_N = 120
MAX_K = 12

# Surnames (one and two characters) and characters for given names; the pool of
# full names is large, so 重名 comes mostly from the forced copies below, as in a
# real intake (a few namesakes in a few hundred pupils).
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "欧阳", "司马")
GIVEN_CHARS = "浩宇欣怡一诺子轩梓涵雨泽思彤博文诗琪奕可冉悦清妍俊熙佳嘉"
# A few names so common that hypothesis' small examples hit them too.
COMMON = ("王浩宇", "张欣怡", "李一诺", "刘子轩")
TEACHERS = ("林秀云", "杜春梅", "赵海涛", "赵琳", "陈磊", "马媛媛", "张雅楠", "韩文博")
SUBJECTS = ("语文", "数学", "英语", "道德与法治", "体育", "音乐", "美术")

seeds = st.binary(min_size=32, max_size=32)
Row = tuple[str, Sex, str, str, TwinWish]  # name, sex, stratum, twin code, wish


@dataclass(frozen=True)
class Case:
    """One deal input: public leaves (with their hashes), class count and cap."""

    leaves: tuple[PublicLeaf, ...]
    leaf_hashes: tuple[bytes, ...]
    k: int
    cap: int

    @property
    def n(self) -> int:
        return len(self.leaves)

    def __repr__(self) -> str:  # readable falsifying examples
        rows = [
            f"{leaf.name}/{leaf.sex.value}/{leaf.stratum or '-'}/"
            f"{leaf.twin or '-'}{':' + leaf.twin_wish.value if leaf.twin else ''}"
            for leaf in self.leaves
        ]
        return f"Case(n={self.n}, k={self.k}, cap={self.cap}, leaves=[{', '.join(rows)}])"


def private_of(i: int, salt: int) -> bytes:
    """A stand-in for the salted private commitment: distinct per pupil."""
    return hashlib.sha256(f"private {salt} {i}".encode()).digest()


def make_case(rows: Sequence[Row], k: int, cap: int, salt: int = 0) -> Case:
    """Build a case from (name, sex, stratum, twin, wish) rows."""
    leaves = tuple(
        PublicLeaf(name, sex, stratum, twin, wish, private_of(i, salt))
        for i, (name, sex, stratum, twin, wish) in enumerate(rows)
    )
    return Case(leaves, tuple(leaf_hash(leaf.entry()) for leaf in leaves), k, cap)


@dataclass
class _People:
    """Per-pupil attributes from a seeded Random: hypothesis' own integers lean
    towards their bounds, which would make every pupil a boy named 王浩宇."""

    rng: random.Random
    strata: list[str]
    flagged: int  # percent of pupils with a stratum code
    boys: int  # percent of boys

    def sex(self) -> Sex:
        return Sex.MALE if self.rng.randrange(100) < self.boys else Sex.FEMALE

    def stratum(self) -> str:
        if self.strata and self.rng.randrange(100) < self.flagged:
            return self.rng.choice(self.strata)
        return ""

    def given(self, length: int) -> str:
        return "".join(self.rng.choice(GIVEN_CHARS) for _ in range(length))

    def name(self) -> str:
        if self.rng.randrange(100) < 3:
            return self.rng.choice(COMMON)
        return self.rng.choice(SURNAMES) + self.given(self.rng.choice((1, 2, 2, 2)))

    def twins(self, code: str, size: int, wish: TwinWish, *, one_name: bool) -> list[Row]:
        """Twins share a surname and usually a stratum; ``one_name`` gives them one
        full name (a contradiction when they wish 同班)."""
        surname = self.rng.choice(SURNAMES)
        shared = self.stratum()
        names = [self.given(2)] * size if one_name else []
        while len(set(names)) < size:  # families do not give twins one name
            names = [self.given(2) for _ in range(size)]
        rows = []
        for g in names:
            stratum = shared if self.rng.randrange(10) else self.stratum()
            rows.append((surname + g, self.sex(), stratum, code, wish))
        return rows


@st.composite
def rosters(
    draw: st.DrawFn,
    *,
    min_n: int = 1,
    max_n: int = MAX_N,
    min_k: int = 1,
    max_k: int = MAX_K,
    adversarial: bool = False,
    twin_heavy: bool = False,
) -> Case:
    """A roster; ``twin_heavy`` makes most pupils twins or triplets wishing 同班
    (tiny rosters where units force a size tolerance of 2 are found this way)."""
    k = draw(st.integers(min_k, max_k))
    n = draw(st.integers(min_n, max_n))
    odd = adversarial and not twin_heavy
    people = _People(
        rng=draw(st.randoms(use_true_random=True)),
        strata=[f"s{j}" for j in range(1, draw(st.integers(0, 4)) + 1)],
        flagged=draw(st.sampled_from((10, 25, 60) if adversarial else (5, 10, 20))),
        boys=draw(st.sampled_from((0, 20, 50, 52, 80, 100) if odd else (50, 52))),
    )
    rows: list[Row] = []
    most = n // 2 if twin_heavy else min(4, n // 2)
    for t in range(1, draw(st.integers(min(1, most) if twin_heavy else 0, most)) + 1):
        size = draw(st.integers(2, 3))
        if len(rows) + size > n:
            break
        wish = TwinWish.SAME if twin_heavy else draw(st.sampled_from(list(TwinWish)[1:]))
        rows += people.twins(f"t{t}", size, wish, one_name=odd and draw(st.booleans()))
    while len(rows) < n:
        rows.append((people.name(), people.sex(), people.stratum(), "", TwinWish.NONE))
    # Forced 重名: copy some names onto other pupils (twins included).
    for _ in range(draw(st.integers(0, 0 if twin_heavy else 3 if adversarial else 2))):
        src, dst = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        rows[dst] = (rows[src][0], *rows[dst][1:])
    people.rng.shuffle(rows)
    per = -(-n // k)  # the average class size, rounded up
    if twin_heavy:
        cap = per + draw(st.integers(1, 2))
    elif adversarial:
        cap = max(1, per + draw(st.integers(-1, 2)))
    else:
        cap = per + draw(st.sampled_from((0, 1, 3)))
    return make_case(rows, k, cap, salt=people.rng.randrange(2**32))


def team_list(k: int, salt: int = 0) -> list[Team]:
    """k filed teams numbered 1..k with distinct labels and a few teachers each."""
    return [
        Team(
            number=i,
            label=f"2024级一年级（{i}）班",
            head_teacher=TEACHERS[(i + salt) % len(TEACHERS)],
            teachers=tuple(
                Teacher(subj, TEACHERS[(i * 3 + j + salt) % len(TEACHERS)])
                for j, subj in enumerate(SUBJECTS[: 2 + (i + salt) % 4])
            ),
        )
        for i in range(1, k + 1)
    ]


def teams(k: int) -> st.SearchStrategy[TeamCommitment]:
    return st.integers(0, 2**16).map(lambda salt: commit_teams(team_list(k, salt)))


def derived_seed(*parts: object) -> bytes:
    """A reproducible 32-byte seed from a label and a counter (no OS randomness)."""
    return hashlib.sha256(" ".join(map(str, parts)).encode()).digest()


# --- An oracle written from the rules, independent of placement.structure --------


def rule_groups(
    leaves: Sequence[PublicLeaf],
) -> tuple[list[list[int]], list[list[int]]]:
    """(同班 units of two or more, groups that must be in distinct classes)."""
    twins: dict[str, list[int]] = {}
    names: dict[str, list[int]] = {}
    for i, leaf in enumerate(leaves):
        if leaf.twin:
            twins.setdefault(leaf.twin, []).append(i)
        names.setdefault(leaf.name, []).append(i)
    units = [m for m in twins.values() if len(m) > 1 and leaves[m[0]].twin_wish is TwinWish.SAME]
    apart = [m for m in twins.values() if leaves[m[0]].twin_wish is TwinWish.APART]
    apart += [m for m in names.values() if len(m) > 1]
    return units, apart


def widened_strata(leaves: Sequence[PublicLeaf], tolerance: int) -> set[str]:
    """Spec §6.3, written independently: with τ = 2, every stratum in which one 同班
    unit has two or more members may spread by τ."""
    if tolerance == 1:
        return set()
    units, _ = rule_groups(leaves)
    out = set()
    for unit in units:
        codes = [leaves[i].stratum for i in unit if leaves[i].stratum]
        out |= {"s:" + c for c in codes if codes.count(c) > 1}
    return out


def broken_rules(
    leaves: Sequence[PublicLeaf], groups: Sequence[Sequence[int]], cap: int, tolerance: int
) -> list[str]:
    """Every promise of the deal that ``groups`` breaks (empty when all hold)."""
    out: list[str] = []
    flat = sorted(i for g in groups for i in g)
    if flat != list(range(len(leaves))):
        return ["not every pupil placed exactly once"]
    sizes = [len(g) for g in groups]
    if max(sizes) - min(sizes) > tolerance:
        out.append(f"sizes {sizes} spread more than {tolerance}")
    if max(sizes) > cap:
        out.append(f"sizes {sizes} exceed cap {cap}")
    keys = {leaf.sex.value for leaf in leaves} | {"s:" + leaf.stratum for leaf in leaves}
    wide = widened_strata(leaves, tolerance)
    for key in sorted(keys - {"s:"}):
        counts = [
            sum(1 for i in g if key in {leaves[i].sex.value, "s:" + leaves[i].stratum})
            for g in groups
        ]
        if max(counts) - min(counts) > (tolerance if key in wide else 1):
            out.append(f"{key} per class {counts}")
    where = {i: c for c, g in enumerate(groups) for i in g}
    units, apart = rule_groups(leaves)
    out += [f"同班 unit {u} split" for u in units if len({where.get(i) for i in u}) != 1]
    out += [
        f"apart group {a} shares a class" for a in apart if len({where[i] for i in a}) != len(a)
    ]
    return out
