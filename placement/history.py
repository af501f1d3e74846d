"""Replaying exceptions after the draw (spec §E3–§E4): the classes as they are now.

The state starts from the signed result; each approved exception is checked against
its rules and applied. ``late-placement/1`` (the class an added pupil gets) is here,
so the service that approves and the verifier that replays compute the same class.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from placement.canonical import Json
from placement.commitment import PublicLeaf
from placement.documents import CLASS_STATEMENT_TYPE, CLASS_STATEMENT_TYPE_V2
from placement.exceptions import ExceptionError, Kind, Request, Ruling, Waiver
from placement.roster import Sex, TwinWish
from placement.teams import Team

TAG_LATE_TICKET = "sunshine-placement/v1/late-ticket"
RULE = "late-placement/1"


@dataclass(frozen=True, slots=True)
class ClassState:
    number: int
    label: str
    pupils: tuple[int, ...]  # leaf indices: result order, removed left out, added appended
    team: Team
    version: int = 1  # statement version; 1 is the statement signed with the result
    exception: int | None = None  # the exception that made the current version


@dataclass(frozen=True, slots=True)
class Setting:
    """What the announcement and the draw fix for every later step."""

    cap: int
    tolerance: int
    final_seed: bytes
    drawn_on: date  # the ceremony's revealed_at in UTC+08:00


@dataclass(frozen=True, slots=True)
class State:
    """v1: ``leaves`` are the roster's leaves. v2 (§E5): the public record pairs no name
    with a leaf, so the replay counts *members* instead — one per pupil of the class
    statements (class order, then statement order) with name and sex and no codes — and
    added pupils' leaves (with the request's name) after them."""

    leaves: tuple[PublicLeaf, ...]  # roster leaves (v1) or members (v2), then added pupils
    classes: tuple[ClassState, ...]  # by class number
    version: int = 1
    added: tuple[tuple[int, int], ...] = ()  # (exception number, leaf index) per addition

    def class_of(self) -> dict[int, int]:
        """Leaf index → current class number (pupils transferred out are absent)."""
        return {i: c.number for c in self.classes for i in c.pupils}

    def get(self, number: int) -> ClassState | None:
        return next((c for c in self.classes if c.number == number), None)


@dataclass(frozen=True, slots=True)
class Step:
    """What one approved exception did, for the verifier's report and the service."""

    number: int
    kind: Kind
    changed: tuple[int, ...]  # class numbers that got a new statement version
    added: int | None  # leaf index of an added pupil
    spread: Mapping[str, int]  # §6.6 spreads after the step
    balanced: bool  # spreads within §6.6's bounds after the step


def start(
    leaves: Sequence[PublicLeaf],
    classes: Iterable[tuple[int, str, Sequence[int]]],
    teams: Sequence[Team],
    moves: Iterable[tuple[int, int]] = (),
) -> State:
    """The state after the draw: (number, label, pupils) per class of the result, the
    filed teams, and the v1 amendments' moves (pupil, to class) in order (§E4)."""
    team = {t.number: t for t in teams}
    labels: dict[int, str] = {}
    rows: dict[int, list[int]] = {}
    for n, label, pupils in classes:
        labels[n], rows[n] = label, list(pupils)
    for pupil, to in moves:
        for members in rows.values():
            if pupil in members:
                members.remove(pupil)
        rows[to].append(pupil)
    return State(
        tuple(leaves),
        tuple(ClassState(n, labels[n], tuple(rows[n]), team[n]) for n in sorted(rows)),
    )


def start_v2(
    classes: Iterable[tuple[int, str, Sequence[tuple[str, str]]]], teams: Sequence[Team]
) -> State:
    """The state after a v2 draw (§E5): (number, label, [name, sex] pairs of the signed
    statement) per class; a member's index is its place in class, then statement order,
    so it follows from public data and pairs no name with a leaf."""
    team = {t.number: t for t in teams}
    members: list[PublicLeaf] = []
    rows: list[ClassState] = []
    for n, label, pairs in sorted(classes):
        first = len(members)
        members += [
            PublicLeaf(name, Sex(sex), "", "", TwinWish.NONE, bytes(32), version=2)
            for name, sex in pairs
        ]
        rows.append(ClassState(n, label, tuple(range(first, len(members))), team[n]))
    return State(tuple(members), tuple(rows), version=2)


