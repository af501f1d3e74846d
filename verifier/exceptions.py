"""Exceptions after the draw (spec Part E, §E4): the whole history, replayed.

From the signed result (v1 amendments applied), each decision is taken in log order
with its request; approvals are checked against the rules of §E3 (the class of an
added pupil recomputed by ``late-placement/1``), applied, and the caps checked after
every step. Every class statement version must be the state its exception left, so a
pupil moved without an approved exception fails ``exceptions.statements``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from placement.canonical import Json, canonical_json, tagged_hash
from placement.commitment import private_tag
from placement.documents import digest
from placement.errors import PlacementError
from placement.exceptions import (
    APPROVER_ROLE,
    DECISION_TYPE,
    REQUEST_TYPE,
    ExceptionError,
    Kind,
    Request,
    Ruling,
    Waiver,
    parse_decision,
    parse_request,
)
from placement.history import RULE, Setting, State, Step, apply, cap_problems, start, start_v2
from placement.history import statement_version as expected_version
from placement.keyring import CST
from placement.tlog import Event
from verifier.checks import Catalogue, Passed, first, optional_skip, require
from verifier.errors import Failed, Need
from verifier.formats import moment
from verifier.log import current
from verifier.record import BundleRecord
from verifier.signatures import verify_jws

checks: Catalogue[BundleRecord] = Catalogue()
_PATH = re.compile(r"exceptions/([1-9][0-9]*)\.(request|decision)\.jws")
LATE_PRIVATE = "private/late-leaves.json"
VERSION = re.compile(r"statements/([0-9]{2,})\.v([1-9][0-9]*)\.jws")


@dataclass(frozen=True, slots=True)
class Logged:
    number: int
    request: Request
    request_doc: dict[str, Json]
    requested_at: str
    ruling: Ruling | None
    decided_at: str | None


def _any(rec: BundleRecord) -> bool:
    members = rec.members()
    return any(_PATH.fullmatch(p) or VERSION.fullmatch(p) for p in members) or any(
        str(e["event"]) in {Event.REQUESTED, Event.DECIDED} for _, e in rec.entries()
    )


def _history(rec: BundleRecord) -> list[Logged]:
    """The exceptions in number order, each checked against the log (§E4 step 1)."""
    return rec.once("exceptions.history", lambda: _read(rec))


def _logged(rec: BundleRecord) -> list[Logged]:
    """The history, for the checks after ``exceptions.order``: skipped when it fails there."""
    try:
        return _history(rec)
    except Failed as e:
        raise Need(
            "未核对：例外日志检查未通过",
            "not checked: exceptions.order failed",
            part="log",
            cause=e,
        ) from e


def _read(rec: BundleRecord) -> list[Logged]:
    if not _any(rec):
        raise optional_skip("派位后没有例外", "there are no exceptions after the draw")
    rec.drawn()
    segment = current(rec)
    result = rec.result_digest().hex()
    draw = rec.manifest().draw
    requested: dict[int, tuple[str, str]] = {}
    decided: dict[int, tuple[str, str, str]] = {}
    for index, e in segment:
        detail = e["detail"]
        assert isinstance(detail, dict)
        if e["event"] == Event.REQUESTED:
            n = int(str(detail["number"]))
            require(
                n == len(requested) + 1,
                f"第 {index} 条日志：申请编号应为 {len(requested) + 1}，实为 {n}",
                f"log entry {index}: request number {n}, expected {len(requested) + 1}",
            )
            requested[n] = (str(detail["digest"]), str(e["time"]))
        elif e["event"] == Event.DECIDED:
            n = int(str(detail["number"]))
            require(
                n in requested and n not in decided,
                f"第 {index} 条日志：第 {n} 号决定没有在先的申请，或重复",
                f"log entry {index}: decision {n} has no earlier request, or repeats",
            )
            decided[n] = (str(detail["digest"]), str(detail["decision"]), str(e["time"]))
    paths = {m.group(1, 2): p for p in rec.members() if (m := _PATH.fullmatch(p))}
    want = {(str(n), "request") for n in requested} | {(str(n), "decision") for n in decided}
    extra = sorted(paths[k] for k in set(paths) - want)
    missing = sorted(f"exceptions/{n}.{w}.jws" for n, w in want - set(paths))
    require(
        not extra and not missing,
        f"例外文件与日志不符：多出 {extra}，缺少 {missing}",
        f"exception files differ from the log: extra {extra}, missing {missing}",
    )
    out: dict[int, Logged] = {}
    for n, (logged, at) in requested.items():
        path = f"exceptions/{n}.request.jws"
        doc = rec.document(path)
        try:
            req = parse_request(doc)
        except ExceptionError as e:
            raise _failed(e, path) from e
        require(
            digest(doc).hex() == logged
            and req.number == n
            and req.result == result
            and req.draw == draw,
            f"{path} 与日志、编号或本结果不符",
            f"{path} differs from the log, its number or this result",
        )
        out[n] = Logged(n, req, doc, at, None, None)
    order = [n for _, e in segment if e["event"] == Event.DECIDED for n in [_number(e)]]
    for n in order:
        logged, decision, at = decided[n]
        path = f"exceptions/{n}.decision.jws"
        doc = rec.document(path)
        try:
            ruling = parse_decision(doc)
        except ExceptionError as e:
            raise _failed(e, path) from e
        require(
            digest(doc).hex() == logged
            and ruling.decision.value == decision
            and ruling.number == n
            and ruling.request == digest(out[n].request_doc).hex(),
            f"{path} 与日志或其申请不符",
            f"{path} differs from the log or from its request",
        )
        out[n] = Logged(n, out[n].request, out[n].request_doc, out[n].requested_at, ruling, at)
    # Decisions are replayed in log order, which is their order in ``order``.
    rank = {n: j for j, n in enumerate(order)}
    return sorted(out.values(), key=lambda x: (rank.get(x.number, len(rank)), x.number))


def _number(e: dict[str, Json]) -> int:
    detail = e["detail"]
    assert isinstance(detail, dict)
    return int(str(detail["number"]))


def _failed(e: ExceptionError, path: str) -> Failed:
    return Failed(f"{path}：{e.zh}", f"{path}: {e.en}")


@checks.check("exceptions.order", "例外申请与决定已入日志", "exceptions logged in order")
def _order(rec: BundleRecord) -> Passed:
    items = _history(rec)
    done = sum(1 for x in items if x.ruling is not None)
    return Passed(
        f"{len(items)} 项例外申请、{done} 项决定均已按顺序记入日志，摘要与文件一致",
        f"{len(items)} exception requests and {done} decisions are logged in order and match "
        "their documents",
    )


@checks.check("exceptions.approvals", "例外的签名与批准", "exception signatures and approvals")
def _approvals(rec: BundleRecord) -> Passed:
    items = _logged(rec)
    ring = rec.keyring()
    problems: list[tuple[str, str]] = []
    for x in items:
        n = x.number
        for kind, expected in (("request", REQUEST_TYPE), ("decision", DECISION_TYPE)):
            if kind == "decision" and x.ruling is None:
                continue
            path = f"exceptions/{n}.{kind}.jws"
            try:
                verify_jws(rec.text(path), ring, expected_type=expected, cache=rec.jws_documents)
            except Failed as e:
                problems.append((f"{path}：{e.zh}", f"{path}: {e.en}"))
        r = x.ruling
        if r is None:
            continue
        assert x.decided_at is not None
        day = moment(x.decided_at).astimezone(CST).date()
        if r.decided_on != day or r.decided_on < x.request.requested_on:
            problems.append(
                (
                    f"第 {n} 号决定的日期与日志不符或早于申请",
                    f"decision {n} is dated unlike its log entry, or before its request",
                )
            )
    if problems:
        raise first(problems)
    approved = sum(1 for x in items if x.ruling is not None and x.ruling.approved)
    refused = sum(1 for x in items if x.ruling is not None and not x.ruling.approved)
    return Passed(
        f"申请与决定均由教育局密钥签名；{approved} 项由{APPROVER_ROLE}批准，{refused} 项不予批准",
        f"requests and decisions are signed by bureau keys; {approved} approved and "
        f"{refused} refused by a {APPROVER_ROLE}",
    )


@dataclass(frozen=True, slots=True)
class Replay:
    states: tuple[State, ...]  # after the draw, then after each decision in log order
    steps: tuple[Step, ...]
    setting: Setting


def _setting(rec: BundleRecord) -> Setting:
    res, ann, cer = rec.result(), rec.announcement(), rec.ceremony()
    return Setting(
        cap=ann.class_cap,
        tolerance=res.size_tolerance,
        final_seed=bytes.fromhex(res.final_seed),
        drawn_on=moment(cer.revealed_at).astimezone(CST).date(),
    )


def _start(rec: BundleRecord) -> State:
    res = rec.result()
    if rec.announcement().version == 2:  # members from the statements (§E5)
        require(
            not rec.amendments(),
            "v2 记录有旧式调整记录时不能有例外",
            "a v2 record with an amendment takes no exception (§E5)",
        )
        docs = rec.statements()
        rows = []
        for c in res.classes:
            pupils = docs.get(f"statements/{c.number:02d}.jws", {}).get("pupils")
            assert isinstance(pupils, list)
            rows.append(
                (c.number, c.label, [(str(p[0]), str(p[1])) for p in pupils if isinstance(p, list)])
            )
        return start_v2(rows, rec.teams().teams)
    moves = []
    for doc in rec.amendments().values():
        changes = doc["changes"]
        assert isinstance(changes, list)
        moves += [(int(str(c["pupil"])), int(str(c["to"]))) for c in changes if isinstance(c, dict)]
    return start(
        rec.leaves(),
        [(c.number, c.label, c.pupils) for c in res.classes],
        rec.teams().teams,
        moves,
    )


def _replay(rec: BundleRecord) -> Replay:
    return rec.once("exceptions.replay", lambda: _run(rec))


def _replayed(rec: BundleRecord) -> Replay:
    """The replay, for the checks after ``exceptions.rules``: skipped when it fails there."""
    try:
        return _replay(rec)
    except Failed as e:
        raise Need(
            "未核对：例外规则检查未通过",
            "not checked: exceptions.rules failed",
            part="replay",
            cause=e,
        ) from e


def _run(rec: BundleRecord) -> Replay:
    items = _logged(rec)
    cfg = _setting(rec)
    states, steps = [_start(rec)], []
    for x in items:
        if x.ruling is None:
            continue
        try:
            after, step = apply(states[-1], cfg, x.request, x.ruling)
        except ExceptionError as e:
            raise Failed(
                f"第 {x.number} 号例外（{x.request.kind.zh}）违反规则：{e.zh}",
                f"exception {x.number} ({x.request.kind}) breaks a rule: {e.en}",
            ) from e
        except PlacementError as e:
            raise Failed(
                f"第 {x.number} 号例外无法重放", f"exception {x.number} cannot be replayed: {e}"
            ) from e
        states.append(after)
        steps.append(step)
    return Replay(tuple(states), tuple(steps), cfg)


@checks.check(
    "exceptions.rules", "例外符合规则（补录重算）", "exception rules (late placement recomputed)"
)
def _rules(rec: BundleRecord) -> Passed:
    rp = _replay(rec)
    placed = [s for s in rp.steps if s.added is not None]
    twins = sum(1 for x in _logged(rec) if x.ruling and x.ruling.approved and x.request.twin_of)
    return Passed(
        f"{len(rp.steps)} 项决定依次重放均符合规则；"
        f"{len(placed)} 名新增学生的班级按 {RULE} 重算一致"
        + (f"（其中 {twins} 名按 §E7 与双胞胎同班）" if twins else ""),
        f"{len(rp.steps)} decisions replay under the rules of §E3; the classes of "
        f"{len(placed)} added pupils recomputed by {RULE} agree"
        + (f" ({twins} of them placed with their twin by §E7)" if twins else ""),
    )


@checks.check("exceptions.caps", "每步后的班额与均衡", "caps and balance after each step")
def _caps(rec: BundleRecord) -> Passed:
    rp = _replayed(rec)
    items = [x for x in _logged(rec) if x.ruling is not None]
    problems: list[tuple[str, str]] = []
    for x, before, after in zip(items, rp.states[:-1], rp.states[1:], strict=True):
        assert x.ruling is not None
        waived = Waiver.CAP in x.ruling.waivers
        problems += [
            (f"第 {x.number} 号例外后：{zh}", f"after exception {x.number}: {en}")
            for zh, en in cap_problems(before, after, rp.setting.cap, waived=waived)
        ]
    if problems:
        raise first(problems)
    outside = [s.number for s in rp.steps if not s.balanced]
    spread = rp.steps[-1].spread if rp.steps else {}
    shown = ", ".join(f"{k} {v}" for k, v in spread.items())
    note_zh = (
        f"；第 {outside} 号例外后均衡超出 §6.6 范围" if outside else "；每步后均在 §6.6 范围内"
    )
    note_en = (
        f"; outside §6.6 after exceptions {outside}"
        if outside
        else "; within §6.6 after every step"
    )
    return Passed(
        f"每步后每名学生恰在一个班，未豁免时无班级超过班额 {rp.setting.cap}"
        f"{note_zh}；当前极差 {shown}",
        f"after every step each pupil is in one class and no class exceeds the cap "
        f"{rp.setting.cap} unless waived{note_en}; spreads now: {shown}",
    )


@checks.check(
    "exceptions.statements", "名单新版本与例外一致", "statement versions match the exceptions"
)
def _statements(rec: BundleRecord) -> Passed:
    rp = _replayed(rec)
    ann = rec.announcement()
    result = rec.result_digest().hex()
    want: dict[str, dict[str, Json]] = {}
    for step, state in zip(rp.steps, rp.states[1:], strict=True):
        for c in step.changed:
            doc = expected_version(
                state,
                c,
                draw_id=ann.draw_id,
                school=ann.school,
                intake=ann.intake,
                result_digest=result,
            )
            want[f"statements/{c:02d}.v{doc['version']}.jws"] = doc
    have = [p for p in rec.members() if VERSION.fullmatch(p)]
    problems = [
        (f"{p} 没有对应的已批准例外", f"{p} has no approved exception behind it")
        for p in sorted(set(have) - set(want))
    ]
    problems += [(f"缺少 {p}", f"{p} is missing") for p in sorted(set(want) - set(have))]
    for p in sorted(set(have) & set(want)):
        doc = rec.document(p)
        if doc != want[p]:
            n = want[p]["exception"]
            problems.append(
                (
                    f"{p} 与第 {n} 号例外后的班级不符（名单被私自改动）",
                    f"{p} differs from the class after exception {n} (changed without approval)",
                )
            )
    if problems:
        raise first(problems)
    return Passed(
        f"{len(want)} 份名单新版本与重放后的班级一致；旧版本仍可核验，已标为被取代",
        f"all {len(want)} statement versions equal the replayed classes; earlier versions "
        "still verify and are superseded",
    )


@checks.check(
    "exceptions.private", "存档：新增学生的私密信息", "archive: added pupils' private parts"
)
def _private(rec: BundleRecord) -> Passed:
    rp = _replayed(rec)
    added = {s.added: rp.states[-1].leaves[s.added] for s in rp.steps if s.added is not None}
    if rec.manifest().kind != "archive":
        raise optional_skip("公开包不含私密信息", "a public bundle holds no private data")
    v2 = rec.announcement().version == 2
    raw = rec.json(LATE_PRIVATE) if added or LATE_PRIVATE in rec.members() else {}
    require(
        isinstance(raw, dict) and set(raw) == {str(i) for i in added},
        f"{LATE_PRIVATE} 应恰好列出新增学生",
        f"{LATE_PRIVATE} must list exactly the added pupils",
    )
    assert isinstance(raw, dict)
    tag = private_tag(2 if v2 else 1)
    bad = [
        i
        for i, leaf in added.items()
        if tagged_hash(tag, canonical_json(raw[str(i)])) != leaf.private
        # v2: the private part also carries the name the request and statement show
        or (v2 and _name_of(raw[str(i)]) != leaf.name)
    ]
    require(
        not bad,
        f"新增学生 {bad} 的私密信息与叶子不符",
        f"the private parts of added pupils {bad} do not open their leaves",
    )
    return Passed(
        f"{len(added)} 名新增学生的私密信息均可打开其叶子",
        f"the private parts of all {len(added)} added pupils open their leaves",
    )


def _name_of(private: Json) -> Json:
    return private.get("name") if isinstance(private, dict) else None


def superseded(rec: BundleRecord) -> dict[int, int]:
    """Class number → its latest statement version (1 when never changed)."""
    latest: dict[int, int] = {}
    for p in rec.members():
        m = VERSION.fullmatch(p)
        if m:
            c, v = int(m.group(1)), int(m.group(2))
            latest[c] = max(latest.get(c, 1), v)
    return latest


__all__ = ["Kind", "checks", "superseded"]
