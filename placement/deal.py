"""``balanced-deal/1``: the deterministic, balanced class assignment (spec §6).

Randomness enters only through the final seed (tickets). Whether a roster can be
placed, and with which size tolerance, depends on counts and structure alone, so
a refusal is known before any commitment and is the same for every seed.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from placement.canonical import TAG_TEAM_TICKET, TAG_TICKET
from placement.commitment import PublicLeaf
from placement.errors import Infeasible
from placement.quota import ALL, peel
from placement.structure import SEX_KEY, Special, Structure, structure
from placement.teams import TeamCommitment

ALGORITHM = "balanced-deal/1"
# Phase 1 may backtrack; these bound the search (counts only, so seed-independent).
LAYOUT_WORK = 8192  # failed phase-2 runs allowed: max(64, LAYOUT_WORK // k); a run costs ~k
MAX_BACKTRACKS = 20_000  # specials taken out again


def tickets(tag: str, seed: bytes, hashes: Iterable[bytes]) -> list[bytes]:
    """Ticket = H(tag, seed ‖ h) for each 32-byte h, in input order."""
    raw = tag.encode("ascii")
    base = hashlib.sha256(bytes([len(raw)]) + raw + seed)
    out = []
    for h in hashes:
        t = base.copy()
        t.update(h)
        out.append(t.digest())
    return out


@dataclass(frozen=True, slots=True)
class PlacedClass:
    number: int
    label: str
    team_leaf: bytes
    pupils: tuple[int, ...]  # leaf indices, ascending by ticket


@dataclass(frozen=True, slots=True)
class Placement:
    final_seed: bytes
    size_tolerance: int  # 1, or 2 where a multi-pupil unit forces it
    groups: tuple[tuple[int, ...], ...]  # group g before team matching
    classes: tuple[PlacedClass, ...]  # by team number
    structure: Structure | None = None  # kept so the report need not recompute it

    def class_of(self) -> dict[int, int]:
        """Leaf index → class number."""
        return {i: c.number for c in self.classes for i in c.pupils}


@dataclass(frozen=True, slots=True)
class _Problem:
    leaves: Sequence[PublicLeaf]
    st: Structure
    k: int
    cap: int
    tolerance: int
    totals: Mapping[str, int]
    ceil: Mapping[str, int]
    strata: tuple[str, ...]
    cells: Mapping[tuple[str, str], int]  # ordinary pupils per (stratum, sex)
    widened: frozenset[str]  # balance sets allowed a spread of τ instead of 1
    at_ceil_limit: Mapping[str, int]  # how many groups may reach ceil (|S| mod k), if limited


def widened_sets(st: Structure, leaves: Sequence[PublicLeaf], tolerance: int) -> frozenset[str]:
    """With τ = 2: ``*`` and every stratum in which one 同班 unit has two or more
    members (twins often share a family-level flag such as 留守儿童)."""
    if tolerance == 1:
        return frozenset()
    out = {ALL}
    for unit in st.units:
        codes = [leaves[i].stratum for i in unit if leaves[i].stratum]
        out.update("s:" + c for c in codes if codes.count(c) > 1)
    return frozenset(out)


def _problem(
    leaves: Sequence[PublicLeaf], st: Structure, k: int, cap: int, tolerance: int
) -> _Problem:
    special = {i for b in st.blocks for s in b.specials for i in s.members}
    # Counted by Counter's C loop over plain per-leaf lists (once per pupil, twice a draw).
    sexes = [SEX_KEY[leaf.sex] for leaf in leaves]
    codes = [leaf.stratum for leaf in leaves]
    totals: Counter[str] = Counter(sexes)
    totals.update("s:" + c for c in codes if c)
    if leaves:
        totals[ALL] = len(leaves)
    cells = Counter(zip(codes, sexes, strict=True))
    cells.subtract((codes[i], sexes[i]) for i in special)
    widened = widened_sets(st, leaves, tolerance)
    ceil = {key: -(-v // k) + (tolerance - 1 if key in widened else 0) for key, v in totals.items()}
    ceil[ALL] = min(cap, -(-len(leaves) // k) + tolerance - 1)
    strata = tuple(sorted({leaf.stratum for leaf in leaves if leaf.stratum}))
    # Exactly |S| mod k groups end one above the others; phase 1 may not exceed that.
    limit = {
        key: v % k
        for key, v in totals.items()
        if key not in widened and v % k and ceil[key] == -(-v // k)
    }
    return _Problem(leaves, st, k, cap, tolerance, totals, ceil, strata, cells, widened, limit)


def _layout(
    pb: _Problem, order: Sequence[Special]
) -> tuple[list[int], list[list[tuple[int, int]]]]:
    """Phase 1 (spec §6.3): place the specials round-robin with the skip rule, and
    backtrack when phase 2 (spec §6.4) cannot complete the classes."""
    k = pb.k
    pre: list[dict[str, int]] = [defaultdict(int) for _ in range(k)]
    present: list[set[int]] = [set() for _ in range(k)]
    at_ceil: dict[str, int] = defaultdict(int)  # groups whose pre count is at ceil
    where: list[int] = []
    steps = [0] * (len(order) + 1)  # next candidate step for each depth
    pointer = [0] * (len(order) + 1)
    layouts = backtracks = 0
    depth = 0
    while depth >= 0:
        if depth == len(order):
            layouts += 1
            picks = peel(
                pre=pre,
                cells=pb.cells,
                totals=pb.totals,
                strata=pb.strata,
                cap=pb.cap,
                tolerance=pb.tolerance,
                widened=pb.widened,
            )
            if picks is not None:
                return where, picks
            if layouts >= max(64, LAYOUT_WORK // k):
                raise _too_intricate()
            depth -= 1
            if depth >= 0:
                _undo(order[depth], where.pop(), pre, present, at_ceil, pb.ceil)
            continue
        sp = order[depth]
        placed = False
        while steps[depth] < k:
            c = (pointer[depth] + steps[depth]) % k
            steps[depth] += 1
            row = pre[c]
            if any(g in present[c] for g in sp.groups) or any(
                row[key] + v > pb.ceil[key]
                or (
                    key in pb.at_ceil_limit
                    and row[key] < pb.ceil[key] == row[key] + v
                    and at_ceil[key] >= pb.at_ceil_limit[key]
                )
                for key, v in sp.need
            ):
                continue
            for key, v in sp.need:
                if row[key] < pb.ceil[key] == row[key] + v:
                    at_ceil[key] += 1
                row[key] += v
            present[c].update(sp.groups)
            where.append(c)
            pointer[depth + 1] = c + 1
            steps[depth + 1] = 0
            depth += 1
            placed = True
            break
        if not placed:
            depth -= 1
            if depth >= 0:
                backtracks += 1
                if backtracks > MAX_BACKTRACKS:
                    raise _too_intricate()
                _undo(order[depth], where.pop(), pre, present, at_ceil, pb.ceil)
    raise Infeasible(
        "无法在满足同班/分班要求的同时使各班人数、性别与分层均衡",
        "no placement meets the twin and same-name rules together with size, "
        "sex and stratum balance",
    )


def _too_intricate() -> Infeasible:
    return Infeasible(
        "同班/分班要求过于复杂，无法在限定步数内完成均衡分班",
        "the twin and same-name rules are too intricate to place within the search limit",
    )


def _undo(
    sp: Special,
    c: int,
    pre: list[dict[str, int]],
    present: list[set[int]],
    at_ceil: dict[str, int],
    ceil: Mapping[str, int],
) -> None:
    for key, v in sp.need:
        if pre[c][key] == ceil[key] > pre[c][key] - v:
            at_ceil[key] -= 1
        pre[c][key] -= v
    present[c].difference_update(sp.groups)


def deal_groups(
    leaves: Sequence[PublicLeaf], pupil_tickets: Sequence[bytes], k: int, cap: int, tolerance: int
) -> tuple[tuple[int, ...], ...]:
    """Assign leaf indices to k groups (spec §6.3–6.4); raises ``Infeasible``."""
    return _deal(_problem(leaves, structure(leaves, k), k, cap, tolerance), pupil_tickets)


def _deal(pb: _Problem, pupil_tickets: Sequence[bytes]) -> tuple[tuple[int, ...], ...]:
    leaves = pb.leaves

    def ticket(s: Special) -> bytes:
        return min(pupil_tickets[i] for i in s.members)

    blocks = sorted(pb.st.blocks, key=lambda b: (b.rank, min(ticket(s) for s in b.specials)))
    order = [
        s
        for b in blocks
        for s in sorted(b.specials, key=lambda s: (s.signature, s.groups, ticket(s)))
    ]
    where, picks = _layout(pb, order)
    group_of = [-1] * len(leaves)
    for sp, c in zip(order, where, strict=True):
        for i in sp.members:
            group_of[i] = c
    by_ticket = sorted(range(len(leaves)), key=pupil_tickets.__getitem__)  # once, stable
    queues: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i in by_ticket:
        if group_of[i] < 0:
            queues[(leaves[i].stratum, SEX_KEY[leaves[i].sex])].append(i)
    taken: dict[tuple[str, str], int] = defaultdict(int)
    for c, row in enumerate(picks):
        for s, (a, b) in zip([*pb.strata, ""], row, strict=True):
            for cell, count in (((s, "F"), a), ((s, "M"), b)):
                for i in queues[cell][taken[cell] : taken[cell] + count]:
                    group_of[i] = c
                taken[cell] += count
    groups: list[list[int]] = [[] for _ in range(pb.k)]
    for i in by_ticket:
        groups[group_of[i]].append(i)
    check_groups(leaves, groups, pb.st, pb.cap, pb.tolerance)
    return tuple(tuple(g) for g in groups)


def check_groups(
    leaves: Sequence[PublicLeaf],
    groups: Sequence[Sequence[int]],
    st: Structure,
    cap: int,
    tolerance: int,
) -> None:
    """The properties the spec promises (§6.6); a failure is a refusal, never a bad list."""
    where = {i: g for g, members in enumerate(groups) for i in members}
    if len(where) != len(leaves) or sum(len(g) for g in groups) != len(leaves):
        raise Infeasible("有学生未被分配或被重复分配", "a pupil is unplaced or placed twice")
    sizes = [len(g) for g in groups]
    if max(sizes) - min(sizes) > tolerance or max(sizes) > cap:
        raise Infeasible("各班人数无法均衡", "class sizes cannot be balanced")
    widened = widened_sets(st, leaves, tolerance)
    per: dict[str, list[int]] = defaultdict(lambda: [0] * len(groups))
    for g, members in enumerate(groups):  # each leaf in exactly one group, checked above
        count = Counter([SEX_KEY[leaves[i].sex] for i in members])
        count.update("s:" + code for i in members if (code := leaves[i].stratum))
        for key, v in count.items():
            per[key][g] = v
    for key, counts in per.items():
        if max(counts) - min(counts) > (tolerance if key in widened else 1):
            raise Infeasible("各班性别或分层人数无法均衡", f"balance set {key} is uneven")
    if any(len({where[i] for i in unit}) != 1 for unit in st.units):
        raise Infeasible("同班要求未满足", "a same-class wish is not met")
    if any(len({where[i] for i in group}) != len(group) for group in st.apart):
        raise Infeasible("分班要求未满足", "an apart rule is not met")


def match_teams(
    groups: Sequence[Sequence[int]], teams: TeamCommitment, final_seed: bytes
) -> tuple[PlacedClass, ...]:
    """双随机: group g gets the team with the g-th smallest team ticket."""
    team_tickets = tickets(TAG_TEAM_TICKET, final_seed, teams.leaf_hashes)
    order = sorted(range(len(teams.teams)), key=team_tickets.__getitem__)
    placed = [
        PlacedClass(
            number=teams.teams[t].number,
            label=teams.teams[t].label,
            team_leaf=teams.leaf_hashes[t],
            pupils=tuple(groups[g]),
        )
        for g, t in enumerate(order)
    ]
    return tuple(sorted(placed, key=lambda p: p.number))


def plan(leaves: Sequence[PublicLeaf], k: int, cap: int) -> _Problem:
    """Decide τ (spec §6.5) and return the problem the deal will solve.

    Depends on counts and structure only, so it is the same for every seed; the
    ``Infeasible`` raised here is the refusal an operator sees before committing.
    """
    if k < 1:
        raise Infeasible("没有教师团队", "no teacher teams were filed")
    st = structure(leaves, k)
    pb = _problem(leaves, st, k, cap, 1)
    try:
        _layout(pb, [s for b in st.blocks for s in b.specials])
    except Infeasible:
        if not st.units:
            raise
        pb = _problem(leaves, st, k, cap, 2)
        _layout(pb, [s for b in st.blocks for s in b.specials])
    return pb


def problem(leaves: Sequence[PublicLeaf], k: int, cap: int, tolerance: int) -> _Problem:
    """The counts and structure phases 1 and 2 work on, for a given τ (for replayers)."""
    if k < 1:
        raise Infeasible("没有教师团队", "no teacher teams were filed")
    return _problem(leaves, structure(leaves, k), k, cap, tolerance)


def _structural(
    leaves: Sequence[PublicLeaf], k: int, cap: int, tolerance: int
) -> tuple[_Problem, list[Special]]:
    """The problem and its specials in structural order (all tickets equal)."""
    pb = problem(leaves, k, cap, tolerance)
    return pb, [s for b in pb.st.blocks for s in b.specials]


def size_tolerance(leaves: Sequence[PublicLeaf], k: int, cap: int) -> int:
    """τ: 1, or 2 when (and only when) 同班 units make 1 impossible (spec §6.5)."""
    return plan(leaves, k, cap).tolerance


def deal(
    leaves: Sequence[PublicLeaf],
    leaf_hashes: Sequence[bytes],
    teams: TeamCommitment,
    final_seed: bytes,
    cap: int,
    tolerance: int | None = None,
) -> Placement:
    """The whole draw: tickets, groups, then teams (spec §6).

    ``tolerance`` is the announced τ: when it is 1 the search for τ is skipped (a
    successful deal at τ = 1 is exactly what §6.5 would have chosen); when it is 2,
    §6.5 runs to confirm that τ = 1 is impossible.
    """
    if tolerance == 1:
        pb = problem(leaves, len(teams.teams), cap, 1)
    else:
        pb = plan(leaves, len(teams.teams), cap)
    pupil_tickets = tickets(TAG_TICKET, final_seed, leaf_hashes)
    groups = _deal(pb, pupil_tickets)
    classes = match_teams(groups, teams, final_seed)
    return Placement(final_seed, pb.tolerance, groups, classes, pb.st)
