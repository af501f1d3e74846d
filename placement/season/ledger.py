"""The season as one append-only record: documents, log entries and state (spec Part S).

A :class:`Ledger` holds everything a season produced, in memory; the service stores
the same documents and entries in its database, tests and vectors use it directly.
Signing is passed in (``sign``: document and iat → compact JWS), so this stays pure:
times and salts are arguments too. Every step checks its window (or a logged
override), signs its document, and appends its log entry.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from placement.canonical import Json, canonical_json
from placement.keyring import CST
from placement.merkle import leaf_hash, root
from placement.policy import Level, PolicyProfile
from placement.season import chain
from placement.season.application import Application, Channel, Form, application_number, build
from placement.season.cases import Case, CaseFinding, Finding, file_case
from placement.season.catchment import Catchment
from placement.season.decision import CheckedProof, Decision, decide
from placement.season.documents import ADMISSION, LOG_ENTRY, SeasonError, digest
from placement.season.log import SeasonEvent, season_entry
from placement.season.log import entry_bytes as season_entry_bytes
from placement.season.notice import EntrySet, entry_set, notice_document
from placement.season.outcome import Outcome
from placement.season.plan import Plan

Sign = Callable[[dict[str, Json], int], str]
Place = tuple[str, str]


def cst_time(now: dt.datetime) -> str:
    """Times people read are in Beijing time (UTC+08:00), whatever the server's zone."""
    if now.tzinfo is None:
        raise SeasonError("时间须带时区", "times must be timezone-aware")
    return now.astimezone(CST).replace(microsecond=0).isoformat()


@dataclass
class Notice:
    index: int  # log position of notice.committed
    document: dict[str, Json]
    digest: bytes
    entries: EntrySet


