"""Exceptions after the draw on a draw's record (spec Part E): request, then decide.

A request is signed and logged and changes nothing. A decision is checked by the
same replay a verifier runs (:mod:`placement.history`): an approval that breaks a
rule is refused before anything is stored; an approval that passes is signed,
logged, and re-signs the statements of the classes it changed as new versions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from placement.canonical import Json
from placement.commitment import PublicLeaf, private_commitment, private_json
from placement.documents import digest
from placement.exception_documents import added_receipt, decision_document, request_document
from placement.exceptions import (
    Decision,
    ExceptionError,
    Kind,
    Request,
    Ruling,
    Waiver,
    parse_decision,
    parse_request,
)
from placement.history import (
    Setting,
    State,
    Step,
    apply,
    find,
    placement,
    start,
    start_v2,
    statement_version,
    twin_class,
)
from placement.jws import parse
from placement.keyring import CST
from placement.roster import PupilRecord, TwinWish
from placement.tlog import Actor, Event, entry
from web.record.bundle import json_bytes
from web.record.draw import DrawRecord, Signers
from web.record.reading import RecordError, RecordReading

LATE_PRIVATE = "private/late-leaves.json"
PREFIX = "public/exceptions/"


@dataclass(frozen=True, slots=True)
class LateAdmission:
    """A pupil admitted after the draw (§E1): what a late review decision or a
    统筹安排 assignment hands over. ``basis`` is a late-placement category."""

    pupil: PupilRecord
    basis: str
    reference: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One exception as recorded: request, decision (None while pending), its step."""

    request: Request
    request_doc: dict[str, Json]
    ruling: Ruling | None
    decision_doc: dict[str, Json] | None
    step: Step | None


def _time(now: datetime) -> str:
    return now.isoformat(timespec="seconds")


def _signed(rec: RecordReading, name: str) -> dict[str, Json]:
    data = rec.store.get(name)
    if data is None:
        raise RecordError(f"记录缺少文件 {name} / the record has no {name}")
    return parse(data.decode()).document()


def _count(rec: RecordReading) -> int:
    return len(rec.store.names(PREFIX)) - len(
        [n for n in rec.store.names(PREFIX) if n.endswith(".decision.jws")]
    )


def setting(rec: RecordReading) -> Setting:
    ann = rec.document("announcement.jws")
    cer = rec.document("ceremony.jws")
    result = rec.document("result.jws")
    if ann is None or cer is None or result is None:
        raise RecordError("抽签尚未完成 / the draw has not been performed")
    drawn = datetime.fromisoformat(str(cer["revealed_at"])).astimezone(CST).date()
    return Setting(
        cap=int(str(ann["class_cap"])),
        tolerance=int(str(result["size_tolerance"])),
        final_seed=bytes.fromhex(str(result["final_seed"])),
        drawn_on=drawn,
    )


def _start(rec: RecordReading) -> State:
    result = rec.document("result.jws")
    assert result is not None
    classes = result["classes"]
    assert isinstance(classes, list)
    rows = [
        (int(str(c["number"])), str(c["label"]), [int(str(i)) for i in c["pupils"]])  # type: ignore[union-attr]
        for c in classes
        if isinstance(c, dict)
    ]
    if rec.version() == 2:  # members from the signed statements (§E5)
        return start_v2(
            [(n, label, _statement_pairs(rec, n)) for n, label, _ in rows], rec.teams().teams
        )
    moves = [
        (int(str(ch["pupil"])), int(str(ch["to"])))
        for doc in rec.amendments()
        for ch in doc["changes"]  # type: ignore[union-attr]
        if isinstance(ch, dict)
    ]
    return start(rec.leaves(), rows, rec.teams().teams, moves)


def _statement_pairs(rec: RecordReading, number: int) -> list[tuple[str, str]]:
    doc = rec.document(f"statements/{number:02d}.jws")
    pupils = doc["pupils"] if doc else None
    assert isinstance(pupils, list)
    return [(str(p[0]), str(p[1])) for p in pupils if isinstance(p, list)]


