"""Exceptions after the draw as service steps (spec Part E): a school requests, a bureau
admin approves or refuses; each step is one database transaction that signs, logs and
(for an approval) re-signs the changed classes and moves the lookup to the current class.

A plain class change (调班) is refused before anything is stored. Rule-breaking approvals
(a first-year transfer without the waiver, a transfer into a full school without the cap
waiver) are refused by the same replay a verifier runs, with both languages' reasons.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from placement.canonical import Json
from placement.errors import PlacementError
from placement.exceptions import CATEGORIES, CATEGORY_ZH, Decision, Kind, Waiver
from placement.policy import eligible_by_birth
from placement.roster import PupilRecord, parse_row
from placement.teams import Teacher, Team
from web.db.engine import reading, writing
from web.db.models import Intake, Pupil
from web.record import exceptions as rx
from web.record.draw import DrawRecord
from web.service.errors import NotFound, ServiceError
from web.service.intakes import Env, audit, get_intake, profile_of, record_of, require
from web.service.stages import Stage

CLASS_CHANGE_REFUSED = (
    "不允许调班：分班结果一经公布，学生不得调班；只有经教育局批准、附证明材料的错误更正才能调整",
    (
        "class changes are not allowed after the draw; only a bureau-approved correction of "
        "a documented error, with evidence, moves a pupil"
    ),
)


def refuse_class_change() -> ServiceError:
    return ServiceError(*CLASS_CHANGE_REFUSED)


@dataclass(frozen=True, slots=True)
class Admitted:
    """A pupil admitted after the draw, as the review (late decision) or the bureau
    (统筹安排) hands it over: the roster row's fields (keys as in ``placement.roster``),
    the basis (a late-placement category) and the decision's reference."""

    fields: Mapping[str, str]
    basis: str
    reference: str


def _checked_pupil(intake: Intake, fields: Mapping[str, str], row: int) -> PupilRecord:
    parsed = parse_row(row, fields)
    if isinstance(parsed, list):
        first = parsed[0]
        raise ServiceError(
            f"学生信息有误（{first.field}）：{first.zh}",
            f"the pupil's data is wrong ({first.field}): {first.en}",
        )
    if parsed.twin_group:
        raise ServiceError(
            "补录或转入学生不登记双胞胎组，请分别申请",
            "pupils added after the draw carry no twin group: request each one",
        )
    profile = profile_of(intake)
    if intake.level == "primary" and not eligible_by_birth(profile, parsed.birth_date):
        raise ServiceError(
            f"出生日期晚于入学截止日 {profile.birth_cutoff}",
            f"born after the entry cut-off {profile.birth_cutoff}",
        )
    return parsed


def _index_of(rec: DrawRecord, id_number: str) -> int:
    private = json.loads(rec.store.get("private/leaves.json") or b"[]")
    for i, p in enumerate(private):
        if p.get("id_number") == id_number.strip().upper():
            return i
    late = json.loads(rec.store.get(rx.LATE_PRIVATE) or b"{}")
    for i, p in late.items():
        if p.get("id_number") == id_number.strip().upper():
            return int(i)
    raise NotFound("本批次中没有该身份证号", "no pupil with that ID number in this intake")


