"""What the season's pages show, read from the ledger (no Flask here).

Public views carry no personal data beyond what the gate poster shows (names and sex,
during the 公示 window only); a family sees its own application after giving the
application number and the child's ID number.
"""

from __future__ import annotations

import hmac
from collections import Counter
from dataclasses import dataclass

from placement.canonical import Json
from placement.season.allocating import my_ticket
from placement.season.application import PROOF_ZH, Application, Proof
from placement.season.cases import FINDING_EN, FINDING_ZH
from placement.season.documents import digest
from placement.season.ledger import Ledger, Place
from placement.season.notice import PosterLine, poster_order
from placement.season.outcome import OUTCOME_EN, OUTCOME_ZH, Outcome


def find_application(led: Ledger, number: str, id_number: str) -> Application | None:
    """The application only when both the number and the child's ID number match."""
    app = led.current.get(number.strip())
    typed = id_number.strip().upper()
    if app is None or not hmac.compare_digest(app.id_number.encode(), typed.encode()):
        return None
    return app


@dataclass(frozen=True, slots=True)
class Status:
    app: Application
    school_now: str
    outcome_zh: str
    outcome_en: str
    decision: dict[str, Json] | None
    rule_zh: str
    on_notice: bool
    in_roster: bool
    proof_zh: str
    admitted: str  # the admission's roster fingerprint when the child is in it, else ""
    ticket: str  # the family's own 统筹 ticket (hex) once its draw is done, else ""


def status(led: Ledger, app: Application) -> Status:
    last = led.standing(app.number)
    rule = led.plan.rule(str(last["rule"])) if last else None
    outcome = Outcome(str(last["outcome"])) if last else None
    place = (led.where(app.number), app.intake)
    notice = led.notices.get(place)
    roster = led.roster_sets.get(place)
    return Status(
        app=app,
        school_now=place[0],
        outcome_zh=OUTCOME_ZH[outcome] if outcome else "待审核",
        outcome_en=OUTCOME_EN[outcome] if outcome else "awaiting review",
        decision=last,
        rule_zh=rule.zh if rule else "",
        on_notice=notice is not None and app.entry() in notice.entries.entries,
        in_roster=roster is not None and app.entry() in roster.entries,
        proof_zh=PROOF_ZH[Proof(app.proof)],
        admitted=_admitted(led, place, app),
        ticket=(found[1] if (found := my_ticket(led, app.entry())) else ""),
    )


def _admitted(led: Ledger, place: Place, app: Application) -> str:
    doc = led.admissions.get(place)
    roster = led.roster_sets.get(place)
    if doc is None or roster is None or app.entry() not in roster.entries:
        return ""
    admitted = doc["admitted"]
    assert isinstance(admitted, dict)
    # the admission names this very derivation (season.admissions checks it)
    return str(admitted["root"])[:16]


def poster(led: Ledger, place: Place) -> list[PosterLine]:
    """The 公示 list as posted: names and sex, by name (never the committed order)."""
    notice = led.notices.get(place)
    if notice is None:
        return []
    listed = set(notice.entries.entries)
    lines = [
        PosterLine(a.name, "男" if a.sex.value == "M" else "女", a.number)
        for a in led.records
        if a.entry() in listed
    ]
    return poster_order(lines)


def public_cases(led: Ledger) -> list[dict[str, str]]:
    """Case numbers, schools and outcomes: nothing about the child or the reporter."""
    out = []
    for case in led.cases:
        finding = led.findings.get(case.number)
        out.append({
            "case": f"#{case.number}",
            "school": case.school,
            "filed": case.filed_at[:10],
            "zh": FINDING_ZH[finding.outcome] if finding else "处理中",
            "en": FINDING_EN[finding.outcome] if finding else "being handled",
        })  # fmt: skip
    return out


def statistics(led: Ledger) -> list[dict[str, object]]:
    """Per planned intake: applications, outcomes, reports, places planned and filled."""
    applied = Counter((a.school, a.intake) for a in led.current.values())
    outcomes: Counter[tuple[str, str, str]] = Counter()
    for doc in led.latest.values():
        outcomes[(str(doc["school"]), str(doc["intake"]), str(doc["outcome"]))] += 1
    returned = Counter(
        (str(d["school"]), str(d["intake"]))
        for d in led.decisions
        if d["outcome"] == Outcome.RETURN.value
    )
    reports = Counter((c.school, c.intake) for c in led.cases)
    upheld = Counter(
        (c.school, c.intake)
        for c in led.cases
        if (f := led.findings.get(c.number)) and f.outcome.value == "upheld"
    )
    rows = []
    for i in led.plan.intakes:
        place = (i.school, i.intake)
        notice, roster = led.notices.get(place), led.roster_sets.get(place)
        rows.append({
            "school": i.school, "intake": i.intake, "planned": i.places,
            "applications": applied[place],
            "approved": outcomes[(*place, Outcome.APPROVE.value)],
            "returned": returned[place],
            "pending": outcomes[(*place, Outcome.PENDING.value)],
            "deferred": outcomes[(*place, Outcome.DEFER.value)],
            "assigned": led.counts[place] - outcomes[(*place, Outcome.APPROVE.value)],
            "reports": reports[place], "upheld": upheld[place],
            "on_notice": notice.entries.size if notice else None,
            "filled": roster.size if roster else led.counts[place],
        })  # fmt: skip
    return rows