def members(rec: RecordReading) -> list[int]:
    """The replay's index of each roster leaf (§E5): the leaf index itself in v1; in v2
    the member of its class statement with its name and sex, found with the private
    names (the public record pairs no name with a leaf). Added pupils keep their index."""
    leaves = rec.leaves()
    if rec.version() == 1:
        return list(range(len(leaves)))
    private = json.loads(rec.store.get("private/leaves.json") or b"[]")
    first = _start(rec)
    where = rec.current_classes()
    out = []
    for i, leaf in enumerate(leaves):
        c = where.get(i)
        found = None if c is None else find(first, c, (str(private[i]["name"]), leaf.sex.value))
        if found is None:
            raise RecordError(f"找不到学生 {i} / pupil {i} is not found")
        out.append(found)
    return out


def member_of(rec: RecordReading, leaf: int) -> int:
    """The replay's index of the pupil with this leaf index (see ``members``)."""
    return leaf if leaf >= len(rec.leaves()) else members(rec)[leaf]


def pupil_ref(rec: RecordReading, leaf: int) -> tuple[Json, int | None]:
    """How a request names the pupil with this leaf index, and its current class: the
    leaf index (v1), or [name, sex] as its class statement shows it (v2, §E5)."""
    member = member_of(rec, leaf)
    state = current(rec)
    where = state.class_of().get(member)
    if rec.version() == 1:
        return leaf, where
    m = state.leaves[member]
    return [m.name, m.sex.value], where


DECIDED_KEY = "exceptions_decided"  # draw.json: decision numbers in the order logged


def _decided(rec: RecordReading) -> list[int]:
    order = rec.state().get(DECIDED_KEY, [])
    assert isinstance(order, list)
    return [int(str(n)) for n in order]


def history(rec: RecordReading) -> tuple[State, list[Entry]]:
    """The current state and every exception, replayed in decision order. The order is
    kept in ``draw.json`` as each decision is logged (the log has it too, and verifiers
    read it there), so a record folder without its log still replays."""
    st, cfg = _start(rec), setting(rec)
    out: dict[int, Entry] = {}
    for n in range(1, _count(rec) + 1):
        doc = _signed(rec, f"{PREFIX}{n}.request.jws")
        out[n] = Entry(parse_request(doc), doc, None, None, None)
    for n in _decided(rec):
        doc = _signed(rec, f"{PREFIX}{n}.decision.jws")
        ruling = parse_decision(doc)
        st, step = apply(st, cfg, out[n].request, ruling)
        out[n] = Entry(out[n].request, out[n].request_doc, ruling, doc, step)
    return st, [out[n] for n in sorted(out)]


def current(rec: RecordReading) -> State:
    return history(rec)[0]


def _late_private(rec: RecordReading) -> dict[str, Json]:
    raw = rec.store.get(LATE_PRIVATE)
    value = json.loads(raw) if raw else {}
    assert isinstance(value, dict)
    return value


def _known_ids(rec: DrawRecord) -> set[str]:
    private = json.loads(rec.store.get("private/leaves.json") or b"[]")
    ids = {str(p["id_number"]) for p in private}
    ids |= {str(p["id_number"]) for p in _late_private(rec).values() if isinstance(p, dict)}
    for name in rec.store.names("private/pending/"):
        p = json.loads(rec.store.get(name) or b"{}")
        ids.add(str(p.get("id_number")))
    return ids


def _stratum(rec: DrawRecord, pupil: PupilRecord, state: State) -> tuple[str, bool]:
    """The roster's code for the pupil's flags, or the next unused one (§E1)."""
    if not pupil.stratum_key:
        return "", False
    codes = json.loads(rec.store.get("private/codes.json") or b"{}")
    strata: dict[str, str] = codes.get("strata", {})
    for code, meaning in strata.items():
        if meaning == pupil.stratum_key:
            return code, False
    used = {leaf.stratum for leaf in state.leaves if leaf.stratum} | set(strata)
    top = max((int(c[1:]) for c in used if c[1:].isdigit()), default=0)
    return f"s{top + 1}", True