def find(state: State, class_number: int, named: tuple[str, str]) -> int | None:
    """The member of a class with this [name, sex] (v2; 重名 keeps names apart in a class)."""
    c = state.get(class_number)
    hits = [
        i
        for i in (c.pupils if c else ())
        if (state.leaves[i].name, state.leaves[i].sex.value) == named
    ]
    return hits[0] if len(hits) == 1 else None


def late_ticket(final_seed: bytes, number: int, class_number: int) -> bytes:
    """H(late-ticket, final_seed ‖ u32be(n) ‖ u32be(c)) (§E3)."""
    tag = TAG_LATE_TICKET.encode("ascii")
    data = final_seed + number.to_bytes(4, "big") + class_number.to_bytes(4, "big")
    return hashlib.sha256(bytes([len(tag)]) + tag + data).digest()


def _sets(leaf: PublicLeaf) -> list[str]:
    return ["*", leaf.sex.value] + (["s:" + leaf.stratum] if leaf.stratum else [])


def counts(state: State) -> dict[str, list[int]]:
    """Pupils of each balance set per class, in class order."""
    out: dict[str, list[int]] = {"*": [], "F": [], "M": []}
    k = len(state.classes)
    for key in ("*", "F", "M"):
        out[key] = [0] * k
    for j, c in enumerate(state.classes):
        for i in c.pupils:
            for key in _sets(state.leaves[i]):
                out.setdefault(key, [0] * k)[j] += 1
    return out


def bound(key: str, tolerance: int) -> int:
    return tolerance if key == "*" else 1


def spreads(state: State) -> dict[str, int]:
    return {key: max(v) - min(v) for key, v in sorted(counts(state).items())}


def balanced(state: State, tolerance: int) -> bool:
    return all(v <= bound(key, tolerance) for key, v in spreads(state).items())


LateKey = tuple[int, int, int, int, bytes]


def late_keys(
    state: State, setting: Setting, leaf: PublicLeaf, number: int, *, waive_cap: bool
) -> dict[int, LateKey]:
    """The key of every candidate class (§E3), by class number."""
    per = counts(state)
    sets = _sets(leaf)
    keys: dict[int, LateKey] = {}
    for j, c in enumerate(state.classes):
        full = len(c.pupils) >= setting.cap
        if (full and not waive_cap) or any(state.leaves[i].name == leaf.name for i in c.pupils):
            continue
        excess = 0
        for key in sets:
            after = list(per.get(key, [0] * len(state.classes)))
            after[j] += 1
            excess += max(0, max(after) - min(after) - bound(key, setting.tolerance))
        stratum = per.get("s:" + leaf.stratum, [0] * len(state.classes))[j] if leaf.stratum else 0
        sex = per[leaf.sex.value][j]
        ticket = late_ticket(setting.final_seed, number, c.number)
        keys[c.number] = (excess, len(c.pupils), sex, stratum, ticket)
    return keys


def late_class(
    state: State, setting: Setting, leaf: PublicLeaf, number: int, *, waive_cap: bool
) -> int | None:
    """``late-placement/1``: the candidate with the smallest key, or None."""
    keys = late_keys(state, setting, leaf, number, waive_cap=waive_cap)
    return min(keys, key=keys.__getitem__) if keys else None