def _request(  # noqa: PLR0913 - one step, every input named
    env: Env,
    intake_id: int,
    *,
    kind: Kind,
    category: str,
    reason: str,
    detail: Mapping[str, Json] | None = None,
    pupil: PupilRecord | None = None,
    extra: Mapping[str, Json] | None = None,
    locate: str | None = None,
    user: str,
) -> int:
    if len(reason.strip()) < 4:
        raise ServiceError("请写明理由（至少4个字）", "give a reason (at least 4 characters)")
    if category not in CATEGORIES[kind]:
        raise ServiceError(
            f"理由类别应为：{'、'.join(CATEGORY_ZH[c] for c in CATEGORIES[kind])}",
            f"the reason category must be one of {', '.join(CATEGORIES[kind])}",
        )
    signers = env.signers()
    now = env.now()
    with writing(env.engine) as s:
        intake = get_intake(s, intake_id, lock=True)
        require(intake, Stage.DRAWN, Stage.PUBLISHED)
        rec = record_of(s, intake)
        body: dict[str, Json] = dict(detail or {})
        private = None
        if locate is not None:
            ref, where = rx.pupil_ref(rec, _index_of(rec, locate))
            body["pupil"] = ref
            if rec.version() == 2:  # v2 names the pupil in its class (§E5)
                if where is None:
                    raise ServiceError("该学生已不在任何班", "that pupil is in no class any more")
                body["class"] = where
        if pupil is not None:
            try:
                leaf, private = rx.admitted_leaf(rec, pupil, env.token_bytes(16))
            except PlacementError as e:
                raise ServiceError.of(e) from e
            body.update(extra or {})
            body["leaf"] = leaf.to_json()
            if rec.version() == 2:  # the v2 leaf has no name (§E5)
                body["name"] = pupil.name
        try:
            doc = rx.request(
                rec,
                kind=kind.value,
                category=category,
                reason=reason,
                requested_by=user,
                detail=body,
                private=private,
                now=now,
                signers=signers,
            )
        except PlacementError as e:
            raise ServiceError.of(e) from e
        number = int(str(doc["number"]))
        intake.version += 1
        s.add(intake)
        audit(s, now, user, f"exception.requested.{kind.value}", intake_id, f"#{number} {reason}")
        return number


def request_late(
    env: Env,
    intake_id: int,
    *,
    admitted: Admitted,
    reason: str,
    user: str,
    twin_of: int | None = None,
) -> int:
    """补录: a pupil admitted after the draw (a late review decision, a 统筹安排);
    ``twin_of`` the exception that added the pupil's twin (§E7: placed with the twin)."""
    with writing(env.engine) as s:
        pupil = _checked_pupil(get_intake(s, intake_id), admitted.fields, _next_row(s, intake_id))
    if not admitted.reference.strip():
        raise ServiceError("请填写复审决定或统筹安排的编号", "give the decision's reference")
    extra: dict[str, Json] = {
        "admission": {"basis": admitted.basis, "reference": admitted.reference.strip()},
        **_twin(twin_of),
    }
    return _request(
        env,
        intake_id,
        kind=Kind.LATE,
        category=admitted.basis,
        reason=reason,
        pupil=pupil,
        extra=extra,
        user=user,
    )


def request_transfer_in(
    env: Env,
    intake_id: int,
    *,
    fields: Mapping[str, str],
    from_school: str,
    category: str,
    reason: str,
    user: str,
    twin_of: int | None = None,
) -> int:
    with writing(env.engine) as s:
        pupil = _checked_pupil(get_intake(s, intake_id), fields, _next_row(s, intake_id))
    if not from_school.strip():
        raise ServiceError("请填写转出学校", "give the school the pupil comes from")
    return _request(
        env,
        intake_id,
        kind=Kind.TRANSFER_IN,
        category=category,
        reason=reason,
        pupil=pupil,
        extra={"from_school": from_school.strip(), **_twin(twin_of)},
        user=user,
    )


def _twin(twin_of: int | None) -> dict[str, Json]:
    """The ``twin_of`` key of §E7, absent for a pupil without a twin added earlier."""
    return {} if twin_of is None else {"twin_of": twin_of}


def request_transfer_out(
    env: Env,
    intake_id: int,
    *,
    id_number: str,
    to_school: str,
    category: str,
    reason: str,
    user: str,
) -> int:
    if not to_school.strip():
        raise ServiceError("请填写转入学校", "give the school the pupil goes to")
    return _request(
        env,
        intake_id,
        kind=Kind.TRANSFER_OUT,
        category=category,
        reason=reason,
        detail={"to_school": to_school.strip()},
        locate=id_number,
        user=user,
    )


