"""Crash safety: a worker process taking intakes through freeze → announce → witness
inputs → draw → publish is killed with SIGKILL, many times. After each kill the database
must be consistent — every intake's stage, its transparency-log entries, its record blobs,
its audit trail and its pupils' classes agree; never half a step, never two draws — and
the next worker simply carries on. At the end every intake is published and its exported
archive bundle verifies.

Where the kills land is decided by the steps' own progress, not by a clock: the worker
counts the SQL statements a step runs inside its write transaction and, when told to,
stops at the k-th of them (k drawn from the counts of earlier runs of that step), or at
its commit, or just after its commit; the test kills it there. So every step is killed
inside its open transaction a known number of times on each database, and the test
asserts what each kill proves (rolled back; or committed, not yet reported), with no
wall-clock budget. A few kills at a random moment add the points between steps.

Workers are forked from a forkserver that has already imported the service (so a kill
costs milliseconds, not an interpreter start).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from clikit import database_url, small_intakes
from servicekit import BUREAU, LOG, PASSPHRASE, database_urls
from sqlalchemy import Engine, event, func
from sqlmodel import col, select

from keys.store import KeyStore
from placement.keyring import KeyRole
from placement.tlog import checkpoint_of
from verifier.verify import verify_bundle
from web.db.engine import make_engine, reading, writing
from web.db.models import (
    AuditEvent,
    Intake,
    LogEntry,
    LogHead,
    Pupil,
    RecordBlob,
    School,
    TeamRow,
)
from web.db.schema import upgrade
from web.db.store import DbLog
from web.service import intake_db, workflow
from web.service.intakes import Env
from web.service.ratelimit import storage_url
from web.service.services import Services, make_limiter

INSIDE = 4  # kills inside each step's open transaction, per database
AFTER_COMMIT = 1  # kills just after each step's commit, before the worker reports it
RANDOM_EVERY = 5  # every fifth kill comes at a random moment instead (between steps, …)
MAX_KILLS = 200
INTAKES = 12  # of 50 pupils in 2 classes: about one is finished per five targeted kills
TARGETED = ("announce", "draw", "publish", "freeze", "witness")
WITNESSES = 2
ANNOUNCED = {
    "draw.json",
    "secret/server_seed",
    "private/leaves.json",
    "private/codes.json",
    "public/leaves.json",
    "public/teams.json",
    "public/announcement.jws",
}
OVERRIDE = "测试：不在派位时间内 / test: outside the placement window"


# -- the worker (runs in the forked child) ----------------------------------------------------


def _services(url: str, keys_dir: str) -> Services:
    return Services(
        engine=make_engine(url),
        keys_dir=Path(keys_dir),
        bureau_key=BUREAU,
        log_key=LOG,
        passphrase=lambda: PASSPHRASE,
        login_limit=make_limiter(10, 60, storage_url("memory://", Path()), "login"),
        lookup_limit=make_limiter(20, 60, storage_url("memory://", Path()), "lookup"),
    )


def _witnesses(engine: Engine, iid: int) -> int:
    with reading(engine) as s:
        data = s.exec(
            select(RecordBlob.data).where(
                RecordBlob.intake_id == iid, RecordBlob.name == "draw.json"
            )
        ).first()
    return len(json.loads(data)["witnesses"]) if data else 0


def next_step(engine: Engine) -> tuple[int, str, str] | None:
    """The first unfinished intake and its next step, or None when all are published."""
    with reading(engine) as s:
        rows = s.exec(select(Intake).order_by(col(Intake.id))).all()
    for intake in rows:
        assert intake.id is not None
        if intake.stage == "announced":
            step = "witness" if _witnesses(engine, intake.id) < WITNESSES else "draw"
        else:
            step = {"draft": "freeze", "frozen": "announce", "drawn": "publish"}.get(
                intake.stage, ""
            )
        if step:
            return intake.id, intake.draw_id, step
    return None


STEPS: dict[str, Callable[[Env, int], object]] = {
    "freeze": lambda env, iid: workflow.freeze(env, iid, user="worker"),
    "announce": lambda env, iid: workflow.announce(env, iid, user="worker"),
    "witness": lambda env, iid: workflow.add_witness(
        env, iid, role="家长代表", name="贾雪", text="3 1 4 1 5 9", user="worker"
    ),
    "draw": lambda env, iid: workflow.draw(env, iid, beacon_value=None, user="worker"),
    "publish": lambda env, iid: workflow.publish(env, iid, user="worker"),
}


@dataclass(frozen=True)
class Stop:
    """Where a worker stops (and waits to be killed): in ``step``, at the ``at``-th SQL
    statement inside its write transaction, or at ``"commit"`` (the transaction still
    open), or ``"after"`` (committed, not yet reported)."""

    step: str
    at: int | str


def worker(url: str, keys_dir: str, progress: str, stop: Stop | None = None) -> None:
    """Do steps until every intake is published, noting each step's begin and end (with
    the statements its transaction ran); stop where ``stop`` says."""
    services = _services(url, keys_dir)
    env = services.env
    current = {"step": "", "draw": "", "in_tx": False, "statements": 0}
    original = workflow.writing

    with Path(progress).open("a", encoding="utf-8") as f:

        def note(text: str) -> None:
            f.write(f"{time.monotonic():.6f} {os.getpid()} {text}\n")
            f.flush()

        def halt(where: str) -> None:
            note(f"stopped {current['draw']} {current['step']} {where}")
            time.sleep(3600)  # until the test's SIGKILL

        def counted(*_: object) -> None:
            if not current["in_tx"]:
                return
            current["statements"] += 1
            if stop and stop.step == current["step"] and stop.at == current["statements"]:
                halt(f"inside {current['statements']}")

        def at_commit(*_: object) -> None:
            # k was beyond this run's statements: stop at the commit, still inside.
            if current["in_tx"] and stop and stop.step == current["step"] and stop.at != "after":
                halt("inside commit")

        event.listen(services.engine, "before_cursor_execute", counted)
        event.listen(services.engine, "commit", at_commit)

        @contextmanager
        def writing(engine: Engine) -> Iterator[object]:
            with original(engine) as session:
                current["in_tx"], current["statements"] = True, 0
                yield session
            current["in_tx"] = False
            if stop and stop.step == current["step"] and stop.at == "after":
                halt("after")

        workflow.writing = writing  # type: ignore[assignment]  # the steps' transactions
        note("ready")
        while (nxt := next_step(services.engine)) is not None:
            iid, draw_id, step = nxt
            current["step"], current["draw"] = step, draw_id
            note(f"begin {draw_id} {step}")
            STEPS[step](env, iid)
            note(f"end {draw_id} {step} {current['statements']}")
        note("done")


# -- consistency ------------------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    stage: str
    witnesses: int


def _events_expected(stage: str, witnesses: int) -> list[str]:
    if stage in ("draft", "frozen"):
        return []
    events = ["announcement.published"] + ["witness.entered"] * witnesses
    if stage in ("drawn", "published"):
        events += ["seed.revealed", "draw.performed", "result.signed"]
    if stage == "published":
        events.append("bundle.exported")
    return events


def _blobs_expected(stage: str, classes: int) -> set[str]:
    if stage in ("draft", "frozen"):
        return set()
    names = set(ANNOUNCED)
    if stage in ("drawn", "published"):
        names |= {"public/ceremony.jws", "public/result.jws"}
        names |= {f"public/statements/{n:02d}.jws" for n in range(1, classes + 1)}
    if stage == "published":
        names.add("bundle/public.zip")
    return names


def _audit_expected(stage: str, witnesses: int) -> Counter[str]:
    order = ["draft", "frozen", "announced", "drawn", "published"]
    reached = order.index(stage)
    want: Counter[str] = Counter({"intake.created": 1, "roster.imported": 1, "teams.imported": 1})
    want["window.override"] = 1
    for action, at in (
        ("roster.frozen", 1),
        ("draw.announced", 2),
        ("draw.performed", 3),
        ("draw.published", 4),
    ):
        if reached >= at:
            want[action] = 1
    if witnesses:
        want["witness.entered"] = witnesses
    return want


def check_consistent(engine: Engine) -> dict[str, State]:
    """Every intake's stage agrees with its log entries, blobs, audit trail and pupils;
    the log itself is whole (head, entries and the latest signed checkpoint agree)."""
    states: dict[str, State] = {}
    with reading(engine) as s:
        head = s.exec(select(LogHead)).first()
        indexes = list(s.exec(select(LogEntry.index).order_by(col(LogEntry.index))))
        size = head.size if head else 0
        assert indexes == list(range(size)), "log entries and log head disagree"
        log = DbLog(s)
        events: dict[str, list[str]] = defaultdict(list)
        in_order = []
        for data in s.exec(select(LogEntry.data).order_by(col(LogEntry.index))):
            entry = json.loads(data)
            events[entry["draw"]].append(entry["event"])
            in_order.append(entry["event"])
        if size:
            # Every signing step checkpoints its own entries; witness inputs (no key)
            # wait for the next one.
            cp = checkpoint_of(log.latest_checkpoint() or "")
            assert cp.size <= size
            assert set(in_order[cp.size :]) <= {"witness.entered"}, in_order[cp.size :]
            assert cp.root == log.tree(cp.size).root
        for intake in s.exec(select(Intake)).all():
            iid = intake.id
            blobs = {
                b.name: b.data
                for b in s.exec(select(RecordBlob).where(RecordBlob.intake_id == iid))
            }
            witnesses = len(json.loads(blobs["draw.json"])["witnesses"]) if blobs else 0
            classes = s.scalar(select(func.count()).where(TeamRow.intake_id == iid)) or 0
            where = f"{intake.draw_id} in stage {intake.stage}"
            assert events[intake.draw_id] == _events_expected(intake.stage, witnesses), where
            assert events[intake.draw_id].count("draw.performed") <= 1
            assert set(blobs) == _blobs_expected(intake.stage, classes), where
            if blobs:
                record_stage = json.loads(blobs["draw.json"])["stage"]
                drawn = intake.stage in ("drawn", "published")
                assert record_stage == ("published" if drawn else "announced"), where
            actions = Counter(s.exec(select(AuditEvent.action).where(AuditEvent.intake_id == iid)))
            del actions["intake.second"]  # set-up: many intakes of one school (with a reason)
            assert actions == _audit_expected(intake.stage, witnesses), (where, actions)
            placed = s.scalar(
                select(func.count()).where(
                    Pupil.intake_id == iid, col(Pupil.class_number).is_not(None)
                )
            )
            total = s.scalar(select(func.count()).where(Pupil.intake_id == iid))
            assert placed == (total if intake.stage in ("drawn", "published") else 0), where
            states[intake.draw_id] = State(intake.stage, witnesses)
    return states


# -- the kill loop ----------------------------------------------------------------------------


@dataclass
class Tally:
    kills: int = 0
    points: Counter[str] = field(default_factory=Counter)
    statements: dict[str, int] = field(default_factory=dict)  # most seen in a step's transaction

    def inside(self, step: str) -> int:
        return self.points[f"{step}: rolled back"]

    def after(self, step: str) -> int:
        return self.points[f"{step}: committed, not yet reported"]

    def wanted(self) -> Stop | None:
        """The next targeted stop still needed, round-robin over the steps; None when
        every step has its kills."""
        short = [s for s in TARGETED if self.inside(s) < INSIDE]
        if short:
            return Stop(short[self.kills % len(short)], "inside")
        late = [s for s in TARGETED if self.after(s) < AFTER_COMMIT]
        return Stop(late[0], "after") if late else None


def _lines(progress: Path, offset: int) -> list[list[str]]:
    with progress.open(encoding="utf-8") as f:
        f.seek(offset)
        return [line.split() for line in f.read().splitlines() if line.strip()]


def _classify(lines: list[list[str]], before: dict[str, State], after: dict[str, State]) -> str:
    """Where the kill fell: while starting, between steps, or inside a step — and then
    whether that step's transaction had committed or was rolled back, read from the
    database (not from where the worker said it stopped)."""
    if not lines:
        return "starting up"
    last = lines[-1]
    if last[2] not in ("begin", "stopped"):
        return "between steps"
    draw_id, step = last[3], last[4]
    now = after[draw_id]
    if step == "witness":
        done = sum(1 for p in lines if p[2] == "end" and p[3] == draw_id and p[4] == "witness")
        committed = now.witnesses > before[draw_id].witnesses + done
    else:
        reached = {
            "freeze": ("frozen", "announced", "drawn", "published"),
            "announce": ("announced", "drawn", "published"),
            "draw": ("drawn", "published"),
            "publish": ("published",),
        }
        committed = now.stage in reached[step]
    return f"{step}: {'committed, not yet reported' if committed else 'rolled back'}"


def _learn(tally: Tally, lines: list[list[str]]) -> None:
    for parts in lines:
        if parts[2] == "end":
            step, count = parts[4], int(parts[5])
            tally.statements[step] = max(tally.statements.get(step, 1), count)


def _wait_for_stop(proc: multiprocessing.process.BaseProcess, progress: Path, offset: int) -> str:
    """Wait until the worker has stopped where it was told (or finished); no time limit
    but the worker's own: every step ends, so a worker that never stops ends instead."""
    while proc.is_alive():
        for parts in _lines(progress, offset):
            if parts[2] == "stopped":
                return " ".join(parts[5:])
        proc.join(0.01)
    return ""


