"""No class is favoured: over many final seeds, every pupil lands in every class
about equally often. Then the same check, run on two deliberately biased deals,
must reject them (so a pass means something).

Why the real deal is uniform although group 0 is special
----------------------------------------------------------
``deal_groups`` is not symmetric in its groups: phase 1 starts its round-robin at
group 0 (so the first 同班 unit usually lands there), and phase 2 fills group 0
first with the lexicographically smallest quotas (so group 0 gets the smaller
share of a cell that does not divide evenly). A pupil's *group* is therefore far
from uniform. Its *class* is uniform all the same, because ``match_teams`` hands
group g to the team with the g-th smallest team ticket H(team-ticket, seed ‖
team leaf): k independent uniform hashes sort into a uniformly random
permutation π, and the tag differs from the pupil tickets', so π is independent
of the grouping. Hence for every pupil i and class c

    P(class(i) = c) = Σ_g P(group(i) = g) · P(π(g) = c) = Σ_g P(group(i) = g) / k = 1/k.

Skip that permutation and the structure of group 0 shows through at once, which
is what ``test_catches_fixed_team_order`` demonstrates.

Statistics
----------
Per pupil: a chi-square goodness-of-fit test of its counts over the k classes
against uniform (k - 1 = 3 degrees of freedom). Globally: one pupil per seed
(pupil s mod n for seed s), so the observations are independent across seeds,
tabulated pupil × class and tested against uniform with n(k - 1) degrees of
freedom (each pupil's row is its own multinomial, hence ``ddof = n - 1``). The
overall significance level is α = 0.001, Bonferroni-corrected over the n + 1
tests: a test rejects when its p-value is below α / (n + 1) ≈ 2.4e-5.
Seeds are SHA-256 of a counter: the test is deterministic, no OS randomness.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pytest
from scipy.stats import chisquare
from strategies import broken_rules, make_case, rule_groups, team_list

from placement.deal import Placement, deal
from placement.roster import Sex, TwinWish
from placement.teams import commit_teams

pytestmark = pytest.mark.slow

RUNS = 6000  # final seeds
K = 4
CAP = 12
ALPHA = 0.001  # overall, Bonferroni-corrected below

F, M = Sex.FEMALE, Sex.MALE
NONE, SAME, APART = TwinWish.NONE, TwinWish.SAME, TwinWish.APART

# 40 pupils, 21 girls and 19 boys (neither divisible by 4, so quotas differ between
# groups), two strata (6 and 5 pupils), a 同班 twin pair, a 分班 twin pair and a
# 重名 pair.
ROSTER = [
    ("林若曦", F, "", "t1", SAME),
    ("林若晨", M, "", "t1", SAME),
    ("周子航", M, "s1", "t2", APART),
    ("周子睿", M, "s1", "t2", APART),
    ("王浩宇", M, "", "", NONE),
    ("王浩宇", M, "s2", "", NONE),
    *[
        (name, F, stratum, "", NONE)
        for name, stratum in [
            ("赵思彤", ""),
            ("孙奕可", "s1"),
            ("魏清妍", ""),
            ("赵冉", "s2"),
            ("陈诗琪", ""),
            ("刘悦", "s1"),
            ("郭梓涵", ""),
            ("张欣怡", "s2"),
            ("李一诺", ""),
            ("杨雨桐", "s1"),
            ("黄佳怡", ""),
            ("吴梦瑶", "s2"),
            ("徐若汐", ""),
            ("孙可馨", ""),
            ("马诗涵", ""),
            ("朱语桐", ""),
            ("胡欣妍", ""),
            ("高子涵", ""),
            ("何雨萱", ""),
            ("罗佳琪", ""),
        ]
    ],
    *[
        (name, M, stratum, "", NONE)
        for name, stratum in [
            ("陈博文", ""),
            ("刘宇轩", ""),
            ("张子墨", ""),
            ("杨俊熙", "s2"),
            ("赵梓豪", ""),
            ("黄一鸣", ""),
            ("周文杰", ""),
            ("吴浩然", ""),
            ("郑天佑", ""),
            ("孙铭泽", ""),
            ("冯嘉乐", ""),
            ("曹睿", ""),
            ("彭志远", ""),
            ("曾子骞", ""),
        ]
    ],
]
CASE = make_case(ROSTER, K, CAP, salt=2024)
TEAMS = commit_teams(team_list(K))
N = CASE.n
CHOSEN = 10  # 陈诗琪: an ordinary girl without stratum, the one a biased deal favours


@dataclass(frozen=True)
class Verdict:
    pupil_stat: np.ndarray  # chi-square per pupil
    pupil_p: np.ndarray
    global_stat: float
    global_p: float
    threshold: float

    @property
    def rejected(self) -> bool:
        return bool(self.pupil_p.min() < self.threshold or self.global_p < self.threshold)

    def summary(self) -> str:
        worst = int(self.pupil_p.argmin())
        return (
            f"per pupil: max χ²(3) = {self.pupil_stat.max():.2f} (pupil {worst}, "
            f"p = {self.pupil_p[worst]:.3g}), mean χ² = {self.pupil_stat.mean():.2f}; "
            f"global χ²({N * (K - 1)}) = {self.global_stat:.1f}, p = {self.global_p:.3g}; "
            f"threshold p < {self.threshold:.3g}"
        )


def uniformity(draw: Callable[[int], Mapping[int, int]]) -> Verdict:
    """The check shared by the real and the biased deals: ``draw(r)`` is the class
    number (1..K) of every pupil for the r-th seed."""
    counts = np.zeros((N, K), dtype=int)
    one_per_seed = np.zeros((N, K), dtype=int)
    for r in range(RUNS):
        where = draw(r)
        for i, c in where.items():
            counts[i, c - 1] += 1
        one_per_seed[r % N, where[r % N] - 1] += 1
    per_pupil = [chisquare(row) for row in counts]
    flat = one_per_seed.ravel()
    expected = np.full(flat.shape, RUNS / (N * K))
    g = chisquare(flat, expected, ddof=N - 1)
    return Verdict(
        pupil_stat=np.array([t.statistic for t in per_pupil]),
        pupil_p=np.array([t.pvalue for t in per_pupil]),
        global_stat=float(g.statistic),
        global_p=float(g.pvalue),
        threshold=ALPHA / (N + 1),
    )


def seed(r: int) -> bytes:
    return hashlib.sha256(f"sunshine-placement fairness test {r}".encode()).digest()


@pytest.fixture(scope="module")
def placements() -> list[Placement]:
    return [deal(CASE.leaves, CASE.leaf_hashes, TEAMS, seed(r), CAP) for r in range(RUNS)]


def fixed_team_order(p: Placement) -> dict[int, int]:
    """Biased: group g goes to team g + 1, skipping the ticket permutation."""
    return {i: g + 1 for g, members in enumerate(p.groups) for i in members}


def pushed_into_class_1(p: Placement, *, cheat: bool = True) -> dict[int, int]:
    """Biased: when ``cheat`` and the chosen pupil is not in class 1, swap it with an
    ordinary pupil of the same sex and stratum there. Every balance rule still holds."""
    where = p.class_of()
    if not cheat or where[CHOSEN] == 1:
        return where
    units, apart = rule_groups(CASE.leaves)
    special = {i for group in units + apart for i in group}
    me = CASE.leaves[CHOSEN]
    for j, c in where.items():
        other = CASE.leaves[j]
        if c == 1 and j not in special and (other.sex, other.stratum) == (me.sex, me.stratum):
            where[j], where[CHOSEN] = where[CHOSEN], 1
            break
    return where


def as_groups(where: Mapping[int, int]) -> list[list[int]]:
    return [[i for i, c in where.items() if c == n] for n in range(1, K + 1)]


def test_real_deal_is_uniform(placements):
    assert placements[0].size_tolerance == 1
    verdict = uniformity(lambda r: placements[r].class_of())
    print("real deal:", verdict.summary())  # noqa: T201 - shown with pytest -s / -rP
    assert not verdict.rejected, verdict.summary()
    # Sanity: the group a pupil is dealt into is *not* uniform (group 0 is special),
    # which is exactly why the team matching matters.
    twin_group = [next(g for g, m in enumerate(p.groups) if 0 in m) for p in placements]
    assert np.bincount(twin_group, minlength=K)[0] > RUNS / 2


def test_catches_fixed_team_order(placements):
    for p in placements[:20]:  # the biased deal breaks no visible rule ...
        assert broken_rules(CASE.leaves, as_groups(fixed_team_order(p)), CAP, 1) == []
    verdict = uniformity(lambda r: fixed_team_order(placements[r]))
    print("fixed team order:", verdict.summary())  # noqa: T201
    assert verdict.rejected  # ... but the statistics see it
    assert verdict.global_p < verdict.threshold


@pytest.mark.parametrize("every", [1, 16])
def test_catches_a_pupil_pushed_into_class_1(placements, every):
    """Pushed in every draw, or only in one draw out of 16 (class 1 then gets the
    chosen pupil 29.7 % of the time instead of 25 %): both are caught per pupil;
    the global test, which sees each pupil in only RUNS / n draws, catches the first."""
    for p in placements[:20]:
        assert broken_rules(CASE.leaves, as_groups(pushed_into_class_1(p)), CAP, 1) == []
    verdict = uniformity(lambda r: pushed_into_class_1(placements[r], cheat=r % every == 0))
    print(f"pupil pushed into class 1 (1 draw in {every}):", verdict.summary())  # noqa: T201
    assert verdict.rejected
    assert int(verdict.pupil_p.argmin()) == CHOSEN
    if every == 1:
        assert verdict.global_p < verdict.threshold