def admitted_leaf(
    rec: DrawRecord, pupil: PupilRecord, salt: bytes
) -> tuple[PublicLeaf, dict[str, Json]]:
    """The public leaf and private part of a pupil added after the draw (§E1)."""
    if pupil.twin_group or pupil.twin_wish is not TwinWish.NONE:
        raise RecordError(
            "补录与转入学生不登记双胞胎组；请分别提出申请 / "
            "pupils added after the draw carry no twin group: request each one"
        )
    if pupil.id_number in _known_ids(rec):
        raise RecordError(
            "该身份证号已在本批次名单或申请中 / that ID number is already in this intake"
        )
    if rec.version() == 2:  # the request names the pupil: the leaf shows only sex
        commitment = private_commitment(pupil, salt, 2)
        leaf = PublicLeaf("", pupil.sex, "", "", TwinWish.NONE, commitment, version=2)
        return leaf, private_json(pupil, salt, 2)
    code, new = _stratum(rec, pupil, current(rec))
    if new:
        codes = json.loads(rec.store.get("private/codes.json") or b"{}")
        codes.setdefault("strata", {})[code] = pupil.stratum_key
        rec.store.put("private/codes.json", json_bytes(codes), private=True)
    leaf = PublicLeaf(
        name=pupil.name,
        sex=pupil.sex,
        stratum=code,
        twin="",
        twin_wish=TwinWish.NONE,
        private=private_commitment(pupil, salt),
    )
    return leaf, private_json(pupil, salt)


def request(  # noqa: PLR0913 - one step, every input named
    rec: DrawRecord,
    *,
    kind: str,
    category: str,
    reason: str,
    requested_by: str,
    detail: Mapping[str, Json],
    private: Mapping[str, Json] | None = None,
    now: datetime,
    signers: Signers,
) -> dict[str, Json]:
    """Sign and log a request (changes nothing). ``private`` is the added pupil's
    private part, kept until the decision."""
    rec.state()  # a record must exist
    if rec.document("result.jws") is None:
        raise RecordError("抽签尚未完成 / the draw has not been performed")
    try:
        what = Kind(kind)
    except ValueError:
        raise ExceptionError(
            "不允许调班：分班后只有经教育局批准的错误更正（附证明材料）才能调整学生班级",
            "class changes are not allowed: after the draw only a bureau-approved correction "
            "of a documented error (with evidence) moves a pupil",
        ) from None
    if rec.version() == 2 and rec.amendments():  # §E5: amendments name leaf indices
        raise RecordError(
            "本批次（v2）已有旧式调整记录，不能再提出例外 / "
            "this v2 intake holds an amendment: it takes no exception"
        )
    number = _count(rec) + 1
    doc = request_document(
        number=number,
        kind=what,
        category=category,
        reason=reason,
        draw_id=rec.draw_id,
        result_digest=digest(rec.document("result.jws") or {}),
        requested_by=requested_by,
        requested_on=now.astimezone(CST).date().isoformat(),
        detail=detail,
    )
    if what.adds != (private is not None):
        raise RecordError("新增学生须附私密信息 / an added pupil needs its private part")
    asked = parse_request(doc)
    twin = asked.member()
    if asked.twin_of is not None and twin is not None:  # §E7: refused if it could not pass now
        twin_class(current(rec), twin, asked.twin_of)
    rec.store.put(
        f"{PREFIX}{number}.request.jws",
        signers.bureau.sign_jws(doc, iat=int(now.timestamp())).encode(),
    )
    if private is not None:
        rec.store.put(f"private/pending/{number}.json", json_bytes(dict(private)), private=True)
    rec.log.append(
        entry(
            event=Event.REQUESTED,
            draw_id=rec.draw_id,
            actor=Actor.SCHOOL,
            time=_time(now),
            detail={"digest": digest(doc).hex(), "number": number},
        )
    )
    rec.log.checkpoint(signers.log)
    return doc


def placed_by_rule(rec: DrawRecord, number: int, waivers: Sequence[Waiver]) -> int | None:
    """The class request ``number`` gets now: ``late-placement/1``'s (None: no vacancy), or
    for a twin's request the twin's class (§E7; ``ExceptionError`` if it has none)."""
    state, _ = history(rec)
    req = parse_request(_signed(rec, f"{PREFIX}{number}.request.jws"))
    if req.member() is None:
        return None
    return placement(state, setting(rec), req, waive_cap=Waiver.CAP in waivers)