def forkserver(monkeypatch: pytest.MonkeyPatch) -> multiprocessing.context.BaseContext:
    """A forkserver that has imported this module (and so the service) once; every worker
    is forked from it in milliseconds. Python 3.11's forkserver ignores the parent's
    sys.path when preloading, so this folder is put on PYTHONPATH for it."""
    here = str(Path(__file__).resolve().parent)
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))
    )
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([Path(__file__).stem])
    return ctx


def kill_many(
    ctx: multiprocessing.context.BaseContext, kind: str, url: str, keys: Path, progress: Path
) -> Tally:
    rng = random.Random(f"crash {kind} {time.time_ns()}")
    tally = Tally()
    engine = make_engine(url)
    states = check_consistent(engine)
    n = 0
    while (want := tally.wanted()) is not None:
        assert tally.kills < MAX_KILLS, tally  # a stop that never comes is a broken test
        offset = progress.stat().st_size
        n += 1
        stop: Stop | None = None
        if n % RANDOM_EVERY:
            at: int | str = want.at
            if at == "inside":  # the k-th statement of the step's own transaction
                at = rng.randint(1, tally.statements.get(want.step, 1) + 1)
            stop = Stop(want.step, at)
        proc = ctx.Process(target=worker, args=(url, str(keys), str(progress), stop))
        proc.start()
        if stop is None:
            proc.join(rng.uniform(0.0, 0.35))
            where = "random"
        else:
            where = _wait_for_stop(proc, progress, offset)
        if proc.exitcode is not None:  # finished before the kill: every intake is published
            assert proc.exitcode == 0
            break
        proc.kill()
        proc.join()
        tally.kills += 1
        lines = _lines(progress, offset)
        _learn(tally, lines)
        after = check_consistent(engine)
        point = _classify(lines, states, after)
        if where.startswith("inside"):
            assert point.endswith("rolled back"), (where, point)
        elif where == "after":
            assert point.endswith("committed, not yet reported"), (where, point)
        tally.points[point] += 1
        states = after
    engine.dispose()
    return tally


