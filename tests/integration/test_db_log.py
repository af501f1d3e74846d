"""The transparency log kept in the database: the same bytes, tree heads and proofs as
the folder log, and concurrent appends that never share an index."""

from __future__ import annotations

import threading
from pathlib import Path

from servicekit import LOG, PASSPHRASE, Service
from sqlmodel import select

from placement.merkle import MerkleTree
from placement.tlog import Actor, Event, checkpoint_of, entry, parse_proof
from web.app.services import services
from web.db.engine import reading, writing
from web.db.models import LogEntry
from web.db.store import DbLog
from web.record.filelog import FileLog


def _entry(i: int, draw: str = "d") -> dict[str, object]:
    return entry(
        event=Event.WITNESS,
        draw_id=draw,
        actor=Actor.WITNESS,
        time=f"2024-08-14T09:{i % 60:02d}:00+08:00",
        detail={"index": i, "input": f"{i} 见证", "role": "家长代表"},
    )


def test_database_log_matches_folder_log(service: Service, tmp_path: Path) -> None:
    signer = service.store.signer(LOG, PASSPHRASE)
    folder = FileLog(tmp_path / "log")
    engine = services(service.app).engine
    for i in range(13):
        with writing(engine) as s:
            assert DbLog(s).append(_entry(i)) == folder.append(_entry(i))
    with writing(engine) as s:
        db_note = DbLog(s).checkpoint(signer)
    file_note = folder.checkpoint(signer)
    db_cp, file_cp = checkpoint_of(db_note), checkpoint_of(file_note)
    assert (db_cp.size, db_cp.root) == (file_cp.size, file_cp.root) == (13, folder.tree().root)
    with reading(engine) as s:
        log = DbLog(s)
        assert log.entries() == folder.entries()
        assert log.inclusion(5, db_note) == folder.inclusion(5, db_note)
        assert log.consistency(4, 13) == folder.consistency(4, 13)
        assert log.checkpoints() == {13: db_note}


def test_concurrent_appends_take_distinct_indices(service: Service) -> None:
    engine = services(service.app).engine
    got: list[int] = []
    lock = threading.Lock()

    def worker(w: int) -> None:
        for i in range(10):
            with writing(engine) as s:
                index = DbLog(s).append(_entry(i, f"draw-{w}"))
            with lock:
                got.append(index)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(40))
    with reading(engine) as s:
        rows = s.exec(select(LogEntry.index, LogEntry.leaf_hash)).all()
        tree = DbLog(s).tree()
    assert sorted(i for i, _ in rows) == list(range(40))
    assert tree.root == MerkleTree.from_leaf_hashes([h for _, h in sorted(rows)]).root


def test_proofs_parse(service: Service) -> None:
    signer = service.store.signer(LOG, PASSPHRASE)
    engine = services(service.app).engine
    with writing(engine) as s:
        log = DbLog(s)
        for i in range(3):
            log.append(_entry(i))
        note = log.checkpoint(signer)
        proof = log.inclusion(1, note)
    assert parse_proof(proof).index == 1