def request_correction(
    env: Env,
    intake_id: int,
    *,
    id_number: str,
    to_class: int,
    evidence: str,
    category: str,
    reason: str,
    user: str,
) -> int:
    """更正: the only way a pupil moves class, for a documented error."""
    if len(evidence.strip()) < 4:
        raise ServiceError(
            "更正须注明证明材料（如签字的双胞胎意愿表），否则视为调班，不予受理",
            "a correction names its evidence (e.g. the signed twin form); without it, it is a "
            "class change and is not accepted",
        )
    with writing(env.engine) as s:
        rec = record_of(s, get_intake(s, intake_id))
        pupil, now_in = rx.pupil_ref(rec, _index_of(rec, id_number))
        v2 = rec.version() == 2
    if now_in is None:
        raise ServiceError("该学生已不在任何班", "that pupil is in no class any more")
    change: dict[str, Json] = {"from": now_in, "pupil": pupil, "to": to_class}
    detail: dict[str, Json] = {"changes": [change], "evidence": evidence.strip()}
    if v2:
        detail["version"] = 2
    return _request(
        env,
        intake_id,
        kind=Kind.CORRECTION,
        category=category,
        reason=reason,
        detail=detail,
        user=user,
    )


def request_teacher_change(
    env: Env,
    intake_id: int,
    *,
    class_number: int,
    head_teacher: str,
    teachers: Sequence[tuple[str, str]],
    category: str,
    reason: str,
    user: str,
) -> int:
    """更换教师: the new team of one class (subject, name pairs); the class keeps its pupils."""
    with writing(env.engine) as s:
        state = rx.current(record_of(s, get_intake(s, intake_id)))
    current = state.get(class_number)
    if current is None:
        raise NotFound(f"没有第{class_number}班", f"there is no class {class_number}")
    if not head_teacher.strip() or not teachers:
        raise ServiceError("请填写班主任和任课教师", "give the head teacher and the teachers")
    team = Team(
        number=class_number,
        label=current.label,
        head_teacher=head_teacher.strip(),
        teachers=tuple(Teacher(subject=sub.strip(), name=name.strip()) for sub, name in teachers),
    )
    return _request(
        env,
        intake_id,
        kind=Kind.TEACHER_CHANGE,
        category=category,
        reason=reason,
        detail={"team": team.to_json()},
        user=user,
    )


def _next_row(s: Session, intake_id: int) -> int:
    rows = s.exec(select(Pupil.row).where(Pupil.intake_id == intake_id)).all()
    return max(rows, default=1) + 1


def decide(
    env: Env,
    intake_id: int,
    *,
    number: int,
    approve: bool,
    reason: str,
    waivers: Sequence[str] = (),
    user: str,
) -> dict[str, Json]:
    """A bureau admin's decision; an approval changes the classes, re-signs them and moves
    the lookup; a refusal is signed and logged and changes nothing."""
    if len(reason.strip()) < 4:
        raise ServiceError(
            "请写明决定理由（至少4个字）", "give the decision's reason (4+ characters)"
        )
    try:
        waived = [Waiver(w) for w in waivers]
    except ValueError:
        raise ServiceError(
            "豁免项只能是 cap 或 first-year", "waivers are cap or first-year"
        ) from None
    signers = env.signers()
    now = env.now()
    with writing(env.engine) as s:
        intake = get_intake(s, intake_id, lock=True)
        require(intake, Stage.DRAWN, Stage.PUBLISHED)
        rec = record_of(s, intake)
        try:
            doc, step = rx.decide(
                rec,
                number=number,
                decision=Decision.APPROVED if approve else Decision.REFUSED,
                approver=user,
                reason=reason,
                waivers=waived,
                now=now,
                signers=signers,
            )
        except PlacementError as e:
            raise ServiceError.of(e) from e
        if step.changed:
            place_current(s, rec, intake_id)
            if intake.stage == Stage.PUBLISHED:
                bundle = rec.export(kind="public", keyring=env.keyring(), now=now, signers=signers)
                rec.store.put("bundle/public.zip", bundle)
        intake.version += 1
        s.add(intake)
        what = "approved" if approve else "refused"
        audit(s, now, user, f"exception.{what}", intake_id, f"#{number} {reason}")
        return doc


