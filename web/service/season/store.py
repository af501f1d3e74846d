"""The season ledger kept in the database, one transaction a step.

The season's logic is ``placement.season.ledger.Ledger``; this module is its durable
store. Each process keeps the ledger it last saw; a step takes the log's write lock,
reloads the ledger if the log grew since (another process wrote), runs the step, and
writes what the step added — log entries, signed documents, records, entry sets — and a
new checkpoint, all in that one transaction. If anything fails, the transaction rolls
back and the cached ledger is dropped, so memory never holds a step the database lost.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Engine, insert
from sqlmodel import Session, col, select

from keys.errors import KeysError
from placement.canonical import Json
from placement.errors import InvalidInput, PlacementError
from placement.policy import PROFILES
from placement.season import allocating
from placement.season.catchment import Catchment
from placement.season.documents import digest
from placement.season.ledger import Ledger
from placement.season.plan import Plan
from placement.season.restore import restore
from web.db.engine import reading, writing
from web.db.models import (
    LogHead,
    SeasonAllocation,
    SeasonApplication,
    SeasonDocument,
    SeasonEntrySet,
)
from web.db.store import DbLog
from web.record.draw import Signers
from web.service.errors import NotFound, ServiceError

T = TypeVar("T")


def _sign(signers: Callable[[], Signers]) -> Callable[[dict[str, Json], int], str]:
    def sign(doc: dict[str, Json], iat: int) -> str:
        return signers().bureau.sign_jws(doc, iat=iat)

    return sign


@dataclass(frozen=True, slots=True)
class Seen:
    """How much of the ledger the database already holds."""

    log: int
    records: int
    notices: int
    rosters: int
    signed: int


def _seen(led: Ledger) -> Seen:
    return Seen(len(led.log), len(led.records), len(led.notices), len(led.rosters), len(led.signed))


@dataclass
class SeasonStore:
    """One season's ledger for one process, loaded from and saved to the database."""

    engine: Engine
    season: str
    signers: Callable[[], Signers]
    _ledger: Ledger | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def exists(self) -> bool:
        with reading(self.engine) as s:
            q = select(SeasonDocument.digest).where(SeasonDocument.season == self.season)
            return s.exec(q.limit(1)).first() is not None

    def _load(self, s: Session) -> Ledger:
        size = s.exec(select(LogHead.size).where(LogHead.id == 1)).one()
        if self._ledger is not None and len(self._ledger.log) == size:
            return self._ledger
        # columns, not ORM objects, and the stored type (not the JWS parsed again): a
        # cold start of a district's season reads ~10 000 documents
        docs = s.exec(
            select(SeasonDocument.digest, SeasonDocument.type, SeasonDocument.data).where(
                SeasonDocument.season == self.season
            )
        ).all()
        signed = {d: data.decode() for d, _, data in docs}
        types = {d: t for d, t, _ in docs}
        if not signed:
            raise NotFound(f"招生季 {self.season} 尚未建立", f"season {self.season} is not set up")
        sets = {
            r.digest: json.loads(r.data)
            for r in s.exec(select(SeasonEntrySet).where(SeasonEntrySet.season == self.season))
        }
        records = [
            json.loads(data)
            for data in s.exec(
                select(SeasonApplication.data)
                .where(SeasonApplication.season == self.season)
                .order_by(col(SeasonApplication.id))
            )
        ]
        allocations = {
            r.digest: json.loads(r.data)
            for r in s.exec(select(SeasonAllocation).where(SeasonAllocation.season == self.season))
        }
        state: dict[str, Json] = {
            "allocations": allocations,
            "log": list(DbLog(s).entries()),
            "notice_entries": {d: v for d, v in sets.items() if types[d].endswith("/notice")},
            "profile": self.season,
            "records": records,
            "roster_entries": {d: v for d, v in sets.items() if types[d].endswith("/roster")},
            "signed": dict(signed),
            "types": dict(types),
        }
        self._ledger = restore(state, profile=PROFILES[self.season], sign=_sign(self.signers))
        return self._ledger

    def read(self) -> Ledger:
        """The ledger as the database has it now (for pages: do not change it)."""
        with self._lock, reading(self.engine) as s:
            return self._load(s)

    @contextmanager
    def _step(self) -> Iterator[tuple[Session, Ledger]]:
        with self._lock:
            try:
                with writing(self.engine) as s:
                    s.exec(select(LogHead).where(LogHead.id == 1).with_for_update()).one()
                    led = self._load(s)
                    before = _seen(led)
                    yield s, led
                    self._save(s, led, before)
            except BaseException:
                self._ledger = None  # memory may hold what the database rolled back
                raise

    def step(self, fn: Callable[[Ledger], T]) -> T:
        """Run one ledger step in one transaction; core refusals become ServiceErrors
        (a refused form stays ``InvalidInput``, with its issues by row and field)."""
        try:
            with self._step() as (_, led):
                return fn(led)
        except (InvalidInput, ServiceError, KeysError):
            raise  # a refused form keeps its issues; the service's and keys' refusals their meaning
        except PlacementError as e:
            raise ServiceError.of(e) from e

    def create(
        self, *, catchment: Catchment, plan: Plan, now_publish: Callable[[Ledger], None]
    ) -> None:
        """Set the season up: catchment and plan as signed, logged policy data."""
        if self.exists():
            raise ServiceError(f"招生季 {self.season} 已建立", f"season {self.season} exists")
        profile = PROFILES.get(plan.season)
        if profile is None:
            raise ServiceError("没有该政策", f"no policy profile {plan.season!r}")
        with self._lock:
            try:
                with writing(self.engine) as s:
                    s.exec(select(LogHead).where(LogHead.id == 1).with_for_update()).one()
                    size = s.exec(select(LogHead.size).where(LogHead.id == 1)).one()
                    led = Ledger(
                        profile=profile, catchment=catchment, plan=plan, sign=_sign(self.signers)
                    )
                    # entries of other kinds (draw steps) are already in the district log
                    led.log.extend(DbLog(s).entries())
                    before = Seen(size, 0, 0, 0, 0)
                    now_publish(led)
                    self._save(s, led, before)
                    self._ledger = led
            except BaseException:
                self._ledger = None
                raise

    def _save(self, s: Session, led: Ledger, before: Seen) -> None:
        log = DbLog(s)
        new_entries = led.log[before.log :]
        log.extend(new_entries)  # one multi-row INSERT: a bulk step logs thousands
        # The ledger only adds signed documents, in order: the new ones are those after
        # the count saved (a bulk step signs thousands; no need to list the stored ones).
        fresh = [
            {"digest": d, "season": self.season, "type": led.types[d], "data": text.encode()}
            for d, text in itertools.islice(led.signed.items(), before.signed, None)
        ]
        if fresh:
            s.execute(insert(SeasonDocument), fresh)
        apps = [
            {"season": self.season, "number": a.number, "revision": a.revision,
             "id_number": a.id_number,
             "data": json.dumps(a.to_json(), ensure_ascii=False).encode()}
            for a in led.records[before.records :]
        ]  # fmt: skip
        if apps:
            s.execute(insert(SeasonApplication), apps)
        sets = [(n.digest.hex(), n.entries) for n in led.notices.values()]
        sets += [(digest(doc).hex(), led.roster_sets[p]) for p, doc in led.rosters.items()]
        stored = set(
            s.exec(select(SeasonEntrySet.digest).where(SeasonEntrySet.season == self.season))
        )
        for d, es in sets:
            if d not in stored:
                s.add(
                    SeasonEntrySet(
                        digest=d, season=self.season, data=json.dumps(es.hex_list()).encode()
                    )
                )
        for d, saved in allocating.state(led).items():
            row = s.get(SeasonAllocation, d)
            data = json.dumps(saved).encode()
            if row is None:
                s.add(SeasonAllocation(digest=d, season=self.season, data=data))
            elif row.data != data:
                row.data = data
                s.add(row)
        s.flush()
        if new_entries:
            log.checkpoint(self.signers().log)
