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
    ``cells[i]`` and the sums in ``total``; None when there is none."""
    tight: list[Hex] = []
    for cell in cells:
        t = cell.tight()
        if t is None:
            return None
        tight.append(t)
    suffix = [ZERO] * (len(tight) + 1)
    for i in range(len(tight) - 1, -1, -1):
        suffix[i] = tight[i] + suffix[i + 1]

    def ok(h: Hex) -> bool:
        """``h.meet(total).tight() is not None``, in plain integers (the hot test)."""
        a0, a1 = max(h.amin, total.amin), min(h.amax, total.amax)
        b0, b1 = max(h.bmin, total.bmin), min(h.bmax, total.bmax)
        s0, s1 = max(h.smin, total.smin), min(h.smax, total.smax)
        return (
            max(a0, s0 - b1) <= min(a1, s1 - b0)
            and max(b0, s0 - a1) <= min(b1, s1 - a0)
            and max(s0, a0 + b0) <= min(s1, a1 + b1)
        )

    if not ok(suffix[0]):
        return None
    fixed = ZERO
    out: list[tuple[int, int]] = []
    for i, h in enumerate(tight):
        rest = fixed + suffix[i + 1]
        # Start where the girls' total can first be reached: usually the answer.
        a = max(h.amin, total.amin - rest.amax)
        while (trial := _fix_a(h, a)) is None or not ok(rest + trial):
            a += 1  # feasible values form an interval inside [amin, amax]
            if a > h.amax:
                raise AssertionError(_UNREACHABLE)
        b = max(h.bmin, h.smin - a, total.bmin - rest.bmax)
        while not ok(rest + point(a, b)):
            b += 1
            if b > min(h.bmax, h.smax - a):
                raise AssertionError(_UNREACHABLE)
        out.append((a, b))
        fixed = fixed + point(a, b)
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
