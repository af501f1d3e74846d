"""How many ordinary pupils of each (stratum, sex) cell one class takes (spec §6.4).

Per stratum the choice (a girls, b boys) lies in a "hexagon": bounds on a, on b
and on a + b. Sums of such integer sets are again hexagons whose bounds add up
(they are M♮-convex), so feasibility of a whole class is a handful of additions,
and the lexicographically smallest solution is found variable by variable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import NamedTuple

ALL = "*"  # the balance set of every pupil (same key as placement.structure.ALL)


class Hex(NamedTuple):
    """Integer points with amin ≤ a ≤ amax, bmin ≤ b ≤ bmax, smin ≤ a + b ≤ smax.

    A named tuple, not a frozen dataclass: phase 2 builds ~60 of them per class, and
    a tuple is made three times faster (≈ 0.2 s of a 100 000-pupil draw)."""

    amin: int
    amax: int
    bmin: int
    bmax: int
    smin: int
    smax: int

    def tight(self) -> Hex | None:
        """The same set with every bound attained, or None when it is empty."""
        h = Hex(
            max(self.amin, self.smin - self.bmax),
            min(self.amax, self.smax - self.bmin),
            max(self.bmin, self.smin - self.amax),
            min(self.bmax, self.smax - self.amin),
            max(self.smin, self.amin + self.bmin),
            min(self.smax, self.amax + self.bmax),
        )
        if h.amin > h.amax or h.bmin > h.bmax or h.smin > h.smax:
            return None
        return h

    def __add__(self, o: Hex) -> Hex:  # type: ignore[override]  # sum of hexagons, not concatenation
        return Hex(
            self.amin + o.amin,
            self.amax + o.amax,
            self.bmin + o.bmin,
            self.bmax + o.bmax,
            self.smin + o.smin,
            self.smax + o.smax,
        )

    def meet(self, o: Hex) -> Hex:
        return Hex(
            max(self.amin, o.amin),
            min(self.amax, o.amax),
            max(self.bmin, o.bmin),
            min(self.bmax, o.bmax),
            max(self.smin, o.smin),
            min(self.smax, o.smax),
        )


ZERO = Hex(0, 0, 0, 0, 0, 0)


def point(a: int, b: int) -> Hex:
    return Hex(a, a, b, b, a + b, a + b)


_UNREACHABLE = "hexagon sums are exact, so a feasible value exists"


def _fix_a(h: Hex, a: int) -> Hex | None:
    return Hex(a, a, h.bmin, h.bmax, h.smin, h.smax).tight()


def lexmin(cells: Sequence[Hex], total: Hex) -> list[tuple[int, int]] | None:
    """Smallest (a₀, b₀, a₁, b₁ …) in lexicographic order with every (aᵢ, bᵢ) in
    ``cells[i]`` and the sums in ``total``; None when there is none.

    Runs once per class (twice a draw), so the hexagon arithmetic is spelled out in
    plain integers; tests/property/test_quota.py holds it to a brute-force search."""
    tight: list[Hex] = []
    for cell in cells:
        t = cell.tight()
        if t is None:
            return None
        tight.append(t)
    # suffix[i] = tight[i] + … + tight[-1], as plain tuples
    suffix = [(0, 0, 0, 0, 0, 0)] * (len(tight) + 1)
    for i in range(len(tight) - 1, -1, -1):
        h, n = tight[i], suffix[i + 1]
        suffix[i] = (h[0] + n[0], h[1] + n[1], h[2] + n[2], h[3] + n[3], h[4] + n[4], h[5] + n[5])
    ta0, ta1, tb0, tb1, ts0, ts1 = total

    def ok(ha0: int, ha1: int, hb0: int, hb1: int, hs0: int, hs1: int) -> bool:
        """``h.meet(total).tight() is not None`` for h = (ha0, ha1, hb0, hb1, hs0, hs1)."""
        a0, a1 = max(ha0, ta0), min(ha1, ta1)
        b0, b1 = max(hb0, tb0), min(hb1, tb1)
        s0, s1 = max(hs0, ts0), min(hs1, ts1)
        return (
            max(a0, s0 - b1) <= min(a1, s1 - b0)
            and max(b0, s0 - a1) <= min(b1, s1 - a0)
            and max(s0, a0 + b0) <= min(s1, a1 + b1)
        )

    if not ok(*suffix[0]):
        return None
    fa = fb = 0  # the points fixed so far, summed: (fa, fa, fb, fb, fa + fb, fa + fb)
    out: list[tuple[int, int]] = []
    for i, (amin, amax, bmin, bmax, smin, smax) in enumerate(tight):
        n = suffix[i + 1]
        ra0, ra1, rb0, rb1 = fa + n[0], fa + n[1], fb + n[2], fb + n[3]
        rs0, rs1 = fa + fb + n[4], fa + fb + n[5]
        # Start where the girls' total can first be reached: usually the answer.
        a = max(amin, ta0 - ra1)
        while True:  # feasible values form an interval inside [amin, amax]
            # _fix_a: the hexagon with a fixed, tightened (None when empty)
            xb0, xb1 = max(bmin, smin - a), min(bmax, smax - a)
            xs0, xs1 = max(smin, a + bmin), min(smax, a + bmax)
            fits = max(a, smin - bmax) <= min(a, smax - bmin) and xb0 <= xb1 and xs0 <= xs1
            if fits and ok(ra0 + a, ra1 + a, rb0 + xb0, rb1 + xb1, rs0 + xs0, rs1 + xs1):
                break
            a += 1
            if a > amax:
                raise AssertionError(_UNREACHABLE)
        b = max(bmin, smin - a, tb0 - rb1)
        while not ok(ra0 + a, ra1 + a, rb0 + b, rb1 + b, rs0 + a + b, rs1 + a + b):
            b += 1
            if b > min(bmax, smax - a):
                raise AssertionError(_UNREACHABLE)
        out.append((a, b))
        fa += a
        fb += b
    return out


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def peel(
    *,
    pre: Sequence[Mapping[str, int]],
    cells: Mapping[tuple[str, str], int],
    totals: Mapping[str, int],
    strata: Sequence[str],
    cap: int,
    tolerance: int,
    widened: frozenset[str] = frozenset(),
) -> list[list[tuple[int, int]]] | None:
    """Phase 2 on counts alone (spec §6.4): for class c = 0 … k-1 in turn, the
    lexicographically smallest (girls, boys) per stratum such that every balance
    set lands within [⌊m/r⌋, ⌈m/r⌉] of what is left for the r classes remaining."""
    k = len(pre)
    left = dict(cells)
    done: dict[str, int] = defaultdict(int)
    order = [*strata, ""]
    out: list[list[tuple[int, int]]] = []
    # Final counts of widened sets in the groups fixed so far: every later group
    # must stay within τ of all of them, so the spread never exceeds τ.
    seen: dict[str, tuple[int, int]] = {}
    for c in range(k):
        rest = k - c
        row = pre[c]

        def span(key: str, rest: int = rest) -> tuple[int, int]:
            m = totals.get(key, 0) - done[key]
            lo, hi = m // rest, _ceil_div(m, rest)
            if rest > 1 and key in widened:
                lo, hi = max(0, lo - tolerance + 1), hi + tolerance - 1
            if key in seen:
                lo, hi = max(lo, seen[key][1] - tolerance), min(hi, seen[key][0] + tolerance)
            return lo, hi

        hexes = []
        for s in order:
            fa, ma = left.get((s, "F"), 0), left.get((s, "M"), 0)
            if s:
                lo, hi = span("s:" + s)
                p = row.get("s:" + s, 0)
                hexes.append(Hex(0, fa, 0, ma, lo - p, hi - p))
            else:
                hexes.append(Hex(0, fa, 0, ma, 0, fa + ma))
        (flo, fhi), (mlo, mhi), (alo, ahi) = span("F"), span("M"), span(ALL)
        # Later classes hold at most cap each: leave them no more than that.
        alo = max(alo, totals.get(ALL, 0) - done[ALL] - (rest - 1) * cap)
        ahi = min(ahi, cap)
        pf, pm, pa = row.get("F", 0), row.get("M", 0), row.get(ALL, 0)
        picks = lexmin(hexes, Hex(flo - pf, fhi - pf, mlo - pm, mhi - pm, alo - pa, ahi - pa))
        if picks is None:
            return None
        out.append(picks)
        final: dict[str, int] = defaultdict(int, row)
        for s, (a, b) in zip(order, picks, strict=True):
            final["F"] += a
            final["M"] += b
            final[ALL] += a + b
            if s:
                final["s:" + s] += a + b
        for key in widened:
            low, high = seen.get(key, (final[key], final[key]))
            seen[key] = (min(low, final[key]), max(high, final[key]))
        for key, v in row.items():
            done[key] += v
        for s, (a, b) in zip(order, picks, strict=True):
            left[(s, "F")] = left.get((s, "F"), 0) - a
            left[(s, "M")] = left.get((s, "M"), 0) - b
            done["F"] += a
            done["M"] += b
            done[ALL] += a + b
            if s:
                done["s:" + s] += a + b
    return out