def poster_values(led: Ledger, place: Place, *, base_url: str | None = None) -> dict[str, object]:
    """What the 公示 gate poster shows (``web.sheets.season.poster_pdf``'s keywords)."""
    notice = led.notices[place]
    doc = notice.document
    window = doc["window"]
    assert isinstance(window, dict)
    values: dict[str, object] = {
        "district": led.plan.district,
        "school": place[0],
        "intake": place[1],
        "window": f"{window['start']} 至 {window['end']}",
        "lines": [(p.name, p.sex) for p in poster(led, place)],
        "notice_jws": led.signed[notice.digest.hex()],
        "root_hex": notice.entries.root.hex(),
        "digest_hex": notice.digest.hex(),
        "hotline": led.profile.hotline,
    }
    if base_url:
        values["base_url"] = base_url
    return values


def admission_values(
    led: Ledger, place: Place, *, base_url: str | None = None
) -> dict[str, object]:
    """The notices of one admitted roster (``web.sheets.season.admission_pdf``'s keywords)."""
    doc = led.admissions[place]
    admitted = doc["admitted"]
    assert isinstance(admitted, dict)
    wanted = set(led.roster_sets[place].entries)
    kids = sorted(
        (
            (a.name, "男" if a.sex.value == "M" else "女", a.number)
            for a in led.current.values()
            if a.entry() in wanted
        ),
        key=lambda c: (c[0], c[2]),
    )
    placement_stage = led.profile.placement_window()
    values: dict[str, object] = {
        "district": led.plan.district, "school": place[0], "intake": place[1],
        "children": kids, "admission_jws": led.signed[digest(doc).hex()],
        "root_hex": str(admitted["root"]), "total": int(str(admitted["size"])),
        "draw_date": f"{placement_stage.start:%m月%d日}", "hotline": led.profile.hotline,
    }  # fmt: skip
    if base_url:
        values["base_url"] = base_url
    return values


@dataclass(frozen=True, slots=True)
class Override:
    """A stage opened outside its window, as the log shows it (public, spec S10)."""

    day: str  # the day it was recorded, in the policy's zone
    stage_zh: str
    stage_en: str
    reason: str


def overrides(led: Ledger) -> list[Override]:
    """Every recorded override in log order (a stage opened twice shows twice)."""
    out = []
    for e in led.log:
        detail = e.get("detail")
        if e.get("event") != "override.recorded" or not isinstance(detail, dict):
            continue
        stage = led.profile.stage(str(detail["stage"]))
        out.append(
            Override(str(e["time"])[:10], stage.name_zh, stage.name_en, str(detail["reason"]))
        )
    return out


@dataclass(frozen=True, slots=True)
class AllocationRow:
    """One 统筹 draw as the staff page lists it."""

    school: str
    intake: str
    places: int
    pool: int
    scheduled: str
    witnesses: list[str]
    drawn: bool
    pool_numbers: list[str]  # empty unless the viewer may see application numbers
    winners: list[str]  # likewise: application numbers by ticket


def allocation_rows(led: Ledger, *, numbers: bool, school: str | None) -> list[AllocationRow]:
    """Every draw (a reviewer: their own school's); numbers only for who may see them."""
    rows = []
    for (where, intake), a in led.allocations.items():
        if school is not None and where != school:
            continue
        doc, result = a.document, a.result
        won = [] if result is None else result["winners"]
        assert isinstance(won, list)
        planned_witnesses = doc["witnesses"]
        assert isinstance(planned_witnesses, list)
        rows.append(
            AllocationRow(
                school=where,
                intake=intake,
                places=int(str(doc["places"])),
                pool=a.pool.size,
                scheduled=str(doc["scheduled"]),
                witnesses=[str(w) for w in planned_witnesses],
                drawn=result is not None,
                pool_numbers=sorted(a.numbers.values()) if numbers else [],
                winners=[a.numbers[bytes.fromhex(str(e))] for e in won] if numbers else [],
            )
        )
    return rows