# -- the test ---------------------------------------------------------------------------------


@pytest.fixture(params=database_urls())
def district(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str, Path]:
    kind = request.param
    url = database_url(kind, tmp_path, "placement_crash")
    store = KeyStore(tmp_path / "keys", kdf_rounds=1_000)
    store.init()
    store.create(BUREAU, KeyRole.BUREAU, "洮北区教育局", date(2024, 6, 1), PASSPHRASE)
    store.create(LOG, KeyRole.LOG, "洮北区教育局透明日志", date(2024, 6, 1), PASSPHRASE)
    services = _services(url, str(store.directory))
    upgrade(services.engine)
    env = services.env
    with writing(services.engine) as s:
        schools = {}
        for level in ("primary", "middle"):
            row = School(code=f"TB-{level}", name=f"洮北区{level}", level=level)
            s.add(row)
            s.flush()
            schools[level] = row.id
    primary = small_intakes("primary", pupils=50, classes=2)
    middle = small_intakes("middle", pupils=50, classes=2)
    smalls = [x for pair in zip(primary, middle, strict=False) for x in pair]
    smalls += primary[len(middle) :]
    smalls = smalls[:INTAKES]
    assert len(smalls) == INTAKES
    for n, small in enumerate(smalls):
        school = schools[small.level]
        assert school is not None
        iid = workflow.create_intake(
            env,
            school_id=school,
            draw_id=f"tb-2024-crash-{n:02d}",
            name="2024级一年级" if small.level == "primary" else "2024级七年级",
            year=2024,
            profile="taobei-2024",
            scheduled="2024-08-14T09:00:00+08:00",
            second_reason="压力测试：同校多个批次 / crash test: many intakes of one school",
            user="setup",
        )
        intake_db.import_roster(env, iid, filename="r.csv", data=small.roster, user="setup")
        intake_db.import_teams(env, iid, filename="t.csv", data=small.teams, user="setup")
        workflow.record_override(env, iid, reason=OVERRIDE, user="setup")
    services.engine.dispose()
    return kind, url, store.directory