def decide(
    rec: DrawRecord,
    *,
    number: int,
    decision: Decision,
    approver: str,
    reason: str,
    waivers: Sequence[Waiver] = (),
    now: datetime,
    signers: Signers,
) -> tuple[dict[str, Json], Step]:
    """Approve or refuse request ``number``: checked by the replay, then signed, logged,
    and the changed classes' statements re-signed as new versions."""
    state, entries = history(rec)
    if not 1 <= number <= len(entries):
        raise RecordError(f"没有第 {number} 号申请 / there is no request {number}")
    if entries[number - 1].ruling is not None:
        raise RecordError(f"第 {number} 号申请已有决定 / request {number} is already decided")
    req, req_doc = entries[number - 1].request, entries[number - 1].request_doc
    cfg = setting(rec)
    day = now.astimezone(CST).date()
    placed = None
    if decision is Decision.APPROVED and req.kind.adds:
        placed = placement(state, cfg, req, waive_cap=Waiver.CAP in waivers)
    doc = decision_document(
        number=number,
        request_digest=digest(req_doc),
        decision=decision,
        approver=approver,
        decided_on=day.isoformat(),
        reason=reason,
        placed=placed,
        waivers=waivers if decision is Decision.APPROVED else (),
    )
    after, step = apply(state, cfg, req, parse_decision(doc))  # raises on a broken rule
    _check_day(req.requested_on, day)
    iat = int(now.timestamp())
    rec.store.put(f"{PREFIX}{number}.decision.jws", signers.bureau.sign_jws(doc, iat=iat).encode())
    if step.added is not None:
        late = _late_private(rec)
        late[str(step.added)] = json.loads(rec.store.get(f"private/pending/{number}.json") or b"{}")
        rec.store.put(LATE_PRIVATE, json_bytes(late), private=True)
    ann = rec.document("announcement.jws") or {}
    result_hex = digest(rec.document("result.jws") or {}).hex()
    for c in step.changed:
        version = statement_version(
            after,
            c,
            draw_id=rec.draw_id,
            school=str(ann["school"]),
            intake=str(ann["intake"]),
            result_digest=result_hex,
        )
        text = signers.bureau.sign_jws(version, iat=iat, compress=True)
        rec.store.put(f"public/statements/{c:02d}.v{version['version']}.jws", text.encode())
    kept = rec.state()
    kept[DECIDED_KEY] = [*_decided(rec), number]
    rec.store.put("draw.json", json_bytes(kept))
    rec.log.append(
        entry(
            event=Event.DECIDED,
            draw_id=rec.draw_id,
            actor=Actor.BUREAU,
            time=_time(now),
            detail={"decision": decision.value, "digest": digest(doc).hex(), "number": number},
        )
    )
    rec.log.checkpoint(signers.log)
    return doc, step


def _check_day(requested: date, decided: date) -> None:
    if decided < requested:
        raise RecordError("决定日期早于申请日期 / the decision predates the request")


def added_package(rec: RecordReading, id_number: str) -> dict[str, Json] | None:
    """An added pupil's receipt (§E6) with the signed documents it is checked against, as
    the lookup hands them over (``#p=``); None when no approved addition has that ID."""
    late = _late_private(rec)
    index = next(
        (
            int(i)
            for i, p in late.items()
            if isinstance(p, dict) and p.get("id_number") == id_number
        ),
        None,
    )
    if index is None:
        return None
    _, entries = history(rec)
    entry = next((e for e in entries if e.step is not None and e.step.added == index), None)
    if entry is None or entry.decision_doc is None:
        return None
    number = entry.request.number
    placed = entry.decision_doc["placed"]
    labels = {int(str(c["number"])): str(c["label"]) for c in rec.classes()}
    private = late[str(index)]
    assert isinstance(private, dict)
    text = {
        name: (rec.store.get(f"public/{name}") or b"").decode()
        for name in ("announcement.jws", "result.jws")
    }
    return {
        "announcement": text["announcement.jws"],
        "decision": (rec.store.get(f"{PREFIX}{number}.decision.jws") or b"").decode(),
        "receipt": added_receipt(
            request=entry.request_doc,
            decision=entry.decision_doc,
            private=private,
            label=labels[int(str(placed))],
            request_digest=digest(entry.request_doc),
            decision_digest=digest(entry.decision_doc),
        ),
        "request": (rec.store.get(f"{PREFIX}{number}.request.jws") or b"").decode(),
        "result": text["result.jws"],
    }