def twin_class(state: State, leaf: PublicLeaf, twin_of: int) -> int:
    """§E7: the class that now holds the pupil added by exception ``twin_of``."""
    index = dict(state.added).get(twin_of)
    if index is None:
        raise _refuse(
            f"第{twin_of}号例外不是在先已批准的补录或转入，无法同班安排",
            f"exception {twin_of} is not an earlier approved late placement or transfer in",
        )
    where = state.class_of().get(index)
    if where is None:
        raise _refuse(
            f"第{twin_of}号例外新增的学生已不在任何班（已转出），无法同班安排",
            f"the pupil added by exception {twin_of} is in no class any more (transferred out)",
        )
    c = state.get(where)
    if c is not None and any(state.leaves[i].name == leaf.name for i in c.pupils):
        raise _refuse(
            f"双胞胎所在的第{where}班已有同名学生（重名须分班）",
            f"the twin's class {where} already holds a pupil of the same name",
        )
    return where


def placement(state: State, setting: Setting, req: Request, *, waive_cap: bool) -> int | None:
    """The class an approval of an adding request gives: the twin's (§E7) or
    ``late-placement/1``'s (§E3); None when no class can take the pupil."""
    leaf = req.member()
    assert leaf is not None
    if req.twin_of is not None:
        return twin_class(state, leaf, req.twin_of)
    return late_class(state, setting, leaf, req.number, waive_cap=waive_cap)


def first_year(drawn_on: date, day: date) -> bool:
    """Is ``day`` in the first year after the draw (§E3)?"""
    try:
        end = drawn_on.replace(year=drawn_on.year + 1)
    except ValueError:  # 29 February
        end = date(drawn_on.year + 1, 3, 1)
    return day < end


def all_full(state: State, cap: int) -> bool:
    return all(len(c.pupils) >= cap for c in state.classes)


def _refuse(zh: str, en: str) -> ExceptionError:
    return ExceptionError(zh, en)


def allowed_waivers(state: State, setting: Setting, req: Request, day: date) -> frozenset[Waiver]:
    """The waivers an approval of ``req`` on ``day`` must carry (exactly these)."""
    out: set[Waiver] = set()
    if req.kind.adds and req.twin_of is not None and req.leaf is not None:
        twin = state.get(twin_class(state, req.member() or req.leaf, req.twin_of))
        if twin is not None and len(twin.pupils) >= setting.cap:  # §E7: the twin's class only
            out.add(Waiver.CAP)
    elif req.kind.adds and all_full(state, setting.cap):
        out.add(Waiver.CAP)
    if req.kind in {Kind.TRANSFER_IN, Kind.TRANSFER_OUT} and first_year(setting.drawn_on, day):
        out.add(Waiver.FIRST_YEAR)
    return frozenset(out)


def check_waivers(state: State, setting: Setting, req: Request, ruling: Ruling) -> None:
    need = allowed_waivers(state, setting, req, ruling.decided_on)
    if ruling.waivers == need:
        return
    if Waiver.FIRST_YEAR in need - ruling.waivers:
        raise _refuse(
            f"派位后一年内（{setting.drawn_on} 起）不允许转学，除非教育局批准豁免并写明理由",
            f"no transfer in the first year after the draw ({setting.drawn_on}) unless the "
            "bureau approves a waiver with a reason",
        )
    if Waiver.CAP in need - ruling.waivers and req.twin_of is not None:
        raise _refuse(
            f"双胞胎所在班已满额（{setting.cap} 人）；须教育局批准超额豁免",
            f"the twin's class is at the cap ({setting.cap}) unless the bureau waives the cap",
        )
    if Waiver.CAP in need - ruling.waivers:
        raise _refuse(
            f"各班均已满额（{setting.cap} 人），没有学位空缺；须教育局批准超额豁免",
            f"every class is at the cap ({setting.cap}): no vacancy unless the bureau "
            "waives the cap",
        )
    extra = ", ".join(sorted(w.value for w in ruling.waivers - need))
    raise _refuse(f"豁免项 {extra} 不适用", f"waiver {extra} does not apply here")


@dataclass(slots=True)
class _Edit:
    """The classes being changed by one approval (mutable while it is applied)."""

    rows: dict[int, list[int]]
    teams: dict[int, Team]
    leaves: tuple[PublicLeaf, ...]
    changed: list[int]
    added: int | None = None


