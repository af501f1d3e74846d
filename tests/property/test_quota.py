"""``placement.quota``: hexagons and the lexicographic minimum, against enumeration.

A ``Hex`` is the integer points (a, b) with amin ≤ a ≤ amax, bmin ≤ b ≤ bmax and
smin ≤ a + b ≤ smax. The tests enumerate those points directly (coordinates are
kept within -2..5, so every set is small) and compare.
"""

from __future__ import annotations

import itertools

from hypothesis import event, given, settings
from hypothesis import strategies as st

from placement.quota import ZERO, Hex, lexmin, point

LO, HI = -2, 5
coord = st.integers(LO, HI)


@st.composite
def hexes(draw: st.DrawFn, *, lo: int = LO, hi: int = HI, loose: bool = True) -> Hex:
    """Any six bounds (possibly empty, possibly slack); with ``loose=False`` the
    interval bounds are ordered, as the deal builds them (still possibly empty)."""
    amin, amax, bmin, bmax = (draw(st.integers(lo, hi)) for _ in range(4))
    smin, smax = draw(st.integers(2 * lo, 2 * hi)), draw(st.integers(2 * lo, 2 * hi))
    if not loose:
        amin, amax = sorted((amin, amax))
        bmin, bmax = sorted((bmin, bmax))
    return Hex(amin, amax, bmin, bmax, smin, smax)


@st.composite
def around(draw: st.DrawFn, a: int, b: int, slack: int = 2) -> Hex:
    """A hexagon containing (a, b) with bounds up to ``slack`` away; sometimes one
    bound is pulled in past (a, b), so the point (or every point) is cut off."""
    d = [draw(st.integers(0, slack)) for _ in range(6)]
    if draw(st.integers(0, 3)) == 0:
        d[draw(st.integers(0, 5))] = -1
    return Hex(a - d[0], a + d[1], b - d[2], b + d[3], a + b - d[4], a + b + d[5])


@st.composite
def near_feasible(draw: st.DrawFn) -> tuple[list[Hex], Hex]:
    """Cells around chosen points and totals around their sum: mostly feasible."""
    pts = draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), max_size=3))
    cells = [draw(around(a, b)) for a, b in pts]
    a, b = sum(p[0] for p in pts), sum(p[1] for p in pts)
    return cells, draw(around(a, b, slack=3))


def points(h: Hex) -> list[tuple[int, int]]:
    """Every integer point of h, in lexicographic order."""
    return [
        (a, b)
        for a in range(h.amin, h.amax + 1)
        for b in range(h.bmin, h.bmax + 1)
        if h.smin <= a + b <= h.smax
    ]


def brute_lexmin(cells: list[Hex], total: Hex) -> list[tuple[int, int]] | None:
    # itertools.product walks the cells' sorted point lists in lexicographic order of
    # (a₀, b₀, a₁, b₁ …), so the first choice meeting the totals is the minimum.
    for choice in itertools.product(*(points(c) for c in cells)):
        a = sum(p[0] for p in choice)
        b = sum(p[1] for p in choice)
        ok_a = total.amin <= a <= total.amax
        ok_b = total.bmin <= b <= total.bmax
        if ok_a and ok_b and total.smin <= a + b <= total.smax:
            return list(choice)
    return None


@settings(max_examples=600, deadline=None)
@given(hexes())
def test_tight_attains_every_bound(h):
    """tight() is None exactly when h has no point; otherwise each of its six
    bounds is attained, and it describes the same set of points."""
    pts = points(h)
    t = h.tight()
    if not pts:
        assert t is None
        return
    assert t is not None
    assert t == Hex(
        min(a for a, _ in pts),
        max(a for a, _ in pts),
        min(b for _, b in pts),
        max(b for _, b in pts),
        min(a + b for a, b in pts),
        max(a + b for a, b in pts),
    )
    assert points(t) == pts
    assert t.tight() == t


@settings(max_examples=400, deadline=None)
@given(hexes(lo=-1, hi=3), hexes(lo=-1, hi=3))
def test_sum_of_tight_hexagons_is_the_minkowski_sum(h, g):
    """The fact lexmin relies on: the points of h.tight() + g.tight() are exactly
    the sums of a point of h and a point of g (integer hexagons are M♮-convex)."""
    th, tg = h.tight(), g.tight()
    if th is None or tg is None:
        return
    sums = {(a + c, b + d) for a, b in points(h) for c, d in points(g)}
    assert set(points(th + tg)) == sums


@settings(max_examples=300, deadline=None)
@given(hexes(), hexes())
def test_meet_is_intersection(h, g):
    assert points(h.meet(g)) == sorted(set(points(h)) & set(points(g)))


any_cells = st.lists(st.one_of(hexes(lo=-1, hi=3), hexes(lo=0, hi=3, loose=False)), max_size=3)
any_total = st.one_of(hexes(lo=-3, hi=9), hexes(lo=0, hi=9, loose=False))


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.tuples(any_cells, any_total), near_feasible(), near_feasible()))
def test_lexmin_equals_brute_force(problem):
    """lexmin returns the lexicographically smallest (a₀, b₀, a₁, b₁ …), and None
    exactly when no choice meets the cells and the totals."""
    cells, total = problem
    expected = brute_lexmin(cells, total)
    event("feasible" if expected is not None else "infeasible")
    assert lexmin(cells, total) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=4))
def test_lexmin_of_points_is_the_points(pts):
    """Cells that are single points leave one choice; totals that match it accept it."""
    total = ZERO
    for a, b in pts:
        total = total + point(a, b)
    assert lexmin([point(a, b) for a, b in pts], total) == pts
    shifted = total + point(1, 0)
    assert lexmin([point(a, b) for a, b in pts], shifted) is None


def test_lexmin_examples():
    """A hand-worked case: girls 0..2 and boys 0..2 in each of two cells, three
    pupils per cell, two girls and four boys in all."""
    cell = Hex(0, 2, 0, 2, 3, 3)
    assert lexmin([cell, cell], Hex(2, 2, 4, 4, 6, 6)) == [(1, 2), (1, 2)]
    assert lexmin([cell, cell], Hex(0, 0, 6, 6, 6, 6)) is None  # boys at most 2 + 2
    assert lexmin([], Hex(0, 0, 0, 0, 0, 0)) == []
    assert lexmin([], Hex(1, 1, 0, 0, 1, 1)) is None