def test_sigkill_at_random_points_leaves_a_consistent_record(
    district: tuple[str, str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kind, url, keys = district
    progress = tmp_path / "progress.log"
    progress.touch()
    ctx = forkserver(monkeypatch)
    tally = kill_many(ctx, kind, url, keys, progress)

    # Retried to completion: a worker left alone finishes every intake.
    proc = ctx.Process(target=worker, args=(url, str(keys), str(progress)))
    proc.start()
    proc.join(300)
    assert proc.exitcode == 0
    services = _services(url, str(keys))
    states = check_consistent(services.engine)
    assert {st.stage for st in states.values()} == {"published"}

    keyring = services.keyring()
    with reading(services.engine) as s:
        ids = list(s.exec(select(Intake.id)))
        stored = list(s.exec(select(RecordBlob.data).where(RecordBlob.name == "bundle/public.zip")))
    for iid in ids:
        assert iid is not None
        archive = workflow.export_bundle(services.env, iid, kind="archive", user="test")
        assert verify_bundle(archive, trusted=keyring).verified
    for public in stored:
        assert verify_bundle(public, trusted=keyring).verified
    services.engine.dispose()

    print(  # noqa: T201 - the numbers the report quotes (pytest -s)
        f"\ncrash test on {kind}: {tally.kills} kills; points hit: "
        + ", ".join(f"{p} ×{c}" for p, c in sorted(tally.points.items()))
    )
    for step in TARGETED:  # what the test proves, counted in kills, not seconds
        assert tally.inside(step) >= INSIDE, (step, tally.points)
        assert tally.after(step) >= AFTER_COMMIT, (step, tally.points)
