"""Seed-independent structure of a roster for the deal (spec §6.2).

Twins wishing 同班 form one *unit*; 分班 twins and identical full names (重名)
form *separation groups*. Everything here depends on the public leaves only,
never on the seed, so a refusal is known before anything is committed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from placement.commitment import PublicLeaf
from placement.errors import Infeasible
from placement.quota import ALL
from placement.roster import Sex, TwinWish

# ``Sex.value`` is a Python-level enum property (~0.3 µs); a dict lookup is ~5× cheaper
# in the loops that run once per pupil.
SEX_KEY: Final = {sex: sex.value for sex in Sex}


def sets_of(leaf: PublicLeaf) -> tuple[str, ...]:
    """The balance sets a pupil belongs to besides ALL: its sex, and its stratum."""
    sex = SEX_KEY[leaf.sex]
    return (sex, "s:" + leaf.stratum) if leaf.stratum else (sex,)


@dataclass(frozen=True, slots=True)
class Special:
    """A unit dealt before everyone else: a 同班 group, or a pupil in a separation group."""

    members: tuple[int, ...]  # leaf indices, ascending
    signature: str  # sorted "sex:stratum" of the members, joined by ","
    groups: tuple[int, ...]  # indices into Structure.apart
    need: tuple[tuple[str, int], ...]  # pupils per balance set, ALL included


@dataclass(frozen=True, slots=True)
class Block:
    """Specials dealt one after another; ``rank`` orders blocks, tickets aside."""

    rank: tuple[int, str, int]  # (-pupils, composition, first separation group)
    specials: tuple[Special, ...]


@dataclass(frozen=True, slots=True)
class Structure:
    units: tuple[tuple[int, ...], ...]  # 同班 groups of two or more, by twin code
    apart: tuple[tuple[int, ...], ...]  # 分班 groups by twin code, then 重名 groups by name
    same_name: tuple[tuple[int, ...], ...]  # the 重名 groups alone
    blocks: tuple[Block, ...]  # phase 1, in rank order (ties are broken by tickets)


def structure(leaves: Sequence[PublicLeaf], k: int) -> Structure:
    by_twin: dict[str, list[int]] = defaultdict(list)
    for i in [i for i, leaf in enumerate(leaves) if leaf.twin]:
        by_twin[leaves[i].twin].append(i)
    # Only repeated names form groups: count in C, then list the few that repeat. The key
    # is ``PublicLeaf.name_key`` inlined (a method call per pupil costs more than the count):
    # the name (v1), or the same-name code (v2), None for a v2 leaf without one.
    names = [leaf.name if leaf.version == 1 else (leaf.same_name or None) for leaf in leaves]
    repeated = {name for name, n in Counter(names).items() if n > 1 and name is not None}
    by_name: dict[str, list[int]] = defaultdict(list)
    for i, name in enumerate(names):
        if name in repeated:
            by_name[name].append(i)
    head = list(range(len(leaves)))
    units = []
    for code in sorted(by_twin):
        members = by_twin[code]
        if leaves[members[0]].twin_wish is TwinWish.SAME and len(members) > 1:
            units.append(tuple(members))
            for i in members:
                head[i] = members[0]
    apart = [
        tuple(by_twin[c])
        for c in sorted(by_twin)
        if leaves[by_twin[c][0]].twin_wish is TwinWish.APART
    ]
    same_name = [tuple(by_name[name]) for name in sorted(by_name)]
    apart += same_name
    for group in apart:
        heads = [head[i] for i in group]
        first = leaves[group[0]].name_key() or leaves[group[0]].twin
        if len(set(heads)) != len(heads):
            raise Infeasible(
                f"同一同班单元中的学生又要求分到不同班（{first}）",
                f"pupils of one same-class unit must also be apart ({first})",
            )
        if len(heads) > k:
            raise Infeasible(
                f"需要分到不同班的学生（{first}等）有{len(heads)}人，多于班数{k}",
                f"{len(heads)} pupils ({first}) must be in different classes but there are {k}",
            )
    return Structure(
        tuple(units), tuple(apart), tuple(same_name), _blocks(leaves, head, units, apart)
    )


def _blocks(
    leaves: Sequence[PublicLeaf],
    head: list[int],
    units: list[tuple[int, ...]],
    apart: list[tuple[int, ...]],
) -> tuple[Block, ...]:
    """Specials grouped into blocks: separation groups sharing a unit are one block."""
    members_of = {u[0]: u for u in units}
    groups_of: dict[int, list[int]] = defaultdict(list)
    for g, group in enumerate(apart):
        for i in group:
            groups_of[head[i]].append(g)
    parent = {h: h for h in groups_of} | {u[0]: u[0] for u in units}

    def find(h: int) -> int:
        while parent[h] != h:
            parent[h] = parent[parent[h]]
            h = parent[h]
        return h

    for group in apart:
        for i in group[1:]:
            parent[find(head[i])] = find(head[group[0]])
    by_root: dict[int, list[Special]] = defaultdict(list)
    # A one-pupil special's signature and need depend on its (sex, stratum) alone.
    single: dict[tuple[str, str], tuple[str, tuple[tuple[str, int], ...]]] = {}
    for h in sorted(parent):
        mem = members_of.get(h)
        if mem is None:  # one pupil: most specials (重名 and 分班)
            mem = (h,)
            leaf = leaves[h]
            kind = (leaf.sex, leaf.stratum)
            if kind not in single:
                keys = (ALL, *sets_of(leaf))
                single[kind] = (
                    f"{SEX_KEY[leaf.sex]}:{leaf.stratum}",
                    tuple(sorted((k, 1) for k in keys)),
                )
            sig, need = single[kind]
        else:
            counts: dict[str, int] = defaultdict(int)
            for i in mem:
                counts[ALL] += 1
                for key in sets_of(leaves[i]):
                    counts[key] += 1
            sig = ",".join(sorted(f"{SEX_KEY[leaves[i].sex]}:{leaves[i].stratum}" for i in mem))
            need = tuple(sorted(counts.items()))
        by_root[find(h)].append(Special(mem, sig, tuple(groups_of.get(h, ())), need))

    blocks = []
    for block in by_root.values():
        size = sum(len(s.members) for s in block)
        first_group = min((g for s in block for g in s.groups), default=len(apart))
        rank = (-size, ";".join(sorted(s.signature for s in block)), first_group)
        blocks.append(Block(rank, tuple(sorted(block, key=lambda s: (s.signature, s.groups)))))
    return tuple(sorted(blocks, key=lambda b: (b.rank, b.specials[0].members)))