def _add(state: State, setting: Setting, req: Request, ruling: Ruling, e: _Edit) -> None:
    leaf = req.member()
    assert leaf is not None
    if leaf.version != state.version:
        raise _refuse(
            f"新增学生的叶子须为 v{state.version}", f"the added leaf must be v{state.version}"
        )
    placed = placement(state, setting, req, waive_cap=Waiver.CAP in ruling.waivers)
    if placed is None:
        raise _refuse(
            "没有可安排的班级（均已满额或有同名学生）",
            "no class can take the pupil (all full, or each holds the same name)",
        )
    if ruling.placed != placed and req.twin_of is not None:
        raise _refuse(
            f"双胞胎（第{req.twin_of}号例外）在第{placed}班，决定写的是第{ruling.placed}班",
            f"the twin (exception {req.twin_of}) is in class {placed}, the decision says "
            f"{ruling.placed} (§E7)",
        )
    if ruling.placed != placed:
        raise _refuse(
            f"按 {RULE} 应安排在第{placed}班，决定写的是第{ruling.placed}班",
            f"{RULE} places the pupil in class {placed}, the decision says {ruling.placed}",
        )
    e.added = len(e.leaves)
    e.leaves = (*e.leaves, leaf)
    e.rows[placed].append(e.added)
    e.changed.append(placed)


def _remove(state: State, _setting: Setting, req: Request, _ruling: Ruling, e: _Edit) -> None:
    pupil = -1 if req.pupil is None else req.pupil
    if req.named is not None and req.from_class is not None and state.version == 2:
        found = find(state, req.from_class, req.named)
        if found is None:
            raise _refuse(
                f"第{req.from_class}班名单中没有 {req.named[0]}（{req.named[1]}）",
                f"class {req.from_class} lists no {req.named[0]} ({req.named[1]})",
            )
        pupil = found
    elif (req.named is None) != (state.version == 1):
        raise _refuse("申请的形式与记录版本不符", "the request's form does not fit the record")
    where = state.class_of().get(pupil)
    if where is None:
        raise _refuse(f"学生 {req.pupil} 不在任何班", f"pupil {req.pupil} is in no class")
    e.rows[where].remove(pupil)
    e.changed.append(where)


def _correct(state: State, setting: Setting, req: Request, _ruling: Ruling, e: _Edit) -> None:
    where = state.class_of()
    for m in req.moves:
        if (m.named is None) != (state.version == 1):
            raise _refuse("申请的形式与记录版本不符", "the request's form does not fit the record")
        if m.named is not None:
            now = State(
                state.leaves,
                tuple(replace(c, pupils=tuple(e.rows[c.number])) for c in state.classes),
                2,
            )
            found = find(now, m.from_class, m.named)
            m = replace(m, pupil=-1 if found is None else found)  # noqa: PLW2901
        if (
            where.get(m.pupil) != m.from_class
            or m.to_class not in e.rows
            or m.to_class == (m.from_class)
        ):
            raise _refuse(
                f"学生 {m.pupil} 不在第{m.from_class}班，或目标班级无效",
                f"pupil {m.pupil} is not in class {m.from_class}, or the target is invalid",
            )
        e.rows[m.from_class].remove(m.pupil)
        if (
            any(e.leaves[i].name == e.leaves[m.pupil].name for i in e.rows[m.to_class])
            and state.version == 2
        ):
            raise _refuse(
                "目标班级有同名学生（重名须分班）", "the target class holds the same name"
            )
        e.rows[m.to_class].append(m.pupil)
        where[m.pupil] = m.to_class
        e.changed += [m.from_class, m.to_class]
    over = [n for n in sorted(set(e.changed)) if len(e.rows[n]) > setting.cap]
    if over:
        raise _refuse(
            f"更正后第{over[0]}班超过班额 {setting.cap}",
            f"after the correction class {over[0]} exceeds the cap {setting.cap}",
        )