@dataclass
class Ledger:
    profile: PolicyProfile
    catchment: Catchment
    plan: Plan
    sign: Sign
    log: list[dict[str, Json]] = field(default_factory=list)
    signed: dict[str, str] = field(default_factory=dict)  # digest hex → JWS
    types: dict[str, str] = field(default_factory=dict)  # digest hex → document type
    records: list[Application] = field(default_factory=list)  # every revision, in order
    current: dict[str, Application] = field(default_factory=dict)  # number → latest
    by_id: dict[str, str] = field(default_factory=dict)  # ID number → application number
    decisions: list[dict[str, Json]] = field(default_factory=list)  # decision documents
    latest: dict[str, dict[str, Json]] = field(default_factory=dict)  # number → last decision
    placed: dict[bytes, Place | None] = field(default_factory=dict)  # entry → standing
    counts: Counter[Place] = field(default_factory=Counter)  # place → entries standing there
    notices: dict[Place, Notice] = field(default_factory=dict)
    cases: list[Case] = field(default_factory=list)
    findings: dict[int, CaseFinding] = field(default_factory=dict)
    rosters: dict[Place, dict[str, Json]] = field(default_factory=dict)
    roster_sets: dict[Place, EntrySet] = field(default_factory=dict)
    admissions: dict[Place, dict[str, Json]] = field(default_factory=dict)
    # 统筹 draws (placement.season.allocating): place → Allocation; secret seeds included
    allocations: dict[Place, Any] = field(default_factory=dict)
    overrides: dict[str, str] = field(default_factory=dict)

    @property
    def season(self) -> str:
        return self.plan.season

    # -- log and signing ------------------------------------------------------------

    def _append(
        self, event: SeasonEvent, actor: str, now: dt.datetime, detail: dict[str, Json]
    ) -> int:
        last = next((e["time"] for e in reversed(self.log) if "time" in e), None)
        if last is not None and now < dt.datetime.fromisoformat(str(last)):
            # The log is in time order; a clock that went back would make windows lie.
            raise SeasonError(
                f"时间早于上一条日志（{last}）", f"time is before the last entry ({last})"
            )
        e = season_entry(
            event=event.value, season=self.season, actor=actor, time=cst_time(now), detail=detail
        )
        self.log.append(e)
        return len(self.log) - 1

    def append_foreign(self, entry: dict[str, Json]) -> int:
        """An entry of another type in the same district log (a draw step)."""
        self.log.append(entry)
        return len(self.log) - 1

    def _signed(self, doc: dict[str, Json], now: dt.datetime) -> bytes:
        d = digest(doc)
        self.signed[d.hex()] = self.sign(doc, int(now.timestamp()))
        self.types[d.hex()] = str(doc["t"])
        return d

    def sign_and_log(
        self, doc: dict[str, Json], *, event: SeasonEvent, now: dt.datetime, detail: dict[str, Json]
    ) -> bytes:
        """Sign a bureau document and log it with its digest (for steps kept in other
        modules, such as the allocation draw)."""
        d = self._signed(doc, now)
        self._append(event, "bureau", now, {"digest": d.hex(), **detail})
        return d

    def leaf_hashes(self) -> list[bytes]:
        return [
            leaf_hash(season_entry_bytes(e) if e.get("t") == LOG_ENTRY else canonical_json(e))
            for e in self.log
        ]

    def log_root(self) -> bytes:
        return root(self.leaf_hashes())

    def _open(self, stage: str, now: dt.datetime) -> None:
        day = now.astimezone(CST).date()
        w = self.plan.window(stage)
        if not w.contains(day) and stage not in self.overrides:
            raise SeasonError(
                f"{stage} 阶段为 {w.start}–{w.end}，今天（{day}）不开放",
                f"the {stage} window is {w.start}–{w.end}; it is not open on {day}",
            )

    # -- steps ------------------------------------------------------------------------

    def publish_policy(self, now: dt.datetime) -> None:
        for kind, doc in (("catchment", self.catchment.to_json()), ("plan", self.plan.to_json())):
            d = self._signed(doc, now)
            self._append(SeasonEvent.POLICY, "bureau", now, {"digest": d.hex(), "kind": kind})

    def override(self, *, stage: str, reason: str, now: dt.datetime) -> None:
        """A bureau admin opens a stage outside its window, with a reason logged publicly."""
        self._append(SeasonEvent.OVERRIDE, "bureau", now, {"reason": reason, "stage": stage})
        self.overrides[stage] = reason

    def register(  # noqa: PLR0913
        self,
        form: Form,
        *,
        school: str,
        intake: str,
        level: Level,
        now: dt.datetime,
        salt: bytes,
        channel: Channel = Channel.ONLINE,
        entered_by: str = "",
        number: str | None = None,
        row: int = 0,
    ) -> Application:
        """A new application, or (``number`` given) a revision of one; refuses a second child."""
        self._open("registration", now)
        if self.plan.intake(school, intake) is None:
            raise SeasonError(
                f"{school} 没有 {intake} 的招生计划", f"{school} has no planned intake {intake}"
            )
        revision = 1
        if number is not None:
            prev = self.current.get(number)
            if prev is None:
                raise SeasonError(f"没有报名号 {number}", f"no application {number}")
            revision = prev.revision + 1
        app = build(
            form,
            season=self.season,
            number=number or application_number(self.plan.year, len(self.current) + 1),
            revision=revision,
            school=school,
            intake=intake,
            level=level,
            birth_cutoff=self.profile.birth_cutoff,
            channel=channel,
            entered_by=entered_by,
            submitted_at=cst_time(now),
            salt=salt,
            row=row,
        )
        owner = self.by_id.get(app.id_number)
        if owner is not None and owner != app.number:
            raise SeasonError(
                f"该儿童已在本区报名（报名号 {owner}），一名儿童只能报名一次",
                f"this child already applied in the district ({owner}); one child, one application",
            )
        receipt = app.receipt()
        d = self._signed(receipt, now)
        self.records.append(app)
        self.current[app.number] = app
        self.by_id[app.id_number] = app.number
        self._append(
            SeasonEvent.RECEIVED,
            "school" if channel is Channel.DESK else "system",
            now,
            {"digest": d.hex(), "intake": intake, "revision": revision, "school": school},
        )
        return app

    def receipt_jws(self, app: Application) -> str:
        return self.signed[digest(app.receipt()).hex()]

    def standing(self, number: str) -> dict[str, Json] | None:
        """The latest decision document of an application, or None."""
        return self.latest.get(number)

    def where(self, number: str) -> str:
        """The school the application is with now: applied-to, or where it was returned."""
        last = self.standing(number)
        if last is not None and last["outcome"] in {Outcome.RETURN.value, Outcome.ASSIGN.value}:
            return str(last["to_school"] or last["school"])
        return self.current[number].school

    def _record_decision(self, doc: dict[str, Json]) -> None:
        """Standing and counts move with each decision (spec S6: the latest one counts)."""
        entry = bytes.fromhex(str(doc["entry"]))
        place = chain.decision_place(doc)
        old = self.placed.get(entry)
        if old is not None:
            self.counts[old] -= 1
        if place is not None:
            self.counts[place] += 1
        self.placed[entry] = place
        self.decisions.append(doc)
        self.latest[str(doc["application"])] = doc

    def admitted(self, place: Place) -> set[bytes]:
        """The entries standing at ``place`` now: what a notice commits."""
        return {e for e, p in self.placed.items() if p == place}

    def decide(  # noqa: PLR0913
        self,
        number: str,
        *,
        outcome: Outcome,
        rule: str,
        reason: str,
        reviewer: str,
        now: dt.datetime,
        to_school: str | None = None,
        missing: tuple[str, dt.date] | None = None,
        approved_by: str | None = None,
        allocation: bytes | None = None,
        proofs: Sequence[CheckedProof] = (),
    ) -> Decision:
        day = now.astimezone(CST).date()
        if day < self.plan.window("review").start and "review" not in self.overrides:
            raise SeasonError("审核阶段尚未开始", "the review window has not opened")
        app = self.current.get(number)
        if app is None:
            raise SeasonError(f"没有报名号 {number}", f"no application {number}")
        if outcome is Outcome.RETURN and to_school is None:
            to_school = self.catchment.catchment_school(app.community, app.level)
            if to_school is None:
                raise SeasonError("该社区不在任何学区内", "the community is in no catchment")
        decision = decide(
            plan=self.plan,
            number=len(self.decisions) + 1,
            application=app,
            school=self.where(number),
            outcome=outcome,
            rule=rule,
            reason=reason,
            reviewer=reviewer,
            decided_at=cst_time(now),
            to_school=to_school,
            missing=missing,
            approved_by=approved_by,
            allocation=allocation,
            proofs=proofs,
        )
        target = decision.admits_to
        if target is not None:
            self._within_plan((target, app.intake), adding=app.entry())
        doc = decision.to_json()
        d = self._signed(doc, now)
        self._record_decision(doc)
        self._append(SeasonEvent.DECISION, "school", now, decision.log_detail(d))
        return decision

    def _within_plan(self, place: Place, *, adding: bytes) -> None:
        planned = self.plan.intake(*place)
        assert planned is not None
        here = self.placed.get(adding) == place
        if not here and self.counts[place] + 1 > planned.places:
            raise SeasonError(
                f"{place[0]} {place[1]} 计划 {planned.places} 人已满，不得突破计划招生",
                f"{place[0]} {place[1]}: the plan's {planned.places} places are full",
            )

    def commit_notice(self, *, school: str, intake: str, now: dt.datetime) -> Notice:
        self._open("notice", now)
        place = (school, intake)
        entries = self.admitted(place)
        apps = {a.entry(): a for a in self.records}
        female = sum(apps[e].sex.value == "F" for e in entries)
        w = self.plan.window("notice")
        es = entry_set(entries)
        doc = notice_document(
            season=self.season,
            school=school,
            intake=intake,
            committed_at=cst_time(now),
            entries=es,
            female=female,
            male=len(entries) - female,
            window=(w.start, w.end),
        )
        d = self._signed(doc, now)
        i = self._append(
            SeasonEvent.NOTICE,
            "bureau",
            now,
            {"digest": d.hex(), "intake": intake, "school": school},
        )
        self.notices[place] = Notice(i, doc, d, es)
        return self.notices[place]

    def file_case(
        self,
        *,
        school: str,
        intake: str,
        application: str | None,
        claim: str,
        channel: str,
        now: dt.datetime,
    ) -> Case:
        self._open("notice", now)
        notice = self.notices.get((school, intake))
        if notice is None:
            raise SeasonError("该校尚未公示", "this school's list is not posted")
        case = file_case(
            season=self.season,
            number=len(self.cases) + 1,
            notice=notice.digest,
            school=school,
            intake=intake,
            application=application,
            claim=claim,
            channel=channel,
            filed_at=cst_time(now),
        )
        d = self._signed(case.to_json(), now)
        self.cases.append(case)
        self._append(
            SeasonEvent.CASE_FILED,
            "system",
            now,
            {
                "case": case.number,
                "digest": d.hex(),
                "intake": intake,
                "notice": notice.digest.hex(),
                "school": school,
            },
        )
        return case

    def decide_case(
        self,
        number: int,
        *,
        upheld: bool,
        reason: str,
        handled_by: str,
        now: dt.datetime,
        application: str | None = None,
    ) -> CaseFinding:
        """The bureau's finding; ``application`` names the reported child when the report
        (e.g. one filed online by name) did not."""
        if not 1 <= number <= len(self.cases) or number in self.findings:
            raise SeasonError(f"没有待处理的举报 #{number}", f"no open case #{number}")
        case = self.cases[number - 1]
        entry = None
        if upheld:
            app = self.current.get(application or case.application or "")
            notice = self.notices[(case.school, case.intake)]
            if app is None or app.entry() not in notice.entries.entries:
                raise SeasonError(
                    "查实的举报须指向名单上的儿童", "an upheld case names a listed child"
                )
            entry = app.entry()
        finding = CaseFinding(
            case,
            Finding.UPHELD if upheld else Finding.REJECTED,
            entry,
            reason,
            handled_by,
            cst_time(now),
            application or case.application,
        )
        d = self._signed(finding.to_json(), now)
        self.findings[number] = finding
        self._append(
            SeasonEvent.CASE_DECIDED,
            "bureau",
            now,
            {
                "case": number,
                "digest": d.hex(),
                "entry": None if entry is None else entry.hex(),
                "outcome": finding.outcome.value,
            },
        )
        return finding

    def derive_roster(self, *, school: str, intake: str, now: dt.datetime) -> dict[str, Json]:
        """The roster for the draw: the 公示 list, minus upheld reports, plus later decisions."""
        place = (school, intake)
        notice = self.notices.get(place)
        if notice is None:
            raise SeasonError("该校尚未公示", "this school's list was never posted")
        changes, final = chain.derive(
            self.log,
            notice_index=notice.index,
            end=len(self.log),
            place=place,
            notice_digest=notice.digest.hex(),
            listed=set(notice.entries.entries),
        )
        planned = self.plan.intake(*place)
        assert planned is not None
        if len(final) > planned.places:
            raise SeasonError("名单超出招生计划", "the roster exceeds the planned places")
        doc = chain.roster_document(
            season=self.season,
            place=place,
            notice_digest=notice.digest.hex(),
            notice_size=notice.entries.size,
            changes=changes,
            roster=entry_set(final),
            derived_at=cst_time(now),
        )
        d = self._signed(doc, now)
        self._append(
            SeasonEvent.ROSTER,
            "bureau",
            now,
            {"digest": d.hex(), "intake": intake, "school": school},
        )
        self.rosters[place] = doc
        self.roster_sets[place] = entry_set(final)
        return doc

    def admit(self, *, school: str, intake: str, now: dt.datetime) -> dict[str, Json]:
        """The signed admission of a derived roster (spec S13): what every notice's QR holds."""
        self._open("admission", now)
        place = (school, intake)
        roster = self.rosters.get(place)
        if roster is None:
            raise SeasonError("尚未推导派位名单", "no roster was derived for this intake")
        doc: dict[str, Json] = {
            "admitted": roster["roster"],
            "intake": intake,
            "issued_at": cst_time(now),
            "roster": digest(roster).hex(),
            "school": school,
            "season": self.season,
            "t": ADMISSION,
        }
        d = self._signed(doc, now)
        self._append(
            SeasonEvent.ADMISSION,
            "bureau",
            now,
            {"digest": d.hex(), "intake": intake, "school": school},
        )
        self.admissions[place] = doc
        return doc

    def roster_applications(self, place: Place) -> list[Application]:
        """The records of a derived roster (what the draw's roster import is made from)."""
        wanted = set(self.roster_sets[place].entries)
        return [a for a in self.current.values() if a.entry() in wanted]
