"""The season's steps as the service runs them: who may, when, and in one transaction.

Each function opens the season's store (one per process and database), runs the ledger
step with the service's clock and randomness, and records who did it in the audit list.
Refusals are :class:`~web.service.errors.ServiceError` with zh and en messages.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Sequence

from placement.documents import WitnessInput
from placement.errors import InvalidInput, Issue, PlacementError
from placement.policy import Level
from placement.season import allocating, bundle
from placement.season.application import Application, Channel, Form
from placement.season.catchment import Catchment
from placement.season.decision import CheckedProof
from placement.season.ledger import Ledger
from placement.season.outcome import Outcome
from placement.season.plan import Plan
from web.db.engine import writing
from web.record.season_bundle import build_zip
from web.service.errors import ServiceError
from web.service.intakes import Env, audit
from web.service.season.store import SeasonStore

# The season the web pages serve: one policy year (spec S2), the reference district's.
SERVED_SEASON = "taobei-2024"

_stores: dict[tuple[int, str], SeasonStore] = {}
_stores_lock = threading.Lock()


def store_for(env: Env, season: str) -> SeasonStore:
    """The process's store of this season on this database."""
    with _stores_lock:
        key = (id(env.engine), season)
        if key not in _stores:
            _stores[key] = SeasonStore(env.engine, season, env.signers)
        return _stores[key]


def _audit(env: Env, user: str, action: str, detail: str) -> None:
    with writing(env.engine) as s:
        audit(s, env.now(), user, action, None, detail)


def create(env: Env, *, catchment: Catchment, plan: Plan, user: str) -> None:
    now = env.now()
    store_for(env, plan.season).create(
        catchment=catchment, plan=plan, now_publish=lambda led: led.publish_policy(now)
    )
    _audit(env, user, "season.created", plan.season)


def register(  # noqa: PLR0913 - a registration names all of this
    env: Env,
    season: str,
    form: Form,
    *,
    school: str,
    intake: str,
    level: Level,
    channel: Channel = Channel.ONLINE,
    entered_by: str = "",
    number: str | None = None,
) -> Application:
    """A parent's (or the desk's) application; every problem of the form at once."""
    now, salt = env.now(), env.token_bytes(16)

    def step(led: Ledger) -> Application:
        return led.register(
            form,
            school=school,
            intake=intake,
            level=level,
            now=now,
            salt=salt,
            channel=channel,
            entered_by=entered_by,
            number=number,
        )

    try:
        return store_for(env, season).step(step)
    except InvalidInput as e:
        raise ServiceError("报名信息有误", "the application has errors", issues=e.issues) from e


def decide(  # noqa: PLR0913
    env: Env,
    season: str,
    number: str,
    *,
    outcome: Outcome,
    rule: str,
    reason: str,
    reviewer: str,
    user: str,
    to_school: str | None = None,
    missing: tuple[str, dt.date] | None = None,
    approved_by: str | None = None,
    proofs: Sequence[CheckedProof] = (),
) -> int:
    now = env.now()
    decision = store_for(env, season).step(
        lambda led: led.decide(
            number,
            outcome=outcome,
            rule=rule,
            reason=reason,
            reviewer=reviewer,
            now=now,
            to_school=to_school or None,
            missing=missing,
            approved_by=approved_by or None,
            proofs=proofs,
        )
    )
    _audit(env, user, "season.decided", f"#{decision.number} {number} {outcome.value}")
    return decision.number


def override(env: Env, season: str, *, stage: str, reason: str, user: str) -> None:
    if not reason.strip():
        raise ServiceError("例外须写明理由", "an override needs a reason")
    now = env.now()
    store_for(env, season).step(lambda led: led.override(stage=stage, reason=reason, now=now))
    _audit(env, user, "season.override", f"{stage}: {reason}")


def commit_notice(env: Env, season: str, *, school: str, intake: str, user: str) -> str:
    now = env.now()
    notice = store_for(env, season).step(
        lambda led: led.commit_notice(school=school, intake=intake, now=now)
    )
    _audit(env, user, "season.notice", f"{school} {intake} {notice.entries.size}")
    return notice.digest.hex()


def file_case(
    env: Env,
    season: str,
    *,
    school: str,
    intake: str,
    application: str | None,
    claim: str,
    channel: str,
) -> int:
    now = env.now()
    case = store_for(env, season).step(
        lambda led: led.file_case(
            school=school,
            intake=intake,
            application=application or None,
            claim=claim,
            channel=channel,
            now=now,
        )
    )
    return case.number


def decide_case(
    env: Env,
    season: str,
    case: int,
    *,
    upheld: bool,
    reason: str,
    handled_by: str,
    user: str,
    application: str | None = None,
) -> None:
    now = env.now()
    store_for(env, season).step(
        lambda led: led.decide_case(
            case,
            upheld=upheld,
            reason=reason,
            handled_by=handled_by,
            now=now,
            application=application or None,
        )
    )
    _audit(env, user, "season.case", f"#{case} {'upheld' if upheld else 'rejected'}")


