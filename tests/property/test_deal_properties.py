"""Property tests for ``balanced-deal/1``: every promise of the deal, one test each.

The rules are re-checked here by ``strategies.broken_rules``, written from the
promises and not from ``placement.structure``/``check_groups`` (the deal calls
those itself, so using them here would check the deal against itself).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare
from strategies import (
    Case,
    broken_rules,
    derived_seed,
    rosters,
    rule_groups,
    seeds,
    teams,
    widened_strata,
)

from placement.canonical import TAG_TEAM_TICKET, TAG_TICKET
from placement.deal import Placement, deal, deal_groups, size_tolerance, tickets
from placement.errors import Infeasible
from placement.seed import final_seed

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Realistic rosters, with some adversarial ones mixed in; most can be placed.
placeable = st.one_of(rosters(min_k=2), rosters(min_k=2), rosters(adversarial=True))
# Tiny rosters for the brute force: any k, k ≥ 2 (hypothesis favours k = 1 and
# n = 1 otherwise), and twin-heavy ones, where 同班 units force tolerance 2.
tiny = st.one_of(
    rosters(max_n=8, max_k=3, adversarial=True),
    rosters(min_n=2, max_n=8, min_k=2, max_k=3, adversarial=True),
    rosters(min_n=2, max_n=8, min_k=2, max_k=3, adversarial=True, twin_heavy=True),
)


@st.composite
def drawn(draw: st.DrawFn, roster: st.SearchStrategy[Case] = placeable) -> tuple:
    """A roster the deal accepts, its teams, a final seed and the placement."""
    case = draw(roster)
    team_c = draw(teams(case.k))
    seed = draw(seeds)
    try:
        placement = deal(case.leaves, case.leaf_hashes, team_c, seed, case.cap)
    except Infeasible:
        event("refused")
        assume(False)  # refusals have their own test below
    event(f"size tolerance {placement.size_tolerance}")
    return case, team_c, seed, placement


def _class_groups(placement: Placement) -> list[tuple[int, ...]]:
    return [c.pupils for c in placement.classes]


@FAST
@given(drawn())
def test_every_pupil_once_sizes_within_tolerance_caps_kept(d):
    """Each pupil in exactly one class; sizes differ by ≤ 1, or ≤ 2 only when the
    roster has a 同班 unit and size_tolerance said 2; no class above the cap."""
    case, team_c, _, placement = d
    classes = _class_groups(placement)
    assert sorted(i for c in classes for i in c) == list(range(case.n))
    sizes = [len(c) for c in classes]
    assert max(sizes) - min(sizes) <= placement.size_tolerance
    assert placement.size_tolerance in {1, 2}
    assert placement.size_tolerance == size_tolerance(case.leaves, case.k, case.cap)
    if placement.size_tolerance == 2:
        units, _ = rule_groups(case.leaves)
        assert units, "tolerance 2 without any 同班 unit"
    assert max(sizes) <= case.cap
    # The classes are the groups, handed to the teams 1..k one each.
    assert [c.number for c in placement.classes] == list(range(1, case.k + 1))
    assert [c.team_leaf for c in placement.classes] == list(team_c.leaf_hashes)
    assert sorted(classes) == sorted(placement.groups)


@FAST
@given(drawn())
def test_girls_boys_and_each_stratum_differ_by_at_most_one(d):
    case, _, _, placement = d
    classes = _class_groups(placement)
    keys = {(leaf.sex.value, leaf.stratum) for leaf in case.leaves}
    for key in {k[0] for k in keys}:
        counts = [sum(case.leaves[i].sex.value == key for i in c) for c in classes]
        assert max(counts) - min(counts) <= 1, (key, counts)
    wide = widened_strata(case.leaves, placement.size_tolerance)
    for code in {k[1] for k in keys} - {""}:
        counts = [sum(case.leaves[i].stratum == code for i in c) for c in classes]
        limit = placement.size_tolerance if "s:" + code in wide else 1
        assert max(counts) - min(counts) <= limit, (code, counts)


@FAST
@given(drawn())
def test_twins_and_namesakes(d):
    """同班 twins share a class; 分班 twins and identical names (重名) never do."""
    case, _, _, placement = d
    where = placement.class_of()
    twins: dict[str, list[int]] = {}
    names: dict[str, list[int]] = {}
    for i, leaf in enumerate(case.leaves):
        if leaf.twin:
            twins.setdefault(leaf.twin, []).append(i)
        names.setdefault(leaf.name, []).append(i)
    for members in twins.values():
        classes = [where[i] for i in members]
        if case.leaves[members[0]].twin_wish.value == "same":
            assert len(set(classes)) == 1, members
        else:
            assert len(set(classes)) == len(members), members
    for members in names.values():
        assert len({where[i] for i in members}) == len(members), members
    tolerance = placement.size_tolerance
    assert broken_rules(case.leaves, _class_groups(placement), case.cap, tolerance) == []


@settings(max_examples=300, deadline=None)
@given(st.one_of(rosters(adversarial=True), rosters(min_k=2), tiny), seeds)
def test_refusal_depends_on_structure_never_on_the_seed(case, first):
    """size_tolerance decides before any seed exists: if it refuses, the deal refuses
    for every seed; if it accepts, the deal succeeds for every seed (four tried)."""
    seed_list = [first, *(derived_seed(first.hex(), j) for j in range(3))]
    try:
        tolerance = size_tolerance(case.leaves, case.k, case.cap)
    except Infeasible:
        event("refused")
        units, _ = rule_groups(case.leaves)
        tried = (1, 2) if units else (1,)
        for seed in seed_list:
            pupil_tickets = tickets(TAG_TICKET, seed, case.leaf_hashes)
            for t in tried:
                with pytest.raises(Infeasible):
                    deal_groups(case.leaves, pupil_tickets, case.k, case.cap, t)
        return
    event(f"accepted, tolerance {tolerance}")
    for seed in seed_list:
        pupil_tickets = tickets(TAG_TICKET, seed, case.leaf_hashes)
        groups = deal_groups(case.leaves, pupil_tickets, case.k, case.cap, tolerance)
        assert broken_rules(case.leaves, groups, case.cap, tolerance) == []


@FAST
@given(drawn())
def test_same_inputs_same_result(d):
    case, team_c, seed, placement = d
    again = deal(list(case.leaves), list(case.leaf_hashes), team_c, bytes(seed), case.cap)
    assert again == placement
    # And the tickets really are a function of (seed, leaf hash) alone.
    assert tickets(TAG_TICKET, seed, case.leaf_hashes) == tickets(
        TAG_TICKET, seed, list(case.leaf_hashes)
    )


WITNESS = "3 1 4 1 5 9"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    drawn(st.one_of(rosters(min_n=40, min_k=3), rosters(min_n=40, min_k=3, adversarial=True))),
    seeds,
    seeds,
)
def test_one_witness_digit_moves_most_pupils(d, server_seed, announcement):
    """Changing one digit of one witness input gives an unrelated draw.

    For each of the six digits of the first witness, change it and count the
    pupils who keep their class. Under an unrelated draw a pupil keeps it with
    probability 1/k, so the average over six changes stays within 1/k + 5σ
    (σ counts a 同班 unit once, since its members move together). With k ≥ 3
    that is "most pupils move"; the demo roster in tests/unit checks ≥ 80 %.
    """
    case, team_c, _, _ = d

    def draw_with(first: str) -> dict[int, int]:
        seed = final_seed(
            announcement_digest=announcement,
            server_seed=server_seed,
            witness_inputs=[first, "2 7 1 8 2 8"],
            beacon=None,
        )
        return deal(case.leaves, case.leaf_hashes, team_c, seed, case.cap).class_of()

    base = draw_with(WITNESS)
    kept = []
    for pos in range(0, len(WITNESS), 2):
        changed = WITNESS[:pos] + str((int(WITNESS[pos]) + 1) % 10) + WITNESS[pos + 1 :]
        other = draw_with(changed)
        same = sum(base[i] == other[i] for i in range(case.n))
        assert same < case.n, "a changed witness digit left every pupil in place"
        kept.append(same / case.n)
    units, _ = rule_groups(case.leaves)
    free = case.n - sum(len(u) - 1 for u in units)
    p = 1 / case.k
    sigma = math.sqrt(p * (1 - p) / free / len(kept))
    assert sum(kept) / len(kept) <= p + 5 * sigma, kept


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn(rosters(min_n=6, max_n=30, min_k=2, max_k=5)))
def test_a_pupils_class_is_uniform_over_seeds(d):
    """No class is favoured: over 300 seeds each pupil lands in each class about
    equally often (chi-square per pupil, α = 1e-6 per example after Bonferroni,
    so a false alarm is practically impossible; tests/test_fairness.py goes further).
    """
    case, team_c, seed, _ = d
    runs = 300
    counts = np.zeros((case.n, case.k), dtype=int)
    for r in range(runs):
        s = derived_seed("uniform", seed.hex(), r)
        for i, c in deal(case.leaves, case.leaf_hashes, team_c, s, case.cap).class_of().items():
            counts[i, c - 1] += 1
    p_values = [chisquare(row).pvalue for row in counts]
    assert min(p_values) > 1e-6 / case.n, counts[int(np.argmin(p_values))]
    # The team permutation alone: group 0 goes to each team equally often.
    first: Counter[int] = Counter()
    for r in range(runs):
        team_tickets = tickets(TAG_TEAM_TICKET, derived_seed(seed.hex(), r), team_c.leaf_hashes)
        first[min(range(case.k), key=team_tickets.__getitem__)] += 1
    assert chisquare([first[t] for t in range(case.k)]).pvalue > 1e-6


# --- Brute force on tiny rosters -----------------------------------------------


def feasible(case: Case, tolerance: int) -> bool:
    """Does any of the k^n assignments meet every rule at this τ (cap, size spread
    ≤ τ, sexes ≤ 1, strata ≤ 1 or ≤ τ where widened, 同班 together, 分班 and 重名
    apart)? 同班 units are enumerated as one, which is the same set."""
    units, apart = rule_groups(case.leaves)
    in_unit = {i for u in units for i in u}
    blocks = units + [[i] for i in range(case.n) if i not in in_unit]
    block_of = {i: b for b, members in enumerate(blocks) for i in members}
    if any(len({block_of[i] for i in a}) < len(a) for a in apart):
        return False
    keys = sorted(
        {leaf.sex.value for leaf in case.leaves}
        | {"s:" + leaf.stratum for leaf in case.leaves if leaf.stratum}
    )
    wide = widened_strata(case.leaves, tolerance)
    limits = np.array([tolerance] + [tolerance if k in wide else 1 for k in keys])
    contrib = np.zeros((len(blocks), 1 + len(keys)), dtype=int)
    for b, members in enumerate(blocks):
        for i in members:
            contrib[b, 0] += 1
            leaf = case.leaves[i]
            contrib[b, 1 + keys.index(leaf.sex.value)] += 1
            if leaf.stratum:
                contrib[b, 1 + keys.index("s:" + leaf.stratum)] += 1
    assign = np.array(list(itertools.product(range(case.k), repeat=len(blocks))), dtype=int)
    counts = np.stack([(assign == c).astype(int) @ contrib for c in range(case.k)], axis=1)
    spread = counts.max(axis=1) - counts.min(axis=1)
    ok = (counts[:, :, 0].max(axis=1) <= case.cap) & (spread <= limits).all(axis=1)
    for a in apart:
        cols = [block_of[i] for i in a]
        for c in range(case.k):
            ok &= (assign[:, cols] == c).sum(axis=1) <= 1
    return bool(ok.any())


@settings(max_examples=1000, deadline=None)
@given(tiny)
def test_size_tolerance_agrees_with_brute_force(case):
    """size_tolerance returns 1 exactly when every rule holds at τ = 1, 2 exactly when
    only the τ = 2 rules can be met (a 同班 unit exists), and refuses otherwise."""
    units, _ = rule_groups(case.leaves)
    if feasible(case, 1):
        expected: int | None = 1
    elif units and feasible(case, 2):
        expected = 2
    else:
        expected = None
    try:
        got: int | None = size_tolerance(case.leaves, case.k, case.cap)
    except Infeasible:
        got = None
    event(f"expected {expected}")
    assert got == expected
    if got is not None:  # and the deal then keeps to it
        groups = deal_groups(
            case.leaves, tickets(TAG_TICKET, bytes(32), case.leaf_hashes), case.k, case.cap, got
        )
        assert broken_rules(case.leaves, groups, case.cap, got) == []


def test_strategies_reach_every_outcome():
    """Guard against strategies drifting into only easy cases: the tiny adversarial
    rosters must include refusals, tolerance 1 and tolerance 2."""
    outcomes: Counter[object] = Counter()

    @settings(max_examples=300, deadline=None, database=None)
    @given(tiny)
    def collect(case: Case) -> None:
        try:
            outcomes[size_tolerance(case.leaves, case.k, case.cap)] += 1
        except Infeasible:
            outcomes["refused"] += 1

    collect()
    assert {1, 2, "refused"} <= set(outcomes), outcomes