def place_current(s: Session, rec: DrawRecord, intake_id: int) -> None:
    """学位锁定查询 answers the current class: each pupil's row follows the replayed state;
    an added pupil gets a row; a pupil transferred out has none."""
    state = rx.current(rec)
    where = state.class_of()
    labels = {c.number: c.label for c in state.classes}
    private = json.loads(rec.store.get("private/leaves.json") or b"[]")
    late = json.loads(rec.store.get(rx.LATE_PRIVATE) or b"{}")
    member = rx.members(rec)
    by_id = {str(p["id_number"]): member[i] for i, p in enumerate(private)}
    by_id |= {str(p["id_number"]): int(i) for i, p in late.items()}
    rows = {p.id_number: p for p in s.exec(select(Pupil).where(Pupil.intake_id == intake_id))}
    for number, index in sorted(by_id.items(), key=lambda kv: kv[1]):
        row = rows.get(number)
        if row is None:
            row = _added_row(s, intake_id, late[str(index)], state.leaves[index].name)
        placed = where.get(index)
        row.class_number = placed
        row.class_label = labels.get(placed, "") if placed is not None else ""
        s.add(row)
    s.flush()


def _added_row(s: Session, intake_id: int, private: Mapping[str, Json], name: str) -> Pupil:
    flags = private.get("flags")
    leaf_sex = "F" if int(str(private["id_number"])[16]) % 2 == 0 else "M"
    return Pupil(
        intake_id=intake_id,
        row=_next_row(s, intake_id),
        name=name,
        sex=leaf_sex,
        id_number=str(private["id_number"]),
        birth_date=date.fromisoformat(str(private["birth_date"])),
        student_no=str(private.get("student_no", "")),
        flags="、".join(str(f) for f in flags) if isinstance(flags, list) else "",
    )


# -- reading -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExceptionView:
    """One exception as the staff and public pages list it. ``reason`` and ``evidence``
    are for staff; the public list shows kind, category, dates and the approver's role."""

    number: int
    kind: Kind
    category: str
    requested_on: str
    requested_by: str
    reason: str
    status: str  # pending | approved | refused
    decided_on: str
    approver_role: str
    decision_reason: str
    classes: tuple[int, ...]  # the classes an approval changed
    placed: int | None
    twin_of: int | None = None  # §E7: placed with the pupil of this exception

    @property
    def category_zh(self) -> str:
        return CATEGORY_ZH.get(self.category, self.category)

    @property
    def status_zh(self) -> str:
        return {"pending": "待审批", "approved": "已批准", "refused": "不予批准"}[self.status]


def views(rec: DrawRecord) -> list[ExceptionView]:
    if rec.document("result.jws") is None:
        return []
    _, entries = rx.history(rec)
    out = []
    for e in entries:
        r, d = e.request, e.ruling
        status = "pending" if d is None else ("approved" if d.approved else "refused")
        out.append(
            ExceptionView(
                number=r.number,
                kind=r.kind,
                category=r.category,
                requested_on=r.requested_on.isoformat(),
                requested_by=r.requested_by,
                reason=r.reason,
                status=status,
                decided_on=d.decided_on.isoformat() if d else "",
                approver_role="教育局管理员 bureau admin" if d else "",
                decision_reason=d.reason if d else "",
                classes=e.step.changed if e.step else (),
                placed=d.placed if d else None,
                twin_of=r.twin_of,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class ClassNow:
    number: int
    label: str
    size: int
    head_teacher: str
    version: int


def current_classes(rec: DrawRecord) -> list[ClassNow]:
    """Each class as it is now: size, head teacher and statement version."""
    state = rx.current(rec)
    return [
        ClassNow(c.number, c.label, len(c.pupils), c.team.head_teacher, c.version)
        for c in state.classes
    ]


def listing(env: Env, intake_id: int) -> list[ExceptionView]:
    with reading(env.engine) as s:
        return views(record_of(s, get_intake(s, intake_id)))


__all__ = [
    "CLASS_CHANGE_REFUSED",
    "Admitted",
    "ClassNow",
    "ExceptionView",
    "current_classes",
    "decide",
    "listing",
    "place_current",
    "refuse_class_change",
    "request_correction",
    "request_late",
    "request_teacher_change",
    "request_transfer_in",
    "request_transfer_out",
    "views",
]