def derive(env: Env, season: str, *, school: str, intake: str, user: str) -> dict[str, object]:
    now = env.now()
    doc = store_for(env, season).step(
        lambda led: led.derive_roster(school=school, intake=intake, now=now)
    )
    _audit(env, user, "season.derived", f"{school} {intake}")
    return dict(doc)


def admit(env: Env, season: str, *, school: str, intake: str, user: str) -> None:
    now = env.now()
    store_for(env, season).step(lambda led: led.admit(school=school, intake=intake, now=now))
    _audit(env, user, "season.admitted", f"{school} {intake}")


def announce_allocation(
    env: Env,
    season: str,
    *,
    school: str,
    intake: str,
    numbers: Sequence[str],
    scheduled: str,
    witnesses: Sequence[str],
    user: str,
) -> str:
    """Freeze a 统筹 pool for an oversubscribed school and commit to a fresh secret seed."""
    now, server_seed = env.now(), env.token_bytes(32)
    made = store_for(env, season).step(
        lambda led: allocating.announce(
            led,
            school=school,
            intake=intake,
            numbers=numbers,
            server_seed=server_seed,
            scheduled=scheduled,
            witnesses=witnesses,
            now=now,
        )
    )
    _audit(env, user, "season.allocation", f"{school} pool {len(numbers)}")
    return made.digest.hex()


def draw_allocation(
    env: Env,
    season: str,
    *,
    school: str,
    intake: str,
    witnesses: Sequence[WitnessInput],
    beacon: str | None,
    user: str,
) -> list[str]:
    """Reveal, draw and assign the winners (their application numbers, by ticket)."""
    now = env.now()

    def step(led: Ledger) -> list[str]:
        result = allocating.draw(
            led,
            school=school,
            intake=intake,
            witnesses=witnesses,
            beacon=beacon,
            reviewer=user,
            now=now,
        )
        numbers = led.allocations[(school, intake)].numbers
        winners = result["winners"]
        assert isinstance(winners, list)
        return [numbers[bytes.fromhex(str(e))] for e in winners]

    won = store_for(env, season).step(step)
    _audit(env, user, "season.allocated", f"{school}: {len(won)}")
    return won


def export(env: Env, season: str, *, kind: str) -> bytes:
    """The season bundle (public or archive) with a checkpoint over the whole log now."""
    led = store_for(env, season).read()
    signers = env.signers()
    files = bundle.members(
        led,
        kind=kind,
        keyring=env.keyring().to_json(),
        sign_checkpoint=signers.log.sign_note,
        origin=signers.log.name,
        pools={a.digest.hex(): a.pool.hex_list() for a in led.allocations.values()},
    )
    created = env.now().astimezone(dt.timezone(dt.timedelta(hours=8)))
    return build_zip(
        kind=kind, season=season, created=created.replace(microsecond=0).isoformat(), files=files
    )


def register_rows(
    env: Env,
    season: str,
    rows: Sequence[tuple[int, dict[str, str]]],
    *,
    intake: str,
    level: Level,
    entered_by: str,
) -> list[Application]:
    """Desk entries in bulk, all or nothing: every refused row is listed with its number."""
    now = env.now()
    salts = [env.token_bytes(16) for _ in rows]

    def step(led: Ledger) -> list[Application]:
        out: list[Application] = []
        issues: list[Issue] = []
        for (n, row), salt in zip(rows, salts, strict=True):
            try:
                out.append(
                    led.register(
                        _form(row),
                        school=row.get("school", ""),
                        intake=intake,
                        level=level,
                        now=now,
                        salt=salt,
                        channel=Channel.DESK,
                        entered_by=entered_by,
                        row=n,
                    )
                )
            except InvalidInput as e:
                issues.extend(e.issues)
            except PlacementError as e:
                issues.append(Issue(n, "", "application.refused", e.zh, e.en))
        if issues:
            raise InvalidInput(tuple(issues))
        return out

    try:
        return store_for(env, season).step(step)
    except InvalidInput as e:
        raise ServiceError(
            f"{len({i.row for i in e.issues})} 行有误，全部未导入",
            f"{len({i.row for i in e.issues})} rows have errors; nothing was imported",
            issues=e.issues,
        ) from e


_FORM_FIELDS = (
    *("name", "sex", "id_number", "birth_date", "address", "community", "proof"),
    *("guardian_name", "guardian_phone", "student_no", "primary_school"),
)
_FLAG_SPLIT = re.compile(r"[、,，;；/\s]+")


def _form(row: dict[str, str]) -> Form:
    """A desk row: flags in one cell, separated as the roster's 特殊标记 column is."""
    flags = tuple(f for f in _FLAG_SPLIT.split(row.get("flags", "")) if f)
    return Form(
        **{f: row.get(f, "") for f in _FORM_FIELDS},
        flags=flags,
        twin_id=row.get("twin_id", ""),
        twin_wish=row.get("twin_wish", ""),
    )
