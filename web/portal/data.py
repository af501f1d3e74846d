"""What the public portal shows, read from the database as plain values.

Everything on an announcement or result page comes from the *signed public*
documents of the record (announcement, ceremony, class statements, amendments,
public leaves) and the transparency log — never from the pupil table — so a page
cannot show more than the public bundle already holds: no ID numbers, no 学籍号,
no flags. Used by the live pages (``web.app.views.portal``) and the static export
(``web.app.export``) alike.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from placement.documents import digest
from placement.jws import JwsError, parse
from placement.links import to_digits
from placement.policy import PROFILES, PolicyProfile
from placement.tlog import checkpoint_of, tiles
from web.db.models import Intake, LogEntry, RecordBlob, School
from web.db.store import DbLog
from web.portal.views import (
    PUBLIC_STAGES,
    AmendmentView,
    AnnouncementView,
    ClassView,
    IntakeRow,
    Pupil,
    ResultView,
    SchoolRow,
)
from web.service.intakes import BEIJING
from web.service.stages import Stage

COMPLAINT_DAYS = 7  # spec §18.2: the complaint deadline defaults to the draw date + 7 days
ANNOUNCEMENT = "public/announcement.jws"
CEREMONY = "public/ceremony.jws"
BUNDLE = "bundle/public.zip"
STATEMENTS = "public/statements/"


def procedure(hotline: str) -> tuple[str, str]:
    """The complaints and appeals procedure, in Chinese and English."""
    zh = (
        f"对分班结果有异议的，可在公示期内（抽签之日起{COMPLAINT_DAYS}日内）向区教育局监督电话"
        f" {hotline} 反映，或向区教育局提交书面申诉。教育局对照公开的抽签记录核查，"
        "并在核查后答复；任何人都可以用本网站的核验页面独立复核抽签结果。"
    )
    en = (
        f"If you disagree with a class placement, call the district education bureau's "
        f"supervision hotline {hotline} or file a written appeal with the bureau within the "
        f"public notice period ({COMPLAINT_DAYS} days from the draw). The bureau checks the "
        "complaint against the public record of the draw and answers you; anyone can "
        "re-check the draw independently with this site's verification page."
    )
    return zh, en


def hotline_of(profile_key: str) -> str:
    profile = PROFILES.get(profile_key)
    return profile.hotline if profile else district_profile([]).hotline


def district_profile(keys: Sequence[str]) -> PolicyProfile:
    """The policy profile whose hotline the district pages show: the newest in use."""
    known = [PROFILES[k] for k in keys if k in PROFILES]
    if known:
        return max(known, key=lambda p: p.year)
    return max(PROFILES.values(), key=lambda p: p.year)


def _row(intake: Intake, school: School) -> IntakeRow:
    return IntakeRow(
        draw_id=intake.draw_id,
        school=school.name,
        intake=intake.name,
        level=intake.level,
        year=intake.year,
        stage=Stage(intake.stage),
        scheduled=intake.scheduled,
    )


def _intakes(s: Session) -> list[tuple[Intake, School]]:
    q = select(Intake, School).join(School, col(School.id) == col(Intake.school_id))
    return [(i, sc) for i, sc in s.exec(q.order_by(col(School.code), col(Intake.id)))]


def schools(s: Session) -> list[SchoolRow]:
    """Every school with its intakes, in school code order."""
    by_school: dict[int, list[IntakeRow]] = {}
    for intake, school in _intakes(s):
        assert school.id is not None
        by_school.setdefault(school.id, []).append(_row(intake, school))
    out = []
    for school in s.exec(select(School).order_by(col(School.code))):
        assert school.id is not None
        out.append(
            SchoolRow(
                name=school.name,
                level=school.level,
                closed=school.closed,
                catchment_to=school.catchment_to,
                intakes=tuple(by_school.get(school.id, ())),
            )
        )
    return out


def profile_keys(s: Session) -> list[str]:
    return sorted(set(s.exec(select(Intake.profile))))


def intake_rows(s: Session, *stages: Stage) -> list[IntakeRow]:
    return [_row(i, sc) for i, sc in _intakes(s) if not stages or Stage(i.stage) in stages]


def _find(s: Session, draw_id: str) -> tuple[Intake, School] | None:
    q = (
        select(Intake, School)
        .join(School, col(School.id) == col(Intake.school_id))
        .where(Intake.draw_id == draw_id)
    )
    found = s.exec(q).first()
    return None if found is None else (found[0], found[1])


def blob(s: Session, intake_id: int, name: str) -> bytes | None:
    q = select(RecordBlob.data).where(
        RecordBlob.intake_id == intake_id,
        RecordBlob.name == name,
        col(RecordBlob.private).is_(False),
    )
    return s.exec(q).first()


def _blobs(s: Session, intake_id: int, prefix: str) -> list[tuple[str, bytes]]:
    q = select(RecordBlob.name, RecordBlob.data).where(
        RecordBlob.intake_id == intake_id,
        col(RecordBlob.name).startswith(prefix, autoescape=True),
        col(RecordBlob.private).is_(False),
    )
    return sorted((n, d) for n, d in s.exec(q))


def announcement_jws(s: Session, draw_id: str) -> bytes | None:
    found = _find(s, draw_id)
    if found is None or Stage(found[0].stage) not in PUBLIC_STAGES:
        return None
    assert found[0].id is not None
    return blob(s, found[0].id, ANNOUNCEMENT)


def public_bundle(s: Session, draw_id: str) -> bytes | None:
    found = _find(s, draw_id)
    if found is None or Stage(found[0].stage) is not Stage.PUBLISHED:
        return None
    assert found[0].id is not None
    return blob(s, found[0].id, BUNDLE)


def _first_compact(text: str) -> str:
    """The first (bureau) signature as a compact JWS (spec §18.1, announcement sheet)."""
    if not text.lstrip().startswith("{"):
        return text.strip()
    raw = json.loads(text)
    sig = raw["signatures"][0]
    return f"{sig['protected']}.{raw['payload']}.{sig['signature']}"


def _cancellation(s: Session, draw_id: str, ann_digest: str) -> tuple[str, str] | None:
    rows = s.exec(
        select(LogEntry.data).where(LogEntry.draw_id == draw_id).order_by(col(LogEntry.index))
    )
    for data in rows:
        e = json.loads(data)
        d = e.get("detail", {})
        if e.get("event") == "announcement.cancelled" and d.get("digest") == ann_digest:
            return str(d.get("reason", "")), str(e.get("time", ""))
    return None


def announcement(s: Session, draw_id: str) -> AnnouncementView | None:
    """The signed announcement of an intake once announced (also when cancelled)."""
    found = _find(s, draw_id)
    if found is None or Stage(found[0].stage) not in PUBLIC_STAGES:
        return None
    intake, school = found
    assert intake.id is not None
    data = blob(s, intake.id, ANNOUNCEMENT)
    if data is None:
        return None
    text = data.decode()
    try:
        jws = parse(text)
        doc = jws.document()
    except JwsError:
        return None
    ann_digest = digest(doc).hex()
    cancelled = _cancellation(s, draw_id, ann_digest)
    first = jws.signatures[0]
    return AnnouncementView(
        row=_row(intake, school),
        doc=doc,
        digest=ann_digest,
        kid=first.kid,
        signed_at=datetime.fromtimestamp(first.iat, BEIJING).isoformat(timespec="minutes"),
        verify_digits=to_digits(_first_compact(text)),
        cancelled_reason=cancelled[0] if cancelled else None,
        cancelled_at=cancelled[1] if cancelled else None,
        hotline=hotline_of(str(doc.get("policy", intake.profile))),
    )


def _current(blobs: list[tuple[str, bytes]]) -> tuple[ClassView, ...]:
    """Each class as its latest signed statement: after an approved exception (spec Part E)
    a class has later versions ``NN.vV.jws``; the page shows the list as it is now."""
    latest: dict[int, tuple[int, ClassView]] = {}
    for _, data in blobs:
        text = data.decode()
        view = _statement(text)
        version = parse(text).document().get("version", 1)
        v = version if isinstance(version, int) else 1
        if view.number not in latest or v > latest[view.number][0]:
            latest[view.number] = (v, view)
    return tuple(view for _, (_, view) in sorted(latest.items()))


def _statement(text: str) -> ClassView:
    doc = parse(text).document()
    pupils = doc["pupils"]
    assert isinstance(pupils, list)
    return ClassView(
        number=int(str(doc["class"])),
        label=str(doc["label"]),
        head_teacher=str(doc["head_teacher"]),
        pupils=tuple(
            Pupil(number=n, name=str(p[0]), sex=str(p[1]))
            for n, p in enumerate(pupils, 1)
            if isinstance(p, list)
        ),
        verify_digits=to_digits(text.strip()),
        result_digest=str(doc["result"]),
    )


def _amendments(s: Session, intake_id: int, labels: dict[int, str]) -> tuple[AmendmentView, ...]:
    docs = [parse(d.decode()).document() for _, d in _blobs(s, intake_id, "public/amendments/")]
    if not docs:
        return ()
    raw_leaves = json.loads(blob(s, intake_id, "public/leaves.json") or b"[]")
    names = [str(x.get("name", "")) for x in raw_leaves]
    out = []
    for doc in sorted(docs, key=lambda d: int(str(d["seq"]))):
        changes = doc["changes"]
        assert isinstance(changes, list)
        out.append(
            AmendmentView(
                seq=int(str(doc["seq"])),
                reason=str(doc["reason"]),
                approved_by=str(doc["approved_by"]),
                approved_on=str(doc["approved_on"]),
                changes=tuple(
                    (
                        names[int(str(c["pupil"]))],
                        labels.get(int(str(c["from"])), str(c["from"])),
                        labels.get(int(str(c["to"])), str(c["to"])),
                    )
                    for c in changes
                    if isinstance(c, dict)
                ),
            )
        )
    return tuple(out)


def result(s: Session, draw_id: str) -> ResultView | None:
    """The published result: each class as its signed statement (the gate copy's columns)."""
    found = _find(s, draw_id)
    if found is None or Stage(found[0].stage) is not Stage.PUBLISHED:
        return None
    intake, school = found
    assert intake.id is not None
    classes = _current(_blobs(s, intake.id, STATEMENTS))
    ceremony_raw = blob(s, intake.id, CEREMONY)
    ceremony = parse(ceremony_raw.decode()).document() if ceremony_raw else {}
    revealed = str(ceremony.get("revealed_at", ""))
    deadline = (
        datetime.fromisoformat(revealed).date() + timedelta(days=COMPLAINT_DAYS)
        if revealed
        else None
    )
    bundle = blob(s, intake.id, BUNDLE)
    return ResultView(
        row=_row(intake, school),
        classes=classes,
        amendments=_amendments(s, intake.id, {c.number: c.label for c in classes}),
        result_digest=classes[0].result_digest if classes else "",
        final_seed=str(ceremony.get("final_seed", "")),
        revealed_at=revealed,
        complaint_deadline=deadline,
        hotline=hotline_of(intake.profile),
        bundle_size=len(bundle or b""),
    )


# -- the transparency log as tlog-tiles -------------------------------------------------


def log_tiles(s: Session) -> dict[str, bytes]:
    """The whole log at its latest checkpoint, in the C2SP tlog-tiles layout
    (``checkpoint``, ``tile/<L>/<N>[.p/<W>]``, ``tile/entries/<N>[.p/<W>]``)."""
    log = DbLog(s)
    checkpoint = log.latest_checkpoint()
    if checkpoint is None:
        return {}
    size = checkpoint_of(checkpoint).size
    earlier = [n for n in log.checkpoints() if n < size]
    return tiles(log.entry_bytes(size), checkpoint, earlier_sizes=earlier)