def _reteam(state: State, _setting: Setting, req: Request, _ruling: Ruling, e: _Edit) -> None:
    team = req.team
    assert team is not None
    current = state.get(team.number)
    if current is None or current.label != team.label:
        raise _refuse(
            "更换教师须写明现有班级的编号与名称",
            "a teacher change names an existing class by number and label",
        )
    e.teams[team.number] = team
    e.changed.append(team.number)


_APPLY = {
    Kind.LATE: _add,
    Kind.TRANSFER_IN: _add,
    Kind.TRANSFER_OUT: _remove,
    Kind.CORRECTION: _correct,
    Kind.TEACHER_CHANGE: _reteam,
}


def apply(state: State, setting: Setting, req: Request, ruling: Ruling) -> tuple[State, Step]:
    """Check an approval against §E3 and apply it; raise ``ExceptionError`` if it breaks
    a rule. A refusal changes nothing."""
    if not ruling.approved:
        return state, Step(req.number, req.kind, (), None, spreads(state), balanced=True)
    check_waivers(state, setting, req, ruling)
    if ruling.placed is not None and not req.kind.adds:
        raise _refuse("此类例外的决定不写班级", f"a decision on a {req.kind} names no class")
    e = _Edit(
        rows={c.number: list(c.pupils) for c in state.classes},
        teams={c.number: c.team for c in state.classes},
        leaves=state.leaves,
        changed=[],
    )
    _APPLY[req.kind](state, setting, req, ruling, e)
    rows, teams, leaves, changed, added = e.rows, e.teams, e.leaves, e.changed, e.added
    new_classes = tuple(
        replace(
            c,
            pupils=tuple(rows[c.number]),
            team=teams[c.number],
            version=c.version + 1,
            exception=req.number,
        )
        if c.number in changed
        else c
        for c in state.classes
    )
    after = State(
        leaves,
        new_classes,
        state.version,
        state.added if added is None else (*state.added, (req.number, added)),
    )
    step = Step(
        req.number,
        req.kind,
        tuple(sorted(set(changed))),
        added,
        spreads(after),
        balanced=balanced(after, setting.tolerance),
    )
    return after, step


def cap_problems(before: State, after: State, cap: int, *, waived: bool) -> list[tuple[str, str]]:
    """§E4 step 4: every current pupil in one class; no class that grew is above the cap
    unless the step waived it."""
    problems: list[tuple[str, str]] = []
    seen: set[int] = set()
    for c in after.classes:
        for i in c.pupils:
            if i in seen or not 0 <= i < len(after.leaves):
                problems.append((f"学生 {i} 重复或不存在", f"pupil {i} is placed twice or unknown"))
            seen.add(i)
    if not waived:
        old = {c.number: len(c.pupils) for c in before.classes}
        problems += [
            (f"第{c.number}班超过班额 {cap}", f"class {c.number} exceeds the cap {cap}")
            for c in after.classes
            if len(c.pupils) > max(cap, old.get(c.number, 0))
        ]
    return problems


def statement_version(
    state: State,
    number: int,
    *,
    draw_id: str,
    school: str,
    intake: str,
    result_digest: str,
) -> dict[str, Json]:
    """Class ``number``'s statement as it is now (§E2), version ≥ 2."""
    c = state.get(number)
    assert c is not None
    assert c.exception is not None
    pairs = [(state.leaves[i].name, state.leaves[i].sex.value) for i in c.pupils]
    if state.version == 2:
        pairs.sort()  # a v2 statement lists (name, sex) in code-point order (§21.3)
    return {
        "class": c.number,
        "draw": draw_id,
        "exception": c.exception,
        "head_teacher": c.team.head_teacher,
        "intake": intake,
        "label": c.label,
        "pupils": [[name, sex] for name, sex in pairs],
        "result": result_digest,
        "school": school,
        "t": CLASS_STATEMENT_TYPE if state.version == 1 else CLASS_STATEMENT_TYPE_V2,
        "version": c.version,
    }
